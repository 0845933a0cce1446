import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';
import type { WebhookDeliveryDeadLettered, WebhookDeliveryStatus } from '@wfp/contracts';
import type { OutboxEntry } from '@wfp/persistence';

/** Attempts kept per delivery (the newest); older ones are dropped to bound the document. */
export const MAX_STORED_ATTEMPTS = 30;
/** Characters of a receiver's answer kept with an attempt. */
export const MAX_STORED_RESPONSE_CHARS = 1024;

export class DeliveryAttempt {
  @Prop({ required: true })
  attemptNumber!: number;

  @Prop({ required: true })
  attemptedAt!: Date;

  @Prop({ type: Number, default: null })
  statusCode!: number | null;

  @Prop({ required: true })
  durationMs!: number;

  @Prop({ type: String, default: null })
  responseBody!: string | null;

  @Prop({ type: String, default: null })
  error!: string | null;
}

export type DeliveryFailureReason = WebhookDeliveryDeadLettered['reason'];

/**
 * One event for one endpoint. `_id` = `<eventId>:<endpointId>`, so an event the broker delivers
 * again cannot create a second delivery. Retries are scheduled here (`nextAttemptAt`), not in the
 * broker, and a worker holds `leaseUntil` while it tries one.
 */
@Schema({ collection: 'webhook_deliveries', versionKey: false, minimize: false, timestamps: true })
export class WebhookDelivery {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  organizationId!: string;

  @Prop({ required: true })
  endpointId!: string;

  @Prop({ required: true })
  eventId!: string;

  @Prop({ required: true })
  eventType!: string;

  @Prop({ type: String, required: true })
  status!: WebhookDeliveryStatus;

  /** Attempts ever made (every round). */
  @Prop({ required: true })
  attemptCount!: number;

  /** Attempts made in the current round of the schedule; a replay starts a new round. */
  @Prop({ required: true })
  roundAttempts!: number;

  @Prop({ type: [DeliveryAttempt], _id: false, default: [] })
  attempts!: DeliveryAttempt[];

  @Prop({ type: Date, default: null })
  nextAttemptAt!: Date | null;

  @Prop({ required: true })
  leaseUntil!: Date;

  @Prop({ type: Number, default: null })
  lastStatusCode!: number | null;

  @Prop({ type: String, default: null })
  failureReason!: DeliveryFailureReason | null;

  /** The dead-letter notice, published by the outbox relay once stored. */
  @Prop({ type: [MongooseSchema.Types.Mixed], default: [] })
  outbox!: OutboxEntry[];

  createdAt!: Date;
  updatedAt!: Date;
}

export const WebhookDeliverySchema = SchemaFactory.createForClass(WebhookDelivery);
// The due-poller's query, and the delivery log per endpoint (newest first, by status).
WebhookDeliverySchema.index({ status: 1, nextAttemptAt: 1 });
WebhookDeliverySchema.index({ endpointId: 1, createdAt: -1, _id: -1 });
WebhookDeliverySchema.index({ endpointId: 1, status: 1, createdAt: -1 });
WebhookDeliverySchema.index({ updatedAt: 1 });
