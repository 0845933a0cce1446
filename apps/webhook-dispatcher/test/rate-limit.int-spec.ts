import type { INestApplication } from '@nestjs/common';
import { getModelToken } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { MessagePublisherService } from '@wfp/messaging';
import { waitFor } from '@wfp/testing';
import { MetricsRegistryService, parsePrometheusText } from '@wfp/observability';
import { deliveryIdFor, WebhookDelivery, WebhookEndpointsService } from '@wfp/webhook-delivery';
import { CountingReceiver, DispatcherInstances, queueDrained, workflowEvent } from './support/dispatcher-rig';

const LIMIT = 20;
const EVENTS = 150;

/**
 * A rate-limited endpoint behind two dispatchers: a burst of events reaches both instances at once,
 * and the receiver (a process of its own), counting what it gets in each second, never sees more
 * than the limit (within 10 %), while every delivery still arrives, none failed or dropped, and the metrics show the
 * deliveries waiting.
 */
describe('webhook-dispatcher: per-endpoint rate limit across two instances', () => {
  const organizationId = 'org_rate';
  let dispatchers: DispatcherInstances;
  let apps: INestApplication[];
  let receiver: CountingReceiver;

  beforeAll(async () => {
    receiver = await CountingReceiver.start();
    dispatchers = await DispatcherInstances.start('dispatcher_rate', {
      WEBHOOK_POLL_INTERVAL_MS: '50',
      // Both instances take part of the burst.
      AMQP_PREFETCH: '32',
    });
    apps = dispatchers.apps;
  }, 60_000);

  afterAll(async () => {
    await dispatchers?.stop();
    receiver?.stop();
  });

  it('never sends faster than the limit, and delivers everything', async () => {
    const endpoint = await apps[0].get(WebhookEndpointsService).create(organizationId, {
      url: receiver.url('/limited'),
      eventTypes: ['WORKFLOW_RUN_FAILED'],
      rateLimitPerSecond: LIMIT,
    });
    expect(endpoint.rateLimitPerSecond).toBe(LIMIT);

    const publisher = apps[0].get(MessagePublisherService);
    const events = Array.from({ length: EVENTS }, () => workflowEvent('WORKFLOW_RUN_FAILED', organizationId));
    await Promise.all(events.map((event) => publisher.publish('events', event)));

    // While the backlog drains, the metrics show it: waiting for a send slot, or queued.
    let largestBacklog = 0;
    const deliveries = apps[0].get<Model<WebhookDelivery>>(getModelToken(WebhookDelivery.name));
    const ids = events.map((event) => deliveryIdFor(event.id, endpoint.id));
    await waitFor(
      async () => {
        const samples = (await Promise.all(apps.map(metricsOf))).flat();
        const waiting = sum(samples, 'webhook_endpoint_rate_limit_waiting', endpoint.id);
        const queued = Math.max(
          0,
          ...samples
            .filter((sample) => sample.name === 'webhook_endpoint_queued_deliveries')
            .filter((sample) => sample.labels['endpoint_id'] === endpoint.id)
            .map((sample) => sample.value),
        );
        largestBacklog = Math.max(largestBacklog, waiting + queued);
        return (await deliveries.countDocuments({ _id: { $in: ids }, status: 'SUCCEEDED' }).exec()) === EVENTS;
      },
      { what: `all ${EVENTS} deliveries to succeed`, timeoutMs: 60_000, intervalMs: 200 },
    );

    const received = (await receiver.received()).sort((a, b) => a.receivedAt - b.receivedAt);
    expect(new Set(received.map((request) => request.webhookId)).size).toBe(EVENTS);
    expect(received).toHaveLength(EVENTS);
    const perSecond = new Map<number, number>();
    for (const { receivedAt } of received) {
      const second = Math.floor(receivedAt / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    const counts = [...perSecond.entries()].sort(([a], [b]) => a - b).map(([, count]) => count);
    // Never faster than the limit, within 10 %, in any second.
    expect(Math.max(...counts)).toBeLessThanOrEqual(LIMIT * 1.1);
    // And the limit is used, not just respected: the burst drains at close to the limit.
    const seconds = (received[received.length - 1].receivedAt - received[0].receivedAt) / 1000;
    expect(EVENTS / seconds).toBeGreaterThan(LIMIT * 0.6);

    // Over the limit meant waiting, never failing; and it showed.
    expect(await deliveries.countDocuments({ _id: { $in: ids }, status: { $ne: 'SUCCEEDED' } }).exec()).toBe(0);
    expect(largestBacklog).toBeGreaterThan(0);
    const deferred = (await Promise.all(apps.map(metricsOf)))
      .flat()
      .filter(
        (sample) => sample.name === 'webhook_deliveries_deferred_total' && sample.labels['reason'] === 'rate_limited',
      )
      .reduce((total, sample) => total + sample.value, 0);
    expect(deferred).toBeGreaterThan(0);
    await queueDrained(apps[1], { endpointId: endpoint.id });
  }, 90_000);
});

async function metricsOf(app: INestApplication) {
  return parsePrometheusText(await app.get(MetricsRegistryService).metrics());
}

function sum(samples: Awaited<ReturnType<typeof metricsOf>>, name: string, endpointId: string): number {
  return samples
    .filter((sample) => sample.name === name && sample.labels['endpoint_id'] === endpointId)
    .reduce((total, sample) => total + sample.value, 0);
}
