import request from 'supertest';
import { BrokerProbe, Platform, TEST_ADMIN_TOKEN, waitFor } from '@wfp/testing';
import { createOrganization, parkRunsStart } from './support/fixtures';
import { HttpReceiver } from './support/http-receiver';

/**
 * DLQ administration through the gateway (admin token): list and inspect what is in a service's
 * DLQs, replay a message to where it first went (it is then handled), replay a parked webhook
 * delivery, discard one message, purge — against the real broker and services.
 */
describe('dead-letter administration through the gateway', () => {
  let platform: Platform;
  let probe: BrokerProbe;
  let receiver: HttpReceiver;
  let org: { id: string; apiKey: string };
  const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
  const api = () => request(platform.apiUrl);
  const processorDlq = () => `${platform.namespace}.workflow-processor.commands.dlq`;
  let receiverAnswers = 500;

  beforeAll(async () => {
    receiver = await HttpReceiver.start();
    receiver.on('/events', () => ({ status: receiverAnswers }));
    platform = await Platform.start({
      'webhook-dispatcher': { WEBHOOK_RETRY_SCHEDULE: '0,100ms', WEBHOOK_POLL_INTERVAL_MS: '100' },
    });
    probe = await BrokerProbe.connect(platform.brokerUrl);
    org = await createOrganization(platform.apiUrl, 'Dead Letters Ltd');
  }, 60_000);

  afterAll(async () => {
    await probe?.close();
    await platform?.stop();
    await receiver?.stop();
  });

  it('needs the admin token', async () => {
    await api().get('/v1/admin/queues').expect(401);
    await api()
      .get('/v1/admin/queues')
      .set({ Authorization: `Bearer ${org.apiKey}` })
      .expect(401);
    const unknown = await api().get('/v1/admin/dead-letters/billing').set(admin).expect(404);
    expect(unknown.body.message).toContain('workflow-processor');
  });

  it("lists every service's queues with their kind, depth and consumers", async () => {
    const { body } = await api().get('/v1/admin/queues').set(admin).expect(200);
    const processorWork = body.queues.find(
      (queue: { name: string }) => queue.name === `${platform.namespace}.workflow-processor.commands`,
    );
    expect(processorWork).toMatchObject({ service: 'workflow-processor', kind: 'work', exists: true });
    expect(processorWork.consumerCount).toBeGreaterThanOrEqual(1);
    expect(body.queues).toContainEqual(
      expect.objectContaining({ name: processorDlq(), kind: 'dlq', service: 'workflow-processor', messageCount: 0 }),
    );
  });

  it('shows a dead-lettered command with its reason and body, and a replay runs it', async () => {
    // A real published version, and a runs.start for it that (as if its retries had been spent
    // while the store was away) sits in the processor's DLQ with the transport's headers.
    const workflow = await api()
      .post('/v1/workflows')
      .set({ Authorization: `Bearer ${org.apiKey}` })
      .send({
        name: 'replayed',
        definition: { startNodeId: 'done', nodes: [{ id: 'done', type: 'output', config: { value: 1 } }] },
      })
      .expect(201);
    const published = await api()
      .post(`/v1/workflows/${workflow.body.id}/publish`)
      .set({ Authorization: `Bearer ${org.apiKey}` })
      .expect(201);
    const runId = `run_dlqreplay${Date.now()}`;
    const command = await parkRunsStart(
      probe,
      platform.namespace,
      {
        organizationId: org.id,
        correlationId: 'corr-dlq',
        runId,
        workflowId: workflow.body.id,
        workflowVersionId: published.body.workflowVersionId,
      },
      { 'x-error': 'MongoServerSelectionError: connection refused', 'x-dead-lettered-at': '2026-11-22T10:00:00.000Z' },
    );

    const listed = await api().get('/v1/admin/dead-letters/workflow-processor').set(admin).expect(200);
    expect(listed.body.queues).toContainEqual({
      name: processorDlq(),
      deadLetterOf: `${platform.namespace}.workflow-processor.commands`,
      exists: true,
      messageCount: 1,
    });
    expect(listed.body.messages).toEqual([
      expect.objectContaining({
        messageId: command.id,
        type: 'runs.start',
        organizationId: org.id,
        correlationId: 'corr-dlq',
        reason: 'retries-exhausted',
        attempts: 5,
        error: 'MongoServerSelectionError: connection refused',
        replayTo: { exchange: `${platform.namespace}.commands`, routingKey: 'runs.start' },
      }),
    ]);
    // Listing leaves the message where it was.
    expect((await probe.stats(processorDlq()))?.messageCount).toBe(1);

    const inspected = await api().get(`/v1/admin/dead-letters/workflow-processor/${command.id}`).set(admin).expect(200);
    expect(inspected.body.body).toEqual(command);
    await api().get('/v1/admin/dead-letters/workflow-processor/cmd_nothing').set(admin).expect(404);

    await api().post(`/v1/admin/dead-letters/workflow-processor/${command.id}/replay`).set(admin).expect(200);
    await waitFor(
      async () => {
        const run = await api()
          .get(`/v1/workflow-runs/${runId}`)
          .set({ Authorization: `Bearer ${org.apiKey}` });
        return run.body.status === 'COMPLETED';
      },
      { timeoutMs: 15_000, what: 'the replayed runs.start to run' },
    );
    expect((await probe.stats(processorDlq()))?.messageCount).toBe(0);
    await api().post(`/v1/admin/dead-letters/workflow-processor/${command.id}/replay`).set(admin).expect(404);
  });

  it('discards one message and purges the rest', async () => {
    const workQueue = `${platform.namespace}.workflow-processor.commands`;
    for (const text of ['first', 'second', 'third']) await probe.publishRaw('', workQueue, Buffer.from(text));
    await waitFor(async () => (await probe.stats(processorDlq()))?.messageCount === 3, {
      timeoutMs: 10_000,
      what: 'three malformed messages in the DLQ',
    });
    const listed = await api().get('/v1/admin/dead-letters/workflow-processor?limit=2').set(admin).expect(200);
    expect(listed.body.messages).toHaveLength(2);
    expect(listed.body.messages[0]).toMatchObject({ reason: 'malformed', body: 'first', type: null });
    await api().get('/v1/admin/dead-letters/workflow-processor?limit=0').set(admin).expect(400);

    // One with an id is discarded on its own; the malformed ones (no id) go with the purge.
    await probe.publishRaw('', processorDlq(), Buffer.from('{}'), { messageId: 'cmd_discarded' });
    const discarded = await api().delete('/v1/admin/dead-letters/workflow-processor/cmd_discarded').set(admin);
    expect(discarded.status).toBe(200);
    expect(discarded.body.messageId).toBe('cmd_discarded');
    expect((await probe.stats(processorDlq()))?.messageCount).toBe(3);
    const purged = await api().delete('/v1/admin/dead-letters/workflow-processor').set(admin).expect(200);
    expect(purged.body).toEqual({ purged: 3 });
    expect((await probe.stats(processorDlq()))?.messageCount).toBe(0);
  });

  it("replays a webhook delivery parked in the dispatcher's DLQ, which is then delivered", async () => {
    const parking = `${platform.namespace}.webhook-dispatcher.deliveries.dlq`;
    const endpoint = await api()
      .post('/v1/webhook-endpoints')
      .set({ Authorization: `Bearer ${org.apiKey}` })
      .send({ url: `${receiver.url}/events` })
      .expect(201);
    const test = await api()
      .post(`/v1/webhook-endpoints/${endpoint.body.id}/test`)
      .set({ Authorization: `Bearer ${org.apiKey}` })
      .expect(202);
    await waitFor(async () => ((await probe.stats(parking))?.messageCount ?? 0) === 1, {
      timeoutMs: 15_000,
      what: 'the exhausted delivery to be parked',
    });
    const listed = await api().get('/v1/admin/dead-letters/webhook-dispatcher').set(admin).expect(200);
    const notice = listed.body.messages.find(
      (message: { body: { payload?: { deliveryId?: string } } }) =>
        message.body.payload?.deliveryId === test.body.deliveryId,
    );
    expect(notice).toMatchObject({ type: 'webhook.delivery.dead-lettered', queue: parking, deadLetterOf: null });

    receiverAnswers = 204;
    await api().post(`/v1/admin/dead-letters/webhook-dispatcher/${notice.messageId}/replay`).set(admin).expect(200);
    await waitFor(
      async () => {
        const deliveries = await api()
          .get(`/v1/webhook-endpoints/${endpoint.body.id}/deliveries`)
          .set({ Authorization: `Bearer ${org.apiKey}` });
        return deliveries.body.data?.[0]?.status === 'SUCCEEDED';
      },
      { timeoutMs: 15_000, what: 'the replayed delivery to succeed' },
    );
    expect((await probe.stats(parking))?.messageCount).toBe(0);
  });
});
