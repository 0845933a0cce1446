import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** A signed callback this gateway acted on, remembered while its signature could still be replayed. */
@Schema({ collection: 'callback_receipts', versionKey: false })
export class CallbackReceipt {
  /** `<sender>:<webhook-id>`. */
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true, index: true })
  receivedAt!: Date;
}

export const CallbackReceiptSchema = SchemaFactory.createForClass(CallbackReceipt);
