import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';
import type { OutboxEntry } from '@wfp/persistence';

/**
 * An accepted `POST /v1/workflows/:id/runs`. The request and every command it causes are written
 * in one insert, so an accepted request is never half-sent.
 */
@Schema({ collection: 'run_requests', versionKey: false, minimize: false, timestamps: true })
export class RunRequest {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  organizationId!: string;

  @Prop({ required: true })
  workflowId!: string;

  @Prop({ required: true })
  workflowVersionId!: string;

  @Prop({ required: true })
  versionNumber!: number;

  @Prop({ required: true })
  triggerSource!: string;

  @Prop({ type: MongooseSchema.Types.Mixed, default: {} })
  inputs!: Record<string, unknown>;

  @Prop({ type: [String], default: [] })
  candidateProfileIds!: string[];

  @Prop({ default: 0 })
  contactCount!: number;

  /** The id each item's run gets when it starts (contacts first, then candidateProfileIds). */
  @Prop({ type: [String], default: [] })
  runIds!: string[];

  @Prop({ required: true })
  accepted!: number;

  @Prop({ type: [MongooseSchema.Types.Mixed], default: [] })
  outbox!: OutboxEntry[];

  createdAt!: Date;
  updatedAt!: Date;
}

export const RunRequestSchema = SchemaFactory.createForClass(RunRequest);
