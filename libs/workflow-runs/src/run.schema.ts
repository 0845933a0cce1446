import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';
import {
  RUN_STATUSES,
  type NodeOutcome,
  type RunContext,
  type RunErrorClass,
  type RunErrorCode,
  type RunOutcome,
  type RunStatus,
} from '@wfp/contracts';
import type { OutboxEntry } from '@wfp/persistence';

// Statuses and the run context are the API's too (RunView): defined in contracts.
export type { RunContext, RunStatus } from '@wfp/contracts';

/**
 * One workflow run, pinned to the version it started on. Every write is one atomic operation on
 * this document by `_id` that stores the new state with the messages it causes (`outbox`) and bumps
 * `version` (RunRepository).
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

  /** null for a called workflow, which runs on inputs alone. */
  @Prop({ type: String, default: null })
  candidateProfileId!: string | null;

  @Prop({ type: String, default: null })
  candidateProfileExternalId!: string | null;

  /** Contact details for outreach, when the run was started from an inline contact. */
  @Prop({ type: MongooseSchema.Types.Mixed, default: null })
  contact!: { email: string | null; phoneNumber: string | null } | null;

  @Prop({ required: true })
  triggerSource!: string;

  /** Set for a called workflow: where its result goes and what to echo (WorkflowCallResult). */
  @Prop({ type: MongooseSchema.Types.Mixed, default: null })
  call!: RunCall | null;

  @Prop({ type: String, required: true, enum: RUN_STATUSES })
  status!: RunStatus;

  @Prop({ type: MongooseSchema.Types.Mixed, required: true })
  context!: RunContext;

  @Prop({ type: [MongooseSchema.Types.Mixed], default: [] })
  nodes!: NodeOutcome[];

  /** The node to execute next, or the node the run waits on; null once the run has ended. */
  @Prop({ type: String, default: null })
  currentNodeId!: string | null;

  /** Set while an outreach node waits for its conversation outcome. */
  @Prop({ type: MongooseSchema.Types.Mixed, default: null })
  waiting!: RunWaiting | null;

  /** Every conversation this run started, so a repeated outcome callback is recognised. */
  @Prop({ type: [String], default: [] })
  conversationIds!: string[];

  /**
   * A webhook node whose attempts go on in a later message (the message's time budget ran out
   * between two of them): how many were made, and what the last one got.
   */
  @Prop({ type: MongooseSchema.Types.Mixed, default: null })
  nodeAttempts!: NodeAttempts | null;

  /** When the waiting node times out (its timer, in `run_timers`, fires then). */
  @Prop({ type: Date, default: null })
  wakeAt!: Date | null;

  /** Variables set by webhook nodes (`vars.*` in conditions and templates). */
  @Prop({ type: MongooseSchema.Types.Mixed, default: {} })
  vars!: Record<string, unknown>;

  /** The rendered value of the output node reached, for callable workflows. */
  @Prop({ type: MongooseSchema.Types.Mixed, default: null })
  output!: unknown;

  @Prop({ type: Boolean, default: false })
  outputReached!: boolean;

  @Prop({ type: String, default: null })
  outcome!: RunOutcome | null;

  @Prop({ type: String, default: null })
  errorCode!: RunErrorCode | null;

  @Prop({ type: String, default: null })
  errorClass!: RunErrorClass | null;

  @Prop({ type: String, default: null })
  lastFailedNodeId!: string | null;

  /** HTTP status of the failing webhook call, when a webhook node failed the run. */
  @Prop({ type: Number, default: null })
  failedStatusCode!: number | null;

  @Prop({ required: true })
  startedAt!: Date;

  @Prop({ type: Date, default: null })
  completedAt!: Date | null;

  @Prop({ type: String, default: null })
  cancellationReason!: string | null;

  /** The failed run this one retries (it resumed at that run's lastFailedNodeId). */
  @Prop({ type: String, default: null })
  retryOfRunId!: string | null;

  /** The run that retries this failed one. */
  @Prop({ type: String, default: null })
  retriedByRunId!: string | null;

  /** Optimistic concurrency: every update matches on it and increments it. */
  @Prop({ required: true, default: 0 })
  version!: number;

  @Prop({ type: [MongooseSchema.Types.Mixed], default: [] })
  outbox!: OutboxEntry[];

  /**
   * W3C trace context of the work that started the run, when tracing is on: node spans join that
   * trace whichever message advances the run later (a resume, a timer, a continuation).
   */
  @Prop({ type: MongooseSchema.Types.Mixed, required: false })
  trace?: Record<string, string>;

  /**
   * Types of the events the run emitted to its candidate so far, oldest first, after its contact
   * resolution's: each new event names them (EventOrder), so endpoints that keep a candidate's
   * events in order know what comes before it. Absent on runs stored before it (and on runs with no
   * candidate): their events carry no order.
   */
  @Prop({ type: [String], required: false, default: undefined })
  emitted?: string[];

  createdAt!: Date;
  updatedAt!: Date;
}

export interface RunCall {
  webhookEndpointId: string | null;
  webhookUrl?: string | null;
  responseMeta: Record<string, unknown> | null;
}

export interface NodeAttempts {
  nodeId: string;
  /** Attempts made so far (the first one included). */
  made: number;
  /** Not before then: the backoff after the last attempt. */
  nextAttemptAt: Date;
  lastStatusCode: number | null;
  lastError: string;
}

export interface RunWaiting {
  nodeId: string;
  conversationId: string;
  enteredAt: Date;
}

export const RunSchema = SchemaFactory.createForClass(Run);
RunSchema.index({ organizationId: 1, workflowId: 1, status: 1 });
RunSchema.index({ organizationId: 1, createdAt: -1, _id: -1 });
