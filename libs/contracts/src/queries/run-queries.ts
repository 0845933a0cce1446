import 'reflect-metadata'; // class-transformer's @Type reads design-time metadata
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import {
  ANSWER_OUTCOMES,
  ANSWER_STATES,
  TRAFFIC_LIGHTS,
  WORKFLOW_OUTREACH_OUTCOMES,
  type NodeOutcome,
} from '../events/node-outcome';
import type { CallResult } from '../events/call-result';
import type { RunErrorClass, RunErrorCode, RunOutcome } from '../events/event-fields';

/**
 * Request/reply messages answered by workflow-processor (DESIGN.md section 2: the gateway reads
 * through RPC to the owning service, with a timeout).
 */
export class RunsGetQuery {
  static readonly type = 'runs.get';
  static readonly schemaVersion = 1;

  @IsString()
  @MinLength(1)
  runId!: string;
}

export const RUN_STATUSES = ['RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const RUN_STATUS_FILTERS = RUN_STATUSES;

export class RunsListQuery {
  static readonly type = 'runs.list';
  static readonly schemaVersion = 1;

  @IsOptional()
  @IsString()
  workflowId?: string;

  @IsOptional()
  @IsIn(RUN_STATUS_FILTERS)
  status?: (typeof RUN_STATUS_FILTERS)[number];

  @IsInt()
  @Min(1)
  @Max(100)
  limit!: number;

  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

/**
 * The operations page's recent runs, across organizations (asked by the gateway for an admin
 * only), each with the graph of its version so its path can be drawn over it.
 */
export class OpsRecentRunsQuery {
  static readonly type = 'ops.runs.recent';
  static readonly schemaVersion = 1;

  @IsInt()
  @Min(1)
  @Max(100)
  limit!: number;
}

/** One run as the operations page shows it. */
export interface RecentRunView {
  runId: string;
  organizationId: string;
  workflowId: string;
  workflowVersionId: string;
  versionNumber: number;
  triggerSource: string;
  status: string;
  outcome: string | null;
  startedAt: string;
  completedAt: string | null;
  currentNodeId: string | null;
  errorCode: string | null;
  lastFailedNodeId: string | null;
  /** The nodes it went through, in order. */
  nodes: NodeOutcome[];
  /** The definition of its version (null if the processor no longer has it). */
  definition: unknown;
}

export class ConversationAnswerDto {
  @IsString()
  @MinLength(1)
  slug!: string;

  @IsOptional()
  @IsString()
  answer?: string | null;

  @IsOptional()
  @IsIn(ANSWER_STATES)
  answerState?: string | null;

  @IsOptional()
  @IsIn(TRAFFIC_LIGHTS)
  trafficLight?: string | null;

  @IsOptional()
  @IsIn(ANSWER_OUTCOMES)
  outcome?: string | null;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  score?: number | null;

  @IsOptional()
  @IsString()
  documentS3Key?: string | null;

  @IsOptional()
  @IsString()
  documentTwilioMediaSid?: string | null;

  @IsOptional()
  @IsString()
  classifiedDocumentType?: string | null;
}

/** The messaging service's outcome for a conversation; resumes the run waiting on it. */
export class ConversationsOutcomeRequest {
  static readonly type = 'conversations.outcome';
  static readonly schemaVersion = 1;

  @IsString()
  @MinLength(1)
  conversationId!: string;

  @IsIn(WORKFLOW_OUTREACH_OUTCOMES)
  status!: (typeof WORKFLOW_OUTREACH_OUTCOMES)[number];

  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => ConversationAnswerDto)
  answers!: ConversationAnswerDto[];

  @IsISO8601()
  completedAt!: string;
}

export type ConversationsOutcomeResult = 'resumed' | 'already-applied' | 'unknown-conversation';

/** The run context of the callable-workflows seed: inputs, then what each traversed node produced. */
export interface RunContext {
  initialize: { inputs: Record<string, unknown> };
  traverse: {
    order: string[];
    steps: Record<string, unknown>;
    stepsInfo: Record<string, { name: string; type: string; createdAt: string }>;
  };
}

/** A run as the API shows it (GET /v1/workflow-runs/:runId): the processor's answer to RunsGetQuery. */
export interface RunView {
  /** The run's id, named like every other resource's; `runId` carries the same value. */
  id: string;
  runId: string;
  organizationId: string;
  workflowId: string;
  workflowVersionId: string;
  versionNumber: number;
  workflowExternalId: string | null;
  candidateProfileId: string | null;
  candidateProfileExternalId: string | null;
  triggerSource: string;
  status: RunStatus;
  outcome: RunOutcome | null;
  currentNodeId: string | null;
  waitingOn: { nodeId: string; conversationId: string; timesOutAt: string | null } | null;
  startedAt: string;
  completedAt: string | null;
  errorCode: RunErrorCode | null;
  errorClass: RunErrorClass | null;
  lastFailedNodeId: string | null;
  failedStatusCode: number | null;
  cancellationReason: string | null;
  /** The failed run this one retries, and the run that retries this one. */
  retryOfRunId: string | null;
  retriedByRunId: string | null;
  outputReached: boolean;
  output: unknown;
  /** For a called workflow that has ended: its end state as the call API reports it. */
  callResult: CallResult | null;
  nodes: NodeOutcome[];
  context: RunContext;
}

/** The processor's answer to RunsListQuery. */
export interface RunPage {
  data: RunView[];
  nextCursor: string | null;
}
