import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';
import type { NodeOutcome } from '@wfp/contracts';
import type { OutboxEntry } from '@wfp/persistence';

export const RUN_STATUSES = ['RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** The run context of the callable-workflows seed: inputs, then what each traversed node produced. */
export interface RunContext {
  initialize: { inputs: Record<string, unknown> };
  traverse: {
    order: string[];
    steps: Record<string, unknown>;
    stepsInfo: Record<string, { name: string; type: string; createdAt: string }>;
  };
}

/**
 * One workflow run, pinned to the version it started on. Every state change is one atomic update
 * of this document that also appends the events it causes to `outbox` and bumps `version`.
 */
@Schema({ collection: 'runs', versionKey: false, minimize: false, timestamps: true })
export class Run {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true, index: true })
  organizationId!: string;

  @Prop({ required: true })
  workflowId!: string;

  @Prop({ required: true })
  workflowVersionId!: string;

  @Prop({ required: true })
  versionNumber!: number;

  @Prop({ type: String, default: null })
  workflowExternalId!: string | null;

  @Prop({ required: true })
  candidateProfileId!: string;

  @Prop({ type: String, default: null })
  candidateProfileExternalId!: string | null;

  @Prop({ required: true })
  triggerSource!: string;

  @Prop({ type: String, required: true, enum: RUN_STATUSES })
  status!: RunStatus;

  @Prop({ type: MongooseSchema.Types.Mixed, required: true })
  context!: RunContext;

  @Prop({ type: [MongooseSchema.Types.Mixed], default: [] })
  nodes!: NodeOutcome[];

  @Prop({ type: String, default: null })
  currentNodeId!: string | null;

  @Prop({ required: true })
  startedAt!: Date;

  @Prop({ type: Date, default: null })
  completedAt!: Date | null;

  @Prop({ type: String, default: null })
  cancellationReason!: string | null;

  /** Optimistic concurrency: every update matches on it and increments it. */
  @Prop({ required: true, default: 0 })
  version!: number;

  /** Ids of the messages already applied, so a redelivered message is a no-op. */
  @Prop({ type: [String], default: [] })
  processedMessageIds!: string[];

  @Prop({ type: [MongooseSchema.Types.Mixed], default: [] })
  outbox!: OutboxEntry[];

  createdAt!: Date;
  updatedAt!: Date;
}

export const RunSchema = SchemaFactory.createForClass(Run);
RunSchema.index({ organizationId: 1, workflowId: 1, status: 1 });
