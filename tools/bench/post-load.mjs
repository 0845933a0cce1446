// Worker thread of `npm run bench`: one open-loop step of POST /runs, evenly spaced, in an event
// loop and heap of its own. The bench's main thread holds the sink and every run it has seen (tens
// of thousands of entries late in a run); its collections and callbacks would otherwise be counted
// as gateway latency. Receives { url, apiKey, rate, seconds, firstContact } as workerData and
// posts back { latencies, sendLags, errors, errorSample, runIds: [[runId, sentAt]], elapsedMs }.
import { parentPort, workerData } from 'node:worker_threads';
import { Agent, request } from 'undici';

const { url, apiKey, rate, seconds, firstContact } = workerData;
const agent = new Agent({ connections: 64, headersTimeout: 30_000, bodyTimeout: 30_000, keepAliveTimeout: 10_000 });
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
  const body = JSON.stringify({ triggerSource: 'API', contacts: [{ email: `bench+${contact}@example.com` }] });
  const sentAt = performance.now();
  try {
    const response = await request(url, {
      method: 'POST',
      dispatcher: agent,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body,
    });
    const text = await response.body.text();
    if (response.statusCode !== 202) throw new Error(`${response.statusCode} ${text.slice(0, 200)}`);
    latencies.push(performance.now() - sentAt);
    // performance.now() of a worker counts from the worker's start: the main thread re-bases it.
    for (const runId of JSON.parse(text).runIds) runIds.push([runId, sentAt + performance.timeOrigin]);
  } catch (error) {
    errors += 1;
    errorSample ??= error instanceof Error ? error.message : String(error);
  }
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
