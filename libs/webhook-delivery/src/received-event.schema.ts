import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';

/**
 * Every event the dispatcher has taken in, once per event id. Deliveries are fanned out from it,
 * and it is what `recover { since }` and replay read when endpoints need events again.
 */
@Schema({ collection: 'received_events', versionKey: false, minimize: false })
export class ReceivedEvent {
  /** The public eventId. */
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  organizationId!: string;

  @Prop({ required: true })
  type!: string;

  @Prop({ required: true })
  occurredAt!: Date;

  @Prop({ required: true })
  receivedAt!: Date;

  @Prop({ required: true })
  correlationId!: string;

  /** The event's `data`, exactly as the producer emitted it. */
  @Prop({ type: MongooseSchema.Types.Mixed, required: true })
  data!: Record<string, unknown>;
}

export const ReceivedEventSchema = SchemaFactory.createForClass(ReceivedEvent);
ReceivedEventSchema.index({ organizationId: 1, occurredAt: 1 });
