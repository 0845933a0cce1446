import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';

/** One use of an Idempotency-Key by one organization, and the response it produced. */
@Schema({ collection: 'idempotency_keys', versionKey: false, minimize: false })
export class IdempotencyRecord {
  /** `<organizationId>:<key>`: keys are scoped to the organization that sent them. */
  @Prop({ type: String, required: true })
  _id!: string;

  /** SHA-256 of method, route and body: the same key with another request is refused. */
  @Prop({ required: true })
  fingerprint!: string;

  @Prop({ type: String, required: true, enum: ['in-progress', 'completed'] })
  state!: 'in-progress' | 'completed';

  /** An in-progress record whose holder died is taken over after this time. */
  @Prop({ required: true })
  lockedUntil!: Date;

  @Prop({ type: Number, default: null })
  statusCode!: number | null;

  @Prop({ type: MongooseSchema.Types.Mixed, default: null })
  body!: unknown;

  @Prop({ required: true, index: true })
  createdAt!: Date;
}

export const IdempotencyRecordSchema = SchemaFactory.createForClass(IdempotencyRecord);
