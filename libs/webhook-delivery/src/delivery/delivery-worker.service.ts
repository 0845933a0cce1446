import { continuing, inSpan, SpanKind, type SpanOptions } from '@wfp/tracing';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { DELIVERY_OPTIONS, deliveryLeaseMs, type DeliveryOptions } from '../delivery-options';
import {
  attemptKeyOf,
  isEndpointKey,
  signingSecrets,
  WebhookEndpointsService,
} from '../endpoints/webhook-endpoints.service';
import type { WebhookEndpoint } from '../endpoints/webhook-endpoint.schema';
import { DeadLetterNoticesService } from './dead-letter-notices.service';
import { postponed, progressOf, settleAttempt, type DeliveryProgress, type Settlement } from './delivery-outcome';
import { DeliveryQueueService } from './delivery-queue.service';
import type { DeliveryQueueEntry } from './delivery-queue-entry.schema';
import { DeliverySenderService } from './delivery-sender.service';
import { DeliveryMetricsService } from './delivery-metrics.service';
import { EndpointCircuitBreakersService } from './endpoint-circuit-breakers.service';
import { EndpointSlots } from './endpoint-slots';
import { EndpointRateLimiterService } from './endpoint-rate-limiter.service';
import { CandidateLanesService } from '../ordering/candidate-lanes.service';
import { webhookBody, type DeliverableEvent } from './webhook-envelope';
import { WebhookDelivery } from './webhook-delivery.schema';

/**
 * Makes attempts, for both ways a delivery is tried: at once by the event's message handler
 * (`attempt`, whose caller writes the outcome), and later by the due-poller, which claims entries
 * of the delivery queue (retries, deliveries put off by an open circuit or a busy endpoint, and
 * those of a crashed worker) and writes each outcome to the delivery by `_id`. Every attempt goes
 * through the endpoint's circuit breaker and slots.
 */
@Injectable()
export class DeliveryWorkerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryWorkerService.name);
  private readonly slots: EndpointSlots;
  /** Queue entries this instance holds and works on, by delivery id. */
  private readonly held = new Set<string>();
  /** Attempts made by message handlers, in flight. */
  private handlerAttempts = 0;
  private readonly running = new Set<Promise<void>>();
  private pollTimer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private closing = false;

  constructor(
    private readonly deliveries: WebhookDeliveryRepository,
    @Inject(DELIVERY_OPTIONS) private readonly options: DeliveryOptions,
    private readonly endpoints: WebhookEndpointsService,
    private readonly queue: DeliveryQueueService,
    private readonly breakers: EndpointCircuitBreakersService,
    private readonly sender: DeliverySenderService,
    private readonly deadLetters: DeadLetterNoticesService,
    private readonly metrics: DeliveryMetricsService,
    private readonly rateLimits: EndpointRateLimiterService,
    private readonly lanes: CandidateLanesService,
  ) {
    this.slots = new EndpointSlots(options.endpointConcurrency);
    // Per endpoint; a call-results sender's circuits (one per origin callers name) are not metrics.
    breakers.onStateChange((key, state) => {
      if (isEndpointKey(key)) metrics.circuit(key, state);
    });
  }

  onApplicationBootstrap(): void {
    this.pollTimer = setInterval(() => {
      if (!this.polling && !this.closing) this.polling = this.poll().finally(() => (this.polling = null));
    }, this.options.pollIntervalMs);
    this.pollTimer.unref();
  }

  /**
   * Whether this instance can start one more attempt now (its endpoint's slots aside: an attempt
   * waits briefly for one, and is put off when none comes free).
   */
  canStart(): boolean {
    return !this.closing && this.held.size + this.handlerAttempts < this.options.maxConcurrency;
  }

  /** The lease a worker holds on a queue entry while it tries the delivery. */
  leaseFromNow(): Date {
    return new Date(Date.now() + deliveryLeaseMs(this.options));
  }

  /**
   * One attempt for a message handler, which checked `canStart` just before. The endpoint's slot
   * is waited for up to WEBHOOK_ENDPOINT_MAX_WAIT_MS; without one the delivery is put off.
   * Returns the delivery's new state for the caller to store.
   */
  async attempt(endpoint: WebhookEndpoint, event: DeliverableEvent, progress: DeliveryProgress): Promise<Settlement> {
    this.handlerAttempts += 1;
    this.updateInFlight();
    try {
      return await this.attemptInSlot(endpoint, event, progress);
    } finally {
      this.handlerAttempts -= 1;
      this.updateInFlight();
    }
  }

  /** Starts the delivery of a queue entry this instance holds (claimed, or queued with its lease). */
  start(entry: DeliveryQueueEntry): void {
    if (this.held.has(entry._id)) return;
    this.held.add(entry._id);
    this.updateInFlight();
    const work = this.work(entry)
      .catch((error: unknown) => {
        // The lease runs out and the poller takes the delivery again.
        this.logger.error(`delivery ${entry._id} not attempted: ${String(error)}`);
      })
      .finally(() => {
        this.held.delete(entry._id);
        this.updateInFlight();
        this.running.delete(work);
      });
    this.running.add(work);
  }

  /** Claims due queue entries (by lease) up to this instance's free capacity and starts them. */
  async poll(): Promise<void> {
    try {
      while (!this.closing && this.held.size + this.handlerAttempts < this.options.maxConcurrency) {
        const now = new Date();
        const entry = await this.queue.claimDue(now, this.leaseFromNow(), [
          ...this.slots.saturated(),
          ...this.rateLimits.saturated(),
        ]);
        if (!entry) return;
        if (this.held.has(entry._id)) continue;
        if (!this.canStart()) {
          await this.queue.reschedule(entry, now);
          continue;
        }
        this.start(entry);
      }
    } catch (error) {
      this.logger.warn(`due-poll failed (next poll retries): ${String(error)}`);
    }
  }

  private async work(entry: DeliveryQueueEntry): Promise<void> {
    const endpoint = await this.endpoints.forDelivery(entry.organizationId, entry.endpointId);
    if (!endpoint) {
      // Deleted since: its deliveries go with it.
      await this.deliveries.deleteOne(entry.organizationId, { _id: entry._id }).exec();
      return this.queue.remove(entry);
    }
    // An open circuit puts the delivery off without reading it (a call-results sender's circuits
    // are per target origin, which only the delivery names: attemptInSlot checks those).
    const blockedUntil = endpoint.enabled ? this.breakers.blockedUntil(attemptKeyOf(endpoint, null)) : null;
    if (blockedUntil) {
      this.metrics.deferredByCircuit();
      return this.queue.reschedule(entry, this.spreadOver(blockedUntil));
    }
    const delivery = (await this.deliveries
      .findOne(entry.organizationId, { _id: entry._id })
      .lean()
      .exec()) as WebhookDelivery | null;
    if (!delivery || delivery.status !== 'PENDING') return this.dropOrWait(entry, delivery);
    // In a candidate's lane, only the delivery whose turn it is goes; another is looked at again
    // later (its turn, when it comes, queues it for now).
    if (delivery.lane && !(await this.lanes.claim({ ...delivery, lane: delivery.lane })))
      return this.queue.reschedule(entry, new Date(Date.now() + this.options.orderGapWaitMs));

    const progress = progressOf(delivery);
    const settlement: Settlement = endpoint.enabled
      ? await this.attemptInSlot(endpoint, delivery, progress)
      : { status: 'FAILED', attempted: false, progress, reason: 'ENDPOINT_DISABLED' };
    if (!settlement.attempted && settlement.status === 'PENDING') {
      // Not tried (circuit open, shutting down): only the queue entry changes.
      return this.queue.reschedule(entry, settlement.nextAttemptAt);
    }
    if (settlement.status === 'FAILED')
      await this.deadLetters.publish(delivery, settlement.progress, settlement.reason);
    await this.deliveries
      .updateOne(
        delivery.organizationId,
        { _id: delivery._id, status: 'PENDING' },
        { $set: deliveryUpdate(settlement) },
      )
      .exec();
    if (settlement.status === 'PENDING') return this.queue.reschedule(entry, settlement.nextAttemptAt);
    // The candidate's next delivery gets its turn before this entry goes (a crash before the lane
    // is written leaves the entry, whose finished delivery hands the turn on again).
    if (delivery.lane) await this.lanes.finish({ ...delivery, lane: delivery.lane });
    await this.queue.remove(entry);
    this.finished(delivery, settlement);
  }

  /**
   * A queue entry without a pending delivery: removed, unless it was queued so recently that its
   * delivery may still be on its way (the entry is written first); then it is looked at again.
   */
  private async dropOrWait(entry: DeliveryQueueEntry, delivery: WebhookDelivery | null): Promise<void> {
    if (Date.now() - entry.queuedAt.getTime() < deliveryLeaseMs(this.options))
      return this.queue.reschedule(entry, new Date(Date.now() + this.options.pollIntervalMs));
    if (!delivery) this.logger.warn(`delivery ${entry._id} is missing: its queue entry is dropped`);
    else if (delivery.lane) await this.lanes.finish({ ...delivery, lane: delivery.lane });
    await this.queue.remove(entry);
  }

  /** Counts a delivery that ended, once its state is stored. */
  finished(delivery: { _id: string; endpointId: string }, settlement: Settlement): void {
    if (settlement.status === 'SUCCEEDED') this.metrics.succeeded(delivery.endpointId);
    if (settlement.status === 'FAILED') {
      this.metrics.failed(delivery.endpointId, settlement.reason);
      this.logger.warn(
        `delivery ${delivery._id} failed for good (${settlement.reason}); notice sent to the delivery DLQ`,
      );
    }
  }

  private async attemptInSlot(
    endpoint: WebhookEndpoint,
    event: DeliverableEvent,
    progress: DeliveryProgress,
  ): Promise<Settlement> {
    const key = attemptKeyOf(endpoint, event.targetUrl);
    // A call result sent to a caller's URL is not the endpoint's traffic: no rate limit.
    const limited = !event.targetUrl && Boolean(endpoint.rateLimitPerSecond);
    const deadline = Date.now() + this.options.endpointMaxWaitMs;
    // A busy endpoint is waited for only briefly: then the due-poller takes the delivery.
    if (!(await this.slots.acquire(key, this.options.endpointMaxWaitMs)))
      return this.putOff(endpoint, progress, limited);
    try {
      if (this.closing) return postponed(progress, new Date());
      // The send slot of a rate limit is taken last, just before the request goes, so that the
      // request leaves within its slot's second (not after a wait for the endpoint's concurrency).
      if (limited && !(await this.rateLimits.acquire(endpoint, Math.max(0, deadline - Date.now()))))
        return this.putOff(endpoint, progress, true);
      const guarded = await this.breakers.run(key, () =>
        inSpan('webhook.deliver', attemptSpan(endpoint, event, progress), () =>
          this.sender.send({
            url: event.targetUrl ?? endpoint.url,
            eventId: event.eventId,
            body: webhookBody(event),
            secrets: signingSecrets(endpoint),
          }),
        ),
      );
      if (guarded.kind === 'deferred') {
        // Not an attempt: the circuit is open.
        this.metrics.deferredByCircuit();
        return postponed(progress, this.spreadOver(guarded.until));
      }
      const { outcome } = guarded;
      this.metrics.attempted(endpoint._id, outcome);
      const finishedAt = new Date();
      let disabled = null;
      if (outcome.ok) await this.endpoints.recordSuccess(endpoint);
      else disabled = await this.endpoints.recordFailure(endpoint, outcome.statusCode === 410, finishedAt);
      return settleAttempt({
        progress,
        outcome,
        finishedAt,
        disabled,
        scheduleMs: this.options.retryScheduleMs,
        random: Math.random(),
      });
    } finally {
      this.slots.release(key);
    }
  }

  /**
   * No attempt now: the endpoint's concurrency, or its rate limit, kept the delivery waiting past
   * its bound. It goes to the due-poller, for when the endpoint can take it.
   */
  private putOff(endpoint: WebhookEndpoint, progress: DeliveryProgress, rateLimited: boolean): Settlement {
    if (!rateLimited) {
      this.metrics.deferredByBusyEndpoint();
      return postponed(progress, new Date());
    }
    this.metrics.deferredByRateLimit();
    return postponed(progress, this.rateLimits.retryAt(endpoint));
  }

  /** Spreads deliveries waiting for the same probe over a short span after it. */
  private spreadOver(until: Date): Date {
    const spread = Math.round(Math.random() * Math.min(1000, this.options.breaker.resetTimeoutMs / 4));
    return new Date(until.getTime() + spread);
  }

  private updateInFlight(): void {
    this.metrics.inFlight.set(this.held.size + this.handlerAttempts);
  }

  /** Stops polling and lets attempts in flight finish; waiting ones give their lease back. */
  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    await this.polling;
    await Promise.allSettled([...this.running]);
  }
}

/** The fields of a delivery a settlement sets. */
export function deliveryUpdate(settlement: Settlement): Partial<WebhookDelivery> {
  return {
    ...settlement.progress,
    status: settlement.status,
    nextAttemptAt: settlement.status === 'PENDING' ? settlement.nextAttemptAt : null,
    failureReason: settlement.status === 'FAILED' ? settlement.reason : null,
  };
}

/**
 * An attempt's span: in the trace of the event's intake (a retry by the poller too), carrying the
 * ids SREs search by; never the body, the URL's query or a secret.
 */
function attemptSpan(endpoint: WebhookEndpoint, event: DeliverableEvent, progress: DeliveryProgress): SpanOptions {
  const idOf = (field: string) => (typeof event.data[field] === 'string' ? (event.data[field] as string) : undefined);
  return {
    kind: SpanKind.CLIENT,
    attributes: {
      organizationId: endpoint.organizationId,
      endpointId: endpoint._id,
      eventId: event.eventId,
      eventType: event.eventType,
      attempt: progress.attemptCount + 1,
      workflowId: idOf('workflowId'),
      // A run or node event's record is its run.
      runId: idOf('runId') ?? (/^WORKFLOW_(RUN|NODE)_/.test(event.eventType) ? idOf('recordId') : undefined),
      candidateProfileId: idOf('candidateProfileId'),
    },
    ...continuing(event.trace),
  };
}
