import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * A PENDING delivery's place in the retry schedule (`_id` = the delivery's id). Entries live apart
 * from the deliveries so that the due-poller reads a collection holding only the deliveries still
 * to be tried, never the history of every delivery. An entry is written before its delivery is
 * (so a pending delivery always has one) and removed once the delivery SUCCEEDED or FAILED.
 */
@Schema({ collection: 'webhook_delivery_queue', versionKey: false })
export class DeliveryQueueEntry {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  organizationId!: string;

  @Prop({ required: true })
  endpointId!: string;

  @Prop({ required: true })
  nextAttemptAt!: Date;

  /** Held by the instance trying the delivery; the epoch when nobody holds it. */
  @Prop({ required: true })
  leaseUntil!: Date;

  /**
   * When the entry was (re)queued. Its delivery is written just after; an entry found without
   * a pending delivery is removed only once this is older than that write could take.
   */
  @Prop({ required: true })
  queuedAt!: Date;
}

export const DeliveryQueueEntrySchema = SchemaFactory.createForClass(DeliveryQueueEntry);
DeliveryQueueEntrySchema.index({ nextAttemptAt: 1 });
