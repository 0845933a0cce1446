#!/usr/bin/env node
// Starts (or reuses) the infrastructure the services need: RabbitMQ and a MongoDB-compatible
// store. Given AMQP_URL / MONGO_URL that answer are used as they are; otherwise a local server is
// started on loopback, installing it first when it is missing. Data lives in .data/ (git-ignored).
//
//   node tools/infra/infra.mjs up       start or reuse; writes .data/infra.env
//   node tools/infra/infra.mjs down     stop what `up` started (nothing else)
//   node tools/infra/infra.mjs status
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// INFRA_DATA_DIR (with INFRA_AMQP_PORT / INFRA_MONGO_PORT) runs a second, separate pair of servers,
// e.g. for the fault tests, which restart them under load without disturbing anything else.
const dataDir = process.env.INFRA_DATA_DIR ? path.resolve(process.env.INFRA_DATA_DIR) : path.join(root, '.data');
const stateFile = path.join(dataDir, 'infra-state.json');
const envFile = path.join(dataDir, 'infra.env');

const RABBITMQ_PORT = Number(process.env.INFRA_AMQP_PORT ?? 5672);
const FERRETDB_PORT = Number(process.env.INFRA_MONGO_PORT ?? 27017);
const FERRETDB_VERSION = 'v1.24.2';
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const RABBIT_BIN = '/usr/lib/rabbitmq/bin';
const RABBIT_NODE = `wfp-${RABBITMQ_PORT}@localhost`;
const rabbitDir = path.join(dataDir, 'rabbitmq');
const ferretDir = path.join(dataDir, 'ferretdb');
// Built once per machine and shared by every checkout (CI clones afresh; the build takes a minute).
const cacheDir = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'workflow-platform');
const patchDir = path.join(root, 'tools/ferretdb/patches');
const patches = ferretPatches();
// The version FerretDB reports (buildInfo.ferretdbVersion) names the patch set it was built with.
const ferretVersion = `${FERRETDB_VERSION}-wfp.${patches.id}`;
const ferretBinary = path.join(cacheDir, 'ferretdb', ferretVersion, 'ferretdb');

const log = (message) => console.log(`[infra] ${message}`);

function readState() {
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8'));
  } catch {
    return {};
  }
}

function writeState(state) {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(stateFile, JSON.stringify(state, null, 2));
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: options.quiet ? 'pipe' : 'inherit', encoding: 'utf8', ...options });
  if (result.status !== 0 && !options.allowFailure) {
    const output = options.quiet ? `\n${result.stdout ?? ''}${result.stderr ?? ''}` : '';
    throw new Error(`${command} ${args.join(' ')} failed with exit code ${result.status}${output}`);
  }
  return result;
}

/** Resolves true when something accepts TCP connections at host:port within the timeout. */
function canConnect(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function hostPortOf(url, defaultPort) {
  const parsed = new URL(url);
  // mongodb+srv and multi-host URLs name a cluster: the driver resolves them, so trust them as given.
  if (parsed.protocol === 'mongodb+srv:' || parsed.host.includes(',')) return null;
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port || defaultPort) };
}

async function reachable(url, defaultPort) {
  let target;
  try {
    target = hostPortOf(url, defaultPort);
  } catch {
    return false;
  }
  return target === null ? true : canConnect(target.host, target.port, 2000);
}

async function waitFor(check, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what} did not come up within ${timeoutMs / 1000}s`);
}

// ---------------------------------------------------------------- RabbitMQ

function rabbitEnv() {
  return {
    ...process.env,
    HOME: rabbitDir, // the Erlang cookie lives here, shared by the server and rabbitmqctl
    RABBITMQ_NODENAME: RABBIT_NODE,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(RABBITMQ_PORT),
    RABBITMQ_DIST_PORT: String(RABBITMQ_PORT + 20000),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_MNESIA_BASE: path.join(rabbitDir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(rabbitDir, 'log'),
    RABBITMQ_CONFIG_FILE: path.join(rabbitDir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(rabbitDir, 'enabled_plugins'),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
}

function ensureRabbitInstalled() {
  if (existsSync(path.join(RABBIT_BIN, 'rabbitmq-server'))) return;
  log('RabbitMQ is not installed; installing Debian package rabbitmq-server');
  if (process.getuid?.() !== 0)
    throw new Error('installing rabbitmq-server needs root: run `apt-get install -y rabbitmq-server`');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', 'rabbitmq-server'], { env });
  // The package may start a system-wide node on 0.0.0.0; this project runs its own on loopback.
  run('service', ['rabbitmq-server', 'stop'], { allowFailure: true, quiet: true });
}

async function startRabbit() {
  ensureRabbitInstalled();
  mkdirSync(path.join(rabbitDir, 'mnesia'), { recursive: true });
  mkdirSync(path.join(rabbitDir, 'log'), { recursive: true });
  writeFileSync(
    path.join(rabbitDir, 'rabbitmq.conf'),
    [`listeners.tcp.default = 127.0.0.1:${RABBITMQ_PORT}`, 'loopback_users = none', 'log.console = false', ''].join(
      '\n',
    ),
  );
  writeFileSync(path.join(rabbitDir, 'enabled_plugins'), '[].\n');
  log(`starting RabbitMQ on 127.0.0.1:${RABBITMQ_PORT} (data in ${path.relative(root, rabbitDir)})`);
  // Run as the current user (root here) rather than through Debian's su wrapper, so data stays in .data/.
  run(path.join(RABBIT_BIN, 'rabbitmq-server'), ['-detached'], { env: rabbitEnv(), quiet: true });
  await waitFor(() => canConnect('127.0.0.1', RABBITMQ_PORT), 'RabbitMQ', 60_000);
  run(path.join(RABBIT_BIN, 'rabbitmqctl'), ['-n', RABBIT_NODE, 'await_startup', '--timeout', '60'], {
    env: rabbitEnv(),
    quiet: true,
  });
}

function stopRabbit() {
  log('stopping RabbitMQ');
  run(path.join(RABBIT_BIN, 'rabbitmqctl'), ['-n', RABBIT_NODE, 'stop'], {
    env: rabbitEnv(),
    quiet: true,
    allowFailure: true,
  });
}

// ---------------------------------------------------------------- FerretDB

/**
 * The project's patch set for FerretDB (tools/ferretdb/patches/*.patch, applied in name order).
 * Each patch begins with a line giving its reason. The binary's cache path and the version it
 * reports name a hash of the set, so a changed patch set is built afresh.
 */
function ferretPatches() {
  const files = readdirSync(patchDir)
    .filter((name) => name.endsWith('.patch'))
    .sort();
  const hash = createHash('sha256');
  for (const file of files) hash.update(file).update(readFileSync(path.join(patchDir, file)));
  return { files, id: hash.digest('hex').slice(0, 8) };
}

function ensureFerretBuilt() {
  if (existsSync(ferretBinary)) return;
  log(
    `FerretDB ${FERRETDB_VERSION} with the project's ${patches.files.length} patches is not built yet; ` +
      'building it from the Go module proxy (about a minute)',
  );
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0) throw new Error('building FerretDB needs Go (https://go.dev/doc/install)');
  const env = { ...process.env, GOFLAGS: '-mod=mod' };
  run('go', ['mod', 'download', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], { env, quiet: true });
  const modCache = run('go', ['env', 'GOMODCACHE'], { quiet: true }).stdout.trim();
  // Go's module cache escapes upper-case letters as "!x".
  const escaped = FERRETDB_MODULE.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
  const source = path.join(modCache, `${escaped}@${FERRETDB_VERSION}`);
  // Built from a writable copy: the patches change it, and FerretDB embeds
  // build/version/version.txt, which module downloads lack (its README says to write it).
  const work = path.join(cacheDir, 'ferretdb', `src-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  cpSync(source, work, { recursive: true });
  run('chmod', ['-R', 'u+w', work], { quiet: true });
  try {
    for (const file of patches.files) {
      const patch = path.join(patchDir, file);
      const check = spawnSync('git', ['apply', '--check', '-p1', patch], { cwd: work, encoding: 'utf8' });
      if (check.status !== 0) {
        throw new Error(
          `the FerretDB patch tools/ferretdb/patches/${file} no longer applies to FerretDB ${FERRETDB_VERSION}: ` +
            `update the patch (or FERRETDB_VERSION) before building.\n${check.stderr.trim()}`,
        );
      }
      run('git', ['apply', '-p1', patch], { cwd: work, quiet: true });
    }
    writeFileSync(path.join(work, 'build', 'version', 'version.txt'), `${ferretVersion}\n`);
    mkdirSync(path.dirname(ferretBinary), { recursive: true });
    const built = `${ferretBinary}.${process.pid}`;
    run('go', ['build', '-trimpath', '-o', built, './cmd/ferretdb'], { cwd: work, env, quiet: true });
    chmodSync(built, 0o755);
    renameSync(built, ferretBinary); // atomic: a concurrent `up` never runs a half-written binary
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * A crash of FerretDB while it creates a database can leave a SQLite file without FerretDB's
 * metadata table, and FerretDB then refuses to start at all ("no such table:
 * _ferretdb_collections"). Such a file holds no table at all, so no data: move it aside.
 */
async function quarantineEmptyDatabases() {
  if (!existsSync(ferretDir)) return;
  const { DatabaseSync } = await import('node:sqlite');
  for (const file of readdirSync(ferretDir).filter((name) => name.endsWith('.sqlite'))) {
    const full = path.join(ferretDir, file);
    let tables;
    try {
      const database = new DatabaseSync(full, { readOnly: true });
      tables = database.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get().n;
      database.close();
    } catch {
      continue; // unreadable here: leave it for FerretDB to judge
    }
    if (tables > 0) continue;
    const quarantine = path.join(dataDir, 'ferretdb-quarantine');
    mkdirSync(quarantine, { recursive: true });
    for (const suffix of ['', '-wal', '-shm'])
      if (existsSync(full + suffix)) renameSync(full + suffix, path.join(quarantine, file + suffix));
    log(`moved the empty database file ${file} (left by a crash) to .data/ferretdb-quarantine`);
  }
}

async function startFerret() {
  ensureFerretBuilt();
  mkdirSync(ferretDir, { recursive: true });
  await quarantineEmptyDatabases();
  log(
    `starting FerretDB ${ferretVersion} (SQLite) on 127.0.0.1:${FERRETDB_PORT} (data in ${path.relative(root, ferretDir)})`,
  );
  const out = openSync(path.join(dataDir, 'ferretdb.log'), 'a');
  const child = spawn(
    ferretBinary,
    [
      '--handler=sqlite',
      // WAL with synchronous=NORMAL: a process crash loses nothing; only a power cut can lose
      // the last commits. 2-3x faster inserts for this local development and test store.
      `--sqlite-url=file:${ferretDir}/?_pragma=synchronous(NORMAL)`,
      `--listen-addr=127.0.0.1:${FERRETDB_PORT}`,
      `--debug-addr=127.0.0.1:${FERRETDB_PORT + 1000}`,
      `--state-dir=${ferretDir}`,
      '--telemetry=disable',
      '--log-level=warn',
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  child.unref();
  await waitFor(() => canConnect('127.0.0.1', FERRETDB_PORT), 'FerretDB', 30_000);
  return child.pid;
}

// ---------------------------------------------------------------- commands

async function up() {
  mkdirSync(dataDir, { recursive: true });
  const state = readState();
  let amqpUrl = process.env.AMQP_URL;
  let mongoUrl = process.env.MONGO_URL;

  if (amqpUrl && (await reachable(amqpUrl, 5672))) {
    log(`using the given AMQP_URL (${new URL(amqpUrl).host})`);
  } else {
    if (amqpUrl) log(`AMQP_URL (${new URL(amqpUrl).host}) does not answer; using a local RabbitMQ instead`);
    amqpUrl = `amqp://127.0.0.1:${RABBITMQ_PORT}`;
    if (await canConnect('127.0.0.1', RABBITMQ_PORT)) {
      log(`reusing the RabbitMQ already listening on 127.0.0.1:${RABBITMQ_PORT}`);
    } else {
      await startRabbit();
      state.rabbitmq = { node: RABBIT_NODE, port: RABBITMQ_PORT, startedAt: new Date().toISOString() };
      log('RabbitMQ started');
    }
  }

  if (mongoUrl && (await reachable(mongoUrl, 27017))) {
    log(`using the given MONGO_URL (${hostPortOf(mongoUrl, 27017)?.host ?? 'cluster'})`);
  } else {
    if (mongoUrl) log('MONGO_URL does not answer; using a local FerretDB instead');
    mongoUrl = `mongodb://127.0.0.1:${FERRETDB_PORT}`;
    // A FerretDB this directory's `up` started from another build (an older patch set) is replaced.
    if (state.ferretdb && state.ferretdb.version !== ferretVersion && isAlive(state.ferretdb.pid)) {
      log(`FerretDB (pid ${state.ferretdb.pid}) runs ${state.ferretdb.version ?? 'an unpatched build'}; replacing it`);
      await stopFerret(state);
    }
    if (await canConnect('127.0.0.1', FERRETDB_PORT)) {
      log(`reusing the MongoDB-compatible server already listening on 127.0.0.1:${FERRETDB_PORT}`);
    } else {
      const pid = await startFerret();
      state.ferretdb = { pid, port: FERRETDB_PORT, version: ferretVersion, startedAt: new Date().toISOString() };
      log(`FerretDB started (pid ${pid})`);
    }
  }

  writeState(state);
  // The embedded store's own counters and memory (FerretDB's debug handler), for the benchmark.
  const storeMetrics = state.ferretdb
    ? `STORE_METRICS_URL=http://127.0.0.1:${FERRETDB_PORT + 1000}/debug/metrics\nSTORE_PID=${state.ferretdb.pid}\n`
    : '';
  writeFileSync(envFile, `AMQP_URL=${amqpUrl}\nMONGO_URL=${mongoUrl}\n${storeMetrics}`);
  log(`ready: AMQP_URL and MONGO_URL written to ${path.relative(root, envFile)}`);
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops the FerretDB recorded in `state` (started by `up`) and forgets it. */
async function stopFerret(state) {
  const { pid } = state.ferretdb;
  if (isAlive(pid)) {
    log(`stopping FerretDB (pid ${pid})`);
    process.kill(pid, 'SIGTERM');
    await waitFor(async () => !isAlive(pid), 'FerretDB shutdown', 10_000).catch(() => process.kill(pid, 'SIGKILL'));
  }
  delete state.ferretdb;
}

async function down() {
  const state = readState();
  if (!state.rabbitmq && !state.ferretdb) log('nothing was started by `infra up`; nothing to stop');
  if (state.rabbitmq) {
    stopRabbit();
    delete state.rabbitmq;
  }
  if (state.ferretdb) await stopFerret(state);
  writeState(state);
  rmSync(envFile, { force: true });
}

async function status() {
  const state = readState();
  const rabbitUp = await canConnect('127.0.0.1', RABBITMQ_PORT);
  const ferretUp = await canConnect('127.0.0.1', FERRETDB_PORT);
  log(
    `RabbitMQ 127.0.0.1:${RABBITMQ_PORT}: ${rabbitUp ? 'up' : 'down'}${state.rabbitmq ? ' (started by infra up)' : ''}`,
  );
  log(
    `FerretDB 127.0.0.1:${FERRETDB_PORT}: ${ferretUp ? 'up' : 'down'}${state.ferretdb ? ` (pid ${state.ferretdb.pid}, started by infra up)` : ''}`,
  );
}

/** Stops and starts the RabbitMQ this data directory's `up` started (fault tests). */
async function restartBroker() {
  if (!readState().rabbitmq) throw new Error('restart-broker: no RabbitMQ was started by `infra up` here');
  stopRabbit();
  await waitFor(async () => !(await canConnect('127.0.0.1', RABBITMQ_PORT)), 'RabbitMQ shutdown', 60_000);
  await startRabbit();
  log('RabbitMQ restarted');
}

/** Kills (SIGKILL, as a crash would) and starts again the FerretDB this data directory's `up` started. */
async function restartStore() {
  const state = readState();
  if (!state.ferretdb) throw new Error('restart-store: no FerretDB was started by `infra up` here');
  if (isAlive(state.ferretdb.pid)) process.kill(state.ferretdb.pid, 'SIGKILL');
  await waitFor(async () => !isAlive(state.ferretdb.pid), 'FerretDB exit', 10_000);
  state.ferretdb = { ...state.ferretdb, pid: await startFerret(), startedAt: new Date().toISOString() };
  writeState(state);
  log(`FerretDB restarted (pid ${state.ferretdb.pid})`);
}

const commands = { up, down, status, 'restart-broker': restartBroker, 'restart-store': restartStore };
const command = commands[process.argv[2]];
if (!command) {
  console.error('usage: infra.mjs up|down|status|restart-broker|restart-store');
  process.exit(2);
}
command().catch((error) => {
  console.error(`[infra] ${error.message}`);
  process.exit(1);
});
