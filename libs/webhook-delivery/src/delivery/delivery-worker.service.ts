import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { createEnvelope, WebhookDeliveryDeadLettered } from '@wfp/contracts';
import { DocumentWriteLock, OutboxRelayService, toOutboxEntry } from '@wfp/persistence';
import { DELIVERY_OPTIONS, deliveryLeaseMs, type DeliveryOptions } from '../delivery-options';
import { signingSecrets, WebhookEndpointsService } from '../endpoints/webhook-endpoints.service';
import type { WebhookEndpoint } from '../endpoints/webhook-endpoint.schema';
import { ReceivedEvent } from '../received-event.schema';
import type { AttemptOutcome } from './delivery-sender';
import { DeliverySender } from './delivery-sender';
import { DeliveryMetrics } from './delivery-metrics';
import { EndpointCircuitBreakers } from './endpoint-circuit-breakers';
import { EndpointSlots } from './endpoint-slots';
import { nextAttemptDelay } from './retry-schedule';
import { webhookBody } from './webhook-envelope';
import {
  MAX_STORED_ATTEMPTS,
  WebhookDelivery,
  type DeliveryAttempt,
  type DeliveryFailureReason,
} from './webhook-delivery.schema';

export const DELIVERIES_COLLECTION = 'webhook_deliveries';
/** `leaseUntil` of a delivery nobody holds: any worker may take it once it is due. */
export const NO_LEASE = new Date(0);

type DeliveryUpdate = Partial<Omit<WebhookDelivery, '_id'>>;

/**
 * Tries deliveries: at once for new ones (fan-out hands them over with the lease held), and
 * through a due-poller for retries, deferred ones and any whose worker crashed (expired lease).
 * Each attempt goes through the endpoint's circuit breaker and slots; its outcome, the next
 * attempt time and, when the schedule is spent, the dead-letter notice are stored in one
 * single-document write.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly slots: EndpointSlots;
  /** Deliveries this instance holds and works on. */
  private readonly held = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private pollTimer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private closing = false;

  constructor(
    @InjectModel(WebhookDelivery.name) private readonly deliveries: Model<WebhookDelivery>,
    @InjectModel(ReceivedEvent.name) private readonly events: Model<ReceivedEvent>,
    @Inject(DELIVERY_OPTIONS) private readonly options: DeliveryOptions,
    private readonly endpoints: WebhookEndpointsService,
    private readonly breakers: EndpointCircuitBreakers,
    private readonly sender: DeliverySender,
    private readonly outbox: OutboxRelayService,
    private readonly writeLock: DocumentWriteLock,
    private readonly metrics: DeliveryMetrics,
  ) {
    this.slots = new EndpointSlots(options.endpointConcurrency);
    breakers.onStateChange((endpointId, state) => metrics.circuit(endpointId, state));
  }

  onApplicationBootstrap(): void {
    this.outbox.watch(this.deliveries);
    this.pollTimer = setInterval(() => {
      if (!this.polling && !this.closing) this.polling = this.poll().finally(() => (this.polling = null));
    }, this.options.pollIntervalMs);
    this.pollTimer.unref();
  }

  /** Whether this instance can start one more attempt for the endpoint now. */
  canStart(endpointId: string): boolean {
    return !this.closing && this.held.size < this.options.maxConcurrency && this.slots.canAdmit(endpointId);
  }

  /** The lease a new delivery is stored with when its first attempt starts here at once. */
  leaseFromNow(): Date {
    return new Date(Date.now() + deliveryLeaseMs(this.options));
  }

  /** Starts a delivery whose lease this instance holds; `event` saves reading it again. */
  start(deliveryId: string, endpointId: string, event?: ReceivedEvent): void {
    if (this.held.has(deliveryId)) return;
    this.held.add(deliveryId);
    this.metrics.inFlight.set(this.held.size);
    const work = this.attempt(deliveryId, endpointId, event)
      .catch((error: unknown) => {
        // The lease runs out and the poller takes the delivery again.
        this.logger.error(`delivery ${deliveryId} not attempted: ${String(error)}`);
      })
      .finally(() => {
        this.held.delete(deliveryId);
        this.metrics.inFlight.set(this.held.size);
        this.running.delete(work);
      });
    this.running.add(work);
  }

  /** Claims due deliveries (by lease) up to this instance's free capacity and starts them. */
  async poll(): Promise<void> {
    const free = this.options.maxConcurrency - this.held.size;
    if (free <= 0) return;
    const now = new Date();
    const saturated = this.slots.saturated();
    try {
      const due = await this.deliveries
        .find(
          {
            status: 'PENDING',
            nextAttemptAt: { $lte: now },
            leaseUntil: { $lt: now },
            ...(saturated.length > 0 ? { endpointId: { $nin: saturated } } : {}),
          },
          { _id: 1, endpointId: 1 },
        )
        .sort({ nextAttemptAt: 1 })
        .limit(free)
        .lean()
        .exec();
      for (const { _id, endpointId } of due) {
        if (this.held.has(_id) || !this.canStart(endpointId)) continue;
        if (await this.claim(_id, now)) this.start(_id, endpointId);
      }
    } catch (error) {
      this.logger.warn(`due-poll failed (next poll retries): ${String(error)}`);
    }
  }

  /** Takes the lease of a due delivery; false when another worker took it first. */
  private async claim(deliveryId: string, now: Date): Promise<boolean> {
    const claimed = await this.writeLock.run(DELIVERIES_COLLECTION, deliveryId, () =>
      this.deliveries
        .updateOne(
          { _id: deliveryId, status: 'PENDING', leaseUntil: { $lt: now } },
          { $set: { leaseUntil: this.leaseFromNow() } },
        )
        .exec(),
    );
    return claimed.modifiedCount === 1;
  }

  private async attempt(deliveryId: string, endpointId: string, knownEvent?: ReceivedEvent): Promise<void> {
    await this.slots.acquire(endpointId);
    try {
      if (this.closing) return await this.update(deliveryId, { leaseUntil: NO_LEASE });
      const delivery = (await this.deliveries.findById(deliveryId).lean().exec()) as WebhookDelivery | null;
      if (!delivery || delivery.status !== 'PENDING') return;
      const endpoint = await this.endpoints.forDelivery(delivery.organizationId, endpointId);
      if (!endpoint) {
        // Deleted since: its deliveries go with it.
        await this.writeLock.run(DELIVERIES_COLLECTION, deliveryId, () =>
          this.deliveries.deleteOne({ _id: deliveryId }).exec(),
        );
        return;
      }
      if (!endpoint.enabled) return await this.fail(delivery, {}, 'ENDPOINT_DISABLED');
      const event =
        knownEvent ?? ((await this.events.findById(delivery.eventId).lean().exec()) as ReceivedEvent | null);
      if (!event) throw new Error(`event ${delivery.eventId} of delivery ${deliveryId} is missing`);

      const guarded = await this.breakers.run(endpointId, () =>
        this.sender.send({
          url: endpoint.url,
          eventId: event._id,
          body: webhookBody(event),
          secrets: signingSecrets(endpoint),
        }),
      );
      if (guarded.kind === 'deferred') {
        // Not an attempt: the circuit is open. Spread the waiting deliveries over a short span.
        this.metrics.deferredByCircuit();
        const spread = Math.round(Math.random() * Math.min(1000, this.options.breaker.resetTimeoutMs / 4));
        return await this.update(deliveryId, {
          nextAttemptAt: new Date(guarded.until.getTime() + spread),
          leaseUntil: NO_LEASE,
        });
      }
      this.metrics.attempted(endpointId, guarded.outcome);
      await this.record(delivery, endpoint, guarded.outcome);
    } finally {
      this.slots.release(endpointId);
    }
  }

  private async record(delivery: WebhookDelivery, endpoint: WebhookEndpoint, outcome: AttemptOutcome): Promise<void> {
    const now = new Date();
    const attempt: DeliveryAttempt = {
      attemptNumber: delivery.attemptCount + 1,
      attemptedAt: new Date(now.getTime() - outcome.durationMs),
      statusCode: outcome.statusCode,
      durationMs: outcome.durationMs,
      responseBody: outcome.responseBody,
      error: outcome.error,
    };
    const attempted: DeliveryUpdate = {
      attempts: [...delivery.attempts, attempt].slice(-MAX_STORED_ATTEMPTS),
      attemptCount: delivery.attemptCount + 1,
      roundAttempts: delivery.roundAttempts + 1,
      lastStatusCode: outcome.statusCode,
      leaseUntil: NO_LEASE,
    };
    if (outcome.ok) {
      await this.update(delivery._id, { ...attempted, status: 'SUCCEEDED', nextAttemptAt: null });
      this.metrics.succeeded(endpoint._id);
      await this.endpoints.recordSuccess(endpoint);
      return;
    }
    const disabled = await this.endpoints.recordFailure(endpoint, outcome.statusCode === 410, now);
    if (disabled === 'GONE') return this.fail(delivery, attempted, 'ENDPOINT_GONE');
    if (disabled === 'FAILING') return this.fail(delivery, attempted, 'ENDPOINT_DISABLED');
    const delay = nextAttemptDelay({
      attemptsMade: delivery.roundAttempts + 1,
      scheduleMs: this.options.retryScheduleMs,
      retryAfterMs: outcome.retryAfterMs,
      random: Math.random(),
    });
    if (delay === null) return this.fail(delivery, attempted, 'RETRIES_EXHAUSTED');
    await this.update(delivery._id, { ...attempted, nextAttemptAt: new Date(now.getTime() + delay) });
  }

  /** Marks the delivery failed and, in the same write, queues its dead-letter notice. */
  private async fail(
    delivery: WebhookDelivery,
    attempted: DeliveryUpdate,
    reason: DeliveryFailureReason,
  ): Promise<void> {
    const notice = createEnvelope(
      WebhookDeliveryDeadLettered,
      {
        deliveryId: delivery._id,
        endpointId: delivery.endpointId,
        eventId: delivery.eventId,
        eventType: delivery.eventType,
        attemptCount: attempted.attemptCount ?? delivery.attemptCount,
        lastStatusCode: attempted.lastStatusCode !== undefined ? attempted.lastStatusCode : delivery.lastStatusCode,
        reason,
      } satisfies WebhookDeliveryDeadLettered,
      { organizationId: delivery.organizationId },
    );
    await this.update(delivery._id, {
      ...attempted,
      status: 'FAILED',
      failureReason: reason,
      nextAttemptAt: null,
      leaseUntil: NO_LEASE,
      outbox: [toOutboxEntry('dead-letter', notice)],
    });
    this.metrics.failed(delivery.endpointId, reason);
    this.logger.warn(`delivery ${delivery._id} failed for good (${reason}); notice sent to the delivery DLQ`);
    await this.outbox.relay(DELIVERIES_COLLECTION, delivery._id);
  }

  private async update(deliveryId: string, set: DeliveryUpdate): Promise<void> {
    await this.writeLock.run(DELIVERIES_COLLECTION, deliveryId, () =>
      this.deliveries.updateOne({ _id: deliveryId }, { $set: set }).exec(),
    );
  }

  /** Stops polling and lets attempts in flight finish; waiting ones give their lease back. */
  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    await this.polling;
    await Promise.allSettled([...this.running]);
  }
}
