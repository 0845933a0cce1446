import request from 'supertest';
import { BrokerProbe, Platform, TEST_ADMIN_TOKEN, waitFor, type PlatformService } from '@wfp/testing';
import { createOrganization } from './support/fixtures';
import { HttpReceiver } from './support/http-receiver';
import { Scrape } from './support/prometheus';

/**
 * What SREs see: each service's /metrics moves as messages flow (per-queue consumption, outcomes,
 * handling time, queue and DLQ depth read from the broker, HTTP requests at the gateway, runs and
 * node executions at the processor, resolutions at the resolver, deliveries per endpoint at the
 * dispatcher), and one correlation id follows a request through the logs of every service.
 */
describe('operability: metrics and correlated logs across the four services', () => {
  let platform: Platform;
  let receiver: HttpReceiver;
  let probe: BrokerProbe;
  let org: { id: string; apiKey: string };
  const services: PlatformService[] = ['workflow-api', 'contact-resolver', 'workflow-processor', 'webhook-dispatcher'];
  const correlationId = `ops-${Date.now().toString(36)}`;
  const scrape = (service: PlatformService) => Scrape.of(platform.services[service].url);
  const auth = () => ({ Authorization: `Bearer ${org.apiKey}` });
  const queue = (name: string) => `${platform.namespace}.${name}`;

  beforeAll(async () => {
    receiver = await HttpReceiver.start();
    receiver.on('/target', () => ({ status: 200, body: { ok: true } }));
    receiver.on('/events', () => ({ status: 204 }));
    const debug = { LOG_LEVEL: 'debug' };
    platform = await Platform.start(Object.fromEntries(services.map((service) => [service, debug])));
    probe = await BrokerProbe.connect(platform.brokerUrl);
    org = await createOrganization(platform.apiUrl, 'Ops Ltd');
  }, 60_000);

  afterAll(async () => {
    await probe?.close();
    await platform?.stop();
    await receiver?.stop();
  });

  it('serves the gateway’s metrics (a public port) to the admin token only, not to tenants', async () => {
    const metrics = `${platform.apiUrl}/metrics`;
    expect((await fetch(metrics)).status).toBe(401);
    expect((await fetch(metrics, { headers: auth() })).status).toBe(401);
    const operator = await fetch(metrics, { headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(operator.status).toBe(200);
    expect(await operator.text()).toContain('http_request_duration_seconds');
  });

  let runId: string;
  let endpointId: string;

  it('a run started with X-Correlation-Id completes', async () => {
    const endpoint = await request(platform.apiUrl)
      .post('/v1/webhook-endpoints')
      .set(auth())
      .send({ url: `${receiver.url}/events` })
      .expect(201);
    endpointId = endpoint.body.id;
    const definition = {
      startNodeId: 'notify',
      nodes: [
        {
          id: 'notify',
          type: 'webhook',
          config: { method: 'POST', url: `${receiver.url}/target`, timeoutSeconds: 2 },
          transitions: { onSuccess: 'check' },
        },
        {
          id: 'check',
          type: 'condition',
          config: { branches: [{ when: { all: [{ path: 'run.id', op: 'exists' }] }, target: 'done' }], else: null },
        },
        { id: 'done', type: 'output', config: { value: { ok: true } } },
      ],
    };
    const workflow = await request(platform.apiUrl)
      .post('/v1/workflows')
      .set(auth())
      .send({ name: 'ops', definition })
      .expect(201);
    await request(platform.apiUrl).post(`/v1/workflows/${workflow.body.id}/publish`).set(auth()).expect(201);
    const started = await request(platform.apiUrl)
      .post(`/v1/workflows/${workflow.body.id}/runs`)
      .set(auth())
      .set('X-Correlation-Id', correlationId)
      .send({ triggerSource: 'API', contacts: [{ email: 'ops@example.com', externalId: 'ops-1' }] })
      .expect(202);
    expect(started.headers['x-correlation-id']).toBe(correlationId);
    runId = started.body.runIds[0];
    await waitFor(
      async () => {
        const run = await request(platform.apiUrl).get(`/v1/workflow-runs/${runId}`).set(auth());
        return run.body.status === 'COMPLETED';
      },
      { timeoutMs: 20_000, what: 'the run to complete' },
    );
    await waitFor(() => receiver.requestsTo('/events').some((r) => r.body.includes('WORKFLOW_RUN_COMPLETED')), {
      timeoutMs: 20_000,
      what: 'WORKFLOW_RUN_COMPLETED at the endpoint',
    });
  }, 60_000);

  it('the gateway counts HTTP requests by route pattern and status', async () => {
    const metrics = await scrape('workflow-api');
    expect(
      metrics.value('http_request_duration_seconds_count', {
        method: 'POST',
        route: '/v1/workflows/:id/runs',
        status: '202',
      }),
    ).toBe(1);
    await request(platform.apiUrl).get('/v1/workflows').expect(401);
    const after = await scrape('workflow-api');
    expect(
      after.value('http_request_duration_seconds_count', { method: 'GET', route: '/v1/workflows', status: '401' }),
    ).toBe(1);
    // Raw paths never become labels (one series per id would be unbounded).
    expect(after.series('http_request_duration_seconds_count').some((s) => s['route']?.includes(runId))).toBe(false);
  });

  it('each consumer counts messages per queue, their outcome and handling time', async () => {
    const resolver = await scrape('contact-resolver');
    const commands = queue('contact-resolver.commands');
    expect(resolver.value('messages_consumed_total', { queue: commands, type: 'contacts.resolve' })).toBe(1);
    expect(resolver.value('messages_handled_total', { queue: commands, outcome: 'acked' })).toBe(1);
    expect(resolver.value('message_handling_seconds_count', { queue: commands, outcome: 'acked' })).toBe(1);
    expect(resolver.value('contact_resolutions_total', { result: 'resolved' })).toBe(1);
    await waitFor(
      async () =>
        (await scrape('contact-resolver')).value('messages_consumed_total', {
          queue: queue('contact-resolver.run-events'),
          type: 'WORKFLOW_RUN_COMPLETED',
        }) === 1,
      { timeoutMs: 10_000, what: 'the resolver to take the run end' },
    );

    const processor = await scrape('workflow-processor');
    const processorQueue = queue('workflow-processor.commands');
    expect(processor.value('messages_consumed_total', { queue: processorQueue, type: 'runs.start' })).toBe(1);
    expect(processor.value('workflow_node_executions_total', { type: 'webhook', result: 'routed' })).toBe(1);
    expect(processor.value('workflow_node_executions_total', { type: 'condition', result: 'routed' })).toBe(1);
    expect(processor.value('workflow_node_executions_total', { type: 'output', result: 'routed' })).toBe(1);
    expect(processor.value('workflow_node_execution_seconds_count', { type: 'webhook' })).toBe(1);
    expect(processor.value('workflow_runs_started_total')).toBe(1);
    expect(processor.value('workflow_runs_ended_total', { status: 'COMPLETED' })).toBe(1);
    // Store operations by command, from the driver's command monitoring.
    expect(processor.value('store_commands_total', { command: 'insert' })).toBeGreaterThan(0);
    // Request/reply queue: the run reads above were answered by the processor.
    expect(
      processor.value('messages_handled_total', { queue: queue('workflow-processor.rpc'), outcome: 'answered' }),
    ).toBeGreaterThan(0);

    const dispatcher = await scrape('webhook-dispatcher');
    const events = receiver.requestsTo('/events').length;
    expect(
      dispatcher.value('webhook_deliveries_finished_total', { endpoint_id: endpointId, status: 'succeeded' }),
    ).toBe(events);
    expect(dispatcher.value('webhook_delivery_attempts_total', { endpoint_id: endpointId, result: '2xx' })).toBe(
      events,
    );
    expect(
      dispatcher.value('messages_consumed_total', { queue: queue('webhook-dispatcher.events') }),
    ).toBeGreaterThanOrEqual(events);
  });

  it('each service reports the depth and consumers of its own queues, DLQs included, from the broker', async () => {
    for (const service of ['contact-resolver', 'workflow-processor', 'webhook-dispatcher'] as const) {
      const metrics = await scrape(service);
      const kinds = new Set(metrics.series('queue_messages').map((s) => s['kind']));
      expect([...kinds].sort()).toEqual(expect.arrayContaining(['dlq', 'retry', 'work']));
      for (const work of metrics.series('queue_consumers').filter((s) => s['kind'] === 'work')) {
        expect(metrics.value('queue_consumers', work)).toBeGreaterThanOrEqual(1);
      }
    }
    const processorQueue = queue('workflow-processor.commands');
    expect((await scrape('workflow-processor')).value('queue_messages', { queue: `${processorQueue}.dlq` })).toBe(0);

    // A message no handler can read is dead-lettered: counted, and the DLQ depth shows it.
    await probe.publishRaw('', processorQueue, Buffer.from('not an envelope'));
    await waitFor(
      async () =>
        (await scrape('workflow-processor')).value('queue_messages', { queue: `${processorQueue}.dlq` }) === 1,
      { timeoutMs: 10_000, what: 'the DLQ depth to show the dead-lettered message' },
    );
    const processor = await scrape('workflow-processor');
    expect(processor.value('messages_dead_lettered_total', { queue: processorQueue, reason: 'malformed' })).toBe(1);
    expect(processor.value('messages_handled_total', { queue: processorQueue, outcome: 'dead-lettered' })).toBe(1);
  });

  it('one correlation id follows the request through the logs of all four services', () => {
    for (const service of services) {
      const lines = platform.services[service].logs
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line['correlationId'] === correlationId);
      expect({ service, logsTheRequest: lines.length > 0 }).toEqual({ service, logsTheRequest: true });
      // Every line is structured JSON naming its service.
      for (const line of lines) expect(line['service']).toBe(service);
    }
    // Message handlers say which message they handled.
    const processorLines = platform.services['workflow-processor'].logs
      .split('\n')
      .filter((line) => line.includes(correlationId));
    expect(processorLines.some((line) => line.includes('"messageType":"runs.start"'))).toBe(true);
  });
});
