#!/usr/bin/env node
// `npm run bench`: measures the platform on this machine, every figure in the same run, and prints
// progress on stderr and one JSON object of figures on stdout. It starts the four services from
// their bundles against the RabbitMQ and store in .data/infra.env (own namespace and databases,
// dropped afterwards), a local HTTP target for webhook nodes and a local sink that verifies every
// delivery with the `standardwebhooks` library.
//
//   BENCH_RUNS (300)  end-to-end runs        BENCH_GATEWAY_RATE (500)  POST /runs per second
//   BENCH_GATEWAY_SECONDS (10)               BENCH_DELIVERIES (2000)   dispatcher deliveries
import { spawn, execSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import amqplib from 'amqplib';
import autocannon from 'autocannon';
import { MongoClient } from 'mongodb';
import { Webhook } from 'standardwebhooks';
import { Agent, request } from 'undici';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const amqpUrl = process.env.AMQP_URL;
const mongoUrl = process.env.MONGO_URL;
if (!amqpUrl || !mongoUrl) throw new Error('AMQP_URL and MONGO_URL must be set (npm run bench sets them)');

const RUNS = Number(process.env.BENCH_RUNS ?? 300);
const GATEWAY_RATE = Number(process.env.BENCH_GATEWAY_RATE ?? 500);
const GATEWAY_SECONDS = Number(process.env.BENCH_GATEWAY_SECONDS ?? 10);
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 2000);
const TARGETS = { runsPerSecond: 200, gatewayP99Ms: 25, dispatcherRatio: 0.5 };
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const MESSAGING_SECRET = 'whsec_YmVuY2gtbWVzc2FnaW5nLXNlY3JldC0wMTIzNDU2Nzg5';

const log = (message) => process.stderr.write(`[bench] ${message}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const suffix = randomUUID().slice(0, 8);
const namespace = `bench${suffix}`;

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function until(check, what, timeoutMs = 120_000, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------- services

const SERVICES = {
  'workflow-processor': 'WORKFLOW_PROCESSOR_PORT',
  'webhook-dispatcher': 'WEBHOOK_DISPATCHER_PORT',
  'contact-resolver': 'CONTACT_RESOLVER_PORT',
  'workflow-api': 'WORKFLOW_API_PORT',
};
const databases = Object.fromEntries(
  Object.keys(SERVICES).map((name) => [name, `${name.replace('-', '_')}_bench_${suffix}`]),
);
const children = [];

async function startServices() {
  const urls = {};
  for (const [name, portVariable] of Object.entries(SERVICES)) {
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(root, 'dist/apps', name, 'main.js')], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        AMQP_URL: amqpUrl,
        AMQP_NAMESPACE: namespace,
        MONGO_URL: withDatabase(mongoUrl, databases[name]),
        ADMIN_TOKEN,
        MESSAGING_CALLBACK_SECRET: MESSAGING_SECRET,
        MESSAGING_URL: 'http://127.0.0.1:9',
        ALLOW_LOOPBACK_TARGETS: 'true',
        API_RATE_LIMIT: '1000000',
        LOG_LEVEL: 'warn',
        [portVariable]: String(port),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr.on('data', () => undefined);
    children.push(child);
    urls[name] = `http://127.0.0.1:${port}`;
  }
  for (const [name, url] of Object.entries(urls)) {
    await until(
      async () => (await fetch(`${url}/health/ready`).catch(() => null))?.status === 200,
      `${name} ready`,
      60_000,
    );
  }
  return urls;
}

async function stopServices() {
  await Promise.all(
    children
      .filter((child) => child.exitCode === null)
      .map((child) => new Promise((resolve) => child.once('exit', resolve) && child.kill('SIGTERM'))),
  );
}

/** Peak resident memory per service, sampled from each service's own /metrics. */
function watchMemory(urls) {
  const peaks = Object.fromEntries(Object.keys(urls).map((name) => [name, 0]));
  const timer = setInterval(async () => {
    for (const [name, url] of Object.entries(urls)) {
      const text = await fetch(`${url}/metrics`)
        .then((response) => response.text())
        .catch(() => '');
      const match = /^process_resident_memory_bytes(?:\{[^}]*\})? (\d+)/m.exec(text);
      if (match) peaks[name] = Math.max(peaks[name], Number(match[1]) / 1024 / 1024);
    }
  }, 500);
  return {
    stop: () => {
      clearInterval(timer);
      return Object.fromEntries(Object.entries(peaks).map(([name, mb]) => [name, Math.round(mb)]));
    },
  };
}

// ---------------------------------------------------------------- local HTTP: webhook target + verifying sink

function startLocalServer() {
  const sink = { secret: null, completions: new Map(), deliveries: 0, rejected: 0, raw: 0 };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url === '/target') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"data":{"ticket":"T-1"}}');
      }
      if (req.url === '/raw') {
        sink.raw += 1;
        res.writeHead(204);
        return res.end();
      }
      try {
        const webhook = new Webhook(sink.secret).verify(body, {
          'webhook-id': String(req.headers['webhook-id']),
          'webhook-timestamp': String(req.headers['webhook-timestamp']),
          'webhook-signature': String(req.headers['webhook-signature']),
        });
        sink.deliveries += 1;
        if (webhook.event === 'WORKFLOW_RUN_COMPLETED' && !sink.completions.has(webhook.data.recordId))
          sink.completions.set(webhook.data.recordId, performance.now());
        res.writeHead(204);
      } catch {
        sink.rejected += 1;
        res.writeHead(401);
      }
      res.end();
    });
  });
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, sink, url: `http://127.0.0.1:${server.address().port}` })),
  );
}

// ---------------------------------------------------------------- API helpers

async function api(baseUrl, method, route, token, body) {
  const response = await fetch(`${baseUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 400) throw new Error(`${method} ${route} → ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

function referenceWorkflow(targetUrl) {
  return {
    startNodeId: 'check',
    nodes: [
      {
        id: 'check',
        type: 'condition',
        config: {
          branches: [{ when: { all: [{ path: 'run.id', op: 'exists', value: true }] }, target: 'notify' }],
          else: null,
        },
      },
      {
        id: 'notify',
        type: 'webhook',
        config: {
          method: 'POST',
          url: targetUrl,
          contentType: 'json',
          body: { run: '{{run.id}}' },
          timeoutSeconds: 5,
          setVariables: [{ name: 'data.ticket', variable: 'ticket' }],
        },
        transitions: { onSuccess: 'done' },
      },
      { id: 'done', type: 'output', config: { value: { ticket: '{{vars.ticket}}' } } },
    ],
  };
}

// ---------------------------------------------------------------- measurements

async function brokerBaseline(count = 20_000) {
  const connection = await amqplib.connect(amqpUrl);
  try {
    const channel = await connection.createConfirmChannel();
    const queue = `${namespace}.baseline`;
    await channel.assertQueue(queue, { durable: true });
    let consumed = 0;
    const done = new Promise((resolve) => {
      channel.consume(queue, (message) => {
        if (!message) return; // cancelled when the queue is deleted
        channel.ack(message);
        consumed += 1;
        if (consumed === count) resolve();
      });
    });
    const payload = Buffer.from(JSON.stringify({ id: 'x', type: 'baseline', payload: { n: 1 } }));
    const started = performance.now();
    for (let index = 0; index < count; index += 1) {
      if (!channel.publish('', queue, payload, { persistent: true }))
        await new Promise((r) => channel.once('drain', r));
    }
    await channel.waitForConfirms();
    await done;
    const seconds = (performance.now() - started) / 1000;
    await channel.deleteQueue(queue);
    return Math.round(count / seconds);
  } finally {
    await connection.close();
  }
}

/**
 * Single-document updates by _id per second, on a small collection and on one of `size` documents:
 * FerretDB v1 (SQLite) finds the document to update by scanning, so its update rate falls as a
 * collection grows (MongoDB's does not). Both are figures the service numbers are read against.
 */
async function storeBaseline(size, count = 1000, concurrency = 8) {
  const client = await MongoClient.connect(mongoUrl);
  const database = client.db(`baseline_bench_${suffix}`);
  try {
    const collection = database.collection(`documents_${size}`);
    const filler = Array.from({ length: size }, (_, index) => ({ _id: `doc_${index}`, n: 0, updatedAt: new Date() }));
    for (let index = 0; index < filler.length; index += 500)
      await collection.insertMany(filler.slice(index, index + 500));
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        while (next < count) {
          next += 1;
          await collection.updateOne({ _id: `doc_${worker}` }, { $set: { updatedAt: new Date() }, $inc: { n: 1 } });
        }
      }),
    );
    return Math.round(count / ((performance.now() - started) / 1000));
  } finally {
    await database.dropDatabase().catch(() => undefined);
    await client.close();
  }
}

async function endToEnd(apiUrl, apiKey, workflowId, sink) {
  const perRequest = 50;
  const posted = new Map();
  const started = performance.now();
  for (let offset = 0; offset < RUNS; offset += perRequest) {
    const ids = Array.from({ length: Math.min(perRequest, RUNS - offset) }, (_, index) => `cp_e2e_${offset + index}`);
    const at = performance.now();
    const accepted = await api(apiUrl, 'POST', `/v1/workflows/${workflowId}/runs`, apiKey, {
      triggerSource: 'API',
      candidateProfileIds: ids,
    });
    for (const runId of accepted.runIds) posted.set(runId, at);
  }
  let reported = 0;
  await until(
    () => {
      const done = [...posted.keys()].filter((runId) => sink.completions.has(runId)).length;
      if (done - reported >= 50) {
        reported = done;
        log(`  ${done}/${RUNS} runs completed`);
      }
      return done === RUNS;
    },
    'every run to complete at the sink',
    30 * 60_000,
    200,
  );
  const latencies = [...posted].map(([runId, at]) => sink.completions.get(runId) - at).sort((a, b) => a - b);
  const last = Math.max(...[...posted.keys()].map((runId) => sink.completions.get(runId)));
  return {
    runsPerSecond: Number((RUNS / ((last - started) / 1000)).toFixed(1)),
    latencyMs: {
      p50: Math.round(percentile(latencies, 50)),
      p95: Math.round(percentile(latencies, 95)),
      p99: Math.round(percentile(latencies, 99)),
    },
  };
}

async function gatewayLatency(apiUrl, apiKey, workflowId) {
  let counter = 0;
  const result = await autocannon({
    url: `${apiUrl}/v1/workflows/${workflowId}/runs`,
    method: 'POST',
    connections: 50,
    overallRate: GATEWAY_RATE,
    duration: GATEWAY_SECONDS,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ triggerSource: 'API', candidateProfileIds: [`cp_gw_${(counter += 1)}`] }),
        }),
      },
    ],
  });
  return {
    rps: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

async function dispatcherThroughput(organizationId, sink, localUrl) {
  const connection = await amqplib.connect(amqpUrl);
  const before = sink.deliveries;
  let seconds;
  try {
    const channel = await connection.createConfirmChannel();
    const started = performance.now();
    for (let index = 0; index < DELIVERIES; index += 1) {
      const id = `evt_bench${suffix}${index}`;
      const envelope = {
        id,
        type: 'WORKFLOW_PUBLISHED',
        schemaVersion: 1,
        occurredAt: new Date().toISOString(),
        organizationId,
        correlationId: id,
        causationId: null,
        payload: { recordId: `wfv_${index}`, organizationId, workflowId: 'wf_bench', versionNumber: 1 },
      };
      channel.publish(`${namespace}.events`, envelope.type, Buffer.from(JSON.stringify(envelope)), {
        persistent: true,
        messageId: id,
      });
    }
    await channel.waitForConfirms();
    await until(() => sink.deliveries - before >= DELIVERIES, 'the deliveries', 10 * 60_000, 50);
    seconds = (performance.now() - started) / 1000;
  } finally {
    await connection.close();
  }
  // The same receiver, the same number of POSTs from this process, same concurrency as the dispatcher.
  const agent = new Agent({ connections: 8, keepAliveTimeout: 10_000 });
  const body = JSON.stringify({ event: 'RAW', eventId: 'evt_raw', eventTimestamp: new Date().toISOString(), data: {} });
  let sent = 0;
  const rawStarted = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (sent < DELIVERIES) {
        sent += 1;
        const response = await request(`${localUrl}/raw`, {
          method: 'POST',
          body,
          dispatcher: agent,
          headers: { 'content-type': 'application/json' },
        });
        await response.body.dump();
      }
    }),
  );
  const rawSeconds = (performance.now() - rawStarted) / 1000;
  await agent.close();
  const deliveriesPerSecond = Math.round(DELIVERIES / seconds);
  const rawPostsPerSecond = Math.round(DELIVERIES / rawSeconds);
  return {
    deliveriesPerSecond,
    rawPostsPerSecond,
    ratio: Number((deliveriesPerSecond / rawPostsPerSecond).toFixed(3)),
  };
}

/** Where a target is missed, the measured limit that explains it. */
function bottlenecks(figures) {
  const notes = [];
  const { e2e, gateway, dispatcher, baselines } = figures;
  const store =
    `the store does ${baselines.storeUpdatesPerSecond} single-document updates/s on a small collection but only ` +
    `${baselines.storeUpdatesPerSecondAt5000Docs}/s on one of 5,000 documents (FerretDB v1.24 on SQLite ` +
    `indexes _id as _ferretdb_sjson->"_id" but looks it up as _ferretdb_sjson->'$._id', so SQLite scans the ` +
    `collection for every update by _id, and every update slows as runs, events and deliveries accumulate)`;
  if (e2e.runsPerSecond < TARGETS.runsPerSecond)
    notes.push(
      `e2e ${e2e.runsPerSecond} runs/s < ${TARGETS.runsPerSecond}: store-bound — a run makes about 10 updates across ` +
        `three services (request outbox, resolution, claim, run insert and one per node, outbox removals, then the ` +
        `dispatcher's event, delivery and outcome); ${store}. The broker (${baselines.brokerMessagesPerSecond} msg/s) is not the limit.`,
    );
  if (gateway.p99Ms > TARGETS.gatewayP99Ms)
    notes.push(
      `gateway p99 ${gateway.p99Ms} ms > ${TARGETS.gatewayP99Ms} ms at ${GATEWAY_RATE}/s: each POST /runs inserts a ` +
        `request and then removes its published outbox entries by update; ${store}, and the runs it causes compete ` +
        `for the same store and the same ${os.cpus().length} cores.`,
    );
  if (dispatcher.ratio < TARGETS.dispatcherRatio)
    notes.push(
      `dispatcher ${dispatcher.ratio} of raw HTTP: a raw POST touches no store, each delivery stores its event and ` +
        `delivery and updates the delivery with its outcome; ${store}.`,
    );
  return notes;
}

// ---------------------------------------------------------------- main

async function main() {
  const local = await startLocalServer();
  log(`baselines: broker publish→consume and store updates`);
  const baselines = {
    brokerMessagesPerSecond: await brokerBaseline(),
    storeUpdatesPerSecond: await storeBaseline(8),
    storeUpdatesPerSecondAt5000Docs: await storeBaseline(5000, 300),
  };
  log(
    `  broker ${baselines.brokerMessagesPerSecond} msg/s, store ${baselines.storeUpdatesPerSecond} updates/s ` +
      `(${baselines.storeUpdatesPerSecondAt5000Docs}/s in a collection of 5,000 documents)`,
  );

  log('starting the four services');
  const urls = await startServices();
  const memory = watchMemory(urls);
  try {
    const apiUrl = urls['workflow-api'];
    const org = await api(apiUrl, 'POST', '/v1/orgs', ADMIN_TOKEN, { name: 'Bench' });
    const endpoint = await api(apiUrl, 'POST', '/v1/webhook-endpoints', org.apiKey, {
      url: `${local.url}/sink`,
      eventTypes: ['WORKFLOW_RUN_COMPLETED', 'WORKFLOW_PUBLISHED'],
    });
    local.sink.secret = endpoint.secret;
    const workflow = await api(apiUrl, 'POST', '/v1/workflows', org.apiKey, {
      name: 'reference',
      definition: referenceWorkflow(`${local.url}/target`),
    });
    await api(apiUrl, 'POST', `/v1/workflows/${workflow.id}/publish`, org.apiKey);
    await sleep(500);

    log(`end to end: ${RUNS} runs (condition → webhook → output), completion verified at the sink`);
    const e2e = await endToEnd(apiUrl, org.apiKey, workflow.id, local.sink);
    log(`  ${e2e.runsPerSecond} runs/s, p50 ${e2e.latencyMs.p50} ms, p99 ${e2e.latencyMs.p99} ms`);

    log(`dispatcher: ${DELIVERIES} signed deliveries vs raw POSTs to the same receiver`);
    const dispatcher = await dispatcherThroughput(org.id, local.sink, local.url);
    log(`  ${dispatcher.deliveriesPerSecond}/s vs raw ${dispatcher.rawPostsPerSecond}/s`);

    log(`gateway: POST /runs at ${GATEWAY_RATE}/s for ${GATEWAY_SECONDS} s`);
    const gateway = await gatewayLatency(apiUrl, org.apiKey, workflow.id);
    log(`  ${gateway.rps} req/s, p50 ${gateway.p50Ms} ms, p99 ${gateway.p99Ms} ms, ${gateway.errors} errors`);

    const figures = { e2e, gateway, dispatcher, baselines };
    const result = {
      ...figures,
      memoryMb: memory.stop(),
      signatureFailures: local.sink.rejected,
      targets: TARGETS,
      bottlenecks: bottlenecks(figures),
      machine: { cores: os.cpus().length, memoryGb: Math.round(os.totalmem() / 1024 ** 3), node: process.version },
      commit: execSync('git rev-parse --short HEAD', { cwd: root }).toString().trim(),
      store:
        process.env.BENCH_STORE ??
        'the MongoDB-compatible server at MONGO_URL (npm run bench: FerretDB v1 on SQLite unless MONGO_URL is set)',
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    memory.stop();
    log('stopping services and dropping the bench namespace');
    await stopServices();
    local.server.closeAllConnections();
    local.server.close();
    await cleanup();
  }
}

/**
 * The bench namespace's queues and exchanges, named as libs/contracts/src/topology.ts names them
 * (with the default retry delays): removed so that the bench leaves nothing on the broker.
 */
function benchTopology() {
  const workQueues = [
    'workflow-processor.commands',
    'contact-resolver.commands',
    'contact-resolver.run-events',
    'webhook-dispatcher.events',
  ];
  const queues = workQueues.flatMap((queue) => [
    queue,
    `${queue}.dlq`,
    ...[1000, 5000, 30000].map((delay) => `${queue}.retry.${delay}ms`),
  ]);
  queues.push(
    'workflow-processor.rpc',
    'contact-resolver.rpc',
    'webhook-dispatcher.rpc',
    'webhook-dispatcher.deliveries.dlq',
  );
  return {
    queues: queues.map((queue) => `${namespace}.${queue}`),
    exchanges: ['commands', 'events', 'rpc', 'dlx'].map((kind) => `${namespace}.${kind}`),
  };
}

async function cleanup() {
  const client = await MongoClient.connect(mongoUrl).catch(() => null);
  if (client) {
    for (const database of Object.values(databases))
      await client
        .db(database)
        .dropDatabase()
        .catch(() => undefined);
    await client.close();
  }
  const connection = await amqplib.connect(amqpUrl).catch(() => null);
  if (!connection) return;
  const { queues, exchanges } = benchTopology();
  for (const name of [...queues, ...exchanges]) {
    // A fresh channel per object: deleting something that does not exist closes the channel.
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    if (queues.includes(name)) await channel.deleteQueue(name).catch(() => undefined);
    else await channel.deleteExchange(name).catch(() => undefined);
    await channel.close().catch(() => undefined);
  }
  await connection.close().catch(() => undefined);
}

main().catch(async (error) => {
  log(`failed: ${error.stack ?? error}`);
  await stopServices();
  process.exit(1);
});
