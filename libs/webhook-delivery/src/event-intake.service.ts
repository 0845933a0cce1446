import { Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { WORKFLOW_CALL_RESULT_EVENT, type MessageEnvelope, type WorkflowCallResult } from '@wfp/contracts';
import { isDuplicateKeyError } from '@wfp/persistence';
import { DeliveryWorker, NO_LEASE } from './delivery/delivery-worker.service';
import { WebhookDelivery } from './delivery/webhook-delivery.schema';
import type { WebhookEndpoint } from './endpoints/webhook-endpoint.schema';
import { WebhookEndpointsService } from './endpoints/webhook-endpoints.service';
import { ReceivedEvent } from './received-event.schema';

export interface IntakeResult {
  /** false when the event had been taken in before (the broker delivered it again). */
  firstTime: boolean;
  /** Deliveries made now; a redelivered event makes none it made before. */
  deliveries: number;
}

export function deliveryIdFor(eventId: string, endpointId: string): string {
  return `${eventId}:${endpointId}`;
}

/**
 * Takes in an event: stores it once by its id, then makes one delivery per subscribed endpoint
 * (`_id` = `<eventId>:<endpointId>`, so a redelivered event adds nothing) and hands new ones to
 * the worker at once. Everything is stored before the message is acknowledged; the attempts
 * themselves run after, and a crash leaves them to the due-poller.
 */
@Injectable()
export class EventIntakeService {
  private readonly logger = new Logger(EventIntakeService.name);

  constructor(
    @InjectModel(ReceivedEvent.name) private readonly events: Model<ReceivedEvent>,
    @InjectModel(WebhookDelivery.name) private readonly deliveries: Model<WebhookDelivery>,
    private readonly endpoints: WebhookEndpointsService,
    private readonly worker: DeliveryWorker,
  ) {}

  async take(envelope: MessageEnvelope): Promise<IntakeResult> {
    const { event, firstTime } = await this.record(envelope);
    const subscribers = await this.endpoints.subscribers(event.organizationId, event.type);
    const made = await Promise.all(subscribers.map((endpoint) => this.deliver(event, endpoint)));
    return { firstTime, deliveries: made.filter(Boolean).length };
  }

  /**
   * A called workflow's result, for the endpoint the caller named by `inputs.webhookUrl`: stored as
   * a WORKFLOW_CALL_RESULT event (same id as the message) and delivered to that endpoint only.
   */
  async takeCallResult(envelope: MessageEnvelope<WorkflowCallResult>): Promise<IntakeResult> {
    const { webhookEndpointId, runId, workflowId, workflowVersionId, result, responseMeta } = envelope.payload;
    if (!webhookEndpointId) return { firstTime: false, deliveries: 0 };
    const endpoint = await this.endpoints.forDelivery(envelope.organizationId, webhookEndpointId);
    if (!endpoint) {
      this.logger.warn(`call result of ${runId}: endpoint ${webhookEndpointId} is gone; nothing to deliver`);
      return { firstTime: false, deliveries: 0 };
    }
    const { event, firstTime } = await this.record({
      ...envelope,
      type: WORKFLOW_CALL_RESULT_EVENT,
      payload: { runId, workflowId, workflowVersionId, ...result, responseMeta },
    });
    return { firstTime, deliveries: (await this.deliver(event, endpoint)) ? 1 : 0 };
  }

  /** Stores the event once; the broker may deliver it again (same id), which changes nothing. */
  async record(envelope: MessageEnvelope): Promise<{ event: ReceivedEvent; firstTime: boolean }> {
    const event: ReceivedEvent = {
      _id: envelope.id,
      organizationId: envelope.organizationId,
      type: envelope.type,
      occurredAt: new Date(envelope.occurredAt),
      receivedAt: new Date(),
      correlationId: envelope.correlationId,
      data: envelope.payload as Record<string, unknown>,
    };
    try {
      await this.events.create(event);
      return { event, firstTime: true };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const stored = (await this.events.findById(envelope.id).lean().exec()) as ReceivedEvent | null;
      return { event: stored ?? event, firstTime: false };
    }
  }

  /** Makes the event's delivery to one endpoint, unless it exists; starts it here when there is room. */
  async deliver(event: ReceivedEvent, endpoint: WebhookEndpoint): Promise<boolean> {
    const startNow = this.worker.canStart(endpoint._id);
    const deliveryId = deliveryIdFor(event._id, endpoint._id);
    try {
      await this.deliveries.create({
        _id: deliveryId,
        organizationId: event.organizationId,
        endpointId: endpoint._id,
        eventId: event._id,
        eventType: event.type,
        status: 'PENDING',
        attemptCount: 0,
        roundAttempts: 0,
        attempts: [],
        nextAttemptAt: new Date(),
        // Held while this instance tries it at once; otherwise the due-poller takes it.
        leaseUntil: startNow ? this.worker.leaseFromNow() : NO_LEASE,
        lastStatusCode: null,
        failureReason: null,
        outbox: [],
      });
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
    if (startNow) this.worker.start(deliveryId, endpoint._id, event);
    else this.logger.debug(`delivery ${deliveryId} left to the due-poller (endpoint busy)`);
    return true;
  }
}
