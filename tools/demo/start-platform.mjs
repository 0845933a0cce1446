#!/usr/bin/env node
// Runs the four services from their bundles (as they run in production: one process each),
// seeds a demo organization with a published workflow, and prints how to call the API.
// Logs go to .data/logs/<service>.log. Ctrl-C stops everything gracefully.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { callableWorkflows } from './callable-workflows.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The V8 flags every service runs with (the file says why).
const { flags: serviceNodeFlags, env: serviceNodeEnv } = JSON.parse(
  readFileSync(path.join(root, 'tools/service-node-flags.json'), 'utf8'),
);
const logsDir = path.join(root, '.data/logs');
const demoFile = path.join(root, '.data/demo.json');
mkdirSync(logsDir, { recursive: true });

const DEV_ADMIN_TOKEN = 'dev-admin-token-change-me';
// Development default only: the gateway and the simulator share it to sign outcome callbacks.
const DEV_MESSAGING_SECRET = 'whsec_ZGV2LW1lc3NhZ2luZy1jYWxsYmFjay1zZWNyZXQtMDA=';
const adminToken = process.env.ADMIN_TOKEN ?? DEV_ADMIN_TOKEN;
const messagingSecret = process.env.MESSAGING_CALLBACK_SECRET ?? DEV_MESSAGING_SECRET;
const apiPort = Number(process.env.WORKFLOW_API_PORT ?? 3000);
const simulatorPort = Number(process.env.SIMULATOR_PORT ?? 3100);
const messagingUrl = process.env.MESSAGING_URL ?? `http://127.0.0.1:${simulatorPort}`;
const sinkPort = Number(process.env.WEBHOOK_SINK_PORT ?? 3200);
const sinkUrl = `http://127.0.0.1:${sinkPort}/webhooks`;

const services = [
  { name: 'workflow-processor', portVariable: 'WORKFLOW_PROCESSOR_PORT', port: 3002 },
  { name: 'webhook-dispatcher', portVariable: 'WEBHOOK_DISPATCHER_PORT', port: 3003 },
  { name: 'contact-resolver', portVariable: 'CONTACT_RESOLVER_PORT', port: 3001 },
  { name: 'workflow-api', portVariable: 'WORKFLOW_API_PORT', port: apiPort },
];

const children = [];
let stopping = false;

/** The messaging simulator stands in for the conversation service when MESSAGING_URL is unset. */
function startSimulator() {
  const log = createWriteStream(path.join(logsDir, 'messaging-simulator.log'), { flags: 'a' });
  const child = spawn(process.execPath, [path.join(root, 'tools/messaging-simulator/simulator.mjs')], {
    env: {
      ...process.env,
      SIMULATOR_PORT: String(simulatorPort),
      MESSAGING_CALLBACK_URL: `http://127.0.0.1:${apiPort}`,
      MESSAGING_CALLBACK_SECRET: messagingSecret,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[start] messaging-simulator exited (${signal ?? code}); see .data/logs/messaging-simulator.log`);
      stopAll(1);
    }
  });
  children.push(child);
}

/** The demo organization's webhook endpoint: verifies each delivery's signature and prints it. */
function startSink(secret) {
  const child = spawn(process.execPath, [path.join(root, 'tools/webhook-sink/sink.mjs')], {
    env: { ...process.env, WEBHOOK_SINK_PORT: String(sinkPort), WEBHOOK_SINK_SECRETS: secret },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk) => process.stdout.write(chunk));
  child.stderr.on('data', (chunk) => process.stderr.write(`[sink] ${chunk}`));
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`[start] webhook sink exited (${signal ?? code}); deliveries to it will be retried`);
  });
  children.push(child);
}

function startService(service) {
  const env = {
    ...serviceNodeEnv,
    ...process.env,
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    ADMIN_TOKEN: adminToken,
    MESSAGING_URL: messagingUrl,
    MESSAGING_CALLBACK_SECRET: messagingSecret,
    // Of this machine, only the demo's own sink may be reached (webhook nodes, deliveries), unless
    // asked otherwise (LOOPBACK_TARGET_PORTS, or ALLOW_LOOPBACK_TARGETS=true for every port).
    LOOPBACK_TARGET_PORTS: process.env.LOOPBACK_TARGET_PORTS ?? String(sinkPort),
    [service.portVariable]: String(process.env[service.portVariable] ?? service.port),
    // The gateway's operations page reaches the other services on the ports used here.
    OPS_SERVICE_URLS:
      process.env.OPS_SERVICE_URLS ??
      services
        .filter((other) => other.name !== 'workflow-api')
        .map((other) => `${other.name}=http://127.0.0.1:${process.env[other.portVariable] ?? other.port}`)
        .join(','),
  };
  const log = createWriteStream(path.join(logsDir, `${service.name}.log`), { flags: 'a' });
  const child = spawn(
    process.execPath,
    [...serviceNodeFlags, '--enable-source-maps', path.join(root, 'dist/apps', service.name, 'main.js')],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  child.stderr.on('data', (chunk) => process.stderr.write(`[${service.name}] ${chunk}`));
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[start] ${service.name} exited (${signal ?? code}); see .data/logs/${service.name}.log`);
      stopAll(1);
    }
  });
  children.push(child);
  return `http://127.0.0.1:${env[service.portVariable]}`;
}

async function waitReady(name, url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(`${url}/health/ready`).catch(() => null);
    if (response?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} did not become ready; see .data/logs/${name}.log`);
}

async function call(method, url, token, body) {
  const response = await fetch(url, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

const demoDefinition = JSON.parse(readFileSync(path.join(root, 'tools/demo/screening-workflow.json'), 'utf8'));

/** Subscribes the sink to every event of the demo organization; returns its signing secret. */
async function subscribeSink(apiUrl, apiKey) {
  const endpoint = await call('POST', `${apiUrl}/v1/webhook-endpoints`, apiKey, {
    url: sinkUrl,
    description: 'npm start webhook sink',
  });
  if (endpoint.status !== 201)
    throw new Error(`could not subscribe the webhook sink: ${JSON.stringify(endpoint.body)}`);
  return { webhookEndpointId: endpoint.body.id, webhookSecret: endpoint.body.secret };
}

/** The four callable workflows of the seed, published; their webhook nodes call the sink's demo targets. */
async function seedCallables(apiUrl, apiKey) {
  const callables = {};
  for (const [name, { description, definition }] of Object.entries(callableWorkflows(`http://127.0.0.1:${sinkPort}`))) {
    const workflow = await call('POST', `${apiUrl}/v1/workflows`, apiKey, {
      name: `Callable: ${name}`,
      description,
      definition,
    });
    if (workflow.status !== 201) throw new Error(`could not create ${name}: ${JSON.stringify(workflow.body)}`);
    const version = await call('POST', `${apiUrl}/v1/workflows/${workflow.body.id}/publish`, apiKey);
    if (version.status !== 201) throw new Error(`could not publish ${name}: ${JSON.stringify(version.body)}`);
    callables[name] = workflow.body.id;
  }
  return callables;
}

/** Reuses the demo organization of an earlier start when its key still works. */
async function seedDemo(apiUrl) {
  if (existsSync(demoFile)) {
    const saved = JSON.parse(readFileSync(demoFile, 'utf8'));
    const probe = await call('GET', `${apiUrl}/v1/workflows/${saved.workflowId}`, saved.apiKey);
    if (probe.status === 200) {
      const endpoint = saved.webhookEndpointId
        ? await call('GET', `${apiUrl}/v1/webhook-endpoints/${saved.webhookEndpointId}`, saved.apiKey)
        : { status: 404 };
      const demo = { ...saved };
      if (endpoint.status !== 200 || endpoint.body.url !== sinkUrl)
        Object.assign(demo, await subscribeSink(apiUrl, saved.apiKey));
      demo.callables ??= await seedCallables(apiUrl, saved.apiKey);
      writeFileSync(demoFile, JSON.stringify(demo, null, 2));
      return demo;
    }
  }
  const org = await call('POST', `${apiUrl}/v1/orgs`, adminToken, { name: 'Demo organization' });
  if (org.status !== 201) throw new Error(`could not create the demo organization: ${JSON.stringify(org.body)}`);
  const workflow = await call('POST', `${apiUrl}/v1/workflows`, org.body.apiKey, {
    name: 'Demo screening',
    externalId: 'demo-screening',
    definition: demoDefinition,
  });
  if (workflow.status !== 201) throw new Error(`could not create the demo workflow: ${JSON.stringify(workflow.body)}`);
  const version = await call('POST', `${apiUrl}/v1/workflows/${workflow.body.id}/publish`, org.body.apiKey);
  if (version.status !== 201) throw new Error(`could not publish the demo workflow: ${JSON.stringify(version.body)}`);
  const demo = {
    organizationId: org.body.id,
    apiKey: org.body.apiKey,
    workflowId: workflow.body.id,
    ...(await subscribeSink(apiUrl, org.body.apiKey)),
    callables: await seedCallables(apiUrl, org.body.apiKey),
  };
  writeFileSync(demoFile, JSON.stringify(demo, null, 2));
  return demo;
}

function stopAll(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\n[start] stopping services (SIGTERM)…');
  let remaining = children.filter((child) => child.exitCode === null).length;
  if (remaining === 0) process.exit(code);
  for (const child of children) {
    if (child.exitCode !== null) continue;
    child.once('exit', () => {
      remaining -= 1;
      if (remaining === 0) process.exit(code);
    });
    child.kill('SIGTERM');
  }
  setTimeout(() => process.exit(code), 20_000).unref();
}

process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

try {
  if (!process.env.MESSAGING_URL) startSimulator();
  const urls = Object.fromEntries(services.map((service) => [service.name, startService(service)]));
  await Promise.all(services.map((service) => waitReady(service.name, urls[service.name])));
  const apiUrl = urls['workflow-api'];
  const demo = await seedDemo(apiUrl);
  startSink(demo.webhookSecret);
  const adminNote = process.env.ADMIN_TOKEN
    ? '(from ADMIN_TOKEN)'
    : '(development default; set ADMIN_TOKEN to change it)';
  console.log(`
Workflow platform is running.

  API:            ${apiUrl}        (OpenAPI: ${apiUrl}/docs, ${apiUrl}/docs-json)
  Admin token:    ${adminToken} ${adminNote}
  Operations:     ${apiUrl}/ops (sign in with the admin token: health, queues, DLQs, breakers, runs)
  Messaging:      ${messagingUrl}${process.env.MESSAGING_URL ? '' : ' (simulator: outcome chosen by a tag in the candidate id, see tools/messaging-simulator/README.md)'}
  Demo org:       ${demo.organizationId}
  Demo API key:   ${demo.apiKey}
  Demo workflow:  ${demo.workflowId} (published)
  Webhook sink:   ${sinkUrl} (endpoint ${demo.webhookEndpointId}; verifies signatures, prints each event below;
                  GET http://127.0.0.1:${sinkPort}/events lists them)
  Services:       ${Object.entries(urls)
    .map(([name, url]) => `${name} ${url}`)
    .join(', ')}
  Logs:           .data/logs/<service>.log

Start a run of the demo workflow:

  curl -s -X POST ${apiUrl}/v1/workflows/${demo.workflowId}/runs \\
    -H 'Authorization: Bearer ${demo.apiKey}' -H 'content-type: application/json' \\
    -d '{"triggerSource":"API","contacts":[{"email":"ada@example.com","firstName":"Ada"},{"email":"bob+fail@example.com"},{"email":"cy+optout@example.com"},{"email":"not-an-email"}]}'

Then follow the runs (the simulator answers within a second):

  curl -s '${apiUrl}/v1/workflow-runs?workflowId=${demo.workflowId}' -H 'Authorization: Bearer ${demo.apiKey}'

Every event is delivered, signed, to the sink ([sink] lines). Its delivery log:

  curl -s ${apiUrl}/v1/webhook-endpoints/${demo.webhookEndpointId}/deliveries -H 'Authorization: Bearer ${demo.apiKey}'

Call the four callable workflows (answers within ?wait= seconds; the result also goes, signed,
to the sink as WORKFLOW_CALL_RESULT because webhookUrl is the demo's registered endpoint):

${Object.entries(demo.callables)
  .map(
    ([name, id]) => `  # ${name}
  curl -s -X POST '${apiUrl}/v1/workflows/${id}/call?wait=10' \\
    -H 'Authorization: Bearer ${demo.apiKey}' -H 'content-type: application/json' \\
    -d '{"inputs":{"conversationId":"conv_1","webhookUrl":"${sinkUrl}"},"responseMeta":{"webhook":"demo"}}'`,
  )
  .join('\n\n')}

Read the workflow:

  curl -s ${apiUrl}/v1/workflows/${demo.workflowId} -H 'Authorization: Bearer ${demo.apiKey}'

Press Ctrl-C to stop.`);
} catch (error) {
  console.error(`[start] ${error.message}`);
  stopAll(1);
}
