import type { INestApplication } from '@nestjs/common';
import { getModelToken } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { MessagePublisherService } from '@wfp/messaging';
import { waitFor } from '@wfp/testing';
import { MetricsRegistryService, parsePrometheusText } from '@wfp/observability';
import { deliveryIdFor, WebhookDelivery, WebhookEndpointsService } from '@wfp/webhook-delivery';
import { DispatcherInstances, queueDrained, Receiver, workflowEvent } from './support/dispatcher-rig';

const EVENTS = 40;
/** Each delivery fails this many times before the receiver takes it. */
const FAILURES_EACH = 2;

/**
 * Two dispatchers on one store and one queue: every retry is claimed from the delivery queue by
 * lease, and every write to a delivery someone may hold is conditional on that lease. So however
 * the two instances interleave, each attempt is made once: the receiver sees exactly the attempts
 * the delivery log records, numbered without gaps or repeats, and nothing stays queued.
 */
describe('webhook-dispatcher scale-out: leases hold across two instances', () => {
  const organizationId = 'org_scale';
  let dispatchers: DispatcherInstances;
  let apps: INestApplication[];
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await Receiver.start();
    dispatchers = await DispatcherInstances.start('dispatcher_scale', {
      WEBHOOK_RETRY_SCHEDULE: '0,100ms,100ms,100ms,100ms,100ms',
      WEBHOOK_POLL_INTERVAL_MS: '50',
      WEBHOOK_BREAKER_MIN_REQUESTS: '100000',
      // Few prefetched messages each, so both instances take events.
      AMQP_PREFETCH: '4',
    });
    apps = dispatchers.apps;
  }, 60_000);

  afterAll(async () => {
    await dispatchers?.stop();
    await receiver?.stop();
  });

  it('makes each attempt once, whichever instance claims the retry', async () => {
    const failuresLeft = new Map<string, number>();
    receiver.answer = () => 200;
    const endpoint = await apps[0]
      .get(WebhookEndpointsService)
      .create(organizationId, { url: receiver.url('/scaled'), eventTypes: ['WORKFLOW_RUN_FAILED'] });
    // The receiver fails a delivery's first attempts, whichever instance makes them.
    const answer = receiver.answer;
    receiver.answer = (path) => {
      const webhookId = receiver.requests[receiver.requests.length - 1].webhookId;
      const left = failuresLeft.get(webhookId) ?? FAILURES_EACH;
      failuresLeft.set(webhookId, left - 1);
      return left > 0 ? 503 : answer(path);
    };

    const publisher = apps[0].get(MessagePublisherService);
    const events = Array.from({ length: EVENTS }, () => workflowEvent('WORKFLOW_RUN_FAILED', organizationId));
    for (const event of events) await publisher.publish('events', event);

    const deliveries = apps[0].get<Model<WebhookDelivery>>(getModelToken(WebhookDelivery.name));
    const ids = events.map((event) => deliveryIdFor(event.id, endpoint.id));
    let seen = '';
    const done = await waitFor(
      async () => {
        const found = (await deliveries
          .find({ _id: { $in: ids } })
          .lean()
          .exec()) as WebhookDelivery[];
        const open = found.filter(({ status }) => status !== 'SUCCEEDED');
        seen = JSON.stringify({
          missing: EVENTS - found.length,
          open: open.map(({ _id, status, attemptCount, nextAttemptAt }) => ({
            _id,
            status,
            attemptCount,
            nextAttemptAt,
          })),
        });
        return found.length === EVENTS && open.length === 0 ? found : null;
      },
      // Slow but moving on a busy machine is fine; stalled is not.
      { what: `all ${EVENTS} deliveries to succeed`, progress: () => receiver.requests.length, lastSeen: () => seen },
    );

    for (const delivery of done) {
      const received = receiver.to('/scaled').filter(({ webhookId }) => webhookId === delivery.eventId);
      expect({
        id: delivery._id,
        attempts: delivery.attempts.map((attempt) => [attempt.attemptNumber, attempt.statusCode]),
        received: received.length,
      }).toEqual({
        id: delivery._id,
        attempts: [
          [1, 503],
          [2, 503],
          [3, 200],
        ],
        received: FAILURES_EACH + 1,
      });
    }
    expect(receiver.to('/scaled')).toHaveLength(EVENTS * (FAILURES_EACH + 1));
    // Both instances worked: first attempts from their own messages, retries from the queue.
    const attemptsBy = await Promise.all(apps.map(attemptsMade));
    expect(attemptsBy.reduce((sum, made) => sum + made, 0)).toBe(EVENTS * (FAILURES_EACH + 1));
    for (const made of attemptsBy) expect(made).toBeGreaterThan(0);
    await queueDrained(apps[1]);
  }, 60_000);
});

/** Attempts this instance made (its own metrics). */
async function attemptsMade(app: INestApplication): Promise<number> {
  return parsePrometheusText(await app.get(MetricsRegistryService).metrics())
    .filter((sample) => sample.name === 'webhook_delivery_attempts_total')
    .reduce((sum, sample) => sum + sample.value, 0);
}
