import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * The shared send counter of one rate-limited endpoint (`_id` = the endpoint's id): how many of
 * the slots of its latest window the dispatcher's instances have taken. One document per endpoint,
 * moved forward window by window, so it never grows and needs no clean-up.
 */
@Schema({ collection: 'webhook_endpoint_send_windows', versionKey: false })
export class EndpointSendWindow {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  organizationId!: string;

  /** Seconds since the epoch. */
  @Prop({ required: true })
  window!: number;

  @Prop({ required: true })
  taken!: number;
}

export const EndpointSendWindowSchema = SchemaFactory.createForClass(EndpointSendWindow);
