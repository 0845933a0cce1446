import type { INestApplication } from '@nestjs/common';
import { getModelToken } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { MessagePublisherService } from '@wfp/messaging';
import { IsolatedInfra, waitFor } from '@wfp/testing';
import {
  DeliveryQueueEntry,
  WebhookDeliveriesService,
  WebhookDelivery,
  WebhookEndpointsService,
} from '@wfp/webhook-delivery';
import { bootstrap } from '../src/bootstrap';
import {
  acknowledgedEvents,
  queueDrained,
  Receiver,
  recordStoreCommands,
  workflowEvent,
} from './support/dispatcher-rig';

/**
 * A failing endpoint's delivery waits in the delivery queue (a small collection of pending
 * deliveries) and is retried from there by the due-poller until it succeeds; then its queue entry
 * is gone. The poller never reads the deliveries collection other than by `_id`.
 */
describe('webhook-dispatcher: retries come from the delivery queue', () => {
  const organizationId = 'org_queue';
  let isolated: IsolatedInfra;
  let app: INestApplication;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await Receiver.start();
    isolated = await IsolatedInfra.create('dispatcher_queue');
    app = await bootstrap(
      isolated.serviceEnv({
        WEBHOOK_DISPATCHER_PORT: '0',
        ALLOW_LOOPBACK_TARGETS: 'true',
        WEBHOOK_RETRY_SCHEDULE: Array.from({ length: 30 }, (_, index) => (index === 0 ? '0' : '100ms')).join(','),
        WEBHOOK_POLL_INTERVAL_MS: '50',
        WEBHOOK_BREAKER_MIN_REQUESTS: '1000',
      }),
    );
    await isolated.consuming('webhook-dispatcher.events');
  });

  afterAll(async () => {
    await app?.close();
    await isolated?.cleanup();
    await receiver?.stop();
  });

  const queueEntries = () => app.get<Model<DeliveryQueueEntry>>(getModelToken(DeliveryQueueEntry.name));
  const deliveries = () => app.get<Model<WebhookDelivery>>(getModelToken(WebhookDelivery.name));

  it('retries a failing delivery from the queue until it succeeds, then drops its queue entry', async () => {
    let healthy = false;
    receiver.answer = () => (healthy ? 200 : 503);
    const endpoint = await app
      .get(WebhookEndpointsService)
      .create(organizationId, { url: receiver.url('/flaky'), eventTypes: ['WORKFLOW_RUN_FAILED'] });
    const commands = await recordStoreCommands(app);
    const event = workflowEvent('WORKFLOW_RUN_FAILED', organizationId);
    const deliveryId = `${event.id}:${endpoint.id}`;
    await app.get(MessagePublisherService).publish('events', event);

    // The first attempt failed in the message handler, which stored the delivery PENDING and queued it.
    await waitFor(async () => (await acknowledgedEvents(app, isolated)) === 1, { what: 'the event handled' });
    // Its delivery writes: the queue entry first, then the delivery. On a slow machine the poller may
    // claim the young entry in between, find no delivery yet and put the entry back for a moment;
    // the order of the handler's two writes is what counts.
    const writes = commands
      .filter(({ name }) => name === 'update' || name === 'insert')
      .filter(({ collection }) => collection === 'webhook_delivery_queue' || collection === 'webhook_deliveries')
      .map(({ name, collection }) => `${name} ${collection}`);
    expect(writes[0]).toBe('update webhook_delivery_queue');
    expect(writes.filter((write) => write === 'insert webhook_deliveries')).toHaveLength(1);
    const pending = (await deliveries().findById(deliveryId).lean().exec()) as WebhookDelivery;
    expect(pending).toMatchObject({ status: 'PENDING', eventType: 'WORKFLOW_RUN_FAILED' });
    expect(pending.attempts[0]).toMatchObject({ attemptNumber: 1, statusCode: 503 });
    expect(await queueEntries().findById(deliveryId).lean().exec()).toMatchObject({
      endpointId: endpoint.id,
      organizationId,
    });

    // Retried by the poller while it fails; the delivery stays pending, its entry stays queued.
    await waitFor(() => receiver.to('/flaky').length >= 3, { what: 'two retries' });
    expect(await queueEntries().countDocuments({ _id: deliveryId }).exec()).toBe(1);

    healthy = true;
    const delivered = await waitFor(
      async () => {
        const delivery = await app
          .get(WebhookDeliveriesService)
          .list(organizationId, { endpointId: endpoint.id, limit: 5 });
        return delivery.data[0]?.status === 'SUCCEEDED' ? delivery.data[0] : null;
      },
      { what: 'the delivery to succeed' },
    );
    const statuses = delivered.attempts.map((attempt) => attempt.statusCode);
    expect(statuses.slice(0, -1).every((status) => status === 503)).toBe(true);
    expect(statuses[statuses.length - 1]).toBe(200);
    expect(receiver.to('/flaky')).toHaveLength(statuses.length);
    expect(new Set(receiver.to('/flaky').map(({ webhookId }) => webhookId))).toEqual(new Set([event.id]));
    await queueDrained(app, { _id: deliveryId });

    // The dispatcher read and wrote its deliveries by `_id` only (the log above is an operator's request).
    const byDelivery = commands.filter(
      ({ collection, command }) => collection === 'webhook_deliveries' && !isLogQuery(command),
    );
    for (const { name, command } of byDelivery) {
      expect({ name, ids: deliveryIdsIn(name, command) }).toEqual({ name, ids: [deliveryId] });
    }
  });
});

/** The delivery log's query (by endpoint), which the test itself asked for. */
function isLogQuery(command: Record<string, unknown>): boolean {
  return 'find' in command && 'endpointId' in ((command['filter'] as Record<string, unknown>) ?? {});
}

/** The `_id` each statement of a command is addressed to (an insert's documents, a filter's `_id`). */
function deliveryIdsIn(name: string, command: Record<string, unknown>): unknown[] {
  if (name === 'insert') return (command['documents'] as Array<{ _id: unknown }>).map(({ _id }) => _id);
  if (name === 'find') return [(command['filter'] as { _id?: unknown })._id];
  if (name === 'update') return (command['updates'] as Array<{ q: { _id?: unknown } }>).map(({ q }) => q._id);
  if (name === 'delete') return (command['deletes'] as Array<{ q: { _id?: unknown } }>).map(({ q }) => q._id);
  return [`unexpected ${name}`];
}
