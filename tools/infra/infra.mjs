#!/usr/bin/env node
// Starts (or reuses) the infrastructure the services need: RabbitMQ and a MongoDB-compatible
// store. Given AMQP_URL / MONGO_URL that answer are used as they are; otherwise a local server is
// started on loopback, installing it first when it is missing. Data lives in .data/ (git-ignored).
//
//   node tools/infra/infra.mjs up       start or reuse; writes .data/infra.env
//   node tools/infra/infra.mjs down     stop what `up` started (nothing else)
//   node tools/infra/infra.mjs status
//
// STORE_BACKEND=postgresql (opt-in; default sqlite) runs FerretDB on PostgreSQL instead of SQLite:
// Debian's postgresql (installed when missing), a cluster of its own in <data dir>/postgres run as
// the `postgres` user on 127.0.0.1:INFRA_PG_PORT (default the MongoDB port + 2000).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
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
const STORE_BACKEND = process.env.STORE_BACKEND || 'sqlite';
if (!['sqlite', 'postgresql'].includes(STORE_BACKEND))
  throw new Error(`STORE_BACKEND must be sqlite or postgresql, not ${STORE_BACKEND}`);
const PG_PORT = Number(process.env.INFRA_PG_PORT ?? FERRETDB_PORT + 2000);
const PG_USER = 'postgres';
const PG_DATABASE = 'ferretdb';
const FERRETDB_VERSION = 'v1.24.2';
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const RABBIT_BIN = '/usr/lib/rabbitmq/bin';
const RABBIT_NODE = `wfp-${RABBITMQ_PORT}@localhost`;
const rabbitDir = path.join(dataDir, 'rabbitmq');
const ferretDir = path.join(dataDir, 'ferretdb');
// Owned by the postgres user: the cluster (data/), its unix socket and its log.
const pgDir = path.join(dataDir, 'postgres');
const pgData = path.join(pgDir, 'data');
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

/** The pid of the broker's Erlang VM that `infra up` started (its home is .data/rabbitmq), or null. */
function rabbitPid() {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args[0]?.endsWith('beam.smp') && args[args.indexOf('-home') + 1] === rabbitDir) return Number(entry);
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return null;
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

async function startFerret(backend = STORE_BACKEND) {
  ensureFerretBuilt();
  mkdirSync(ferretDir, { recursive: true });
  let backendArgs;
  if (backend === 'postgresql') {
    log(`starting FerretDB ${ferretVersion} (PostgreSQL 127.0.0.1:${PG_PORT}) on 127.0.0.1:${FERRETDB_PORT}`);
    backendArgs = [
      '--handler=postgresql',
      `--postgresql-url=postgres://${PG_USER}@127.0.0.1:${PG_PORT}/${PG_DATABASE}`,
    ];
  } else {
    await quarantineEmptyDatabases();
    log(
      `starting FerretDB ${ferretVersion} (SQLite) on 127.0.0.1:${FERRETDB_PORT} (data in ${path.relative(root, ferretDir)})`,
    );
    backendArgs = [
      '--handler=sqlite',
      // WAL with synchronous=NORMAL: a process crash loses nothing; only a power cut can lose
      // the last commits. 2-3x faster inserts for this local development and test store.
      `--sqlite-url=file:${ferretDir}/?_pragma=synchronous(NORMAL)`,
    ];
  }
  const out = openSync(path.join(dataDir, 'ferretdb.log'), 'a');
  const child = spawn(
    ferretBinary,
    [
      ...backendArgs,
      `--listen-addr=127.0.0.1:${FERRETDB_PORT}`,
      `--debug-addr=127.0.0.1:${FERRETDB_PORT + 1000}`,
      `--state-dir=${ferretDir}`,
      '--telemetry=disable',
      '--log-level=warn',
    ],
    {
      detached: true,
      stdio: ['ignore', out, out],
      // Go's default GOGC=100 collects whenever the heap doubles; FerretDB's live heap is ~20 MB of
      // short-lived BSON/JSON, so it collected thousands of times per benchmark. 400 cut the store's
      // CPU per run by ~20% (10.3 -> 8.1-8.7 ms) for ~60 MB more heap at most. An operator's GOGC wins.
      env: { ...process.env, GOGC: process.env.GOGC ?? '400' },
    },
  );
  child.unref();
  await waitFor(() => canConnect('127.0.0.1', FERRETDB_PORT), 'FerretDB', 30_000);
  return child.pid;
}

// ---------------------------------------------------------------- PostgreSQL (STORE_BACKEND=postgresql)

/** The bin directory of the newest installed Debian PostgreSQL, or null. */
function pgBinDir() {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((version) => existsSync(path.join(base, version, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(base, versions[0], 'bin') : null;
}

function ensurePostgresInstalled() {
  if (pgBinDir()) return;
  log('PostgreSQL is not installed; installing Debian package postgresql');
  if (process.getuid?.() !== 0)
    throw new Error('installing postgresql needs root: run `apt-get install -y postgresql`');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', 'postgresql'], { env });
  // The package starts a system-wide cluster on port 5432; this project runs its own.
  run('service', ['postgresql', 'stop'], { allowFailure: true, quiet: true });
  if (!pgBinDir()) throw new Error('apt-get installed postgresql, but no /usr/lib/postgresql/*/bin/postgres');
}

/** Runs a PostgreSQL program as the postgres user (the server refuses to run as root). */
function runAsPostgres(program, args, options = {}) {
  const command = path.join(pgBinDir(), program);
  if (process.getuid?.() !== 0) {
    if (os.userInfo().username !== PG_USER)
      throw new Error(
        `STORE_BACKEND=postgresql runs PostgreSQL as the ${PG_USER} user: run infra as root or as ${PG_USER}`,
      );
    return run(command, args, options);
  }
  return run('runuser', ['-u', PG_USER, '--', command, ...args], options);
}

/** The pid of the postmaster running this directory's cluster, or null. */
function postmasterPid() {
  try {
    const pid = Number(readFileSync(path.join(pgData, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return pid > 0 && isAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** Creates the cluster once: owned by the postgres user, reachable on loopback only, trusted there. */
function initPostgres() {
  if (existsSync(path.join(pgData, 'PG_VERSION'))) return;
  if (spawnSync('id', ['-u', PG_USER]).status !== 0)
    throw new Error(`STORE_BACKEND=postgresql needs the ${PG_USER} user (Debian's postgresql package creates it)`);
  mkdirSync(pgDir, { recursive: true });
  if (process.getuid?.() === 0) run('chown', [`${PG_USER}:`, pgDir], { quiet: true });
  chmodSync(pgDir, 0o700);
  const reach = spawnSync('runuser', ['-u', PG_USER, '--', 'test', '-w', pgDir, '-a', '-x', pgDir]);
  if (process.getuid?.() === 0 && reach.status !== 0)
    throw new Error(
      `the ${PG_USER} user cannot write ${pgDir}: a parent directory is not searchable by it ` +
        '(chmod o+x the parents, or set INFRA_DATA_DIR to a directory it can reach)',
    );
  log(`creating a PostgreSQL cluster in ${path.relative(root, pgData)}`);
  // trust: only loopback and the cluster's own socket directory (mode 700) reach it, as with the
  // SQLite store, whose port 27017 any local user can connect to.
  runAsPostgres('initdb', ['-D', pgData, '-U', PG_USER, '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8'], {
    quiet: true,
  });
  appendFileSync(
    path.join(pgData, 'postgresql.conf'),
    [
      '',
      '# Added by tools/infra/infra.mjs',
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${pgDir}'`,
      // Like the SQLite store's synchronous=NORMAL: commits are not flushed to disk one by one.
      // A crash of FerretDB loses nothing; a crash of PostgreSQL itself or a power cut can lose
      // the last commits (at most 3 x wal_writer_delay), never consistency.
      'synchronous_commit = off',
      'logging_collector = off',
      '',
    ].join('\n'),
  );
}

/** Starts (or reuses) this directory's PostgreSQL cluster and creates FerretDB's database. Returns the postmaster pid. */
async function ensurePostgres() {
  ensurePostgresInstalled();
  initPostgres();
  let pid = postmasterPid();
  if (!pid) {
    if (await canConnect('127.0.0.1', PG_PORT))
      throw new Error(`127.0.0.1:${PG_PORT} is taken by another server: set INFRA_PG_PORT to a free port`);
    log(`starting PostgreSQL on 127.0.0.1:${PG_PORT} (cluster in ${path.relative(root, pgData)})`);
    runAsPostgres(
      'pg_ctl',
      ['-D', pgData, '-l', path.join(pgDir, 'postgresql.log'), '-o', `-p ${PG_PORT}`, '-w', '-t', '60', 'start'],
      {
        quiet: true,
      },
    );
    pid = postmasterPid();
    if (!pid) throw new Error(`PostgreSQL did not start: see ${path.join(pgDir, 'postgresql.log')}`);
  }
  const psql = (sql) =>
    runAsPostgres('psql', ['-h', pgDir, '-p', String(PG_PORT), '-d', 'postgres', '-XtAc', sql], {
      quiet: true,
    }).stdout.trim();
  if (psql(`SELECT 1 FROM pg_database WHERE datname = '${PG_DATABASE}'`) !== '1')
    runAsPostgres('createdb', ['-h', pgDir, '-p', String(PG_PORT), PG_DATABASE], { quiet: true });
  return pid;
}

function stopPostgres(state) {
  if (postmasterPid()) {
    log(`stopping PostgreSQL (pid ${postmasterPid()})`);
    runAsPostgres('pg_ctl', ['-D', pgData, '-m', 'fast', '-w', '-t', '60', 'stop'], {
      quiet: true,
      allowFailure: true,
    });
  }
  delete state.postgres;
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
    // So is one on the other backend than STORE_BACKEND asks for.
    if (state.ferretdb && (state.ferretdb.backend ?? 'sqlite') !== STORE_BACKEND && isAlive(state.ferretdb.pid)) {
      log(`FerretDB (pid ${state.ferretdb.pid}) runs on ${state.ferretdb.backend ?? 'sqlite'}; replacing it`);
      await stopFerret(state);
    }
    if (state.postgres && STORE_BACKEND !== 'postgresql') stopPostgres(state);
    const ours = state.ferretdb && isAlive(state.ferretdb.pid);
    const listening = await canConnect('127.0.0.1', FERRETDB_PORT);
    // PostgreSQL before the FerretDB that uses it (also when this directory's FerretDB already runs).
    if (STORE_BACKEND === 'postgresql' && (ours || !listening)) {
      const pid = await ensurePostgres();
      if (state.postgres?.pid !== pid)
        state.postgres = { pid, port: PG_PORT, dataDir: pgData, startedAt: new Date().toISOString() };
    }
    if (listening) {
      log(`reusing the MongoDB-compatible server already listening on 127.0.0.1:${FERRETDB_PORT}`);
    } else {
      const pid = await startFerret();
      state.ferretdb = {
        pid,
        port: FERRETDB_PORT,
        version: ferretVersion,
        backend: STORE_BACKEND,
        startedAt: new Date().toISOString(),
      };
      log(`FerretDB started (pid ${pid})`);
    }
  }

  writeState(state);
  // The embedded store's own counters and memory (FerretDB's debug handler), for the benchmark.
  const storeMetrics = state.ferretdb
    ? `STORE_METRICS_URL=http://127.0.0.1:${FERRETDB_PORT + 1000}/debug/metrics\nSTORE_PID=${state.ferretdb.pid}\n` +
      // PostgreSQL's postmaster: the benchmark adds its processes' memory and CPU to the store's.
      (state.postgres ? `STORE_PG_PID=${state.postgres.pid}\n` : '')
    : '';
  // The broker's VM, for the benchmark's broker CPU per run.
  const brokerPid = state.rabbitmq ? rabbitPid() : null;
  const brokerMetrics = brokerPid ? `BROKER_PID=${brokerPid}\n` : '';
  writeFileSync(envFile, `AMQP_URL=${amqpUrl}\nMONGO_URL=${mongoUrl}\n${storeMetrics}${brokerMetrics}`);
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
  if (!state.rabbitmq && !state.ferretdb && !state.postgres) log('nothing was started by `infra up`; nothing to stop');
  if (state.rabbitmq) {
    stopRabbit();
    delete state.rabbitmq;
  }
  if (state.ferretdb) await stopFerret(state);
  if (state.postgres) stopPostgres(state);
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
    `FerretDB 127.0.0.1:${FERRETDB_PORT}: ${ferretUp ? 'up' : 'down'}${state.ferretdb ? ` (pid ${state.ferretdb.pid}, ${state.ferretdb.backend ?? 'sqlite'}, started by infra up)` : ''}`,
  );
  if (state.postgres) {
    const pgUp = await canConnect('127.0.0.1', state.postgres.port);
    log(
      `PostgreSQL 127.0.0.1:${state.postgres.port}: ${pgUp ? 'up' : 'down'} (pid ${state.postgres.pid}, started by infra up)`,
    );
  }
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
  const backend = state.ferretdb.backend ?? 'sqlite';
  if (backend === 'postgresql') state.postgres = { ...state.postgres, pid: await ensurePostgres() };
  state.ferretdb = { ...state.ferretdb, pid: await startFerret(backend), startedAt: new Date().toISOString() };
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
