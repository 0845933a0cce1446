import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';
import type { OutboxEntry } from '@wfp/persistence';

export const WORKFLOW_STATUSES = ['ACTIVE', 'ARCHIVED'] as const;
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

/** A workflow and its editable draft. Published versions are separate, immutable documents. */
@Schema({ collection: 'workflows', versionKey: false, minimize: false, timestamps: true })
export class Workflow {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  organizationId!: string;

  @Prop({ required: true })
  name!: string;

  @Prop({ type: String, default: null })
  externalId!: string | null;

  @Prop({ type: String, default: null })
  description!: string | null;

  @Prop({ type: MongooseSchema.Types.Mixed, required: true })
  draft!: Record<string, unknown>;

  @Prop({ type: String, enum: WORKFLOW_STATUSES, required: true })
  status!: WorkflowStatus;

  @Prop({ type: Date, default: null })
  archivedAt!: Date | null;

  /** Commands caused by a change of this workflow (archiving cancels its active runs). */
  @Prop({ type: [MongooseSchema.Types.Mixed], default: [] })
  outbox!: OutboxEntry[];

  createdAt!: Date;
  updatedAt!: Date;
}

export const WorkflowSchema = SchemaFactory.createForClass(Workflow);
// Serves the newest-first listing and its (createdAt, _id) cursor.
WorkflowSchema.index({ organizationId: 1, createdAt: -1, _id: -1 });

/**
 * An immutable published version. Its insert also carries, in the same document write, the
 * WORKFLOW_PUBLISHED event and the command that gives the processor its copy of the graph.
 */
@Schema({ collection: 'workflow_versions', versionKey: false, minimize: false, timestamps: true })
export class WorkflowVersion {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  organizationId!: string;

  @Prop({ required: true })
  workflowId!: string;

  @Prop({ required: true })
  versionNumber!: number;

  @Prop({ type: MongooseSchema.Types.Mixed, required: true })
  definition!: Record<string, unknown>;

  @Prop({ required: true })
  publishedAt!: Date;

  @Prop({ required: true })
  publishedByUserId!: string;

  @Prop({ type: [MongooseSchema.Types.Mixed], default: [] })
  outbox!: OutboxEntry[];

  createdAt!: Date;
  updatedAt!: Date;
}

export const WorkflowVersionSchema = SchemaFactory.createForClass(WorkflowVersion);
// The unique pair makes two concurrent publishes of one workflow unable to take the same number.
WorkflowVersionSchema.index({ workflowId: 1, versionNumber: 1 }, { unique: true });
WorkflowVersionSchema.index({ organizationId: 1, workflowId: 1 });
