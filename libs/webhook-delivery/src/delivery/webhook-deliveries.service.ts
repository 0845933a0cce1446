import { EndpointRateLimiterService } from './endpoint-rate-limiter.service';
import { CandidateLanesService } from '../ordering/candidate-lanes.service';
import { Injectable } from '@nestjs/common';
import {
  createEnvelope,
  isNewestFirstPosition,
  newestFirstAfter,
  newestFirstCursor,
  parseCursor,
  RpcError,
  WebhookTestEvent,
  type DeliveryPageQuery,
  type WebhookDeliveriesListRequest,
  type WebhookDeliveryView,
  type WebhookPage,
} from '@wfp/contracts';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { callResultsSenderId, WebhookEndpointsService } from '../endpoints/webhook-endpoints.service';
import { deliveryIdFor, eventOf } from '../event-intake.service';
import { NO_PROGRESS } from './delivery-outcome';
import { DeliveryQueueService, NO_LEASE } from './delivery-queue.service';
import { deliveryUpdate, DeliveryWorkerService } from './delivery-worker.service';
import { DeliveryMetricsService } from './delivery-metrics.service';
import { EndpointCircuitBreakersService } from './endpoint-circuit-breakers.service';
import { WebhookDelivery } from './webhook-delivery.schema';

export function toDeliveryView(delivery: WebhookDelivery): WebhookDeliveryView {
  return {
    id: delivery._id,
    endpointId: delivery.endpointId,
    url: delivery.targetUrl ?? null,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    status: delivery.status,
    attemptCount: delivery.attemptCount,
    nextAttemptAt: delivery.nextAttemptAt?.toISOString() ?? null,
    lastStatusCode: delivery.lastStatusCode,
    createdAt: delivery.createdAt.toISOString(),
    updatedAt: delivery.updatedAt.toISOString(),
    attempts: delivery.attempts.map((attempt) => ({
      attemptNumber: attempt.attemptNumber,
      attemptedAt: attempt.attemptedAt.toISOString(),
      statusCode: attempt.statusCode,
      durationMs: attempt.durationMs,
      responseBody: attempt.responseBody,
      error: attempt.error,
    })),
  };
}

/**
 * The delivery log, and sending again: replay one delivery, recover an endpoint, test it. These
 * are operators' requests: they may filter deliveries by endpoint. A delivery sent again is put
 * back in the delivery queue first, then marked PENDING.
 */
@Injectable()
export class WebhookDeliveriesService {
  constructor(
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly endpoints: WebhookEndpointsService,
    private readonly worker: DeliveryWorkerService,
    private readonly queue: DeliveryQueueService,
    private readonly breakers: EndpointCircuitBreakersService,
    private readonly metrics: DeliveryMetricsService,
    private readonly rateLimits: EndpointRateLimiterService,
    private readonly lanes: CandidateLanesService,
  ) {}

  /** Deletes the endpoint with its delivery log; deliveries in flight are dropped when they finish. */
  async deleteEndpoint(organizationId: string, endpointId: string): Promise<void> {
    await this.endpoints.delete(organizationId, endpointId);
    await this.queue.removeEndpoint(endpointId);
    await this.deliveries.deleteMany(organizationId, { endpointId }).exec();
    this.breakers.forget(endpointId);
    this.metrics.forgetCircuit(endpointId);
    await this.rateLimits.forget(organizationId, endpointId);
    await this.lanes.forget(organizationId, endpointId);
  }

  async list(organizationId: string, request: WebhookDeliveriesListRequest): Promise<WebhookPage<WebhookDeliveryView>> {
    await this.endpoints.get(organizationId, request.endpointId);
    return this.page(organizationId, request.endpointId, request);
  }

  /** The organization's call results sent to the URLs callers named (none yet: an empty page). */
  listCallResults(organizationId: string, request: DeliveryPageQuery): Promise<WebhookPage<WebhookDeliveryView>> {
    return this.page(organizationId, callResultsSenderId(organizationId), request);
  }

  private async page(
    organizationId: string,
    endpointId: string,
    request: DeliveryPageQuery,
  ): Promise<WebhookPage<WebhookDeliveryView>> {
    const position = request.cursor ? parseCursor(request.cursor, isNewestFirstPosition) : null;
    if (request.cursor && !position) throw new RpcError('BAD_REQUEST', 'cursor is not a cursor returned by this API');
    const items = (await this.deliveries
      .find(organizationId, {
        endpointId,
        ...(request.status ? { status: request.status } : {}),
        ...(position ? newestFirstAfter(position) : {}),
      })
      .sort({ createdAt: -1, _id: -1 })
      .limit(request.limit + 1)
      .lean()
      .exec()) as WebhookDelivery[];
    const page = items.slice(0, request.limit);
    return {
      data: page.map(toDeliveryView),
      nextCursor: items.length > request.limit ? newestFirstCursor(page[page.length - 1]) : null,
    };
  }

  /** Sends a finished delivery again, with a fresh retry schedule (same event id). */
  async replay(organizationId: string, deliveryId: string): Promise<{ deliveryId: string; status: 'PENDING' }> {
    const delivery = (await this.deliveries
      .findOne(organizationId, { _id: deliveryId })
      .lean()
      .exec()) as WebhookDelivery | null;
    if (!delivery) throw new RpcError('NOT_FOUND', 'Webhook delivery not found');
    if (delivery.status === 'PENDING') throw new RpcError('CONFLICT', 'The delivery is pending already');
    await this.assertEnabled(organizationId, delivery.endpointId, { orCallResultsSender: true });
    const startNow = this.worker.canStart();
    const leaseUntil = startNow ? this.worker.leaseFromNow() : NO_LEASE;
    const now = new Date();
    await this.queue.enqueue(
      [{ deliveryId, organizationId, endpointId: delivery.endpointId, nextAttemptAt: now }],
      now,
      leaseUntil,
    );
    await this.reopen(organizationId, [deliveryId], now);
    if (startNow) this.start(deliveryId, organizationId, delivery.endpointId, leaseUntil, now);
    return { deliveryId, status: 'PENDING' };
  }

  /** Sends again every failed delivery of the endpoint made at or after `since`; the due-poller takes them. */
  async recover(organizationId: string, endpointId: string, since: Date): Promise<{ recovered: number }> {
    await this.assertEnabled(organizationId, endpointId);
    const failed = (await this.deliveries
      .find(organizationId, { endpointId, status: 'FAILED', createdAt: { $gte: since } }, { _id: 1 })
      .lean()
      .exec()) as Array<{ _id: string }>;
    const now = new Date();
    await this.queue.enqueue(
      failed.map(({ _id }) => ({ deliveryId: _id, organizationId, endpointId, nextAttemptAt: now })),
      now,
      NO_LEASE,
    );
    await this.reopen(
      organizationId,
      failed.map(({ _id }) => _id),
      now,
    );
    return { recovered: failed.length };
  }

  /** Sends a WEBHOOK_TEST event to this endpoint only, whatever its event-type filter. */
  async test(organizationId: string, endpointId: string): Promise<{ deliveryId: string; eventId: string }> {
    await this.assertEnabled(organizationId, endpointId);
    const event = eventOf(
      createEnvelope(
        WebhookTestEvent,
        { endpointId, organizationId, message: 'This is a test event from the workflow platform.' },
        { organizationId },
      ),
    );
    const deliveryId = deliveryIdFor(event.eventId, endpointId);
    const startNow = this.worker.canStart();
    const leaseUntil = startNow ? this.worker.leaseFromNow() : NO_LEASE;
    const now = new Date();
    // Answered at once: the attempt runs after, like a retry, from the delivery queue.
    await this.queue.enqueue([{ deliveryId, organizationId, endpointId, nextAttemptAt: now }], now, leaseUntil);
    await this.deliveries.create({
      _id: deliveryId,
      organizationId,
      endpointId,
      eventId: event.eventId,
      eventType: event.eventType,
      occurredAt: event.occurredAt,
      data: event.data,
      ...deliveryUpdate({ status: 'PENDING', attempted: false, progress: NO_PROGRESS, nextAttemptAt: now }),
    });
    if (startNow) this.start(deliveryId, organizationId, endpointId, leaseUntil, now);
    return { deliveryId, eventId: event.eventId };
  }

  /** The endpoint, enabled; a call-results sender (never disabled) passes only where asked for. */
  private async assertEnabled(organizationId: string, endpointId: string, { orCallResultsSender = false } = {}) {
    const endpoint = orCallResultsSender
      ? await this.endpoints.stored(organizationId, endpointId)
      : await this.endpoints.get(organizationId, endpointId);
    if (!endpoint) throw new RpcError('NOT_FOUND', 'Webhook endpoint not found');
    if (!endpoint.enabled)
      throw new RpcError('CONFLICT', 'The endpoint is disabled; enable it (PATCH enabled: true) first');
    return endpoint;
  }

  /** Back to pending with a new round of the schedule; the attempt log is kept. */
  private async reopen(organizationId: string, deliveryIds: string[], now: Date): Promise<void> {
    if (deliveryIds.length === 0) return;
    await this.deliveries
      .updateMany(
        organizationId,
        { _id: { $in: deliveryIds }, status: { $ne: 'PENDING' } },
        // A replay is sent at once, outside its candidate's order (that order was kept once).
        { $set: { status: 'PENDING', roundAttempts: 0, failureReason: null, nextAttemptAt: now, lane: null } },
      )
      .exec();
  }

  /** Works on a delivery whose queue entry this instance has just written with its lease. */
  private start(deliveryId: string, organizationId: string, endpointId: string, leaseUntil: Date, now: Date): void {
    this.worker.start({ _id: deliveryId, organizationId, endpointId, nextAttemptAt: now, leaseUntil, queuedAt: now });
  }
}
