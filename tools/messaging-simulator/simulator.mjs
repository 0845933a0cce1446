#!/usr/bin/env node
// Deterministic stand-in for the external conversation service (DESIGN.md section 6).
// Accepts POST /v1/conversations, then calls the gateway back with a signed outcome chosen
// from a tag in the candidate's email / ids. Node built-ins only; see README.md for the rules.
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';

const CALLBACK_RETRY_DELAYS_MS = [200, 400, 800, 1600, 3200]; // 1 attempt + up to 5 retries
const CALLBACK_TIMEOUT_MS = 5000;
const MAX_BODY_BYTES = 1024 * 1024;

/** First matching tag wins; the order matters (`deliveryfail` contains `fail`). */
const TAG_ORDER = ['deliveryfail', 'notinterested', 'optout', 'noreply', 'msgerror', 'complete', 'fail'];

function fail(message) {
  process.stderr.write(`messaging-simulator: ${message}\n`);
  process.exit(1);
}

function log(message) {
  process.stderr.write(`[messaging-simulator] ${message}\n`);
}

function readConfig(env) {
  const port = env.SIMULATOR_PORT === undefined || env.SIMULATOR_PORT === '' ? 3100 : Number(env.SIMULATOR_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`SIMULATOR_PORT must be 0-65535, got "${env.SIMULATOR_PORT}"`);
  const host = env.SIMULATOR_HOST || '127.0.0.1';

  const callbackUrl = env.MESSAGING_CALLBACK_URL;
  if (!callbackUrl) fail('MESSAGING_CALLBACK_URL is required (base URL of the gateway, e.g. http://127.0.0.1:3000)');
  try {
    const u = new URL(callbackUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    fail(`MESSAGING_CALLBACK_URL is not an http(s) URL: "${callbackUrl}"`);
  }

  const secret = env.MESSAGING_CALLBACK_SECRET;
  if (!secret) fail('MESSAGING_CALLBACK_SECRET is required (whsec_<base64>)');
  const key = parseSecret(secret);

  const delayRaw = env.SIMULATOR_REPLY_DELAY_MS;
  const replyDelayMs = delayRaw === undefined || delayRaw === '' ? 300 : Number(delayRaw);
  if (!Number.isInteger(replyDelayMs) || replyDelayMs < 0)
    fail(`SIMULATOR_REPLY_DELAY_MS must be a non-negative integer, got "${delayRaw}"`);

  return { port, host, callbackBase: callbackUrl.replace(/\/+$/, ''), key, replyDelayMs };
}

/** `whsec_<base64>` (prefix optional) → key bytes; 24-64 bytes as in DESIGN.md section 7. */
function parseSecret(secret) {
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  const key = Buffer.from(encoded, 'base64');
  const canonical =
    /^[A-Za-z0-9+/]+={0,2}$/.test(encoded) && key.toString('base64').replace(/=+$/, '') === encoded.replace(/=+$/, '');
  if (!canonical) fail('MESSAGING_CALLBACK_SECRET must be "whsec_" followed by standard base64');
  if (key.length < 24 || key.length > 64) fail(`MESSAGING_CALLBACK_SECRET key is ${key.length} bytes, expected 24-64`);
  return key;
}

/** Standard Webhooks headers: v1,<base64 HMAC-SHA256(key, "<id>.<ts>.<body>")>. */
function signedHeaders(key, id, timestamp, body) {
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${signature}` };
}

function findTag(candidate) {
  const haystack = [candidate?.email, candidate?.candidateProfileId, candidate?.externalId]
    .filter((v) => typeof v === 'string')
    .join(' ')
    .toLowerCase();
  return TAG_ORDER.find((tag) => haystack.includes(tag)) ?? 'default';
}

/** The outcome for a tag; null = never call back (`noreply`). `msgerror` is handled before this. */
function outcomeFor(tag, questions) {
  const slugs = questions.map((q) => q.slug);
  switch (tag) {
    case 'deliveryfail':
      return { status: 'DELIVERY_FAILED', answers: [] };
    case 'notinterested':
      return { status: 'NOT_INTERESTED', answers: [] };
    case 'optout':
      return { status: 'OPTED_OUT', answers: [] };
    case 'noreply':
      return null;
    case 'complete':
      return {
        status: 'COMPLETED',
        answers: slugs.map((slug) => ({
          slug,
          answer: 'Simulated answer',
          answerState: 'IS_ANY',
          trafficLight: 'GREEN',
          outcome: 'PASSED',
          score: null,
        })),
      };
    case 'fail':
      return {
        status: 'FAILED_CRITERIA',
        answers: slugs.map((slug) => ({
          slug,
          answer: 'No',
          answerState: 'IS_NO',
          trafficLight: 'RED',
          outcome: 'FAILED',
          score: 0,
        })),
      };
    default:
      return {
        status: 'PASSED_CRITERIA',
        answers: slugs.map((slug) => ({
          slug,
          answer: 'Yes',
          answerState: 'IS_YES',
          trafficLight: 'GREEN',
          outcome: 'PASSED',
          score: 100,
        })),
      };
  }
}

function validate(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'body must be a JSON object';
  const missing = [];
  if (typeof body.runId !== 'string' || body.runId === '') missing.push('runId');
  if (typeof body.nodeId !== 'string' || body.nodeId === '') missing.push('nodeId');
  if (!Array.isArray(body.questions)) missing.push('questions');
  if (missing.length) return `missing or invalid: ${missing.join(', ')}`;
  const badQuestion = body.questions.findIndex(
    (q) => q === null || typeof q !== 'object' || typeof q.slug !== 'string' || q.slug === '',
  );
  if (badQuestion !== -1) return `questions[${badQuestion}].slug must be a non-empty string`;
  if (body.candidate !== undefined && (body.candidate === null || typeof body.candidate !== 'object'))
    return 'candidate must be an object';
  return null;
}

function sendJson(res, status, payload, extraHeaders = {}) {
  const text = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...extraHeaders,
  });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error('body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function createSimulator(config) {
  const conversations = new Map(); // conversationId → record
  const byIdempotencyKey = new Map(); // Idempotency-Key → conversationId
  const timers = new Set();
  let closing = false;

  function later(ms, fn) {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!closing) fn();
    }, ms);
    timers.add(t);
  }

  async function deliver(record, outcome) {
    const url = `${config.callbackBase}/v1/conversations/${encodeURIComponent(record.conversationId)}/outcome`;
    const webhookId = `msg_${randomBytes(12).toString('hex')}`; // one per outcome, reused on retries
    const body = JSON.stringify({
      // Named in the signed body: the gateway refuses an outcome signed for another conversation.
      conversationId: record.conversationId,
      status: outcome.status,
      answers: outcome.answers,
      completedAt: new Date().toISOString(),
    });
    record.callbackStatus = 'in-flight';
    record.webhookId = webhookId;

    for (let attempt = 0; attempt <= CALLBACK_RETRY_DELAYS_MS.length && !closing; attempt++) {
      if (attempt > 0) {
        await new Promise((resolve) => later(CALLBACK_RETRY_DELAYS_MS[attempt - 1], resolve));
        if (closing) return;
      }
      record.callbackAttempts += 1;
      const timestamp = Math.floor(Date.now() / 1000);
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...signedHeaders(config.key, webhookId, timestamp, body) },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS),
        });
        await response.arrayBuffer().catch(() => undefined);
        record.lastCallbackHttpStatus = response.status;
        if (response.status < 500) {
          record.callbackStatus = response.ok ? 'delivered' : 'rejected';
          log(
            `callback ${record.conversationId} ${outcome.status} → ${response.status} (attempt ${record.callbackAttempts})`,
          );
          return;
        }
        record.lastCallbackError = `HTTP ${response.status}`;
      } catch (error) {
        record.lastCallbackHttpStatus = null;
        const cause = error?.cause;
        record.lastCallbackError =
          cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? error?.message ?? String(error);
      }
      log(`callback ${record.conversationId} attempt ${record.callbackAttempts} failed: ${record.lastCallbackError}`);
      record.callbackStatus = 'retrying';
    }
    if (!closing) record.callbackStatus = 'failed';
  }

  async function createConversation(req, res) {
    let parsed;
    try {
      const text = await readBody(req);
      parsed = JSON.parse(text);
    } catch (error) {
      const status = error?.status ?? 400;
      return sendJson(res, status, { error: status === 413 ? 'payload too large' : 'body must be valid JSON' });
    }
    const problem = validate(parsed);
    if (problem) return sendJson(res, 400, { error: problem });

    const idempotencyKey = req.headers['idempotency-key'];
    if (typeof idempotencyKey === 'string' && byIdempotencyKey.has(idempotencyKey)) {
      const conversationId = byIdempotencyKey.get(idempotencyKey);
      return sendJson(res, 201, { conversationId }, { 'idempotent-replayed': 'true' });
    }

    const tag = findTag(parsed.candidate);
    if (tag === 'msgerror') {
      log(`msgerror tag for run ${parsed.runId} node ${parsed.nodeId}: answering 503`);
      return sendJson(res, 503, { error: 'simulated messaging service outage (msgerror tag)' });
    }

    const conversationId = `conv_${randomBytes(12).toString('hex')}`;
    const outcome = outcomeFor(tag, parsed.questions);
    const record = {
      conversationId,
      runId: parsed.runId,
      nodeId: parsed.nodeId,
      tag,
      status: outcome ? outcome.status : 'NO_REPLY',
      callbackAttempts: 0,
      callbackStatus: outcome ? 'scheduled' : 'none',
      lastCallbackHttpStatus: null,
      createdAt: new Date().toISOString(),
    };
    conversations.set(conversationId, record);
    if (typeof idempotencyKey === 'string') byIdempotencyKey.set(idempotencyKey, conversationId);
    if (outcome) later(config.replyDelayMs, () => void deliver(record, outcome));
    log(`conversation ${conversationId} run ${parsed.runId} node ${parsed.nodeId} tag=${tag} → ${record.status}`);
    return sendJson(res, 201, { conversationId });
  }

  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://simulator.local');
    const handle = async () => {
      if (pathname === '/health') {
        return req.method === 'GET' || req.method === 'HEAD'
          ? sendJson(res, 200, { status: 'ok' })
          : sendJson(res, 405, { error: 'method not allowed' });
      }
      if (pathname === '/v1/conversations') {
        return req.method === 'POST'
          ? createConversation(req, res)
          : sendJson(res, 405, { error: 'method not allowed' });
      }
      const match = /^\/v1\/conversations\/([^/]+)$/.exec(pathname);
      if (match) {
        if (req.method !== 'GET') return sendJson(res, 405, { error: 'method not allowed' });
        const record = conversations.get(decodeURIComponent(match[1]));
        return record ? sendJson(res, 200, record) : sendJson(res, 404, { error: 'conversation not found' });
      }
      return sendJson(res, 404, { error: 'not found' });
    };
    handle().catch((error) => {
      log(`request failed: ${error?.stack ?? error}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });

  function close() {
    closing = true;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  return { server, close, conversations };
}

async function main() {
  const config = readConfig(process.env);
  const simulator = createSimulator(config);
  simulator.server.on('error', (error) => fail(`cannot listen on ${config.host}:${config.port}: ${error.message}`));
  simulator.server.listen(config.port, config.host, () => {
    const { port } = simulator.server.address();
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    process.stdout.write(`messaging-simulator listening on http://${host}:${port}\n`);
  });

  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received, shutting down`);
    simulator.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main();
