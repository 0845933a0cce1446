import { traceField } from '@wfp/tracing';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { GroupCommit } from '@wfp/persistence';
import { WORKFLOW_CALL_RESULT_EVENT, type MessageEnvelope, type WorkflowCallResult } from '@wfp/contracts';
import { WebhookDeliveryRepository } from './delivery/webhook-delivery.repository';
import { DELIVERY_OPTIONS, deliveryLeaseMs, type DeliveryOptions } from './delivery-options';
import { DeadLetterNoticesService } from './delivery/dead-letter-notices.service';
import { NO_PROGRESS, postponed, type Settlement } from './delivery/delivery-outcome';
import { DeliveryQueueService, type QueuedDelivery } from './delivery/delivery-queue.service';
import { deliveryUpdate, DeliveryWorkerService } from './delivery/delivery-worker.service';
import { onlyDuplicateKeys } from './delivery/duplicate-keys';
import type { DeliverableEvent } from './delivery/webhook-envelope';
import { WebhookDelivery } from './delivery/webhook-delivery.schema';
import type { WebhookEndpoint } from './endpoints/webhook-endpoint.schema';
import { WebhookEndpointsService } from './endpoints/webhook-endpoints.service';
import { CandidateLanesService, type DeliveryLane } from './ordering/candidate-lanes.service';

export interface IntakeResult {
  /** Deliveries written now; an event taken in before makes none it made then. */
  deliveries: number;
  /** Of those, delivered at once (SUCCEEDED). */
  succeeded: number;
}

export interface IntakeOptions {
  /**
   * The broker has handed this message out before (a consumer stopped before acknowledging it,
   * or a retry): its deliveries may exist already, and the endpoints that have one are skipped.
   */
  seenBefore?: boolean;
}

export function deliveryIdFor(eventId: string, endpointId: string): string {
  return `${eventId}:${endpointId}`;
}

/** How long new delivery records wait to be written with others (group commit). */
const RECORD_LINGER_MS = 10;

/** Event ids this instance has fully taken in, remembered so a duplicate message is no second delivery. */
const REMEMBERED_EVENTS = 20_000;

/**
 * Takes in an event and delivers it within its message handler: the endpoints come from the
 * endpoint cache (an event nobody subscribes to costs no store operation), each subscribed
 * endpoint with a closed circuit is tried at once (concurrently; a busy endpoint is waited for
 * briefly), and then the deliveries of all the event's endpoints are written with their outcomes
 * in one unordered insert, shared with the other messages being handled at that moment (group
 * commit). Only then is the message acknowledged: a crash before the write means the event comes
 * again and is delivered again (at least once, same webhook-id). Deliveries still pending (a
 * failed attempt with retries left, a busy endpoint, an open circuit) get their delivery queue
 * entry first, and a failure for good publishes its dead-letter notice first.
 */
@Injectable()
export class EventIntakeService {
  private readonly logger = new Logger(EventIntakeService.name);
  /** Insertion-ordered: the oldest is forgotten first. */
  private readonly remembered = new Set<string>();
  private readonly inProgress = new Map<string, Promise<IntakeResult>>();
  /** New delivery records of concurrently handled messages go to the store in one insert. */
  private readonly records: GroupCommit<Omit<WebhookDelivery, 'createdAt' | 'updatedAt'>>;

  constructor(
    private readonly deliveries: WebhookDeliveryRepository,
    @Inject(DELIVERY_OPTIONS) private readonly options: DeliveryOptions,
    private readonly endpoints: WebhookEndpointsService,
    private readonly worker: DeliveryWorkerService,
    private readonly queue: DeliveryQueueService,
    private readonly deadLetters: DeadLetterNoticesService,
    private readonly lanes: CandidateLanesService,
  ) {
    // Lean: the records are built complete by this code, so mongoose's per-document casting and
    // validation (most of an insert's CPU) is skipped; the timestamps are set here instead.
    // The attempts are made by then: lingering only holds the messages' acknowledgements a little.
    this.records = new GroupCommit(
      (deliveries) => {
        const now = new Date();
        const records = deliveries.map((delivery) => ({ ...delivery, createdAt: now, updatedAt: now }));
        return this.deliveries
          .insertMany(records, { ordered: false, lean: true })
          .then(() => undefined, onlyDuplicateKeys);
      },
      { maxItems: 500, lingerMs: RECORD_LINGER_MS },
    );
  }

  async take(envelope: MessageEnvelope, options: IntakeOptions = {}): Promise<IntakeResult> {
    const subscribers = await this.endpoints.subscribers(envelope.organizationId, envelope.type);
    if (subscribers.length === 0) return { deliveries: 0, succeeded: 0 };
    return this.deliverOnce(eventOf(envelope), envelope.organizationId, subscribers, options);
  }

  /**
   * A called workflow's result, for the URL the caller named by `inputs.webhookUrl`: delivered as a
   * WORKFLOW_CALL_RESULT event (same id as the message) to that URL only, through the registered
   * endpoint it resolved to or the organization's call-results sender.
   */
  async takeCallResult(
    envelope: MessageEnvelope<WorkflowCallResult>,
    options: IntakeOptions = {},
  ): Promise<IntakeResult> {
    const { webhookEndpointId, webhookUrl, runId, workflowId, workflowVersionId, result, responseMeta } =
      envelope.payload;
    if (!webhookEndpointId) return { deliveries: 0, succeeded: 0 };
    const endpoint = await this.endpoints.forDelivery(envelope.organizationId, webhookEndpointId);
    if (!endpoint) {
      this.logger.warn(`call result of ${runId}: endpoint ${webhookEndpointId} is gone; nothing to deliver`);
      return { deliveries: 0, succeeded: 0 };
    }
    const event: DeliverableEvent = {
      eventId: envelope.id,
      eventType: WORKFLOW_CALL_RESULT_EVENT,
      occurredAt: new Date(envelope.occurredAt),
      data: { runId, workflowId, workflowVersionId, ...result, responseMeta },
      targetUrl: webhookUrl ?? null,
      ...traceField(),
    };
    return this.deliverOnce(event, envelope.organizationId, [endpoint], options);
  }

  /** Delivers an event unless this instance did already (a duplicate message, even one in flight). */
  private async deliverOnce(
    event: DeliverableEvent,
    organizationId: string,
    endpoints: WebhookEndpoint[],
    options: IntakeOptions,
  ): Promise<IntakeResult> {
    const earlier = this.inProgress.get(event.eventId);
    if (earlier) await earlier.catch(() => undefined);
    if (this.remembered.has(event.eventId)) return { deliveries: 0, succeeded: 0 };
    const work = this.deliver(event, organizationId, endpoints, options);
    this.inProgress.set(event.eventId, work);
    try {
      const result = await work;
      this.remember(event.eventId);
      return result;
    } finally {
      if (this.inProgress.get(event.eventId) === work) this.inProgress.delete(event.eventId);
    }
  }

  private async deliver(
    event: DeliverableEvent,
    organizationId: string,
    endpoints: WebhookEndpoint[],
    { seenBefore = false }: IntakeOptions,
  ): Promise<IntakeResult> {
    const targets = seenBefore ? await this.withoutDelivery(event, organizationId, endpoints) : endpoints;
    if (targets.length === 0) return { deliveries: 0, succeeded: 0 };
    const settled = await Promise.all(targets.map((endpoint) => this.settleInLane(event, organizationId, endpoint)));
    const made = targets.map((endpoint, index) => ({
      delivery: this.deliveryOf(event, organizationId, endpoint, settled[index].settlement, settled[index].lane),
      settlement: settled[index].settlement,
      waitsItsTurn: settled[index].waitsItsTurn,
    }));

    for (const { delivery, settlement } of made) {
      if (settlement.status === 'FAILED')
        await this.deadLetters.publish(delivery, settlement.progress, settlement.reason);
    }
    const pending = made.flatMap(({ delivery, settlement, waitsItsTurn }) =>
      settlement.status === 'PENDING' && !waitsItsTurn ? [queued(delivery, settlement.nextAttemptAt)] : [],
    );
    const waiting = made.flatMap(({ delivery, settlement, waitsItsTurn }) =>
      settlement.status === 'PENDING' && waitsItsTurn ? [queued(delivery, settlement.nextAttemptAt)] : [],
    );
    const queuedAt = new Date();
    await this.queue.enqueue(pending, queuedAt);
    // A delivery waiting its turn may have been given it meanwhile (queued for now by the one before
    // it): its entry is only made if missing, never pushed back to the end of the wait.
    await this.queue.restore(waiting, queuedAt);
    await this.records.submit(made.map(({ delivery }) => delivery));
    // The poller removes a queue entry whose delivery it cannot find once the entry is older than
    // a write takes; a write slower than that puts back what it may have removed.
    if (Date.now() - queuedAt.getTime() >= deliveryLeaseMs(this.options))
      await this.queue.restore([...pending, ...waiting], queuedAt);

    // A candidate's next delivery to an ordered endpoint gets its turn once this one is stored.
    for (const { delivery, settlement } of made)
      if (delivery.lane && settlement.status !== 'PENDING')
        await this.lanes.finish({ ...delivery, lane: delivery.lane });
    for (const { delivery, settlement } of made) this.worker.finished(delivery, settlement);
    return {
      deliveries: made.length,
      succeeded: made.filter(({ settlement }) => settlement.status === 'SUCCEEDED').length,
    };
  }

  /**
   * At an endpoint that keeps candidates' events in order, a delivery waits its turn in its
   * candidate's lane (pending, looked at again when its turn comes); others are settled at once.
   */
  private async settleInLane(
    event: DeliverableEvent,
    organizationId: string,
    endpoint: WebhookEndpoint,
  ): Promise<{ settlement: Settlement; lane: DeliveryLane | null; waitsItsTurn: boolean }> {
    const deliveryId = deliveryIdFor(event.eventId, endpoint._id);
    const lane = endpoint.enabled ? this.lanes.laneFor(endpoint, event, deliveryId) : null;
    if (lane && !(await this.lanes.enter({ _id: deliveryId, organizationId, endpointId: endpoint._id, lane })))
      return { settlement: postponed(NO_PROGRESS, this.lanes.wakeAt(lane)), lane, waitsItsTurn: true };
    return { settlement: await this.settle(event, endpoint), lane, waitsItsTurn: false };
  }

  /** Tries the delivery now when it can be; otherwise it is left pending for the due-poller. */
  private settle(event: DeliverableEvent, endpoint: WebhookEndpoint): Promise<Settlement> {
    if (!endpoint.enabled)
      return Promise.resolve({
        status: 'FAILED',
        attempted: false,
        progress: NO_PROGRESS,
        reason: 'ENDPOINT_DISABLED',
      });
    if (!this.worker.canStart()) return Promise.resolve(postponed(NO_PROGRESS, new Date()));
    return this.worker.attempt(endpoint, event, NO_PROGRESS);
  }

  /**
   * The endpoints that have no delivery of this event yet (one read by `_id`, on redelivery only).
   * A finished delivery in a candidate's lane hands the turn on again, in case the first handling
   * stopped between storing it and doing so.
   */
  private async withoutDelivery(
    event: DeliverableEvent,
    organizationId: string,
    endpoints: WebhookEndpoint[],
  ): Promise<WebhookEndpoint[]> {
    const ids = endpoints.map((endpoint) => deliveryIdFor(event.eventId, endpoint._id));
    const existing = (await this.deliveries
      .find(organizationId, { _id: { $in: ids } }, { _id: 1, organizationId: 1, endpointId: 1, status: 1, lane: 1 })
      .lean()
      .exec()) as Array<Pick<WebhookDelivery, '_id' | 'organizationId' | 'endpointId' | 'status' | 'lane'>>;
    for (const delivery of existing)
      if (delivery.lane && delivery.status !== 'PENDING') await this.lanes.finish({ ...delivery, lane: delivery.lane });
    const made = new Set(existing.map(({ _id }) => _id));
    return endpoints.filter((endpoint) => !made.has(deliveryIdFor(event.eventId, endpoint._id)));
  }

  private deliveryOf(
    event: DeliverableEvent,
    organizationId: string,
    endpoint: WebhookEndpoint,
    settlement: Settlement,
    lane: DeliveryLane | null,
  ): Omit<WebhookDelivery, 'createdAt' | 'updatedAt'> {
    return {
      _id: deliveryIdFor(event.eventId, endpoint._id),
      organizationId,
      endpointId: endpoint._id,
      targetUrl: event.targetUrl ?? null,
      eventId: event.eventId,
      eventType: event.eventType,
      occurredAt: event.occurredAt,
      data: event.data,
      ...(event.trace ? { trace: event.trace } : {}),
      ...(lane ? { lane } : {}),
      ...deliveryUpdate(settlement),
    } as Omit<WebhookDelivery, 'createdAt' | 'updatedAt'>;
  }

  private remember(eventId: string): void {
    this.remembered.add(eventId);
    if (this.remembered.size > REMEMBERED_EVENTS) {
      const oldest = this.remembered.values().next().value;
      if (oldest !== undefined) this.remembered.delete(oldest);
    }
  }
}

export function eventOf(envelope: MessageEnvelope): DeliverableEvent {
  return {
    eventId: envelope.id,
    eventType: envelope.type,
    occurredAt: new Date(envelope.occurredAt),
    data: envelope.payload as Record<string, unknown>,
    ...(envelope.order ? { order: envelope.order } : {}),
    // Called by the message handler: the trace of the event's intake.
    ...traceField(),
  };
}

function queued(
  delivery: { _id: string; organizationId: string; endpointId: string },
  nextAttemptAt: Date,
): QueuedDelivery {
  return {
    deliveryId: delivery._id,
    organizationId: delivery.organizationId,
    endpointId: delivery.endpointId,
    nextAttemptAt,
  };
}
