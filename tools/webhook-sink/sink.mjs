#!/usr/bin/env node
// A webhook receiver for the demo and for trying endpoints by hand: it verifies every delivery to
// /webhooks with the independent `standardwebhooks` library and prints what arrived; GET /events
// lists the last 200 received (newest last). It also plays the HTTP targets of the demo's callable
// workflows: POST /notes creates a note (201), /bad-request answers 400, /broken answers 500.
// Loopback only.
//
//   WEBHOOK_SINK_PORT (default 3200)   WEBHOOK_SINK_SECRETS (comma-separated whsec_… secrets)
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

const port = Number(process.env.WEBHOOK_SINK_PORT ?? 3200);
const secrets = (process.env.WEBHOOK_SINK_SECRETS ?? '').split(',').filter(Boolean);
const received = [];

function verify(body, headers) {
  for (const secret of secrets) {
    try {
      return new Webhook(secret).verify(body, headers);
    } catch {
      // try the next secret
    }
  }
  return null;
}

let notes = 0;
const demoTargets = {
  '/notes': () => [201, { data: { type: 'note', id: `note_${(notes += 1)}` } }],
  '/bad-request': () => [400, { error: 'the email address is not valid' }],
  '/broken': () => [500, { error: 'internal error' }],
};

const server = http.createServer((request, response) => {
  const { pathname } = new URL(request.url ?? '/', 'http://sink.local');
  if (request.method === 'GET' && pathname === '/events') {
    response.writeHead(200, { 'content-type': 'application/json' });
    return response.end(JSON.stringify(received));
  }
  if (demoTargets[pathname]) {
    request.resume();
    const [status, body] = demoTargets[pathname]();
    response.writeHead(status, { 'content-type': 'application/json' });
    return response.end(JSON.stringify(body));
  }
  if (pathname !== '/webhooks') {
    response.writeHead(404).end();
    return;
  }
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const webhook = verify(body, {
      'webhook-id': String(request.headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(request.headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(request.headers['webhook-signature'] ?? ''),
    });
    if (!webhook) {
      console.log(`[sink] ✗ rejected a delivery whose signature does not verify (${request.headers['webhook-id']})`);
      response.writeHead(401).end();
      return;
    }
    received.push({ receivedAt: new Date().toISOString(), ...webhook });
    if (received.length > 200) received.shift();
    const record =
      (webhook.data?.recordId ?? webhook.data?.runId) ? ` ${webhook.data.recordId ?? webhook.data.runId}` : '';
    console.log(`[sink] ✓ ${webhook.event}${record} (${webhook.eventId}, signature verified)`);
    response.writeHead(204).end();
  });
});

server.listen(port, '127.0.0.1', () => console.log(`[sink] listening on http://127.0.0.1:${port}`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
