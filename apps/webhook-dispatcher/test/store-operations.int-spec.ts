import type { WorkflowEventType } from '@wfp/contracts';
import type { INestApplication } from '@nestjs/common';
import { MessagePublisherService } from '@wfp/messaging';
import { IsolatedInfra, waitFor } from '@wfp/testing';
import { WebhookDeliveriesService, WebhookEndpointsService } from '@wfp/webhook-delivery';
import { bootstrap } from '../src/bootstrap';
import {
  acknowledgedEvents,
  Receiver,
  recordStoreCommands,
  workflowEvent,
  type StoreCommand,
} from './support/dispatcher-rig';

/**
 * What an event costs the store, counted from the driver's command monitoring of the dispatcher
 * booted in-process against RabbitMQ and FerretDB: an event delivered at once costs at most one
 * write (the insert of its deliveries, whatever the number of endpoints, shared with the events
 * handled beside it), an event nobody subscribes to none. The due-poller is kept out of the count (its interval is longer than the test).
 */
describe('webhook-dispatcher: store operations per event', () => {
  const organizationId = 'org_store_ops';
  let isolated: IsolatedInfra;
  let app: INestApplication;
  let receiver: Receiver;
  let commands: StoreCommand[];

  beforeAll(async () => {
    receiver = await Receiver.start();
    isolated = await IsolatedInfra.create('dispatcher_ops');
    app = await bootstrap(
      isolated.serviceEnv({
        WEBHOOK_DISPATCHER_PORT: '0',
        ALLOW_LOOPBACK_TARGETS: 'true',
        WEBHOOK_POLL_INTERVAL_MS: '600000',
      }),
    );
    await isolated.consuming('webhook-dispatcher.events');
    commands = await recordStoreCommands(app);
  });

  afterAll(async () => {
    await app?.close();
    await isolated?.cleanup();
    await receiver?.stop();
  });

  const publish = (type: WorkflowEventType) =>
    app.get(MessagePublisherService).publish('events', workflowEvent(type, organizationId));

  async function handled(count: number): Promise<void> {
    await waitFor(async () => (await acknowledgedEvents(app, isolated)) >= count, {
      what: `${count} event messages acknowledged`,
    });
  }

  it('writes each delivered event once and touches nothing for an event nobody subscribes to', async () => {
    const endpoints = app.get(WebhookEndpointsService);
    const completed = await endpoints.create(organizationId, {
      url: receiver.url('/completed'),
      eventTypes: ['WORKFLOW_RUN_COMPLETED'],
    });
    await endpoints.create(organizationId, { url: receiver.url('/all-runs'), eventTypes: ['WORKFLOW_RUN_COMPLETED'] });
    const failedOnly = await endpoints.create(organizationId, {
      url: receiver.url('/failed'),
      eventTypes: ['WORKFLOW_RUN_FAILED'],
    });

    // The first event of the organization reads its endpoints once (the cache is cold), then writes.
    commands.length = 0;
    await publish('WORKFLOW_RUN_FAILED');
    await handled(1);
    expect(commands.map(({ name, collection }) => `${name} ${collection}`)).toEqual([
      'find webhook_endpoints',
      'insert webhook_deliveries',
    ]);

    // Warm: inserts only, each holding the deliveries of one or more events (the events handled
    // at the same moment share one insert) to every subscribed endpoint: at most one per event.
    commands.length = 0;
    for (let i = 0; i < 10; i += 1) await publish('WORKFLOW_RUN_COMPLETED');
    await handled(11);
    expect(receiver.to('/completed')).toHaveLength(10);
    expect(receiver.to('/all-runs')).toHaveLength(10);
    expect(new Set(commands.map(({ name, collection }) => `${name} ${collection}`))).toEqual(
      new Set(['insert webhook_deliveries']),
    );
    expect(commands.length).toBeLessThanOrEqual(10);
    const inserted = commands.flatMap(({ command }) => command['documents'] as Array<{ _id: string }>);
    expect(inserted).toHaveLength(20);
    expect(new Set(inserted.map(({ _id }) => _id)).size).toBe(20);

    // Nobody subscribes to WORKFLOW_PUBLISHED: no store operation at all.
    commands.length = 0;
    for (let i = 0; i < 10; i += 1) await publish('WORKFLOW_PUBLISHED');
    await handled(21);
    expect(commands).toEqual([]);

    // What was written is the whole delivery: outcome and attempt, no second write needed.
    const log = await app.get(WebhookDeliveriesService).list(organizationId, { endpointId: completed.id, limit: 20 });
    expect(log.data).toHaveLength(10);
    for (const delivery of log.data) {
      expect(delivery).toMatchObject({
        status: 'SUCCEEDED',
        attemptCount: 1,
        lastStatusCode: 200,
        nextAttemptAt: null,
      });
      expect(delivery.attempts).toEqual([expect.objectContaining({ attemptNumber: 1, statusCode: 200, error: null })]);
    }
    const failedLog = await app
      .get(WebhookDeliveriesService)
      .list(organizationId, { endpointId: failedOnly.id, limit: 20 });
    expect(failedLog.data.map((delivery) => delivery.status)).toEqual(['SUCCEEDED']);
  });
});
