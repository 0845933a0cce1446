import { IsObject, IsOptional, IsString, MinLength } from 'class-validator';
import { IsNullable } from '../message-schema';
import type { RunErrorCode } from './event-fields';

/**
 * Callable workflows (seeds/callable-workflows-demo.txt): how a called run ended, as the caller
 * sees it. Internal to the platform except through the call API and the WORKFLOW_CALL_RESULT
 * delivery; the public run events are unchanged.
 */
export const CALL_STATUSES = ['output_reached', 'output_not_reached', 'user_error', 'system_error'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

export interface CallError {
  /** The run's errorCode, or CANCELLED when the run was cancelled. */
  code: RunErrorCode | 'CANCELLED';
  /** The node where the run failed, if it failed in one. */
  nodeId: string | null;
  /** The HTTP status a webhook node got, when that is what failed. */
  statusCode: number | null;
}

export interface CallResult {
  status: CallStatus;
  output?: unknown;
  error?: CallError;
}

/** The event name a call's result is delivered under to `inputs.webhookUrl` (not a workflow event). */
export const WORKFLOW_CALL_RESULT_EVENT = 'WORKFLOW_CALL_RESULT';

/**
 * Emitted by the processor in the same write that ends a called run. The gateway's waiting
 * callers and the dispatcher (for `inputs.webhookUrl`) consume it.
 */
export class WorkflowCallResult {
  static readonly type = 'workflow.call.result';
  static readonly schemaVersion = 1;

  @IsString()
  @MinLength(1)
  runId!: string;

  @IsString()
  workflowId!: string;

  @IsString()
  workflowVersionId!: string;

  @IsObject()
  result!: CallResult;

  /** The endpoint registered for `inputs.webhookUrl`, when the caller gave one. */
  @IsNullable()
  @IsString()
  webhookEndpointId!: string | null;

  /** The URL to send the result to when it is not that endpoint's own (RunCallDto.webhookUrl). */
  @IsOptional()
  @IsString()
  webhookUrl?: string | null;

  /** Echoed unchanged to the webhook. */
  @IsNullable()
  @IsObject()
  responseMeta!: Record<string, unknown> | null;
}

/** What a called run's end is judged from. */
export interface CalledRunEnd {
  status: 'COMPLETED' | 'FAILED' | 'CANCELLED';
  outputReached: boolean;
  output: unknown;
  errorCode: RunErrorCode | null;
  lastFailedNodeId: string | null;
  failedStatusCode: number | null;
}

/**
 * Failures the caller can fix: a 4xx from a webhook node (EXECUTOR_FAILED), or a node that cannot
 * run with the inputs and configuration it was given (INVALID_NODE_CONFIG). Everything else (5xx,
 * timeouts, connection errors, infrastructure) is the system's.
 */
const USER_ERROR_CODES: ReadonlySet<RunErrorCode> = new Set<RunErrorCode>(['EXECUTOR_FAILED', 'INVALID_NODE_CONFIG']);

/** The four end states of a called run (pure). A cancelled run is a user_error (someone cancelled it). */
export function callResultOf(end: CalledRunEnd): CallResult {
  if (end.status === 'COMPLETED')
    return end.outputReached ? { status: 'output_reached', output: end.output } : { status: 'output_not_reached' };
  if (end.status === 'CANCELLED')
    return { status: 'user_error', error: { code: 'CANCELLED', nodeId: end.lastFailedNodeId, statusCode: null } };
  const code = end.errorCode ?? 'SYSTEM_FAILURE';
  return {
    status: USER_ERROR_CODES.has(code) ? 'user_error' : 'system_error',
    error: { code, nodeId: end.lastFailedNodeId, statusCode: end.failedStatusCode },
  };
}
