import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';

/** The processor's immutable copy of a published workflow version; runs execute this graph. */
@Schema({
  collection: 'workflow_versions',
  versionKey: false,
  minimize: false,
  timestamps: { createdAt: 'registeredAt', updatedAt: false },
})
export class WorkflowVersionCopy {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true, index: true })
  organizationId!: string;

  @Prop({ required: true })
  workflowId!: string;

  @Prop({ required: true })
  versionNumber!: number;

  @Prop({ type: String, default: null })
  workflowExternalId!: string | null;

  @Prop({ type: MongooseSchema.Types.Mixed, required: true })
  definition!: Record<string, unknown>;

  registeredAt!: Date;
}

export const WorkflowVersionCopySchema = SchemaFactory.createForClass(WorkflowVersionCopy);
