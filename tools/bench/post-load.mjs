// Worker thread of `npm run bench`: one open-loop step of POST /runs, evenly spaced, in an event
// loop and heap of its own. The bench's main thread holds the sink and every run it has seen (tens
// of thousands of entries late in a run); its collections and callbacks would otherwise be counted
// as gateway latency. Receives { url, apiKey, rate, seconds, firstContact } as workerData and
// posts back { latencies, sendLags, errors, errorSample, runIds: [[runId, sentAt]], elapsedMs }.
import { parentPort, workerData } from 'node:worker_threads';
import { postRun, runBody, runRequestAgent } from './run-request.mjs';

const { url, apiKey, rate, seconds, firstContact } = workerData;
const agent = runRequestAgent();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const count = Math.max(1, Math.round(rate * seconds));
const latencies = [];
const sendLags = [];
const runIds = [];
let errors = 0;
let errorSample;
let contact = firstContact;

async function post() {
  contact += 1;
  const outcome = await postRun({ url, apiKey, agent, body: runBody(contact) });
  if (outcome.error) {
    errors += 1;
    errorSample ??= outcome.error;
    return;
  }
  latencies.push(performance.now() - outcome.sentAt);
  // performance.now() of a worker counts from the worker's start: the main thread re-bases it.
  for (const runId of outcome.runIds) runIds.push([runId, outcome.sentAt + performance.timeOrigin]);
}

const pending = [];
const started = performance.now();
for (let index = 0; index < count; index += 1) {
  const due = started + (index * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 0) await sleep(wait);
  sendLags.push(Math.max(0, performance.now() - due));
  pending.push(post());
}
await Promise.all(pending);
const elapsedMs = performance.now() - started;
await agent.close();
parentPort.postMessage({ latencies, sendLags, errors, errorSample, runIds, elapsedMs, lastContact: contact });
