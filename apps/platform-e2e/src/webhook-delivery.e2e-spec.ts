import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { MongoClient } from 'mongodb';
import { BrokerProbe, catalogueEvent, Platform, testInfra, waitFor } from '@wfp/testing';
import { createOrganization, schemaErrors } from './support/fixtures';
import { HttpReceiver, type ReceivedRequest } from './support/http-receiver';
import { parsedWebhook, verifiedWebhook } from './support/webhook-sink';

const definition = JSON.parse(
  readFileSync(path.join(__dirname, '../../../tools/demo/screening-workflow.json'), 'utf8'),
);

/** Short enough for tests: 4 attempts over about 1.75 s; circuits open after 3 attempts. */
const DISPATCHER_ENV = {
  WEBHOOK_RETRY_SCHEDULE: '0,250ms,500ms,1s',
  WEBHOOK_POLL_INTERVAL_MS: '100',
  WEBHOOK_TIMEOUT_MS: '5000',
  WEBHOOK_BREAKER_MIN_REQUESTS: '3',
  WEBHOOK_BREAKER_WINDOW_MS: '10000',
  WEBHOOK_BREAKER_RESET_MS: '1500',
  WEBHOOK_ENDPOINT_CONCURRENCY: '4',
};

interface Delivery {
  id: string;
  status: string;
  attemptCount: number;
  attempts: Array<{ statusCode: number | null; durationMs: number; responseBody: string | null; error: string | null }>;
}

describe('webhook delivery: signed, at least once, with retries, circuits, DLQ and replay', () => {
  let platform: Platform;
  let receiver: HttpReceiver;
  let probe: BrokerProbe;
  let apiKey: string;
  let organizationId: string;

  beforeAll(async () => {
    platform = await Platform.start({ 'webhook-dispatcher': DISPATCHER_ENV });
    receiver = await HttpReceiver.start();
    probe = await BrokerProbe.connect(testInfra().amqpUrl);
    ({ apiKey, id: organizationId } = await createOrganization(platform.apiUrl, 'Harbour Care'));
  });

  afterAll(async () => {
    await probe?.close();
    await receiver?.stop();
    await platform?.stop();
  });

  const api = () => request(platform.apiUrl);
  const auth = (key = apiKey) => ({ Authorization: `Bearer ${key}` });

  async function createEndpoint(
    route: string,
    body: Record<string, unknown> = {},
    key = apiKey,
  ): Promise<{ id: string; secret: string }> {
    const created = await api()
      .post('/v1/webhook-endpoints')
      .set(auth(key))
      .send({ url: `${receiver.url}${route}`, ...body })
      .expect(201);
    return created.body;
  }

  async function sendTest(endpointId: string): Promise<{ deliveryId: string; eventId: string }> {
    return (await api().post(`/v1/webhook-endpoints/${endpointId}/test`).set(auth()).expect(202)).body;
  }

  async function deliveries(endpointId: string, status?: string): Promise<Delivery[]> {
    const page = await api()
      .get(`/v1/webhook-endpoints/${endpointId}/deliveries`)
      .query(status ? { status, limit: 100 } : { limit: 100 })
      .set(auth())
      .expect(200);
    return page.body.data;
  }

  async function deliveryOf(endpointId: string, deliveryId: string): Promise<Delivery | undefined> {
    return (await deliveries(endpointId)).find((delivery) => delivery.id === deliveryId);
  }

  async function untilStatus(endpointId: string, deliveryId: string, status: string, timeoutMs = 15_000) {
    return waitFor(
      async () => {
        const delivery = await deliveryOf(endpointId, deliveryId);
        return delivery?.status === status ? delivery : null;
      },
      { timeoutMs, intervalMs: 100, what: `delivery ${deliveryId} to be ${status}` },
    );
  }

  const deadLetterQueue = () => `${platform.namespace}.webhook-dispatcher.deliveries.dlq`;

  async function takeDeadLetters(): Promise<Array<Record<string, any>>> {
    const notices = [];
    for (let message = await probe.take(deadLetterQueue()); message; message = await probe.take(deadLetterQueue()))
      notices.push(JSON.parse(message.content.toString()).payload);
    return notices;
  }

  it('delivers every event of a real run, signed so that the standardwebhooks library verifies it', async () => {
    receiver.on('/all', () => ({ status: 200, body: { ok: true } }));
    receiver.on('/completed-only', () => ({ status: 204 }));
    receiver.on('/other-org', () => ({ status: 200 }));
    const all = await createEndpoint('/all', { description: 'everything' });
    const completedOnly = await createEndpoint('/completed-only', { eventTypes: ['WORKFLOW_RUN_COMPLETED'] });
    const otherOrg = await createOrganization(platform.apiUrl, 'Elsewhere Ltd');
    await createEndpoint('/other-org', {}, otherOrg.apiKey);
    expect(all.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const workflow = await api().post('/v1/workflows').set(auth()).send({ name: 'Screen', definition }).expect(201);
    await api().post(`/v1/workflows/${workflow.body.id}/publish`).set(auth()).expect(201);
    const accepted = await api()
      .post(`/v1/workflows/${workflow.body.id}/runs`)
      .set(auth())
      .send({ triggerSource: 'API', contacts: [{ email: 'ada+pass@example.com', firstName: 'Ada' }] })
      .expect(202);
    const runId: string = accepted.body.runIds[0];

    const received = await waitFor(
      () => {
        const requests = receiver.requestsTo('/all');
        return requests.some((r) => parsedWebhook(r).event === 'WORKFLOW_RUN_COMPLETED') ? requests : null;
      },
      { timeoutMs: 30_000, what: 'the run to complete at the endpoint' },
    );
    const webhooks = received.map((r) => ({ request: r, webhook: verifiedWebhook(r, all.secret) }));
    expect(webhooks.map(({ webhook }) => webhook.event)).toEqual(
      expect.arrayContaining([
        'WORKFLOW_PUBLISHED',
        'WORKFLOW_CONTACT_RESOLVED',
        'WORKFLOW_RUN_STARTED',
        'WORKFLOW_NODE_COMPLETED',
        'WORKFLOW_RUN_COMPLETED',
      ]),
    );
    for (const { request: r, webhook } of webhooks) {
      expect(Object.keys(webhook).sort()).toEqual(['data', 'event', 'eventId', 'eventTimestamp']);
      expect(r.headers['webhook-id']).toBe(webhook.eventId);
      expect(r.headers['content-type']).toBe('application/json');
      expect(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
      expect(new Date(webhook.eventTimestamp).toISOString()).toBe(webhook.eventTimestamp);
      expect(webhook.data.organizationId).toBe(organizationId);
      expect(schemaErrors(webhook.event as never, webhook.data)).toEqual([]);
    }
    const completed = webhooks.find(({ webhook }) => webhook.event === 'WORKFLOW_RUN_COMPLETED')!.webhook;
    expect(completed.data.recordId).toBe(runId);
    // A tampered body does not verify.
    expect(() => verifiedWebhook({ ...received[0], body: received[0].body.replace('}', ' }') }, all.secret)).toThrow();

    // The filter holds: only completions reach the filtered endpoint; nothing crosses organizations.
    await waitFor(() => receiver.requestsTo('/completed-only').length === 1, { what: 'the filtered delivery' });
    expect(parsedWebhook(receiver.requestsTo('/completed-only')[0]).eventId).toBe(completed.eventId);
    verifiedWebhook(receiver.requestsTo('/completed-only')[0], completedOnly.secret);
    expect(receiver.requestsTo('/other-org')).toHaveLength(0);

    const log = await deliveries(all.id, 'SUCCEEDED');
    for (const { webhook } of webhooks) {
      const delivery = log.find((d) => d.id === `${webhook.eventId}:${all.id}`);
      expect(delivery?.attempts).toEqual([
        expect.objectContaining({ statusCode: 200, responseBody: '{"ok":true}', error: null }),
      ]);
    }
  });

  it('delivers a real run’s events to an ordered endpoint one at a time, in the order they were emitted', async () => {
    receiver.on('/ordered', () => ({ status: 200 }));
    const ordered = await createEndpoint('/ordered', { ordering: 'candidate' });
    const workflow = await api().post('/v1/workflows').set(auth()).send({ name: 'Ordered', definition }).expect(201);
    await api().post(`/v1/workflows/${workflow.body.id}/publish`).set(auth()).expect(201);
    const accepted = await api()
      .post(`/v1/workflows/${workflow.body.id}/runs`)
      .set(auth())
      .send({ triggerSource: 'API', contacts: [{ email: 'grace+ordered@example.com' }] })
      .expect(202);
    const runId: string = accepted.body.runIds[0];
    const ofRun = await waitFor(
      () => {
        const events = receiver
          .requestsTo('/ordered')
          .map((request) => verifiedWebhook(request, ordered.secret))
          .filter((webhook) => webhook.data.recordId === runId);
        return events.some((webhook) => webhook.event === 'WORKFLOW_RUN_COMPLETED') ? events : null;
      },
      { timeoutMs: 30_000, what: 'the run to complete at the ordered endpoint' },
    );
    expect(ofRun.map((webhook) => [webhook.event, webhook.data.nodeId ?? null])).toEqual([
      ['WORKFLOW_CONTACT_RESOLVED', null],
      ['WORKFLOW_RUN_STARTED', null],
      ['WORKFLOW_NODE_COMPLETED', 'screen'],
      ['WORKFLOW_NODE_COMPLETED', 'check'],
      ['WORKFLOW_NODE_COMPLETED', 'done'],
      ['WORKFLOW_RUN_COMPLETED', null],
    ]);
    // Each went through the candidate's lane, placed after the one before it.
    const mongo = await MongoClient.connect(platform.mongoServerUrl);
    try {
      const lanes = await mongo
        .db(platform.databases['webhook-dispatcher'])
        .collection('webhook_deliveries')
        .find({ endpointId: ordered.id, 'lane.runId': runId })
        .sort({ 'lane.position': 1 })
        .toArray();
      expect(lanes.map((delivery) => [delivery['lane'].position, delivery['lane'].after])).toEqual([
        [0, null],
        [1, 0],
        [2, 1],
        [3, 2],
        [4, 3],
        [5, 4],
      ]);
    } finally {
      await mongo.close();
    }
  });

  it('manages endpoints: read without secret, list, update, delete, and tenant isolation', async () => {
    receiver.on('/managed', () => ({ status: 200 }));
    const endpoint = await createEndpoint('/managed', { description: 'first', eventTypes: ['WORKFLOW_RUN_FAILED'] });
    const read = await api().get(`/v1/webhook-endpoints/${endpoint.id}`).set(auth()).expect(200);
    expect(read.body).toMatchObject({
      id: endpoint.id,
      url: `${receiver.url}/managed`,
      eventTypes: ['WORKFLOW_RUN_FAILED'],
      description: 'first',
      enabled: true,
      disabledReason: null,
    });
    expect(JSON.stringify(read.body)).not.toContain('whsec_');

    const listed = await api().get('/v1/webhook-endpoints').set(auth()).expect(200);
    expect(listed.body.data.map((e: { id: string }) => e.id)).toContain(endpoint.id);

    const patched = await api()
      .patch(`/v1/webhook-endpoints/${endpoint.id}`)
      .set(auth())
      .send({ description: 'second', eventTypes: [], enabled: false })
      .expect(200);
    expect(patched.body).toMatchObject({
      description: 'second',
      eventTypes: [],
      enabled: false,
      disabledReason: 'MANUAL',
    });
    await api().post(`/v1/webhook-endpoints/${endpoint.id}/test`).set(auth()).expect(409);

    // A rate limit: set, shown, checked, removed.
    expect(read.body.rateLimitPerSecond).toBeNull();
    const limited = await api()
      .patch(`/v1/webhook-endpoints/${endpoint.id}`)
      .set(auth())
      .send({ rateLimitPerSecond: 25 })
      .expect(200);
    expect(limited.body.rateLimitPerSecond).toBe(25);
    const refusedLimit = await api()
      .patch(`/v1/webhook-endpoints/${endpoint.id}`)
      .set(auth())
      .send({ rateLimitPerSecond: 0.5 })
      .expect(400);
    expect(refusedLimit.body.details).toEqual([
      { field: 'rateLimitPerSecond', message: 'rateLimitPerSecond must be a whole number from 1 to 10000' },
    ]);
    const unlimited = await api()
      .patch(`/v1/webhook-endpoints/${endpoint.id}`)
      .set(auth())
      .send({ rateLimitPerSecond: null })
      .expect(200);
    expect(unlimited.body.rateLimitPerSecond).toBeNull();
    const openApi = await api().get('/docs-json').expect(200);
    expect(openApi.body.components.schemas.CreateWebhookEndpointDto.properties.rateLimitPerSecond).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 10000,
    });

    const stranger = await createOrganization(platform.apiUrl, 'Stranger Co');
    await api().get(`/v1/webhook-endpoints/${endpoint.id}`).set(auth(stranger.apiKey)).expect(404);
    await api().delete(`/v1/webhook-endpoints/${endpoint.id}`).set(auth(stranger.apiKey)).expect(404);
    await api().post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`).set(auth(stranger.apiKey)).expect(404);

    await api().delete(`/v1/webhook-endpoints/${endpoint.id}`).set(auth()).expect(204);
    await api().get(`/v1/webhook-endpoints/${endpoint.id}`).set(auth()).expect(404);
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data', /link-local|private/],
    ['http://10.0.0.7/hooks', /private/],
    ['http://[fe80::1]/hooks', /private|link-local/],
    ['ftp://example.com/hooks', /url/],
  ])('refuses the endpoint URL %s and names the url field', async (url, reason) => {
    const refused = await api().post('/v1/webhook-endpoints').set(auth()).send({ url });
    expect([400, 422]).toContain(refused.status);
    expect(JSON.stringify(refused.body)).toMatch(/url/);
    expect(refused.body.message + JSON.stringify(refused.body.details ?? [])).toMatch(reason);
  });

  it('signs with both secrets during a rotation grace period, and only the new one after', async () => {
    receiver.on('/rotating', () => ({ status: 200 }));
    const endpoint = await createEndpoint('/rotating');
    const rotated = await api()
      .post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`)
      .set(auth())
      .send({ gracePeriodSeconds: 3600 })
      .expect(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    expect(Date.parse(rotated.body.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(3500_000);

    await sendTest(endpoint.id);
    const during = await waitFor(() => receiver.requestsTo('/rotating')[0], { what: 'the test event' });
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifiedWebhook(during, endpoint.secret).event).toBe('WEBHOOK_TEST');
    expect(verifiedWebhook(during, rotated.body.secret).event).toBe('WEBHOOK_TEST');

    const again = await api()
      .post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`)
      .set(auth())
      .send({ gracePeriodSeconds: 0 })
      .expect(200);
    expect(again.body.previousSecretExpiresAt).toBeNull();
    await sendTest(endpoint.id);
    const after = await waitFor(() => receiver.requestsTo('/rotating')[1], { what: 'the second test event' });
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    verifiedWebhook(after, again.body.secret);
    expect(() => verifiedWebhook(after, rotated.body.secret)).toThrow();
    expect(() => verifiedWebhook(after, endpoint.secret)).toThrow();
  });

  it('retries non-2xx answers on the schedule with the same webhook-id, storing every attempt', async () => {
    let calls = 0;
    receiver.on('/flaky', () => {
      calls += 1;
      return calls < 3 ? { status: 500, body: { error: 'x'.repeat(5000) } } : { status: 200, body: { ok: 1 } };
    });
    const endpoint = await createEndpoint('/flaky');
    const { deliveryId, eventId } = await sendTest(endpoint.id);
    const delivered = await untilStatus(endpoint.id, deliveryId, 'SUCCEEDED');

    const requests = receiver.requestsTo('/flaky');
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([eventId]));
    // Schedule 0, 250 ms, 500 ms with ±20 % jitter.
    expect(requests[1].receivedAt - requests[0].receivedAt).toBeGreaterThanOrEqual(190);
    expect(requests[2].receivedAt - requests[1].receivedAt).toBeGreaterThanOrEqual(390);
    expect(delivered.attemptCount).toBe(3);
    expect(delivered.attempts.map((a) => a.statusCode)).toEqual([500, 500, 200]);
    expect(delivered.attempts[0].responseBody!.length).toBeLessThan(1100);
    expect(delivered.attempts[0].responseBody).toMatch(/truncated\)$/);
    for (const attempt of delivered.attempts) expect(attempt.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('honours Retry-After', async () => {
    let calls = 0;
    receiver.on('/busy', () => {
      calls += 1;
      return calls === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 };
    });
    const endpoint = await createEndpoint('/busy');
    const { deliveryId } = await sendTest(endpoint.id);
    await untilStatus(endpoint.id, deliveryId, 'SUCCEEDED');
    const [first, second] = receiver.requestsTo('/busy');
    // The schedule says 250 ms; the receiver asked for a second (capped at the longest step, 1 s here).
    expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(950);
  });

  it('disables the endpoint on 410 Gone and dead-letters the delivery', async () => {
    receiver.on('/gone', () => ({ status: 410 }));
    const endpoint = await createEndpoint('/gone');
    await takeDeadLetters();
    const { deliveryId } = await sendTest(endpoint.id);
    const failed = await untilStatus(endpoint.id, deliveryId, 'FAILED');
    expect(failed.attemptCount).toBe(1);
    const read = await api().get(`/v1/webhook-endpoints/${endpoint.id}`).set(auth()).expect(200);
    expect(read.body).toMatchObject({ enabled: false, disabledReason: 'GONE' });
    const notices = await waitFor(async () => {
      const taken = await takeDeadLetters();
      return taken.length > 0 ? taken : null;
    });
    expect(notices).toEqual([expect.objectContaining({ deliveryId, reason: 'ENDPOINT_GONE', lastStatusCode: 410 })]);
  });

  it('marks an exhausted delivery failed in the DLQ; replay and recover deliver it again', async () => {
    let healthy = false;
    receiver.on('/down', () => (healthy ? { status: 200 } : { status: 503 }));
    const endpoint = await createEndpoint('/down');
    await takeDeadLetters();
    const first = await sendTest(endpoint.id);
    const failed = await untilStatus(endpoint.id, first.deliveryId, 'FAILED');
    expect(failed.attempts.map((a) => a.statusCode)).toEqual([503, 503, 503, 503]);
    const second = await sendTest(endpoint.id);
    await untilStatus(endpoint.id, second.deliveryId, 'FAILED');
    const notices = await waitFor(async () => {
      const taken = await takeDeadLetters();
      return taken.length >= 2 ? taken : null;
    });
    expect(notices.map((n) => n.deliveryId).sort()).toEqual([first.deliveryId, second.deliveryId].sort());
    expect(notices.every((n) => n.reason === 'RETRIES_EXHAUSTED' && n.attemptCount === 4)).toBe(true);
    expect((await deliveries(endpoint.id, 'FAILED')).map((d) => d.id).sort()).toEqual(
      [first.deliveryId, second.deliveryId].sort(),
    );

    healthy = true;
    await api().post(`/v1/webhook-deliveries/${first.deliveryId}/replay`).set(auth()).expect(202);
    const replayed = await untilStatus(endpoint.id, first.deliveryId, 'SUCCEEDED');
    expect(replayed.attempts.map((a) => a.statusCode)).toEqual([503, 503, 503, 503, 200]);
    await api().post(`/v1/webhook-deliveries/${first.deliveryId}/replay`).set(auth()).expect(202);
    await untilStatus(endpoint.id, first.deliveryId, 'SUCCEEDED');

    const recovered = await api()
      .post(`/v1/webhook-endpoints/${endpoint.id}/recover`)
      .set(auth())
      .send({ since: new Date(Date.now() - 60_000).toISOString() })
      .expect(202);
    expect(recovered.body).toEqual({ recovered: 1 });
    await untilStatus(endpoint.id, second.deliveryId, 'SUCCEEDED');
    const stranger = await createOrganization(platform.apiUrl, 'Replay Stranger');
    await api().post(`/v1/webhook-deliveries/${first.deliveryId}/replay`).set(auth(stranger.apiKey)).expect(404);
  });

  it('opens the circuit of a failing endpoint, leaves other endpoints alone, and closes it on recovery', async () => {
    let failing = true;
    receiver.on('/tripping', () => (failing ? { status: 500 } : { status: 200 }));
    receiver.on('/steady', () => ({ status: 200 }));
    const tripping = await createEndpoint('/tripping');
    const steady = await createEndpoint('/steady');
    const metrics = () => request(platform.services['webhook-dispatcher'].url).get('/metrics');
    const circuitGauge = async () =>
      new RegExp(`webhook_endpoint_circuit_state\\{[^}]*endpoint_id="${tripping.id}"[^}]*\\} (\\d)`).exec(
        (await metrics()).text,
      )?.[1];

    const sent: string[] = [];
    for (let i = 0; i < 3; i += 1) sent.push((await sendTest(tripping.id)).deliveryId);
    await waitFor(async () => (await circuitGauge()) === '2', { what: 'the circuit to open' });

    // While open: twenty more deliveries wait; the endpoint sees at most a probe per reset period.
    const before = receiver.requestsTo('/tripping').length;
    const openedAt = Date.now();
    for (let i = 0; i < 20; i += 1) sent.push((await sendTest(tripping.id)).deliveryId);
    const steadyTest = await sendTest(steady.id);
    await untilStatus(steady.id, steadyTest.deliveryId, 'SUCCEEDED', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 3000 - (Date.now() - openedAt)));
    const attemptsWhileOpen = receiver.requestsTo('/tripping').length - before;
    const perMinute = (attemptsWhileOpen * 60_000) / (Date.now() - openedAt);
    expect(attemptsWhileOpen).toBeLessThanOrEqual(3);
    expect(perMinute).toBeLessThan(61);

    failing = false;
    await waitFor(async () => (await circuitGauge()) === '0', { timeoutMs: 10_000, what: 'the circuit to close' });
    const settled = await waitFor(
      async () => {
        const log = await deliveries(tripping.id);
        return log.filter((d) => sent.includes(d.id)).every((d) => d.status !== 'PENDING') ? log : null;
      },
      { timeoutMs: 20_000, what: 'the waiting deliveries to go out' },
    );
    const waited = settled.filter((d) => sent.slice(3).includes(d.id));
    expect(waited.every((d) => d.status === 'SUCCEEDED')).toBe(true);
    // Held back while open: the twenty waiting deliveries were not attempts against the broken endpoint.
    expect(waited.filter((d) => d.attempts.some((a) => a.statusCode === 500)).length).toBeLessThanOrEqual(3);
  });

  it('runs endpoints concurrently over keep-alive connections; a slow endpoint holds up only itself', async () => {
    const SLOW_MS = 3000;
    receiver.on('/slow', () => ({ status: 200, delayMs: SLOW_MS }));
    receiver.on('/fast', () => ({ status: 200 }));
    const events = ['WORKFLOW_RUN_FAILED'];
    const slow = await createEndpoint('/slow', { eventTypes: events });
    await createEndpoint('/fast', { eventTypes: events });
    const exchange = `${platform.namespace}.events`;
    for (let i = 0; i < 12; i += 1) {
      const envelope = catalogueEvent('WORKFLOW_RUN_FAILED', organizationId, { recordId: `run_load_${i}` });
      await probe.publishRaw(exchange, envelope.type, Buffer.from(JSON.stringify(envelope)));
    }
    // The fast endpoint gets all twelve while the slow one still holds its first four (each takes 3 s).
    const slowCountWhenFastDone = await waitFor(
      () => (receiver.requestsTo('/fast').length === 12 ? receiver.requestsTo('/slow').length : null),
      { timeoutMs: 10_000, what: 'the fast endpoint to receive all twelve' },
    );
    expect(slowCountWhenFastDone).toBeLessThanOrEqual(4);

    const slowRequests = await waitFor(
      () => (receiver.requestsTo('/slow').length === 12 ? receiver.requestsTo('/slow') : null),
      { timeoutMs: 30_000, what: 'the slow endpoint to receive all twelve' },
    );
    // Bounded per endpoint: WEBHOOK_ENDPOINT_CONCURRENCY (4) at a time, the next only after an answer.
    const firstBatch = slowRequests.filter((r) => r.receivedAt < slowRequests[0].receivedAt + SLOW_MS - 500);
    expect(firstBatch).toHaveLength(4);
    // Keep-alive: connections are reused (requests share ports). How many connections there are
    // depends on timing: a slow answer holds its connection, and the fast endpoint's attempts
    // (same origin, one pool) open others meanwhile.
    const ports = [...receiver.requestsTo('/fast'), ...slowRequests].map((r) => r.remotePort);
    expect(new Set(ports).size).toBeLessThan(ports.length);
    const perPort = new Map<number, number>();
    for (const port of ports) perPort.set(port, (perPort.get(port) ?? 0) + 1);
    expect(Math.max(...perPort.values())).toBeGreaterThan(1);
    await waitFor(async () => (await deliveries(slow.id, 'SUCCEEDED')).length === 12, { what: 'the slow log' });
  });

  it('delivers an event the broker delivers twice only once per endpoint', async () => {
    receiver.on('/once', () => ({ status: 200 }));
    const endpoint = await createEndpoint('/once', { eventTypes: ['WORKFLOW_PUBLISHED'] });
    const envelope = catalogueEvent('WORKFLOW_PUBLISHED', organizationId, { recordId: 'wf_dup' });
    const exchange = `${platform.namespace}.events`;
    await probe.publishRaw(exchange, envelope.type, Buffer.from(JSON.stringify(envelope)));
    await probe.publishRaw(exchange, envelope.type, Buffer.from(JSON.stringify(envelope)));
    await waitFor(() => receiver.requestsTo('/once').length === 1, { what: 'the delivery' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(receiver.requestsTo('/once').map((r: ReceivedRequest) => r.headers['webhook-id'])).toEqual([envelope.id]);
    expect(await deliveries(endpoint.id)).toHaveLength(1);
  });

  it('loses no event when the dispatcher is killed while its deliveries are in flight', async () => {
    // Answers are held back until the dispatcher is dead: nothing in flight is stored by then.
    let holdMs = 60_000;
    receiver.on('/killed', () => ({ status: 200, delayMs: holdMs }));
    const endpoint = await createEndpoint('/killed', { eventTypes: ['WORKFLOW_RUN_CANCELLED'] });
    const exchange = `${platform.namespace}.events`;
    const eventIds: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const envelope = catalogueEvent('WORKFLOW_RUN_CANCELLED', organizationId, { recordId: `run_killed_${i}` });
      eventIds.push(envelope.id);
      await probe.publishRaw(exchange, envelope.type, Buffer.from(JSON.stringify(envelope)));
    }
    // WEBHOOK_ENDPOINT_CONCURRENCY (4) attempts are in flight; the others wait for a slot or were queued.
    await waitFor(() => receiver.requestsTo('/killed').length >= 4, { what: 'deliveries in flight' });
    await platform.services['webhook-dispatcher'].kill();
    holdMs = 0;
    await platform.crashAndRestart('webhook-dispatcher');

    // Every event arrives (some twice, with the same webhook-id), and each has one delivery, SUCCEEDED.
    await waitFor(
      () => {
        const seen = new Set(receiver.requestsTo('/killed').map((r) => r.headers['webhook-id']));
        return eventIds.every((eventId) => seen.has(eventId));
      },
      { timeoutMs: 30_000, what: 'every event at the receiver' },
    );
    const log = await waitFor(
      async () => {
        const made = await deliveries(endpoint.id);
        return made.length === eventIds.length && made.every((d) => d.status === 'SUCCEEDED') ? made : null;
      },
      { timeoutMs: 30_000, what: 'every delivery to be stored as delivered' },
    );
    expect(log.map((d) => d.id).sort()).toEqual(eventIds.map((eventId) => `${eventId}:${endpoint.id}`).sort());
    for (const delivery of log) expect(delivery.attempts.at(-1)).toMatchObject({ statusCode: 200 });
    // Nothing is left to retry, and no event message is stranded.
    const mongo = await MongoClient.connect(platform.mongoServerUrl);
    try {
      const queue = mongo.db(platform.databases['webhook-dispatcher']).collection('webhook_delivery_queue');
      await waitFor(async () => (await queue.countDocuments({ endpointId: endpoint.id })) === 0, {
        what: 'the delivery queue to be empty',
      });
    } finally {
      await mongo.close();
    }
    await waitFor(
      async () => (await probe.stats(`${platform.namespace}.webhook-dispatcher.events`))?.messageCount === 0,
      { what: 'the events queue to drain' },
    );
  });

  it('keeps a retry across a dispatcher crash and delivers it after the restart', async () => {
    let calls = 0;
    receiver.on('/restart', () => {
      calls += 1;
      return calls === 1 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 };
    });
    // An event type nothing in this file emits: only the test event (sent whatever the filter) comes.
    const endpoint = await createEndpoint('/restart', { eventTypes: ['WORKFLOW_CONTACT_RESOLUTION_SKIPPED'] });
    const { deliveryId, eventId } = await sendTest(endpoint.id);
    await waitFor(() => receiver.requestsTo('/restart').length === 1, { what: 'the first attempt' });
    await platform.crashAndRestart('webhook-dispatcher');
    const delivered = await untilStatus(endpoint.id, deliveryId, 'SUCCEEDED');
    // The first attempt is in the log when the crash came after its write; either way the
    // delivery was made again after the restart, with the same webhook-id.
    expect([[503, 200], [200]]).toContainEqual(delivered.attempts.map((a) => a.statusCode));
    expect(receiver.requestsTo('/restart').map((r) => r.headers['webhook-id'])).toEqual([eventId, eventId]);
  });
});
