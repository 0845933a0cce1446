#!/usr/bin/env node
// `npm run bench`: measures the platform on this machine, every figure in the same run, and prints
// progress on stderr and one JSON object of figures on stdout. It starts the four services from
// their bundles against the RabbitMQ and store in .data/infra.env (own namespace and databases,
// dropped afterwards), a local HTTP target for webhook nodes and a local sink that verifies every
// delivery with the `standardwebhooks` library.
//
// It always prints its JSON: each phase runs on its own, a phase that fails (or a wait that sees no
// progress for 60 s) leaves `errors.<phase>` and the figures it did obtain; SIGINT, SIGTERM or an
// unexpected exception print what there is, then clean up. Exit code 0 once figures were printed.
//
// Phases, in this order (BENCH_PHASES selects a subset, comma-separated; default all):
//   baselines   broker publish→consume msg/s; the store's inserts, finds and updates by _id per
//               second (8 clients, 5,000 documents the size of a run document)
//   e2e         e2e.fresh: open-loop POST /runs (one new inline contact each) on an empty store;
//               storeOpsPerRun, eventsPerRun, messagesPerRun and cpuMsPerRun over that phase
//   burst       e2e.maxRunsPerSecond: BENCH_BURST_RUNS POSTs from 16 concurrent clients
//   growth      clones the fresh phase's documents up to BENCH_GROWTH_RUNS finished runs, then
//               e2e.afterGrowth (the same open-loop phase) and e2e.flatness (needs e2e)
//   dispatcher  events published straight to the events exchange: deliveries/s vs raw POSTs/s
//   gateway     POST /runs latency at an evenly spaced open-loop rate: 5 s with every service at
//               normal priority, 5 s with the others at nice 19, then (the gateway's figure) with
//               the others paused, as if the gateway had cores of its own; then stepped up
//
//   BENCH_E2E_RATE (60)          POSTs per second in e2e.fresh and e2e.afterGrowth
//   BENCH_E2E_SECONDS (20)       how long they post
//   BENCH_WARM_UP_SECONDS (10)   e2e.warmUp: the same open loop before e2e.fresh, so that the
//                                figures are those of running services, not of their first
//                                seconds (JIT, pools); reported on its own (0 skips it)
//   BENCH_BURST_RUNS (500)       runs posted as fast as 16 clients can
//   BENCH_GROWTH_RUNS (20000)    finished runs the store holds for e2e.afterGrowth (0 skips growth)
//   BENCH_GATEWAY_RATE (200)     POST /runs per second; then 300, 400, 600, 800, ... for 5 s each
//   BENCH_GATEWAY_SECONDS (10)   how long the gateway rate is held with the others paused (at most 10)
//   BENCH_DELIVERIES (10000)     dispatcher deliveries
//   BENCH_PHASES (all)           e.g. "baselines,e2e"
//   BENCH_NODE_OPTIONS           NODE_OPTIONS for the services, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
//   BENCH_ENV_<NAME>             sets <NAME> for every service, e.g. BENCH_ENV_RUN_ORGANIZATION_CONCURRENCY=64
//   BENCH_TRACING (off)          "on": every service exports traces (OTLP/HTTP) to the local server
import { spawn, execSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import amqplib from 'amqplib';
import { BSON, MongoClient, ObjectId } from 'mongodb';
import { Webhook } from 'standardwebhooks';
import { Agent, request } from 'undici';
import { postRun as postRunRequest, runBody, runRequestAgent } from './run-request.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The V8 flags every service runs with (the file says why).
const { flags: serviceNodeFlags, env: serviceNodeEnv } = JSON.parse(
  readFileSync(path.join(root, 'tools/service-node-flags.json'), 'utf8'),
);
const amqpUrl = process.env.AMQP_URL;
const mongoUrl = process.env.MONGO_URL;
const storeMetricsUrl = process.env.STORE_METRICS_URL || null;
const storePid = process.env.STORE_PID ? Number(process.env.STORE_PID) : null;
// The postmaster when the store is FerretDB on PostgreSQL: its processes' memory and CPU are the store's too.
const storePgPid = process.env.STORE_PG_PID ? Number(process.env.STORE_PG_PID) : null;
// The broker's Erlang VM when `infra up` started it: its CPU per run is reported beside the store's.
const brokerPid = process.env.BROKER_PID ? Number(process.env.BROKER_PID) : null;

const ALL_PHASES = ['baselines', 'e2e', 'burst', 'growth', 'dispatcher', 'gateway'];
const TARGETS = {
  e2eRunsPerSecond: 50,
  e2eRunsPerSecondAim: 100,
  runLatencyP99Ms: 2000,
  gatewayP99Ms: 25,
  gatewayRate: 200,
  gatewayErrors: 0,
  dispatcherRatio: 0.5,
  storeOpsPerRun: 15,
  flatness: 0.8,
  serviceRssMb: 200,
  storeRssMb: 1024,
};
const GATEWAY_STEPS = [300, 400, 600, 800, 1000, 1200, 1600, 2000, 2500, 3000, 4000, 5000];
const STALL_MS = 60_000;
const QUIET_MS = 2000;
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
// The gateway's /metrics is for operators: scrapes send the admin token.
const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` };
const MESSAGING_SECRET = 'whsec_YmVuY2gtbWVzc2FnaW5nLXNlY3JldC0wMTIzNDU2Nzg5';
// Commands that are connection upkeep, not work (FerretDB counts them; the services do not).
const STORE_UPKEEP = new Set([
  'hello',
  'isMaster',
  'ismaster',
  'ping',
  'buildInfo',
  'endSessions',
  'saslStart',
  'saslContinue',
  'getParameter',
]);
// Reads that idle services keep making (delivery poller, run timers, outbox sweepers): work has
// settled when every other command and every publish has stopped.
const READ_COMMANDS = new Set(['find', 'getMore', 'killCursors', 'count', 'aggregate', 'distinct', 'listIndexes']);
// Idle pollers (due deliveries, run timers) claim with findAndModify every interval, mostly
// matching nothing: it does not count as work when waiting for the services to settle.
const POLL_COMMANDS = new Set(['findAndModify']);

const log = (message) => process.stderr.write(`[bench] ${message}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value, digits = 1) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : null);
const messageOf = (error) => (error instanceof Error ? error.message : String(error));
const suffix = randomUUID().slice(0, 8);
const namespace = `bench${suffix}`;

function knob(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number >= 0, not "${raw}"`);
  return value;
}

// ---------------------------------------------------------------- the result, filled in as phases finish

const result = {
  e2e: {},
  storeOpsPerRun: null,
  eventsPerRun: null,
  messagesPerRun: null,
  cpuMsPerRun: null,
  dispatcher: null,
  gateway: null,
  baselines: {},
  memoryMb: null,
  signatureFailures: 0,
  duplicateDeliveries: 0,
  serviceLogs: null,
  deadLetters: null,
  verdict: [],
  bottlenecks: [],
  targets: TARGETS,
  errors: {},
  settings: null,
  phaseSeconds: {},
  // Per phase: the machine's cores busy and stolen by the host, in percent (see machineCpuSince).
  machineByPhase: {},
  machine: {
    cores: os.cpus().length,
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    // 1-minute load average at start and end: the cores may be shared with other work.
    loadAverage: { start: round(os.loadavg()[0], 2), end: null },
  },
  commit: null,
  store:
    process.env.BENCH_STORE ??
    'the MongoDB-compatible server at MONGO_URL (npm run bench: FerretDB v1 on SQLite unless MONGO_URL is set)',
};

let settings;
let finishing = false;
let currentPhase = null;
let memory = null;
let local = null;
let runDocBytes = null;

/** Runs one phase: its error (or interruption) is recorded under its name, the bench goes on. */
async function phase(name, body) {
  if (finishing) return undefined;
  currentPhase = name;
  const started = performance.now();
  const cpuBefore = machineCpu();
  log(`── ${name}`);
  try {
    return await body();
  } catch (error) {
    if (!finishing) {
      result.errors[name] = messageOf(error);
      log(`${name} failed: ${messageOf(error)}`);
    }
    return undefined;
  } finally {
    result.phaseSeconds[name] = round((performance.now() - started) / 1000);
    const machine = machineCpuSince(cpuBefore);
    if (machine) result.machineByPhase[name] = machine;
    if (currentPhase === name) currentPhase = null;
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * Ports for the services come from 25000-25499, below the kernel's ephemeral range: a port from
 * `listen(0)` is ephemeral, and the bench's own outgoing connections could take it between this
 * probe and the service's bind (libs/testing/src/child-ports.ts says more; tests use 12000-24999).
 */
const SERVICE_PORTS = { first: 25_000, size: 500 };
let nextServicePort = SERVICE_PORTS.first + Math.floor(Math.random() * SERVICE_PORTS.size);

async function freePort() {
  const { first, size } = SERVICE_PORTS;
  for (let tried = 0; tried < size; tried += 1) {
    const port = nextServicePort;
    nextServicePort = first + ((port - first + 1) % size);
    const free = await new Promise((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in ${first}-${first + size - 1}`);
}

/**
 * Waits until `done(value)` for the value `probe()` returns, failing only when the value has not
 * changed for `stallMs` (no progress); the error names what it waited for and what it last saw.
 * Says how far it has got every 10 s.
 */
async function waitFor(what, probe, done, { stallMs = STALL_MS, intervalMs = 250, describe = JSON.stringify } = {}) {
  let last;
  let lastKey;
  let lastError;
  let changedAt = Date.now();
  let reportedAt = Date.now();
  for (;;) {
    if (finishing) throw new Error(`interrupted while waiting for ${what}`);
    const dead = deadServices();
    if (dead) throw new Error(`gave up waiting for ${what}: ${dead}`);
    const outcome = await Promise.resolve()
      .then(probe)
      .then(
        (value) => ({ value }),
        (error) => ({ error: messageOf(error) }),
      );
    lastError = outcome.error ?? null;
    if (!('error' in outcome)) {
      const key = JSON.stringify(outcome.value);
      if (key !== lastKey) {
        changedAt = Date.now();
        lastKey = key;
      }
      last = outcome.value;
      if (done(outcome.value)) return outcome.value;
    }
    if (Date.now() - changedAt > stallMs) {
      const seen = last === undefined ? 'nothing' : describe(last);
      const extra = [lastError && `last probe failed: ${lastError}`, deadServices()].filter(Boolean).join('; ');
      throw new Error(
        `no progress for ${stallMs / 1000} s waiting for ${what}; last saw ${seen}${extra ? `; ${extra}` : ''}`,
      );
    }
    if (Date.now() - reportedAt >= 10_000) {
      reportedAt = Date.now();
      log(`  waiting for ${what}: ${last === undefined ? lastError : describe(last)}`);
    }
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
const baselineDatabase = `baseline_bench_${suffix}`;
const children = new Map();
const serviceLogs = {};
let stoppingServices = false;

/** Counts each service's warning and error log lines and keeps its last lines for error messages. */
function followLog(name, child) {
  const state = { warnings: 0, errors: 0, lastError: null, tail: [], partial: '' };
  serviceLogs[name] = state;
  const onData = (chunk) => {
    const lines = (state.partial + chunk.toString('utf8')).split('\n');
    state.partial = lines.pop();
    for (const line of lines) {
      if (!line.trim()) continue;
      const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 0);
      if (level >= 50) {
        state.errors += 1;
        state.lastError = line.slice(0, 500);
      } else if (level === 40) state.warnings += 1;
      state.tail.push(line.slice(0, 500));
      if (state.tail.length > 10) state.tail.shift();
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
}

function deadServices() {
  const dead = [...children]
    .filter(([, child]) => child.exitCode !== null || child.signalCode !== null)
    .map(
      ([name, child]) =>
        `${name} exited (${child.exitCode ?? child.signalCode}): ${serviceLogs[name]?.tail.at(-1) ?? ''}`,
    );
  return dead.length ? dead.join('; ') : null;
}

async function startServices() {
  const urls = {};
  for (const [name, portVariable] of Object.entries(SERVICES)) {
    const port = await freePort();
    const child = spawn(process.execPath, [...serviceNodeFlags, path.join(root, 'dist/apps', name, 'main.js')], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        ...serviceNodeEnv,
        // Not production: the bench's receivers listen on loopback, which production refuses to call.
        NODE_ENV: 'test',
        AMQP_URL: amqpUrl,
        AMQP_NAMESPACE: namespace,
        MONGO_URL: withDatabase(mongoUrl, databases[name]),
        ADMIN_TOKEN,
        MESSAGING_CALLBACK_SECRET: MESSAGING_SECRET,
        MESSAGING_URL: 'http://127.0.0.1:9',
        ALLOW_LOOPBACK_TARGETS: 'true',
        API_RATE_LIMIT: '1000000',
        LOG_LEVEL: 'warn',
        // e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to see where a service spends its time.
        ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
        // BENCH_TRACING=on: every service exports its spans (OTLP/HTTP protobuf) to the local server.
        ...(settings.tracing ? { OTEL_EXPORTER_OTLP_ENDPOINT: local.url } : {}),
        // BENCH_ENV_<NAME>=value sets <NAME> for every service, e.g. BENCH_ENV_AMQP_PREFETCH=64.
        ...Object.fromEntries(
          Object.entries(process.env)
            .filter(([key]) => key.startsWith('BENCH_ENV_'))
            .map(([key, value]) => [key.slice('BENCH_ENV_'.length), value]),
        ),
        [portVariable]: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    followLog(name, child);
    child.on('exit', (code, signal) => {
      if (!stoppingServices) {
        const message = `${name} exited (${code ?? signal}) during ${currentPhase ?? 'the bench'}: ${serviceLogs[name]?.tail.at(-1) ?? ''}`;
        result.errors.services = result.errors.services ? `${result.errors.services}; ${message}` : message;
        log(message);
      }
    });
    children.set(name, child);
    urls[name] = `http://127.0.0.1:${port}`;
  }
  for (const [name, url] of Object.entries(urls)) {
    await waitFor(
      `${name} to be ready`,
      async () => {
        const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(5000) });
        await response.arrayBuffer();
        return response.status;
      },
      (status) => status === 200,
      { describe: (status) => `HTTP ${status}` },
    );
  }
  return urls;
}

async function stopServices() {
  stoppingServices = true;
  await Promise.all(
    [...children.values()]
      .filter((child) => child.exitCode === null && child.signalCode === null)
      .map(
        (child) =>
          new Promise((resolve) => {
            const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(force);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
  );
}

/** prom-client's default Node.js metrics behind `memoryDetailMb` (peaks, each on its own). */
const HEAP_METRICS = [
  ['heapUsed', 'nodejs_heap_size_used_bytes'],
  ['heapTotal', 'nodejs_heap_size_total_bytes'],
  ['external', 'nodejs_external_memory_bytes'],
];

/**
 * Peak resident memory per service and of the store (/proc/<pid>/status; PostgreSQL's processes
 * too when STORE_PG_PID is set) every 500 ms, and each service's heap and event-loop delay from
 * its /metrics every 5 s. Only the latter costs the services anything: rendering /metrics takes
 * the gateway's event loop for milliseconds, which at 2 scrapes a second showed in its p99.
 */
function watchMemory(urls) {
  const peaks = Object.fromEntries(Object.keys(urls).map((name) => [name, null]));
  // The phase each service reached its peak in: what to look at when one is over its target.
  const peakPhases = Object.fromEntries(Object.keys(urls).map((name) => [name, null]));
  const heapPeaks = Object.fromEntries(Object.keys(urls).map((name) => [name, {}]));
  const lagPeaks = Object.fromEntries(Object.keys(urls).map((name) => [name, null]));
  let storePeak = null;
  const pgPeaks = { storeFerretdb: null, storePostgres: null, storePostgresPss: null };
  const rssTimer = setInterval(() => {
    for (const name of Object.keys(urls)) {
      const rss = rssMb(children.get(name)?.pid);
      if (rss !== null && rss > (peaks[name] ?? 0)) {
        peaks[name] = rss;
        peakPhases[name] = currentPhase;
      }
    }
    const storeRss = rssMb(storePid);
    const pg = storePgPid ? pgMemoryMb() : null;
    if (storeRss !== null) storePeak = Math.max(storePeak ?? 0, storeRss + (pg?.rss ?? 0));
    if (pg) {
      pgPeaks.storeFerretdb = Math.max(pgPeaks.storeFerretdb ?? 0, storeRss ?? 0);
      pgPeaks.storePostgres = Math.max(pgPeaks.storePostgres ?? 0, pg.rss);
      pgPeaks.storePostgresPss = Math.max(pgPeaks.storePostgresPss ?? 0, pg.pss);
    }
  }, 500);
  let busy = false;
  const metricsTimer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      await Promise.all(
        Object.entries(urls).map(async ([name, url]) => {
          const text = await fetch(`${url}/metrics`, { headers: adminHeaders, signal: AbortSignal.timeout(2000) })
            .then((response) => response.text())
            .catch(() => '');
          // What the resident memory is made of at its peaks: V8's heap (used, reserved), buffers.
          // Event-loop delay p99 since the previous scrape (prom-client resets it on each one).
          const lag = /^nodejs_eventloop_lag_p99_seconds(?:\{[^}]*\})? ([\d.e+-]+)/m.exec(text);
          if (lag) lagPeaks[name] = Math.max(lagPeaks[name] ?? 0, Number(lag[1]) * 1000);
          for (const [key, metric] of HEAP_METRICS) {
            const value = new RegExp(`^${metric}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(text);
            if (value) heapPeaks[name][key] = Math.max(heapPeaks[name][key] ?? 0, Number(value[1]) / 1024 / 1024);
          }
        }),
      );
    } finally {
      busy = false;
    }
  }, 5000);
  return {
    stop: () => {
      clearInterval(rssTimer);
      clearInterval(metricsTimer);
      const figures = Object.fromEntries(
        Object.entries(peaks).map(([name, mb]) => [name, mb === null ? null : Math.round(mb)]),
      );
      figures.store = storePeak === null ? null : Math.round(storePeak);
      // On PostgreSQL, store = FerretDB's RSS + the sum of PostgreSQL's processes' RSS (which counts
      // their shared buffers once per process); storePostgresPss shares those out instead.
      if (storePgPid)
        for (const [name, mb] of Object.entries(pgPeaks)) figures[name] = mb === null ? null : Math.round(mb);
      result.eventLoopLagP99PeakMs = Object.fromEntries(
        Object.entries(lagPeaks).map(([name, ms]) => [name, ms === null ? null : round(ms)]),
      );
      result.memoryPeakPhase = peakPhases;
      result.memoryDetailMb = Object.fromEntries(
        Object.entries(heapPeaks).map(([name, values]) => [
          name,
          Object.fromEntries(Object.entries(values).map(([key, mb]) => [key, Math.round(mb)])),
        ]),
      );
      return figures;
    },
  };
}

/** Resident memory of a process in MB (from /proc), or null. */
function rssMb(pid) {
  if (!pid) return null;
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** The fields of /proc/<pid>/stat after the command (state, ppid, ...; utime is [11]), or null. */
function procStat(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** STORE_PG_PID (the postmaster) and its children (backends and background workers). */
function pgPids() {
  const pids = [storePgPid];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (Number(procStat(entry)?.[1]) === storePgPid) pids.push(Number(entry));
  }
  return pids;
}

/** Summed RSS and PSS of PostgreSQL's processes, in MB. */
function pgMemoryMb() {
  let rss = 0;
  let pss = 0;
  for (const pid of pgPids()) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rss += Number(/^Rss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0) / 1024;
      pss += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0) / 1024;
    } catch {
      // exited meanwhile
    }
  }
  return { rss, pss };
}

let clockTicks = null;
function storeCpuSeconds() {
  const own = processCpuSeconds(storePid);
  return own === null ? null : own + (pgCpuSeconds() ?? 0);
}

/** utime + stime of one process, in seconds; null without a pid or once it exited. */
function processCpuSeconds(pid) {
  if (!pid) return null;
  clockTicks ??= Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
  const fields = procStat(pid);
  if (!fields) return null;
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/**
 * CPU of PostgreSQL's processes: the postmaster's own and its exited children's (cutime + cstime),
 * and the running children's.
 */
function pgCpuSeconds() {
  if (!storePgPid) return null;
  clockTicks ??= Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
  let ticks = 0;
  for (const pid of pgPids()) {
    const fields = procStat(pid);
    if (!fields) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
    if (pid === storePgPid) ticks += Number(fields[13]) + Number(fields[14]);
  }
  return ticks / clockTicks;
}

// ---------------------------------------------------------------- counters (Prometheus text)

function parseMetrics(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels = {};
    for (const label of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[label[1]] = label[2];
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

async function scrape(url) {
  // The gateway's /metrics needs the admin token; the other services and the store ignore it.
  const response = await fetch(url, { headers: adminHeaders, signal: AbortSignal.timeout(5000) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url} → ${response.status}`);
  return parseMetrics(text);
}

/** Sums of a counter by one label, e.g. store_commands_total by command. */
function byLabel(samples, name, label, keep = () => true) {
  const sums = {};
  for (const sample of samples)
    if (sample.name === name && keep(sample.labels))
      sums[sample.labels[label]] = (sums[sample.labels[label]] ?? 0) + sample.value;
  return sums;
}

const total = (sums) => Object.values(sums).reduce((sum, value) => sum + value, 0);

/** Every counter the per-run figures come from, read at one moment. */
async function readCounters(urls) {
  const services = {};
  await Promise.all(
    Object.entries(urls).map(async ([name, url]) => {
      const samples = await scrape(`${url}/metrics`);
      services[name] = {
        commands: byLabel(samples, 'store_commands_total', 'command'),
        // Sums and counts of the waits a service's requests and messages spend on the store and broker.
        storeSeconds: total(byLabel(samples, 'store_command_duration_seconds_sum', 'service')),
        storeCount: total(byLabel(samples, 'store_command_duration_seconds_count', 'service')),
        confirmSeconds: total(byLabel(samples, 'message_publish_confirm_seconds_sum', 'service')),
        confirmCount: total(byLabel(samples, 'message_publish_confirm_seconds_count', 'service')),
        published: byLabel(samples, 'messages_published_total', 'exchange'),
        cpuSeconds: total(byLabel(samples, 'process_cpu_seconds_total', 'service')),
      };
    }),
  );
  let store = null;
  if (storeMetricsUrl) {
    const samples = await scrape(storeMetricsUrl);
    store = byLabel(
      samples,
      'ferretdb_client_requests_total',
      'command',
      (labels) => labels.opcode !== 'OP_QUERY' && !STORE_UPKEEP.has(labels.command),
    );
  }
  return {
    at: performance.now(),
    services,
    store,
    storeCpuSeconds: storeCpuSeconds(),
    storePgCpuSeconds: pgCpuSeconds(),
    brokerCpuSeconds: processCpuSeconds(brokerPid),
  };
}

/** Store commands of all four services so far. */
function allCommands(counters) {
  return Object.values(counters.services).reduce((sum, service) => sum + total(service.commands), 0);
}

/** What the store does while the services are idle (pollers, timers, outbox sweeps), over 10 s. */
async function idleStore(urls, ms = 10_000) {
  const before = await readCounters(urls);
  await sleep(ms);
  const after = await readCounters(urls);
  const seconds = (after.at - before.at) / 1000;
  return {
    cpuPercent:
      after.storeCpuSeconds === null ? null : round(((after.storeCpuSeconds - before.storeCpuSeconds) / seconds) * 100),
    opsPerSecond: round((allCommands(after) - allCommands(before)) / seconds),
  };
}

/** Store writes and publishes so far: what stops moving once the services have finished their work. */
function workDone(counters) {
  let sum = 0;
  for (const service of Object.values(counters.services)) {
    for (const [command, count] of Object.entries(service.commands))
      if (!READ_COMMANDS.has(command) && !POLL_COMMANDS.has(command)) sum += count;
    sum += total(service.published);
  }
  return sum;
}

/** Waits until the services' store writes and publishes have not moved for QUIET_MS. */
async function settle(urls, what) {
  let quietSince = performance.now();
  let lastWork = null;
  let counters;
  await waitFor(
    `${what} (store writes and publishes to stop for ${QUIET_MS / 1000} s)`,
    async () => {
      counters = await readCounters(urls);
      const work = workDone(counters);
      if (work !== lastWork) {
        lastWork = work;
        quietSince = performance.now();
      }
      return { work, quiet: performance.now() - quietSince >= QUIET_MS };
    },
    (value) => value.quiet,
    // Still moving is progress; only a probe failing for a minute (or work never settling) fails it.
    { stallMs: 5 * 60_000, describe: (value) => `${value.work} writes and publishes, still moving` },
  );
  return counters;
}

function difference(after, before) {
  const out = {};
  for (const key of new Set([...Object.keys(after), ...Object.keys(before)])) {
    const delta = (after[key] ?? 0) - (before[key] ?? 0);
    if (delta !== 0) out[key] = delta;
  }
  return out;
}

function perRun(sums, runs) {
  return Object.fromEntries(
    Object.entries(sums)
      .sort(([, a], [, b]) => b - a)
      .map(([key, value]) => [key, round(value / runs)]),
  );
}

/** storeOpsPerRun, eventsPerRun, messagesPerRun and cpuMsPerRun between two counter readings. */
function perRunFigures(before, after, runs, seconds) {
  const byService = {};
  const byCommand = {};
  const detail = {};
  const events = [];
  const messages = [];
  const cpu = {};
  for (const [name, service] of Object.entries(after.services)) {
    const was = before.services[name];
    const commands = difference(service.commands, was.commands);
    byService[name] = total(commands);
    detail[name] = perRun(commands, runs);
    for (const [command, count] of Object.entries(commands)) byCommand[command] = (byCommand[command] ?? 0) + count;
    const published = difference(service.published, was.published);
    events.push(published.events ?? 0);
    messages.push(total(published));
    cpu[name] = round(((service.cpuSeconds - was.cpuSeconds) * 1000) / runs);
  }
  if (after.storeCpuSeconds !== null && before.storeCpuSeconds !== null)
    cpu.store = round(((after.storeCpuSeconds - before.storeCpuSeconds) * 1000) / runs);
  if (after.brokerCpuSeconds != null && before.brokerCpuSeconds != null)
    cpu.broker = round(((after.brokerCpuSeconds - before.brokerCpuSeconds) * 1000) / runs);
  // cpu.store includes PostgreSQL's processes (STORE_PG_PID); their share on its own:
  const pgCpu =
    after.storePgCpuSeconds != null && before.storePgCpuSeconds != null
      ? { storePostgresCpuMsPerRun: round(((after.storePgCpuSeconds - before.storePgCpuSeconds) * 1000) / runs) }
      : {};
  let storeCounted = null;
  if (after.store && before.store) {
    const commands = difference(after.store, before.store);
    storeCounted = { total: round(total(commands) / runs), byCommand: perRun(commands, runs) };
  }
  return {
    storeOpsPerRun: {
      total: round(total(byService) / runs),
      byService: perRun(byService, runs),
      byCommand: perRun(byCommand, runs),
      byServiceAndCommand: detail,
      storeCounted,
      runs,
      seconds: round(seconds),
    },
    eventsPerRun: round(events.reduce((a, b) => a + b, 0) / runs),
    messagesPerRun: round(messages.reduce((a, b) => a + b, 0) / runs),
    cpuMsPerRun: cpu,
    ...pgCpu,
  };
}

// ---------------------------------------------------------------- local HTTP: webhook target + verifying sink

function startLocalServer() {
  const sink = {
    secrets: {},
    completions: new Map(),
    dispatched: new Set(),
    lastDispatchedAt: 0,
    seen: new Set(),
    deliveries: 0,
    rejected: 0,
    duplicates: 0,
    raw: 0,
    traceExports: 0,
    traceBytes: 0,
  };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url === '/target') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"data":{"ticket":"T-1"}}');
      }
      if (req.url === '/v1/traces') {
        // BENCH_TRACING=on: the services' OTLP exports land here, counted and dropped.
        sink.traceExports += 1;
        sink.traceBytes += chunks.reduce((total, chunk) => total + chunk.length, 0);
        res.writeHead(200, { 'content-type': 'application/x-protobuf' });
        return res.end();
      }
      try {
        const webhook = new Webhook(sink.secrets[req.url]).verify(body, {
          'webhook-id': String(req.headers['webhook-id']),
          'webhook-timestamp': String(req.headers['webhook-timestamp']),
          'webhook-signature': String(req.headers['webhook-signature']),
        });
        if (req.url === '/raw') {
          // The dispatcher's baseline: verified exactly like a delivery, then not recorded.
          sink.raw += 1;
          res.writeHead(204);
          return res.end();
        }
        const at = performance.now();
        sink.deliveries += 1;
        if (sink.seen.has(webhook.eventId)) sink.duplicates += 1;
        sink.seen.add(webhook.eventId);
        if (
          req.url === '/sink' &&
          webhook.event === 'WORKFLOW_RUN_COMPLETED' &&
          !sink.completions.has(webhook.data.recordId)
        )
          sink.completions.set(webhook.data.recordId, at);
        if (req.url === '/dispatch' && !sink.dispatched.has(webhook.eventId)) {
          sink.dispatched.add(webhook.eventId);
          sink.lastDispatchedAt = at;
        }
        res.writeHead(204);
      } catch {
        sink.rejected += 1;
        res.writeHead(401);
      }
      res.end();
    });
  });
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, sink, url: `http://127.0.0.1:${server.address().port}` }));
  });
}

// ---------------------------------------------------------------- API helpers

async function api(baseUrl, method, route, token, body) {
  const response = await fetch(`${baseUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (response.status >= 400) throw new Error(`${method} ${route} → ${response.status} ${text.slice(0, 300)}`);
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

let contactNumber = 0;
const postAgent = runRequestAgent();

/** One POST /runs for a new contact (run-request.mjs). */
function postRun(ctx) {
  contactNumber += 1;
  return postRunRequest({
    url: `${ctx.apiUrl}/v1/workflows/${ctx.workflowId}/runs`,
    apiKey: ctx.apiKey,
    agent: postAgent,
    body: runBody(contactNumber),
  });
}

/** Non-empty queues of the bench namespace (from the API's admin route), for progress and errors. */
async function queueBacklog(ctx) {
  try {
    const { queues } = await api(ctx.apiUrl, 'GET', '/v1/admin/queues', ADMIN_TOKEN);
    const busy = queues.filter((queue) => queue.messageCount > 0);
    return busy.length
      ? busy.map((queue) => `${queue.name.slice(namespace.length + 1)} ${queue.messageCount}`).join(', ')
      : 'all queues empty';
  } catch (error) {
    return `queues unknown (${messageOf(error)})`;
  }
}

/** What a few of the runs that did not complete look like, for an error message. */
async function describeIncomplete(ctx, posted) {
  const missing = [...posted.keys()].filter((runId) => !local.sink.completions.has(runId)).slice(0, 3);
  const states = await Promise.all(
    missing.map(async (runId) => {
      try {
        const run = await api(ctx.apiUrl, 'GET', `/v1/workflow-runs/${runId}`, ctx.apiKey);
        return `${runId} ${run.status}${run.currentNodeId ? ` at ${run.currentNodeId}` : ''}${run.outcome ? ` (${run.outcome})` : ''}`;
      } catch (error) {
        return `${runId}: ${messageOf(error).slice(0, 120)}`;
      }
    }),
  );
  return `${states.join('; ')}; ${await queueBacklog(ctx)}`;
}

/** Waits, progress-aware, until every posted run's WORKFLOW_RUN_COMPLETED reached the sink. */
async function waitForRuns(ctx, posted, what) {
  const count = () => {
    let done = 0;
    for (const runId of posted.keys()) if (local.sink.completions.has(runId)) done += 1;
    return done;
  };
  try {
    await waitFor(`${posted.size} runs of ${what} to complete at the sink`, count, (done) => done >= posted.size, {
      describe: (done) => `${done}/${posted.size} completed`,
    });
  } catch (error) {
    if (finishing) throw error;
    throw new Error(`${messageOf(error)}; e.g. ${await describeIncomplete(ctx, posted)}`, { cause: error });
  }
}

/** Runs per second and latency of the posted runs that completed (POST sent → completion at the sink). */
function runFigures(posted, firstPostAt) {
  const latencies = [];
  let lastCompletion = null;
  for (const [runId, sentAt] of posted) {
    const completedAt = local.sink.completions.get(runId);
    if (completedAt === undefined) continue;
    latencies.push(completedAt - sentAt);
    lastCompletion = Math.max(lastCompletion ?? 0, completedAt);
  }
  latencies.sort((a, b) => a - b);
  const runs = latencies.length;
  return {
    runs,
    incomplete: posted.size - runs,
    runsPerSecond: runs ? round(runs / ((lastCompletion - firstPostAt) / 1000)) : 0,
    latencyMs: {
      p50: runs ? Math.round(percentile(latencies, 50)) : null,
      p95: runs ? Math.round(percentile(latencies, 95)) : null,
      p99: runs ? Math.round(percentile(latencies, 99)) : null,
      // The slowest run of the runs posted in each second: shows whether the tail is a start-up
      // cost, a steady queue or a stall at one moment.
      maxBySecond: maxLatencyBySecond(posted, firstPostAt),
    },
  };
}

function maxLatencyBySecond(posted, firstPostAt) {
  const slowest = [];
  for (const [runId, sentAt] of posted) {
    const completedAt = local.sink.completions.get(runId);
    if (completedAt === undefined) continue;
    const second = Math.max(0, Math.floor((sentAt - firstPostAt) / 1000));
    slowest[second] = Math.max(slowest[second] ?? 0, Math.round(completedAt - sentAt));
  }
  return Array.from(slowest, (value) => value ?? null);
}

/** The machine's CPU time counters (/proc/stat, in clock ticks), or null where there are none. */
function machineCpu() {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
    const [user, nice, system, idle, iowait, irq, softirq, steal = 0] = ticks.map(Number);
    return { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal };
  } catch {
    return null;
  }
}

/**
 * How the machine's cores were spent since `before`, in percent: busy (all processes, this one
 * included) and stolen by the host from this virtual machine. Steal is time the services wanted
 * a core and did not get one: a phase that is slow while its CPU per run is not is explained here.
 */
function machineCpuSince(before) {
  const after = machineCpu();
  if (!before || !after) return null;
  const total = after.busy - before.busy + (after.idle - before.idle) + (after.steal - before.steal);
  if (total <= 0) return null;
  return {
    busyPercent: round((100 * (after.busy - before.busy)) / total),
    stealPercent: round((100 * (after.steal - before.steal)) / total),
  };
}

/**
 * Waits (at most 30 s) until the machine's cores are less than 15% busy over a second, and says
 * how long that took and how busy the last second was.
 */
async function quietMachine(limitPercent = 15, maxSeconds = 30) {
  const started = performance.now();
  let busyPercent = null;
  while ((performance.now() - started) / 1000 < maxSeconds && !finishing) {
    const before = machineCpu();
    await sleep(1000);
    busyPercent = machineCpuSince(before)?.busyPercent ?? null;
    if (busyPercent === null || busyPercent < limitPercent) break;
  }
  return { waitedSeconds: round((performance.now() - started) / 1000), busyPercent };
}

function recordPost(outcome, posted, figures) {
  if (outcome.error) {
    figures.postErrors += 1;
    figures.postErrorSample ??= outcome.error;
    return;
  }
  for (const runId of outcome.runIds) posted.set(runId, outcome.sentAt);
}

// ---------------------------------------------------------------- measurements

async function brokerBaseline(count = 20_000) {
  const connection = await amqplib.connect(amqpUrl);
  try {
    const channel = await connection.createConfirmChannel();
    const queue = `${namespace}.baseline`;
    await channel.assertQueue(queue, { durable: true });
    let consumed = 0;
    await channel.consume(queue, (message) => {
      if (!message) return; // cancelled when the queue is deleted
      channel.ack(message);
      consumed += 1;
    });
    const payload = Buffer.from(JSON.stringify({ id: 'x', type: 'baseline', payload: { n: 1 } }));
    const started = performance.now();
    for (let index = 0; index < count; index += 1) {
      if (!channel.publish('', queue, payload, { persistent: true }))
        await new Promise((resolve) => channel.once('drain', resolve));
    }
    await channel.waitForConfirms();
    await waitFor(
      `${count} baseline messages to be consumed`,
      () => consumed,
      (done) => done >= count,
      {
        intervalMs: 20,
        describe: (done) => `${done}/${count} consumed`,
      },
    );
    const seconds = (performance.now() - started) / 1000;
    await channel.deleteQueue(queue);
    return Math.round(count / seconds);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/**
 * The store's own rates for documents of `docBytes`: single-document inserts, finds by _id and
 * updates by _id per second, 8 concurrent clients, on a collection pre-filled with 5,000 of them.
 */
async function storeBaseline(docBytes, { size = 5000, concurrency = 8, ms = 3000 } = {}) {
  const client = await MongoClient.connect(mongoUrl, { maxPoolSize: concurrency * 2 });
  const database = client.db(baselineDatabase);
  try {
    const collection = database.collection('documents');
    const document = (id) => ({ _id: id, n: 0, updatedAt: new Date(), pad: '' });
    const pad = 'x'.repeat(Math.max(0, docBytes - BSON.calculateObjectSize(document('doc_00000'))));
    for (let index = 0; index < size; index += 500) {
      const batch = [];
      for (let id = index; id < Math.min(size, index + 500); id += 1)
        batch.push({ ...document(`doc_${String(id).padStart(5, '0')}`), pad });
      await collection.insertMany(batch);
    }
    const randomId = () => `doc_${String(Math.floor(Math.random() * size)).padStart(5, '0')}`;
    const rate = async (operation) => {
      let done = 0;
      const started = performance.now();
      const end = started + ms;
      await Promise.all(
        Array.from({ length: concurrency }, async (_, worker) => {
          for (let index = 0; performance.now() < end && !finishing; index += 1) {
            await operation(worker, index);
            done += 1;
          }
        }),
      );
      return Math.round(done / ((performance.now() - started) / 1000));
    };
    const findsByIdPerSecond = await rate(() => collection.findOne({ _id: randomId() }));
    const updatesByIdPerSecond = await rate(() =>
      collection.updateOne({ _id: randomId() }, { $set: { updatedAt: new Date() }, $inc: { n: 1 } }),
    );
    const insertsPerSecond = await rate((worker, index) =>
      collection.insertOne({ ...document(`ins_${worker}_${index}`), pad }),
    );
    return { docBytes, insertsPerSecond, findsByIdPerSecond, updatesByIdPerSecond };
  } finally {
    await database.dropDatabase().catch(() => undefined);
    await client.close();
  }
}

/** Average BSON size of the processor's run documents (a sample of up to 500). */
async function runDocumentBytes() {
  const client = await MongoClient.connect(mongoUrl);
  try {
    const documents = await client.db(databases['workflow-processor']).collection('runs').find({}).limit(500).toArray();
    if (documents.length === 0) return null;
    return Math.round(documents.reduce((sum, doc) => sum + BSON.calculateObjectSize(doc), 0) / documents.length);
  } finally {
    await client.close();
  }
}

/** The _id of every document in the four service databases, by "database.collection". */
async function documentIds() {
  const client = await MongoClient.connect(mongoUrl);
  try {
    const ids = {};
    for (const database of Object.values(databases)) {
      const db = client.db(database);
      for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
        if (name.startsWith('system.')) continue;
        const documents = await db
          .collection(name)
          .find({}, { projection: { _id: 1 } })
          .toArray();
        ids[`${database}.${name}`] = documents.map((doc) => doc._id);
      }
    }
    return ids;
  } finally {
    await client.close();
  }
}

/** An open-loop phase: `rate` POSTs per second for `seconds`, whatever the answers; then every run's completion. */
async function openLoop(ctx, label, figures, seconds = settings.e2eSeconds) {
  const rate = settings.e2eRate;
  const count = Math.max(1, Math.round(rate * seconds));
  Object.assign(figures, { offeredRate: rate, seconds, posted: 0, postErrors: 0 });
  const posted = new Map();
  const pending = [];
  log(`  ${count} POSTs at ${rate}/s, one new inline contact each`);
  const cpuBefore = machineCpu();
  const started = performance.now();
  for (let index = 0; index < count && !finishing; index += 1) {
    const wait = started + (index * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    figures.posted += 1;
    pending.push(postRun(ctx).then((outcome) => recordPost(outcome, posted, figures)));
  }
  await Promise.all(pending);
  log(`  posted ${figures.posted} in ${round((performance.now() - started) / 1000)} s, ${figures.postErrors} errors`);
  try {
    await waitForRuns(ctx, posted, label);
  } finally {
    Object.assign(figures, runFigures(posted, started), { machine: machineCpuSince(cpuBefore) });
    log(
      `  ${figures.runsPerSecond} runs/s, p50 ${figures.latencyMs.p50} ms, p99 ${figures.latencyMs.p99} ms ` +
        `(machine ${JSON.stringify(figures.machine)})`,
    );
  }
  return posted;
}

async function burst(ctx, figures) {
  const count = settings.burstRuns;
  Object.assign(figures, { posted: 0, postErrors: 0, clients: 16 });
  const posted = new Map();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (figures.posted < count && !finishing) {
        figures.posted += 1;
        recordPost(await postRun(ctx), posted, figures);
      }
    }),
  );
  figures.postSeconds = round((performance.now() - started) / 1000);
  log(`  posted ${figures.posted} in ${figures.postSeconds} s, ${figures.postErrors} errors`);
  try {
    await waitForRuns(ctx, posted, 'the burst');
  } finally {
    Object.assign(figures, runFigures(posted, started));
    result.e2e.maxRunsPerSecond = figures.runsPerSecond;
    log(`  ${figures.runsPerSecond} runs/s`);
  }
}

/** A new _id like the old one: its hex part redrawn (same length), else a numbered suffix. */
function freshId(oldId, sequence) {
  if (oldId instanceof ObjectId) return new ObjectId();
  if (typeof oldId !== 'string') return new ObjectId();
  const hex = /[0-9a-f]{16,}/.exec(oldId);
  if (!hex) return `${oldId}~g${sequence.toString(36)}`;
  const replacement = randomBytes(Math.ceil(hex[0].length / 2))
    .toString('hex')
    .slice(0, hex[0].length);
  return oldId.slice(0, hex.index) + replacement + oldId.slice(hex.index + hex[0].length);
}

function getPath(document, dotted) {
  return dotted.split('.').reduce((value, key) => (value == null ? undefined : value[key]), document);
}

function setPath(document, dotted, value) {
  const keys = dotted.split('.');
  let target = document;
  for (const key of keys.slice(0, -1)) {
    if (target[key] == null || typeof target[key] !== 'object') return;
    target = target[key];
  }
  target[keys.at(-1)] = value;
}

/** A copy of `template` with a new _id (string fields equal to the old one follow) and new unique values. */
function cloneDocument(template, sequence, uniqueIndexes) {
  const oldId = template._id;
  const newId = freshId(oldId, sequence);
  const oldText = typeof oldId === 'string' ? oldId : oldId instanceof ObjectId ? oldId.toHexString() : null;
  const newText = typeof newId === 'string' ? newId : newId.toHexString();
  const copy = (value) => {
    if (typeof value === 'string') return value === oldText ? newText : value;
    if (Array.isArray(value)) return value.map(copy);
    if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, copy(inner)]));
    return value;
  };
  const clone = copy(template);
  clone._id = newId;
  for (const index of uniqueIndexes) {
    const fields = Object.keys(index.key);
    let changed = false;
    for (const field of fields) {
      const value = getPath(clone, field);
      if (typeof value === 'string') {
        setPath(clone, field, `${value}~g${sequence.toString(36)}`);
        changed = true;
      }
    }
    if (changed) continue;
    for (const field of fields) {
      const value = getPath(clone, field);
      if (typeof value === 'number') {
        setPath(clone, field, value + 1_000_000_000 + sequence);
        changed = true;
      }
    }
    if (!changed && !index.sparse && !index.partialFilterExpression)
      setPath(clone, fields[0], `bench-growth-${sequence.toString(36)}`);
  }
  return clone;
}

/**
 * Grows every collection that grew in e2e.fresh to about BENCH_GROWTH_RUNS × its documents per
 * run, cloning that phase's documents (fresh _ids, unique index values kept unique).
 */
async function growStore(fresh, figures) {
  const client = await MongoClient.connect(mongoUrl);
  const started = performance.now();
  const collections = {};
  figures.runs = settings.growthRuns;
  figures.collections = collections;
  let inserted = 0;
  let reportedAt = Date.now();
  try {
    for (const [key, ids] of Object.entries(fresh.newIds)) {
      if (ids.length === 0) continue;
      const [database, ...rest] = key.split('.');
      const collection = client.db(database).collection(rest.join('.'));
      const perRunDocuments = ids.length / fresh.runs;
      const target = Math.round(settings.growthRuns * perRunDocuments);
      const before = await collection.countDocuments();
      const entry = { perRun: round(perRunDocuments, 2), before, target, inserted: 0 };
      const service = Object.keys(databases).find((name) => databases[name] === database) ?? database;
      collections[`${service}/${rest.join('.')}`] = entry;
      if (before >= target) continue;
      const templates = [];
      for (let index = 0; index < ids.length; index += 500)
        templates.push(...(await collection.find({ _id: { $in: ids.slice(index, index + 500) } }).toArray()));
      if (templates.length === 0) continue;
      entry.templatesWithOutbox = templates.filter((doc) => Array.isArray(doc.outbox) && doc.outbox.length > 0).length;
      const uniqueIndexes = (await collection.indexes()).filter((index) => index.unique && index.name !== '_id_');
      let sequence = 0;
      while (before + entry.inserted < target) {
        if (finishing) throw new Error('interrupted');
        const batch = [];
        const size = Math.min(500, target - before - entry.inserted);
        for (let index = 0; index < size; index += 1) {
          batch.push(cloneDocument(templates[sequence % templates.length], sequence, uniqueIndexes));
          sequence += 1;
        }
        try {
          const answer = await collection.insertMany(batch, { ordered: false });
          entry.inserted += answer.insertedCount;
          inserted += answer.insertedCount;
        } catch (error) {
          const count = error?.result?.insertedCount ?? 0;
          entry.inserted += count;
          inserted += count;
          entry.insertErrors = (entry.insertErrors ?? 0) + (size - count);
          entry.insertErrorSample ??= messageOf(error).slice(0, 200);
          if (count === 0) throw new Error(`cloning into ${key}: ${messageOf(error)}`, { cause: error });
        }
        if (Date.now() - reportedAt >= 10_000) {
          reportedAt = Date.now();
          log(`  ${key}: ${before + entry.inserted}/${target} (${inserted} documents inserted so far)`);
        }
      }
    }
  } finally {
    await client.close();
    figures.documentsInserted = inserted;
    figures.seconds = round((performance.now() - started) / 1000);
    figures.documentsPerSecond = figures.seconds ? Math.round(inserted / figures.seconds) : null;
  }
  log(`  growth took ${figures.seconds} s: ${inserted} documents cloned (${figures.documentsPerSecond}/s)`);
}

async function dispatcherThroughput(ctx, urls) {
  const figures = { deliveries: settings.deliveries };
  result.dispatcher = figures;
  const endpoint = await api(ctx.apiUrl, 'POST', '/v1/webhook-endpoints', ctx.apiKey, {
    url: `${local.url}/dispatch`,
    eventTypes: ['WORKFLOW_PUBLISHED'],
  });
  local.sink.secrets['/dispatch'] = endpoint.secret;
  const before = await readCounters({ 'webhook-dispatcher': urls['webhook-dispatcher'] });
  const connection = await amqplib.connect(amqpUrl);
  let started;
  try {
    const channel = await connection.createConfirmChannel();
    started = performance.now();
    for (let index = 0; index < settings.deliveries; index += 1) {
      const id = `evt_bench${suffix}${index}`;
      const envelope = {
        id,
        type: 'WORKFLOW_PUBLISHED',
        schemaVersion: 1,
        occurredAt: new Date().toISOString(),
        organizationId: ctx.organizationId,
        correlationId: id,
        causationId: null,
        // A valid WORKFLOW_PUBLISHED (the dispatcher checks every payload against the catalogue).
        payload: {
          recordId: 'wf_bench',
          organizationId: ctx.organizationId,
          workflowExternalId: null,
          workflowVersionId: `wfv_${index}`,
          versionNumber: 1,
          publishedByUserId: 'key_bench',
          publishedAt: new Date().toISOString(),
        },
      };
      const ok = channel.publish(`${namespace}.events`, envelope.type, Buffer.from(JSON.stringify(envelope)), {
        persistent: true,
        messageId: id,
      });
      if (!ok) await new Promise((resolve) => channel.once('drain', resolve));
    }
    await channel.waitForConfirms();
  } finally {
    await connection.close().catch(() => undefined);
  }
  try {
    await waitFor(
      `${settings.deliveries} deliveries at the sink`,
      () => local.sink.dispatched.size,
      (done) => done >= settings.deliveries,
      { describe: (done) => `${done}/${settings.deliveries} delivered` },
    );
  } finally {
    const delivered = local.sink.dispatched.size;
    figures.delivered = delivered;
    figures.deliveriesPerSecond = delivered
      ? Math.round(delivered / ((local.sink.lastDispatchedAt - started) / 1000))
      : 0;
  }
  const after = await settle({ 'webhook-dispatcher': urls['webhook-dispatcher'] }, 'the dispatcher');
  const commands = difference(
    after.services['webhook-dispatcher'].commands,
    before.services['webhook-dispatcher'].commands,
  );
  figures.storeOpsPerDelivery = round(total(commands) / settings.deliveries, 3);
  figures.storeOpsByCommand = commands;
  figures.cpuMsPerDelivery = round(
    ((after.services['webhook-dispatcher'].cpuSeconds - before.services['webhook-dispatcher'].cpuSeconds) * 1000) /
      settings.deliveries,
    3,
  );
  figures.storeCpuMsPerDelivery =
    after.storeCpuSeconds !== null && before.storeCpuSeconds !== null
      ? round(((after.storeCpuSeconds - before.storeCpuSeconds) * 1000) / settings.deliveries, 3)
      : null;

  // The same receiver doing the same work (it verifies the signature of every POST), the same
  // number of POSTs from this process, the same concurrency as the dispatcher. The body is shaped like
  // the dispatcher's, signed once here: the receiver checks it as it checks every delivery.
  const agent = new Agent({ connections: 8, keepAliveTimeout: 10_000 });
  const rawBody = JSON.stringify({
    event: 'WORKFLOW_PUBLISHED',
    eventId: `evt_raw${suffix}`,
    eventTimestamp: new Date().toISOString(),
    data: { recordId: 'wfv_raw', organizationId: ctx.organizationId, workflowId: 'wf_bench', versionNumber: 1 },
  });
  const rawId = `msg_raw${suffix}`;
  const rawTimestamp = new Date();
  local.sink.secrets['/raw'] = endpoint.secret;
  const rawHeaders = {
    'content-type': 'application/json',
    'webhook-id': rawId,
    'webhook-timestamp': String(Math.floor(rawTimestamp.getTime() / 1000)),
    'webhook-signature': new Webhook(endpoint.secret).sign(rawId, rawTimestamp, rawBody),
  };
  let sent = 0;
  const rawStarted = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (sent < settings.deliveries) {
        sent += 1;
        const response = await request(`${local.url}/raw`, {
          method: 'POST',
          body: rawBody,
          dispatcher: agent,
          headers: rawHeaders,
        });
        await response.body.dump();
      }
    }),
  );
  await agent.close();
  figures.rawPostsPerSecond = Math.round(settings.deliveries / ((performance.now() - rawStarted) / 1000));
  figures.ratio = round(figures.deliveriesPerSecond / figures.rawPostsPerSecond, 3);
  figures.bareLoopPerSecond = await bareDeliveryLoop(ctx, endpoint.secret);
  figures.bareLoopRatio = round(figures.bareLoopPerSecond / figures.rawPostsPerSecond, 3);
  return figures;
}

/**
 * The least a broker-fed dispatcher can do, measured on the same machine and receiver: consume
 * persistent messages from a durable queue (prefetch 256), build and sign each webhook, POST it
 * over 8 connections, ack. No store, no circuit breaker, no framework. `bareLoopRatio` (this ÷ raw
 * POSTs) is what the broker hop and signing alone leave of the raw rate; the dispatcher's own
 * figure is measured against the same raw rate.
 */
async function bareDeliveryLoop(ctx, secret) {
  const queue = `${namespace}.bench-bare-loop`;
  const connection = await amqplib.connect(amqpUrl, { noDelay: true });
  const agent = new Agent({ connections: 8, keepAliveTimeout: 10_000 });
  const signer = new Webhook(secret);
  try {
    const publisher = await connection.createConfirmChannel();
    await publisher.assertQueue(queue, { durable: true });
    const started = performance.now();
    for (let index = 0; index < settings.deliveries; index += 1) {
      const envelope = {
        id: `evt_bare${suffix}${index}`,
        type: 'WORKFLOW_PUBLISHED',
        occurredAt: new Date().toISOString(),
        payload: {
          recordId: `wfv_${index}`,
          organizationId: ctx.organizationId,
          workflowId: 'wf_bench',
          versionNumber: 1,
        },
      };
      if (!publisher.sendToQueue(queue, Buffer.from(JSON.stringify(envelope)), { persistent: true }))
        await new Promise((resolve) => publisher.once('drain', resolve));
    }
    await publisher.waitForConfirms();
    const consumer = await connection.createChannel();
    await consumer.prefetch(256);
    let done = 0;
    let failed = null;
    await new Promise((resolve, reject) => {
      consumer.consume(queue, async (message) => {
        try {
          const envelope = JSON.parse(message.content.toString('utf8'));
          const body = JSON.stringify({
            event: envelope.type,
            eventId: envelope.id,
            eventTimestamp: envelope.occurredAt,
            data: envelope.payload,
          });
          const at = new Date();
          const messageId = `msg_${envelope.id}`;
          const response = await request(`${local.url}/raw`, {
            method: 'POST',
            body,
            dispatcher: agent,
            headers: {
              'content-type': 'application/json',
              'webhook-id': messageId,
              'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
              'webhook-signature': signer.sign(messageId, at, body),
            },
          });
          await response.body.dump();
          if (response.statusCode !== 204) throw new Error(`the receiver answered ${response.statusCode}`);
          consumer.ack(message);
          done += 1;
          if (done === settings.deliveries) resolve();
        } catch (error) {
          failed ??= error;
          reject(failed);
        }
      });
    });
    return Math.round(settings.deliveries / ((performance.now() - started) / 1000));
  } finally {
    const cleanup = await connection.createChannel().catch(() => null);
    await cleanup?.deleteQueue(queue).catch(() => undefined);
    await connection.close().catch(() => undefined);
    await agent.close().catch(() => undefined);
  }
}

/** The worker sending a gateway step's requests, stopped by cleanup if the bench is interrupted. */
let loadWorker = null;

/**
 * One open-loop step of POST /runs: `rate` requests per second, evenly spaced, for `seconds`,
 * whatever the answers (a slow answer never delays the next request), sent from a worker thread
 * (post-load.mjs) so that this thread's work and garbage never count as the gateway's. Latency runs
 * from each request's send to its answer; `sendLagP99Ms` is how late the generator itself sent.
 * autocannon was used before, but its rate is per connection per second: its 50 connections each
 * sent their share back to back at every second boundary, so "200/s" was a burst of 200 requests,
 * 50 at a time, once a second.
 */
async function gatewayStep(ctx, rate, seconds, runIds) {
  const worker = new Worker(new URL('./post-load.mjs', import.meta.url), {
    workerData: {
      url: `${ctx.apiUrl}/v1/workflows/${ctx.workflowId}/runs`,
      apiKey: ctx.apiKey,
      rate,
      seconds,
      firstContact: contactNumber,
    },
  });
  loadWorker = worker;
  const outcome = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the load worker exited with ${code} before reporting`)));
  });
  loadWorker = null;
  await worker.terminate();
  contactNumber = outcome.lastContact;
  for (const [runId, sentAtEpoch] of outcome.runIds) runIds.set(runId, sentAtEpoch - performance.timeOrigin);
  const latencies = outcome.latencies.sort((a, b) => a - b);
  const sendLags = outcome.sendLags.sort((a, b) => a - b);
  return {
    rate,
    seconds,
    rps: Math.round(latencies.length / (outcome.elapsedMs / 1000)),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies.at(-1) ?? null),
    sendLagP99Ms: round(percentile(sendLags, 99)),
    errors: outcome.errors,
    ...(outcome.errorSample ? { errorSample: outcome.errorSample } : {}),
  };
}

async function gateway(ctx) {
  const runIds = new Map();
  const meets = (step) => step.p99Ms < TARGETS.gatewayP99Ms && step.errors === 0 && step.rps >= 0.9 * step.rate;
  const describe = (step) =>
    `${step.rate}/s: ${step.rps} req/s, p50 ${step.p50Ms} ms, p99 ${step.p99Ms} ms, ${step.errors} errors`;
  const stepSeconds = Math.min(5, settings.gatewaySeconds);
  const rate = settings.gatewayRate;
  const downstream = [...children.entries()].filter(([name]) => name !== 'workflow-api').map(([, child]) => child);
  // 1. The whole pipeline on the same two cores: at 200 runs/s the four services, the store and
  // the broker need more CPU than this machine has, so this shows the machine's saturation.
  log(`  POST /runs at ${rate}/s for ${stepSeconds} s with every service at normal priority`);
  const sharedCores = await gatewayStep(ctx, rate, stepSeconds, runIds);
  log(`  ${describe(sharedCores)}`);
  await waitForRuns(ctx, runIds, 'the shared-cores gateway load');
  // 2. The other services at nice 19, still consuming. Not isolation: the store and the broker
  // serve their commands at normal priority (FerretDB took ~80% of a core here), so the gateway
  // still competes with the pipeline it feeds.
  const reniced = downstream.filter((child) => renice(child.pid, 19));
  log(`  POST /runs at ${rate}/s for ${stepSeconds} s, the other services at nice 19`);
  let downstreamNice;
  try {
    downstreamNice = await gatewayStep(ctx, rate, stepSeconds, runIds);
    log(`  ${describe(downstreamNice)}`);
  } finally {
    for (const child of reniced) renice(child.pid, 0);
  }
  await waitForRuns(ctx, runIds, 'the nice-19 gateway load');
  // 3. The gateway as it is deployed, on cores of its own: the other services are paused
  // (SIGSTOP), so the broker holds what the gateway publishes and the machine serves only the
  // gateway, the broker and this client. Each pause is kept under 10 s (the broker drops a
  // connection after two missed 10 s heartbeats); the services resume between steps.
  const pausedSeconds = Math.min(settings.gatewaySeconds, 10);
  // What the earlier load left behind (the store flushing and checkpointing, the broker paging)
  // would otherwise be measured as the gateway's latency: start once the machine is quiet.
  const quiet = await quietMachine();
  log(`  machine quiet after ${quiet.waitedSeconds} s (${quiet.busyPercent}% busy)`);
  log(`  POST /runs at ${rate}/s for ${pausedSeconds} s, the other services paused`);
  const gatewayOnly = { 'workflow-api': ctx.urls['workflow-api'] };
  const cpuBefore = await readCounters(gatewayOnly);
  const machineBefore = machineCpu();
  const first = await whilePaused(downstream, () => gatewayStep(ctx, rate, pausedSeconds, runIds));
  first.machine = machineCpuSince(machineBefore);
  first.quietBefore = quiet;
  const cpuAfter = await readCounters(gatewayOnly);
  const api = (counters) => counters.services['workflow-api'];
  const meanMs = (seconds, count) =>
    round(
      ((api(cpuAfter)[seconds] - api(cpuBefore)[seconds]) * 1000) / (api(cpuAfter)[count] - api(cpuBefore)[count]),
      2,
    );
  // Where a request's time goes besides the gateway's own CPU: its store round trips (cache
  // refreshes only) and the broker's confirm of what it publishes.
  first.meanStoreCommandMs = meanMs('storeSeconds', 'storeCount');
  first.meanPublishConfirmMs = meanMs('confirmSeconds', 'confirmCount');
  first.cpuMsPerRequest = round(
    ((api(cpuAfter).cpuSeconds - api(cpuBefore).cpuSeconds) * 1000) / Math.max(1, first.rps * first.seconds),
    2,
  );
  const figures = {
    ...first,
    downstream: 'paused',
    steps: [],
    highestSustainedRate: meets(first) ? first.rate : null,
    sharedCores,
    downstreamNice,
  };
  result.gateway = figures;
  log(`  ${describe(first)}`);
  let previous = first;
  for (const stepRate of GATEWAY_STEPS.filter((value) => value > rate)) {
    if (!meets(previous) || finishing) break;
    await sleep(3000);
    const step = await whilePaused(downstream, () => gatewayStep(ctx, stepRate, stepSeconds, runIds));
    figures.steps.push(step);
    log(`  ${describe(step)}`);
    if (meets(step)) figures.highestSustainedRate = stepRate;
    previous = step;
  }
  // The runs those POSTs started still flow through the services: let them finish.
  figures.drain = { runs: runIds.size };
  const drainStarted = performance.now();
  log(`  letting the ${runIds.size} runs the gateway load started drain`);
  try {
    await waitForRuns(ctx, runIds, 'the gateway load');
  } finally {
    figures.drain.completed = [...runIds.keys()].filter((runId) => local.sink.completions.has(runId)).length;
    figures.drain.seconds = round((performance.now() - drainStarted) / 1000);
  }
  return figures;
}

/** Processes paused by whilePaused, resumed by cleanup if the bench is interrupted meanwhile. */
const paused = new Set();

/** Runs `work` with the given child processes stopped (SIGSTOP), and resumes them afterwards. */
async function whilePaused(processes, work) {
  for (const child of processes) if (child.kill('SIGSTOP')) paused.add(child);
  try {
    return await work();
  } finally {
    resumePaused();
  }
}

function resumePaused() {
  for (const child of paused) child.kill('SIGCONT');
  paused.clear();
}

/** Sets a process's CPU priority (raising it back needs root); false when it could not. */
function renice(pid, nice) {
  try {
    os.setPriority(pid, nice);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- verdict

function verdict(r) {
  const fresh = r.e2e.fresh;
  const ops = r.storeOpsPerRun;
  const base = r.baselines.storeBaseline;
  const gatewayAt200 =
    r.gateway &&
    (r.gateway.rate === TARGETS.gatewayRate ? r.gateway : r.gateway.steps?.find((step) => step.rate === 200));
  const gw = gatewayAt200 ?? r.gateway;
  const cores = r.machine.cores;
  const top = (sums, count = 3) =>
    Object.entries(sums ?? {})
      .slice(0, count)
      .map(([key, value]) => `${key} ${value}`)
      .join(', ');
  const storeFraction =
    ops && fresh?.runsPerSecond && base?.updatesByIdPerSecond
      ? round((ops.total * fresh.runsPerSecond) / base.updatesByIdPerSecond, 2)
      : null;
  const cpuTotal = r.cpuMsPerRun ? Object.values(r.cpuMsPerRun).reduce((sum, value) => sum + (value ?? 0), 0) : null;
  const busiestService = ops ? Object.keys(ops.byService)[0] : null;
  const storeNote = () => {
    const parts = [];
    if (ops) {
      parts.push(
        `${ops.total} store ops per run (${top(ops.byService, 4)}; most by ${busiestService}: ${top(ops.byServiceAndCommand[busiestService])})`,
      );
      if (storeFraction !== null)
        parts.push(
          `storeFraction ${storeFraction} = ${ops.total} ops/run × ${fresh.runsPerSecond} runs/s ÷ the store's ` +
            `${base.updatesByIdPerSecond} updates by _id/s at ${base.docBytes} B`,
        );
    }
    if (cpuTotal !== null && fresh?.runsPerSecond)
      parts.push(
        `CPU ${round(cpuTotal)} ms per run (${top(
          Object.fromEntries(Object.entries(r.cpuMsPerRun).sort(([, a], [, b]) => b - a)),
          5,
        )}) = ${round((cpuTotal * fresh.runsPerSecond) / 1000, 2)} of ${cores} cores at ${fresh.runsPerSecond} runs/s`,
      );
    return parts.join('; ');
  };
  const entries = [];
  const add = (target, goal, value, met, note, phases) => {
    const measured = value !== null && value !== undefined && !Number.isNaN(value);
    entries.push({ target, goal, value: measured ? value : null, met: measured ? Boolean(met) : null });
    if (!measured) {
      const why = ['setup', ...phases].map((name) => r.errors[name]).find(Boolean);
      if (why) r.bottlenecks.push(`${target}: not measured (${why})`);
    } else if (!met) r.bottlenecks.push(`${target} ${value} (goal ${goal}): ${note()}`);
  };
  add(
    'e2eRunsPerSecond',
    `>= ${TARGETS.e2eRunsPerSecond} (aim ${TARGETS.e2eRunsPerSecondAim})`,
    fresh?.runsPerSecond,
    fresh?.runsPerSecond >= TARGETS.e2eRunsPerSecond,
    () =>
      `offered ${fresh.offeredRate}/s, completed ${fresh.runsPerSecond}/s (burst max ${r.e2e.maxRunsPerSecond === undefined ? 'not measured' : `${r.e2e.maxRunsPerSecond}/s`}); ${storeNote()}`,
    ['e2e.fresh'],
  );
  add(
    'runLatencyP99Ms',
    `< ${TARGETS.runLatencyP99Ms}`,
    fresh?.latencyMs?.p99,
    fresh?.latencyMs?.p99 < TARGETS.runLatencyP99Ms,
    () =>
      fresh.runsPerSecond < 0.9 * fresh.offeredRate
        ? `p50 ${fresh.latencyMs.p50} ms: the services completed ${fresh.runsPerSecond} of ${fresh.offeredRate} offered runs/s, so runs queued for the whole phase`
        : `p50 ${fresh.latencyMs.p50} ms while keeping up with ${fresh.offeredRate} runs/s: the time is per-run work, not queueing`,
    ['e2e.fresh'],
  );
  add(
    'gatewayP99Ms',
    `< ${TARGETS.gatewayP99Ms} at ${TARGETS.gatewayRate}/s`,
    gw?.p99Ms,
    gw?.p99Ms < TARGETS.gatewayP99Ms,
    () =>
      `at ${gw.rate}/s (${gw.rps} req/s achieved, the other services ${gw.downstream ?? 'running'}): p50 ${gw.p50Ms} ms, ` +
      `${gw.cpuMsPerRequest ?? 'n/a'} ms of gateway CPU and ${gw.meanPublishConfirmMs ?? 'n/a'} ms of publish confirm per request, ` +
      `the generator itself up to ${gw.sendLagP99Ms} ms late (p99)`,
    ['gateway'],
  );
  add(
    'gatewayErrors',
    `${TARGETS.gatewayErrors} at ${TARGETS.gatewayRate}/s`,
    gw?.errors,
    gw?.errors === TARGETS.gatewayErrors,
    () => `${gw.errors} of ${gw.rps * gw.seconds} requests failed or timed out at ${gw.rate}/s (p99 ${gw.p99Ms} ms)`,
    ['gateway'],
  );
  add(
    'dispatcherRatio',
    `>= ${TARGETS.dispatcherRatio}`,
    r.dispatcher?.ratio,
    r.dispatcher?.ratio >= TARGETS.dispatcherRatio,
    () =>
      `${r.dispatcher.deliveriesPerSecond} deliveries/s vs ${r.dispatcher.rawPostsPerSecond} raw POSTs/s ` +
      `(a bare consume-sign-POST-ack loop: ${r.dispatcher.bareLoopPerSecond ?? 'n/a'}/s, ratio ${r.dispatcher.bareLoopRatio ?? 'n/a'}); ` +
      `${r.dispatcher.cpuMsPerDelivery} ms of dispatcher CPU and ${r.dispatcher.storeCpuMsPerDelivery ?? 'n/a'} ms of store CPU per delivery; ` +
      `${r.dispatcher.storeOpsPerDelivery} store ops per delivery` +
      (base
        ? ` against the store's ${base.insertsPerSecond} inserts/s and ${base.updatesByIdPerSecond} updates by _id/s`
        : ''),
    ['dispatcher'],
  );
  add(
    'storeOpsPerRun',
    `<= ${TARGETS.storeOpsPerRun}`,
    ops?.total,
    ops?.total <= TARGETS.storeOpsPerRun,
    () =>
      `${top(ops.byService, 4)}; by command ${top(ops.byCommand, 5)}` +
      (ops.storeCounted ? `; the store counted ${ops.storeCounted.total} per run` : ''),
    ['storeOpsPerRun', 'e2e.fresh'],
  );
  add(
    'flatness',
    `>= ${TARGETS.flatness}`,
    r.e2e.flatness,
    r.e2e.flatness >= TARGETS.flatness,
    () =>
      `${r.e2e.afterGrowth.runsPerSecond} runs/s with ${r.e2e.growth?.runs} runs stored vs ${fresh.runsPerSecond} on an empty store; ` +
      `p99 ${r.e2e.afterGrowth.latencyMs.p99} vs ${fresh.latencyMs.p99} ms (ratio ${r.e2e.p99Ratio})` +
      (r.e2e.afterGrowth.storeOpsPerRun ? `; ${r.e2e.afterGrowth.storeOpsPerRun} store ops per run after growth` : '') +
      (r.e2e.afterGrowth.cpuMsPerRun?.store !== undefined && r.cpuMsPerRun?.store !== undefined
        ? `; store CPU ${r.e2e.afterGrowth.cpuMsPerRun.store} ms per run after growth vs ${r.cpuMsPerRun.store} before`
        : '') +
      (r.e2e.growth?.idleStore?.after?.cpuPercent != null
        ? `; with the services idle the store used ${r.e2e.growth.idleStore.before.cpuPercent}% of a core before growth and ${r.e2e.growth.idleStore.after.cpuPercent}% after`
        : ''),
    ['e2e.afterGrowth', 'e2e.growth', 'e2e.fresh'],
  );
  for (const name of Object.keys(SERVICES))
    add(
      `peakRssMb.${name}`,
      `< ${TARGETS.serviceRssMb}`,
      r.memoryMb?.[name],
      r.memoryMb?.[name] < TARGETS.serviceRssMb,
      () => `${name} peaked at ${r.memoryMb[name]} MB resident`,
      [],
    );
  add(
    'peakRssMb.store',
    `< ${TARGETS.storeRssMb}`,
    r.memoryMb?.store,
    r.memoryMb?.store < TARGETS.storeRssMb,
    () => `the store peaked at ${r.memoryMb.store} MB resident (growth to ${r.e2e.growth?.runs ?? 0} runs)`,
    [],
  );
  return entries;
}

// ---------------------------------------------------------------- main

async function main() {
  settings = {
    e2eRate: knob('BENCH_E2E_RATE', 60),
    e2eSeconds: knob('BENCH_E2E_SECONDS', 20),
    warmUpSeconds: knob('BENCH_WARM_UP_SECONDS', 10),
    burstRuns: knob('BENCH_BURST_RUNS', 500),
    growthRuns: knob('BENCH_GROWTH_RUNS', 20_000),
    gatewayRate: knob('BENCH_GATEWAY_RATE', 200),
    gatewaySeconds: knob('BENCH_GATEWAY_SECONDS', 10),
    deliveries: knob('BENCH_DELIVERIES', 10_000),
    tracing: (process.env.BENCH_TRACING ?? 'off') === 'on',
    phases: (process.env.BENCH_PHASES || ALL_PHASES.join(','))
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  };
  result.settings = settings;
  const unknown = settings.phases.filter((name) => !ALL_PHASES.includes(name));
  if (unknown.length) throw new Error(`BENCH_PHASES: unknown ${unknown.join(', ')} (known: ${ALL_PHASES.join(', ')})`);
  if (!amqpUrl || !mongoUrl) throw new Error('AMQP_URL and MONGO_URL must be set (npm run bench sets them)');
  if (settings.e2eRate <= 0 || settings.gatewayRate <= 0)
    throw new Error('BENCH_E2E_RATE and BENCH_GATEWAY_RATE must be > 0');
  const has = (name) => settings.phases.includes(name);
  try {
    result.commit = execSync('git rev-parse --short HEAD', { cwd: root }).toString().trim();
  } catch {
    result.commit = null;
  }
  local = await startLocalServer();
  log(`broker namespace ${namespace}, databases *_bench_${suffix}`);

  if (has('baselines'))
    await phase('baselines.broker', async () => {
      result.baselines.brokerMessagesPerSecond = await brokerBaseline();
      log(`  broker ${result.baselines.brokerMessagesPerSecond} msg/s`);
    });

  const needsServices = settings.phases.some((name) => name !== 'baselines');
  const ctx = !needsServices
    ? null
    : await phase('setup', async () => {
        log('starting the four services');
        const urls = await startServices();
        memory = watchMemory(urls);
        const apiUrl = urls['workflow-api'];
        const org = await api(apiUrl, 'POST', '/v1/orgs', ADMIN_TOKEN, { name: 'Bench' });
        const endpoint = await api(apiUrl, 'POST', '/v1/webhook-endpoints', org.apiKey, {
          url: `${local.url}/sink`,
          eventTypes: ['WORKFLOW_RUN_COMPLETED'],
        });
        local.sink.secrets['/sink'] = endpoint.secret;
        const workflow = await api(apiUrl, 'POST', '/v1/workflows', org.apiKey, {
          name: 'reference',
          definition: referenceWorkflow(`${local.url}/target`),
        });
        await api(apiUrl, 'POST', `/v1/workflows/${workflow.id}/publish`, org.apiKey);
        const context = { urls, apiUrl, apiKey: org.apiKey, organizationId: org.id, workflowId: workflow.id };
        // Warm-up: three runs end to end, so the first measured POST does not pay for first use.
        const posted = new Map();
        const figures = { postErrors: 0 };
        for (let index = 0; index < 3; index += 1) recordPost(await postRun(context), posted, figures);
        if (figures.postErrors) throw new Error(`warm-up POST /runs failed: ${figures.postErrorSample}`);
        await waitForRuns(context, posted, 'the warm-up');
        await settle(urls, 'the warm-up');
        return context;
      });

  let fresh = null;
  if (ctx && has('e2e') && settings.warmUpSeconds > 0)
    await phase('e2e.warmUp', async () => {
      await openLoop(ctx, 'e2e.warmUp', (result.e2e.warmUp = {}), settings.warmUpSeconds);
      await settle(ctx.urls, 'the warm-up runs');
    });
  if (ctx && has('e2e')) {
    const figures = (result.e2e.fresh = {});
    let before;
    let idsBefore;
    const posted = await phase('e2e.fresh', async () => {
      if (has('growth')) idsBefore = await documentIds();
      const idle = await readCounters(ctx.urls);
      await sleep(3000);
      before = await readCounters(ctx.urls);
      figures.backgroundStoreOpsPerSecond = round(
        (allCommands(before) - allCommands(idle)) / ((before.at - idle.at) / 1000),
      );
      return openLoop(ctx, 'e2e.fresh', figures);
    });
    await phase('storeOpsPerRun', async () => {
      if (!before) throw new Error('e2e.fresh did not start');
      if (!figures.runs) throw new Error('no run of e2e.fresh completed');
      const after = await settle(ctx.urls, 'the e2e.fresh runs');
      const figuresPerRun = perRunFigures(before, after, figures.runs, (after.at - before.at) / 1000);
      if (figures.incomplete) figuresPerRun.storeOpsPerRun.partial = `${figures.incomplete} runs did not complete`;
      Object.assign(result, figuresPerRun);
      result.storeOpsPerRun.backgroundPerSecond = figures.backgroundStoreOpsPerSecond;
      delete figures.backgroundStoreOpsPerSecond;
      log(
        `  ${result.storeOpsPerRun.total} store ops per run (${JSON.stringify(result.storeOpsPerRun.byService)}), ` +
          `${result.eventsPerRun} events, ${result.messagesPerRun} messages per run`,
      );
      if (has('growth') && idsBefore) {
        const idsAfter = await documentIds();
        const newIds = {};
        for (const [key, ids] of Object.entries(idsAfter)) {
          const old = new Set((idsBefore[key] ?? []).map(String));
          newIds[key] = ids.filter((id) => !old.has(String(id)));
        }
        fresh = { runs: posted?.size ?? figures.runs, newIds };
      }
      runDocBytes = await runDocumentBytes();
    });
  }

  if (ctx && has('burst'))
    await phase('e2e.burst', async () => {
      result.e2e.burst = {};
      await burst(ctx, result.e2e.burst);
      await settle(ctx.urls, 'the burst runs');
    });

  if (has('baselines'))
    await phase('baselines.store', async () => {
      const docBytes = runDocBytes ?? 4096;
      log(
        `  8 clients, 5,000 documents of ${docBytes} B${runDocBytes ? ' (average run document)' : ' (run size unknown)'}`,
      );
      result.baselines.storeBaseline = await storeBaseline(docBytes);
      const base = result.baselines.storeBaseline;
      log(
        `  ${base.insertsPerSecond} inserts/s, ${base.findsByIdPerSecond} finds/s, ${base.updatesByIdPerSecond} updates/s`,
      );
    });

  if (ctx && has('growth') && settings.growthRuns > 0) {
    const grown = await phase('e2e.growth', async () => {
      if (!fresh) throw new Error('growth clones the documents of e2e.fresh, which did not finish (or was not run)');
      const growth = (result.e2e.growth = {});
      growth.idleStore = { before: await idleStore(ctx.urls) };
      await growStore(fresh, growth);
      await settle(ctx.urls, 'the services after growth');
      growth.idleStore.after = await idleStore(ctx.urls);
      log(
        `  idle services: the store ran ${growth.idleStore.before.cpuPercent}% of a core before growth, ` +
          `${growth.idleStore.after.cpuPercent}% after`,
      );
      return true;
    });
    if (grown)
      await phase('e2e.afterGrowth', async () => {
        const figures = (result.e2e.afterGrowth = {});
        const before = await readCounters(ctx.urls);
        try {
          await openLoop(ctx, 'e2e.afterGrowth', figures);
        } finally {
          const freshFigures = result.e2e.fresh;
          if (figures.runs && freshFigures?.runsPerSecond) {
            result.e2e.flatness = round(figures.runsPerSecond / freshFigures.runsPerSecond, 3);
            result.e2e.p99Ratio = round(figures.latencyMs.p99 / freshFigures.latencyMs.p99, 2);
          }
        }
        const after = await settle(ctx.urls, 'the e2e.afterGrowth runs');
        const perRunAfterGrowth = perRunFigures(before, after, figures.runs, (after.at - before.at) / 1000);
        figures.storeOpsPerRun = perRunAfterGrowth.storeOpsPerRun.total;
        figures.cpuMsPerRun = perRunAfterGrowth.cpuMsPerRun;
        log(`  flatness ${result.e2e.flatness}, p99 ratio ${result.e2e.p99Ratio}`);
      });
  }

  if (ctx && has('dispatcher'))
    await phase('dispatcher', async () => {
      log(`  ${settings.deliveries} signed deliveries vs raw POSTs to the same receiver`);
      result.dispatcher = await dispatcherThroughput(ctx, ctx.urls);
      log(`  ${result.dispatcher.deliveriesPerSecond}/s vs raw ${result.dispatcher.rawPostsPerSecond}/s`);
    });

  if (ctx && has('gateway')) await phase('gateway', () => gateway(ctx));

  if (ctx)
    await phase('deadLetters', async () => {
      const { queues } = await api(ctx.apiUrl, 'GET', '/v1/admin/queues', ADMIN_TOKEN);
      result.deadLetters = Object.fromEntries(
        queues
          .filter((queue) => queue.kind === 'dlq')
          .map((queue) => [queue.name.slice(namespace.length + 1), queue.messageCount]),
      );
    });
  await finish();
}

// ---------------------------------------------------------------- finishing: print, then clean up

function hasFigures() {
  const measured = [
    result.baselines.brokerMessagesPerSecond,
    result.baselines.storeBaseline,
    result.e2e.fresh?.runs,
    result.e2e.burst?.runs,
    result.storeOpsPerRun,
    result.dispatcher,
    result.gateway,
    ...Object.values(result.memoryMb ?? {}),
  ];
  return measured.some((value) => value !== null && value !== undefined);
}

let printed = false;
function printResult() {
  if (printed) return;
  printed = true;
  try {
    result.memoryMb = memory ? memory.stop() : result.memoryMb;
    result.signatureFailures = local?.sink.rejected ?? 0;
    result.duplicateDeliveries = local?.sink.duplicates ?? 0;
    result.tracing = settings.tracing
      ? { on: true, exports: local?.sink.traceExports ?? 0, exportedMb: round((local?.sink.traceBytes ?? 0) / 1e6) }
      : { on: false };
    result.serviceLogs = Object.keys(serviceLogs).length
      ? Object.fromEntries(
          Object.entries(serviceLogs).map(([name, state]) => [
            name,
            {
              warnings: state.warnings,
              errors: state.errors,
              ...(state.lastError ? { lastError: state.lastError } : {}),
            },
          ]),
        )
      : null;
    result.machine.loadAverage.end = round(os.loadavg()[0], 2);
    result.bottlenecks = [];
    result.verdict = verdict(result);
  } catch (error) {
    result.errors.verdict = messageOf(error);
  }
  if (Object.keys(result.errors).length === 0) result.errors = {};
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

/**
 * The bench namespace's queues and exchanges, named as libs/messaging/src/topology/service-queues.ts names them
 * (with the default retry delays): removed so that the bench leaves nothing on the broker.
 */
function benchTopology() {
  const workQueues = [
    'workflow-processor.commands',
    'workflow-processor.control',
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
    'baseline',
  );
  return {
    queues: queues.map((queue) => `${namespace}.${queue}`),
    exchanges: ['commands', 'events', 'rpc', 'dlx'].map((kind) => `${namespace}.${kind}`),
  };
}

async function cleanup() {
  resumePaused();
  await loadWorker?.terminate();
  log('stopping services and dropping the bench databases and namespace');
  await stopServices();
  await postAgent.destroy().catch(() => undefined);
  if (local) {
    local.server.closeAllConnections();
    local.server.close();
  }
  if (!mongoUrl || !amqpUrl) return;
  const client = await MongoClient.connect(mongoUrl, { serverSelectionTimeoutMS: 5000 }).catch(() => null);
  if (client) {
    for (const database of [...Object.values(databases), baselineDatabase])
      await client
        .db(database)
        .dropDatabase()
        .catch(() => undefined);
    await client.close();
  }
  const connection = await amqplib.connect(amqpUrl).catch(() => null);
  if (!connection) return;
  connection.on('error', () => undefined);
  const { queues, exchanges } = benchTopology();
  for (const name of [...queues, ...exchanges]) {
    // A fresh channel per object: deleting something that does not exist closes the channel.
    const channel = await connection.createChannel().catch(() => null);
    if (!channel) continue;
    channel.on('error', () => undefined);
    if (queues.includes(name)) await channel.deleteQueue(name).catch(() => undefined);
    else await channel.deleteExchange(name).catch(() => undefined);
    await channel.close().catch(() => undefined);
  }
  await connection.close().catch(() => undefined);
}

let finishPromise = null;
function finish() {
  finishPromise ??= (async () => {
    finishing = true;
    printResult();
    try {
      await cleanup();
    } catch (error) {
      log(`cleanup failed: ${messageOf(error)}`);
    }
    process.exit(hasFigures() ? 0 : 1);
  })();
  return finishPromise;
}

function abort(reason) {
  if (finishing) return;
  if (currentPhase) result.errors[currentPhase] ??= `interrupted by ${reason}`;
  result.errors.interrupted = `${reason} during ${currentPhase ?? 'start-up'}`;
  log(`${reason}: printing what there is, then cleaning up`);
  void finish();
}

for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    if (!finishing) return abort(signal);
    log(`${signal} again: killing the services and leaving the rest`);
    for (const child of children.values()) child.kill('SIGKILL');
    process.exit(hasFigures() ? 0 : 1);
  });
process.on('uncaughtException', (error) => {
  result.errors.unexpected = error?.stack ?? String(error);
  log(`unexpected: ${error?.stack ?? error}`);
  abort('an unexpected exception');
});
process.on('unhandledRejection', (error) => {
  result.errors.unexpected = error?.stack ?? String(error);
  log(`unexpected: ${error?.stack ?? error}`);
  abort('an unexpected rejection');
});

main().catch((error) => {
  result.errors[local ? (currentPhase ?? 'main') : 'start'] = messageOf(error);
  log(`could not run: ${error?.stack ?? error}`);
  void finish();
});
