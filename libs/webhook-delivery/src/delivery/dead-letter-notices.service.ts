import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { createEnvelope, WebhookDeliveryDeadLettered } from '@wfp/contracts';
import { MessagePublisherService } from '@wfp/messaging';
import type { DeliveryProgress } from './delivery-outcome';
import type { DeliveryFailureReason } from './webhook-delivery.schema';

export interface DeadLetteredDelivery {
  _id: string;
  organizationId: string;
  endpointId: string;
  eventId: string;
  eventType: string;
}

/**
 * The notice's message id: the same for the same failure (delivery, attempts made, reason), so a
 * notice published again after a crash, before FAILED was stored, is a duplicate by id.
 */
export function deadLetterNoticeId(deliveryId: string, attemptCount: number, reason: DeliveryFailureReason): string {
  const digest = createHash('sha256').update(`${deliveryId}|${attemptCount}|${reason}`).digest('hex');
  return `cmd_${digest.slice(0, 32)}`;
}

/**
 * Publishes the `webhook.delivery.dead-lettered` notice of a delivery that failed for good to the
 * dead-letter exchange (bound to `<ns>.webhook-dispatcher.deliveries.dlq`, a parking queue SREs
 * watch), with broker confirms. Callers publish it before they store FAILED: a crash in between
 * repeats the notice, never loses it.
 */
@Injectable()
export class DeadLetterNoticesService {
  constructor(private readonly publisher: MessagePublisherService) {}

  async publish(
    delivery: DeadLetteredDelivery,
    progress: DeliveryProgress,
    reason: DeliveryFailureReason,
  ): Promise<void> {
    const notice = createEnvelope(
      WebhookDeliveryDeadLettered,
      {
        deliveryId: delivery._id,
        endpointId: delivery.endpointId,
        eventId: delivery.eventId,
        eventType: delivery.eventType,
        attemptCount: progress.attemptCount,
        lastStatusCode: progress.lastStatusCode,
        reason,
      } satisfies WebhookDeliveryDeadLettered,
      { organizationId: delivery.organizationId },
      deadLetterNoticeId(delivery._id, progress.attemptCount, reason),
    );
    await this.publisher.publish('dead-letter', notice);
  }
}
