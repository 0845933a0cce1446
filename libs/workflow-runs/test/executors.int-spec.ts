import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConfiguredNodeOf, RunScope, WebhookConfig } from '@wfp/workflow-graph';
import type { EngineOptions } from '../src/engine/engine.options';
import { OutreachExecutorService } from '../src/engine/outreach-executor.service';
import { WebhookExecutorService } from '../src/engine/webhook-executor.service';
import type { Run } from '../src/run.schema';

interface Seen {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real HTTP server answering by path, recording what it was sent. */
async function server(routes: Record<string, (seen: Seen) => { status: number; body?: string; delayMs?: number }>) {
  const seen: Seen[] = [];
  const srv = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const entry = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body };
      seen.push(entry);
      const answer = (routes[entry.path] ?? (() => ({ status: 404 })))(entry);
      setTimeout(() => {
        if (!response.destroyed)
          response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body ?? '');
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    seen,
    close: () => {
      srv.closeAllConnections();
      return new Promise((resolve) => srv.close(resolve));
    },
  };
}

const options = (overrides: Partial<EngineOptions> = {}): EngineOptions => ({
  messagingUrl: 'http://127.0.0.1:9',
  messagingTimeoutMs: 500,
  messagingRetries: 2,
  retryBackoffMs: 5,
  addressPolicy: { allowLoopback: true },
  maxNodesBytes: 100_000,
  messageBudgetMs: 60_000,
  organizationConcurrency: 8,
  spareCapacityBelow: 24,
  timerPollIntervalMs: 1000,
  ...overrides,
});

const scope: RunScope = {
  inputs: { name: 'Ada' },
  vars: {},
  run: { id: 'run_1', candidateProfileId: 'cp_1' },
  nodes: {},
};
const hook = (
  config: Omit<WebhookConfig, 'method'> & { method?: WebhookConfig['method'] },
): ConfiguredNodeOf<'webhook'> => ({
  id: 'hook',
  type: 'webhook',
  config: { method: 'POST', ...config },
});

describe('WebhookExecutorService against a real HTTP server', () => {
  let target: Awaited<ReturnType<typeof server>>;
  let executor: WebhookExecutorService;
  let attempts = 0;

  beforeAll(async () => {
    target = await server({
      '/ok': () => ({ status: 200, body: JSON.stringify({ users: [{ title: 'first' }], id: 7 }) }),
      '/teapot': () => ({ status: 418, body: '{}' }),
      '/flaky': () => ({ status: ++attempts < 3 ? 503 : 200, body: '{}' }),
      '/down': () => ({ status: 502 }),
      '/slow': () => ({ status: 200, delayMs: 1500 }),
      '/redirect': () => ({ status: 302 }),
      '/schema': () => ({
        status: 200,
        body: JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', id: 7, defs: { $ref: '#/a' } }),
      }),
    });
    executor = new WebhookExecutorService(options());
  });

  afterAll(async () => {
    await executor.onApplicationShutdown();
    await target.close();
  });

  it('sends the templated JSON body and headers, and sets variables by dot path from a 2xx', async () => {
    const result = await executor.execute(
      hook({
        url: `${target.url}/ok`,
        headers: { 'X-Name': '{{inputs.name}}' },
        body: { who: '{{inputs.name}}', run: '{{run.id}}' },
        setVariables: [
          { name: 'users.0.title', variable: 'title' },
          { name: 'missing.path', variable: 'nothing' },
        ],
      }),
      scope,
      'run_1:hook:1',
    );
    expect(result).toMatchObject({
      type: 'routed',
      routingEvent: 'onSuccess',
      vars: { title: 'first', nothing: null },
    });
    const call = target.seen.find((entry) => entry.path === '/ok');
    expect(JSON.parse(call?.body ?? '')).toEqual({ who: 'Ada', run: 'run_1' });
    expect(call?.headers['x-name']).toBe('Ada');
    expect(call?.headers['idempotency-key']).toBe('run_1:hook:1');
  });

  it('routes a 4xx (and an unfollowed redirect) to onFailure as EXECUTOR_FAILED without retrying', async () => {
    for (const path of ['/teapot', '/redirect']) {
      const before = target.seen.length;
      const result = await executor.execute(hook({ url: `${target.url}${path}`, retries: 3 }), scope, 'k');
      expect(result).toMatchObject({ type: 'routed', routingEvent: 'onFailure', failureCode: 'EXECUTOR_FAILED' });
      expect(target.seen.length - before).toBe(1);
    }
  });

  it('retries 5xx and succeeds when the target recovers', async () => {
    const result = await executor.execute(hook({ url: `${target.url}/flaky`, retries: 3 }), scope, 'k');
    expect(result).toMatchObject({ routingEvent: 'onSuccess' });
    expect(target.seen.filter((entry) => entry.path === '/flaky')).toHaveLength(3);
  });

  it('leaves the attempts past the message’s deadline to the next message, which goes on counting', async () => {
    const node = hook({ url: `${target.url}/down`, retries: 3 });
    const count = () => target.seen.filter((entry) => entry.path === '/down').length;
    const before = count();
    // A deadline already passed: one attempt still (every message moves the node on), then stop.
    const first = await executor.execute(node, scope, 'k-budget', { deadline: Date.now() });
    expect(first).toMatchObject({
      type: 'unfinished',
      attempts: { nodeId: 'hook', made: 1, lastStatusCode: 502, lastError: 'HTTP 502' },
    });
    expect(count() - before).toBe(1);
    const previous = (first as Extract<typeof first, { type: 'unfinished' }>).attempts;
    expect(previous.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() - 1000);
    const second = await executor.execute(node, scope, 'k-budget', { previous, deadline: Date.now() });
    expect(second).toMatchObject({ type: 'unfinished', attempts: { made: 2 } });
    // Without a deadline the remaining two attempts are made, and no more: four in all.
    const last = await executor.execute(node, scope, 'k-budget', {
      previous: (second as Extract<typeof second, { type: 'unfinished' }>).attempts,
    });
    expect(last).toMatchObject({ failureCode: 'DOWNSTREAM_SERVICE_ERROR', failedStatusCode: 502 });
    expect(count() - before).toBe(4);
    expect(target.seen.slice(-4).map((entry) => entry.headers['idempotency-key'])).toEqual(Array(4).fill('k-budget'));
  });

  it('gives up after its retries with DOWNSTREAM_SERVICE_ERROR, and treats a timeout the same way', async () => {
    expect(await executor.execute(hook({ url: `${target.url}/down`, retries: 1 }), scope, 'k')).toMatchObject({
      routingEvent: 'onFailure',
      failureCode: 'DOWNSTREAM_SERVICE_ERROR',
      failedStatusCode: 502,
    });
    expect(
      await executor.execute(hook({ url: `${target.url}/slow`, timeoutSeconds: 1, retries: 0 }), scope, 'k'),
    ).toMatchObject({
      failureCode: 'DOWNSTREAM_SERVICE_ERROR',
    });
  });

  it('refuses loopback targets unless the configuration allows them', async () => {
    const strict = new WebhookExecutorService(options({ addressPolicy: { allowLoopback: false } }));
    const before = target.seen.length;
    expect(await strict.execute(hook({ url: `${target.url}/ok` }), scope, 'k')).toMatchObject({
      failureCode: 'EXECUTOR_FAILED',
    });
    expect(await strict.execute(hook({ url: 'http://169.254.169.254/latest/meta-data' }), scope, 'k')).toMatchObject({
      failureCode: 'EXECUTOR_FAILED',
    });
    expect(target.seen.length).toBe(before);
    await strict.onApplicationShutdown();
  });

  it('encodes templated URL values so they cannot move the request, its headers going along', async () => {
    const hostile: RunScope = { ...scope, inputs: { p: '../../admin?x=1#', q: 'a&admin=1' } };
    const result = await executor.execute(
      hook({
        url: `${target.url}/partner/{{inputs.p}}?q={{inputs.q}}`,
        headers: { 'X-Api-Key': 'partner-secret' },
        retries: 0,
      }),
      hostile,
      'k',
    );
    expect(result).toMatchObject({ routingEvent: 'onFailure', failedStatusCode: 404 });
    const sent = target.seen.filter((entry) => entry.headers['x-api-key'] === 'partner-secret');
    expect(sent.map((entry) => entry.path)).toEqual(['/partner/..%2F..%2Fadmin%3Fx%3D1%23?q=a%26admin%3D1']);
  });

  it('refuses, without sending anything, a URL whose origin or path a value would change', async () => {
    const before = target.seen.length;
    const port = new URL(target.url).port;
    const cases: Array<[string, Record<string, unknown>]> = [
      [`http://127.0.0.1:${port}{{inputs.p}}`, { p: '@169.254.169.254/' }],
      [`${target.url}/partner/{{inputs.p}}`, { p: '..' }],
    ];
    for (const [url, inputs] of cases) {
      expect(await executor.execute(hook({ url }), { ...scope, inputs }, 'k')).toMatchObject({
        type: 'failed',
        errorCode: 'INVALID_NODE_CONFIG',
      });
    }
    expect(target.seen.length).toBe(before);
  });

  it('refuses header values that break their line, and escapes values in XML bodies', async () => {
    const before = target.seen.length;
    expect(
      await executor.execute(
        hook({ url: `${target.url}/ok`, headers: { 'X-Name': '{{inputs.h}}' } }),
        { ...scope, inputs: { h: 'Ada\r\nX-Injected: 1' } },
        'k',
      ),
    ).toMatchObject({ type: 'failed', errorCode: 'INVALID_NODE_CONFIG' });
    expect(target.seen.length).toBe(before);

    await executor.execute(
      hook({ url: `${target.url}/ok`, contentType: 'xml', body: '<person><name>{{inputs.x}}</name></person>' }),
      { ...scope, inputs: { x: '</name><admin>true</admin><name>' } },
      'k',
    );
    expect(target.seen.at(-1)?.body).toBe(
      '<person><name>&lt;/name&gt;&lt;admin&gt;true&lt;/admin&gt;&lt;name&gt;</name></person>',
    );
  });

  it('keeps a response the store would refuse as fields ($schema, $ref) as JSON text, and succeeds', async () => {
    const result = await executor.execute(
      hook({
        url: `${target.url}/schema`,
        setVariables: [
          { name: 'id', variable: 'id' },
          { name: 'defs', variable: 'defs' },
        ],
      }),
      scope,
      'k',
    );
    expect(result).toMatchObject({
      type: 'routed',
      routingEvent: 'onSuccess',
      vars: { id: 7, defs: '{"$ref":"#/a"}' },
    });
    expect(result).toMatchObject({
      step: { body: '{"$schema":"https://json-schema.org/draft/2020-12/schema","id":7,"defs":{"$ref":"#/a"}}' },
    });
  });

  it('reports a URL that is invalid after templating as INVALID_NODE_CONFIG', async () => {
    expect(await executor.execute(hook({ url: 'https://{{inputs.name}} x/' }), scope, 'k')).toEqual(
      expect.objectContaining({ type: 'failed', errorCode: 'INVALID_NODE_CONFIG' }),
    );
  });
});

describe('OutreachExecutorService against a real HTTP server', () => {
  const run = {
    _id: 'run_9',
    organizationId: 'org_1',
    candidateProfileId: 'cp_9',
    candidateProfileExternalId: 'ats_9',
    contact: { email: 'ada@example.com', phoneNumber: '+447700900000' },
  } as unknown as Run;
  const node: ConfiguredNodeOf<'screeningOutreach'> = {
    id: 'screen',
    type: 'screeningOutreach',
    config: { channels: ['sms'], replyWindowSeconds: 120, questions: [{ slug: 'q', text: 'Q?' }] },
  };
  let messaging: Awaited<ReturnType<typeof server>>;
  let failures = 0;

  beforeAll(async () => {
    messaging = await server({
      '/v1/conversations': (seen) =>
        seen.headers['idempotency-key'] === 'flaky' && ++failures < 2
          ? { status: 500 }
          : { status: 201, body: JSON.stringify({ conversationId: 'conv_1' }) },
    });
  });

  afterAll(() => messaging.close());

  it('starts the conversation with the documented request and waits with a timer at the reply window', async () => {
    const before = Date.now();
    const result = await new OutreachExecutorService(options({ messagingUrl: messaging.url })).execute(
      node,
      run,
      'run_9:screen:1',
    );
    expect(result).toMatchObject({ type: 'waiting', conversationId: 'conv_1' });
    const wakeAt = result.type === 'waiting' ? result.wakeAt.getTime() : 0;
    expect(wakeAt - before).toBeGreaterThanOrEqual(120_000);
    expect(wakeAt - before).toBeLessThan(125_000);
    const call = messaging.seen[0];
    expect(call.headers['idempotency-key']).toBe('run_9:screen:1');
    expect(JSON.parse(call.body)).toEqual({
      organizationId: 'org_1',
      runId: 'run_9',
      nodeId: 'screen',
      nodeType: 'SCREENING_OUTREACH',
      candidate: {
        candidateProfileId: 'cp_9',
        externalId: 'ats_9',
        email: 'ada@example.com',
        phoneNumber: '+447700900000',
      },
      channels: ['sms'],
      questions: [{ slug: 'q', text: 'Q?' }],
      replyWindowSeconds: 120,
    });
  });

  it('retries a failing messaging service, then fails the node with DOWNSTREAM_SERVICE_ERROR', async () => {
    const executor = new OutreachExecutorService(options({ messagingUrl: messaging.url }));
    expect(await executor.execute(node, run, 'flaky')).toMatchObject({ type: 'waiting' });
    const unreachable = new OutreachExecutorService(options({ messagingUrl: 'http://127.0.0.1:9' }));
    expect(await unreachable.execute(node, run, 'k')).toMatchObject({
      type: 'failed',
      errorCode: 'DOWNSTREAM_SERVICE_ERROR',
    });
  });
});
