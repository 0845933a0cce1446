import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';
import type { DeliveryLane } from '../ordering/candidate-lanes.service';
import type { WebhookDeliveryDeadLettered, WebhookDeliveryStatus } from '@wfp/contracts';

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
 * again cannot create a second delivery. It holds the event itself (type, time, data), which is
 * all a later attempt needs to send it again. An event's delivery is first written once its first
 * attempt is over, with that outcome. A PENDING delivery also has an entry in the delivery queue
 * (DeliveryQueueEntry), which is what the due-poller reads; this collection, which keeps every
 * delivery ever made, is read by `_id` only, except by the operators' requests (log, recover).
 */
@Schema({ collection: 'webhook_deliveries', versionKey: false, minimize: false, timestamps: true })
export class WebhookDelivery {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  organizationId!: string;

  @Prop({ required: true })
  endpointId!: string;

  /** Where it is sent when not the endpoint's URL: a call result's `inputs.webhookUrl`. */
  @Prop({ type: String, default: null })
  targetUrl!: string | null;

  @Prop({ required: true })
  eventId!: string;

  @Prop({ required: true })
  eventType!: string;

  /** When the event happened: the envelope's `eventTimestamp`, the same on every attempt. */
  @Prop({ required: true })
  occurredAt!: Date;

  /** The event's `data`, exactly as its producer emitted it. */
  @Prop({ type: MongooseSchema.Types.Mixed, required: true })
  data!: Record<string, unknown>;

  /** Its place in its candidate's lane, at an endpoint that keeps candidates' events in order. */
  @Prop({ type: MongooseSchema.Types.Mixed, required: false })
  lane?: DeliveryLane | null;

  /** W3C trace context of the intake, when tracing is on (later attempts join that trace). */
  @Prop({ type: MongooseSchema.Types.Mixed, required: false })
  trace?: Record<string, string>;

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

  /** When the next attempt is due (PENDING only); the delivery queue holds the schedule itself. */
  @Prop({ type: Date, default: null })
  nextAttemptAt!: Date | null;

  @Prop({ type: Number, default: null })
  lastStatusCode!: number | null;

  @Prop({ type: String, default: null })
  failureReason!: DeliveryFailureReason | null;

  createdAt!: Date;
  updatedAt!: Date;
}

export const WebhookDeliverySchema = SchemaFactory.createForClass(WebhookDelivery);
// The delivery log per endpoint (newest first, by status) and recover.
WebhookDeliverySchema.index({ endpointId: 1, createdAt: -1, _id: -1 });
WebhookDeliverySchema.index({ endpointId: 1, status: 1, createdAt: -1 });
