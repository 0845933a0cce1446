import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { WebhookDisabledReason, WebhookOrdering } from '@wfp/contracts';

/** A signing secret; during a rotation the previous one signs too until it expires. */
export class EndpointSecret {
  @Prop({ required: true })
  value!: string;

  @Prop({ required: true })
  createdAt!: Date;

  /** null for the current secret. */
  @Prop({ type: Date, default: null })
  expiresAt!: Date | null;
}

/**
 * SUBSCRIBER: an endpoint the organization registered, which takes its events. CALL_RESULTS: the
 * organization's one sender of call results to the URLs callers name (`inputs.webhookUrl`); it has
 * no URL and no subscriptions of its own, only the secrets that sign them, and the API shows it
 * through its own routes only.
 */
export type WebhookEndpointKind = 'SUBSCRIBER' | 'CALL_RESULTS';

/** A subscriber: where an organization's events are delivered, and how they are signed. */
@Schema({ collection: 'webhook_endpoints', versionKey: false, minimize: false, timestamps: true })
export class WebhookEndpoint {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  organizationId!: string;

  /** Absent on endpoints stored before call-results senders existed: SUBSCRIBER. */
  @Prop({ type: String, default: 'SUBSCRIBER' })
  kind?: WebhookEndpointKind;

  /** Empty for a CALL_RESULTS sender (each delivery names its URL). */
  @Prop({ type: String, default: '' })
  url!: string;

  /** Empty: every event type. */
  @Prop({ type: [String], default: [] })
  eventTypes!: string[];

  @Prop({ type: String, default: null })
  description!: string | null;

  /** Deliveries per second across the dispatcher's instances; null (or absent on older ones): none. */
  @Prop({ type: Number, default: null })
  rateLimitPerSecond?: number | null;

  /** `candidate`: each candidate's events one at a time, in order (absent on older ones: none). */
  @Prop({ type: String, default: 'none' })
  ordering?: WebhookOrdering;

  @Prop({ required: true })
  enabled!: boolean;

  @Prop({ type: String, default: null })
  disabledReason!: WebhookDisabledReason | null;

  @Prop({ type: Date, default: null })
  disabledAt!: Date | null;

  /** Newest first. Stored in the clear: signing needs them (encrypt at rest with the database). */
  @Prop({ type: [EndpointSecret], _id: false, required: true })
  secrets!: EndpointSecret[];

  /** CALL_RESULTS: when its current secret was shown (it is shown once). */
  @Prop({ type: Date, default: null })
  secretShownAt?: Date | null;

  /** First failure since the last success; disabling after a long failing period reads it. */
  @Prop({ type: Date, default: null })
  failingSince!: Date | null;

  createdAt!: Date;
  updatedAt!: Date;
}

export const WebhookEndpointSchema = SchemaFactory.createForClass(WebhookEndpoint);
WebhookEndpointSchema.index({ organizationId: 1, createdAt: -1, _id: -1 });
