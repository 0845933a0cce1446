import type { NodeOutcome } from './node-outcome';
import { WorkflowEventType } from './workflow-event-type';

/**
 * `data` of each public event. Field presence follows the catalogue's omission rules:
 * a field that is "absent on" an event is not declared on that event's type at all.
 */
interface RecordFields {
  recordId: string;
  organizationId: string;
}

/** Correlation fields of the run-lifecycle events (WORKFLOW_RUN_* and WORKFLOW_NODE_COMPLETED). */
export interface RunCorrelationFields extends RecordFields {
  workflowId: string | null;
  workflowVersionId: string | null;
  workflowExternalId: string | null;
  candidateProfileId: string | null;
  candidateProfileExternalId: string | null;
  timestamp: string | null;
}

export const RUN_OUTCOMES = ['completed', 'opted_out', 'delivery_failed', 'cancelled', 'failed'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

export const RUN_ERROR_CODES = [
  'EXECUTOR_TIMEOUT',
  'INVALID_NODE_CONFIG',
  'DOWNSTREAM_SERVICE_ERROR',
  'EXECUTOR_FAILED',
  'SYSTEM_FAILURE',
] as const;
export type RunErrorCode = (typeof RUN_ERROR_CODES)[number];

export const RUN_ERROR_CLASSES = ['DATA', 'SYSTEM'] as const;
export type RunErrorClass = (typeof RUN_ERROR_CLASSES)[number];

export interface RunTerminalFields {
  startedAt: string;
  completedAt: string;
  finalNodeId?: string;
  outcome: RunOutcome;
  truncated: boolean;
  nodes: NodeOutcome[];
}

export type RunStartedData = RunCorrelationFields;

export interface RunCompletedData extends RunCorrelationFields, RunTerminalFields {
  outcome: 'completed' | 'opted_out' | 'delivery_failed';
}

export interface RunFailedData extends RunCorrelationFields, RunTerminalFields {
  outcome: 'failed';
  errorCode: RunErrorCode;
  errorClass?: RunErrorClass;
  lastFailedNodeId?: string;
}

export interface RunCancelledData extends RunCorrelationFields, RunTerminalFields {
  outcome: 'cancelled';
  cancellationReason?: string;
}

export type NodeCompletedData = RunCorrelationFields & NodeOutcome;

interface ContactFields {
  externalId: string | null;
  email: string | null;
  phoneNumber: string | null;
  contactIndex: number;
}

/** An email or phone number sent with a contact that cannot be one: reported with its value. */
export interface ContactRejectedIdentifier {
  field: 'email' | 'phoneNumber';
  value: string;
  reason: 'NOT_AN_EMAIL_ADDRESS' | 'NOT_A_PHONE_NUMBER';
}

/** Why a contact could not be resolved. */
export const CONTACT_FAILURE_REASONS = ['NO_USABLE_IDENTIFIER', 'RETRIES_EXHAUSTED'] as const;

export interface ContactResolvedData extends RecordFields, ContactFields {
  workflowId: string | null;
  workflowExternalId: string | null;
  workflowVersionId: string | null;
  versionNumber: number;
  candidateProfileId: string | null;
  isNewProfile: boolean;
  /** Identifiers sent with the contact that were not used because they cannot be one. */
  rejectedIdentifiers: ContactRejectedIdentifier[];
}

export const EXISTING_RUN_STATUSES = ['RUNNING', 'COMPLETED'] as const;

export interface ContactResolutionSkippedData extends RecordFields, ContactFields {
  workflowId: string | null;
  workflowExternalId: string | null;
  candidateProfileId: string | null;
  existingRunStatus: (typeof EXISTING_RUN_STATUSES)[number];
  rejectedIdentifiers: ContactRejectedIdentifier[];
}

export interface ContactResolutionFailedData extends RecordFields, ContactFields {
  workflowId: string | null;
  workflowExternalId: string | null;
  /** A code, never raw error text (the catalogue keeps those out of events). */
  reason: (typeof CONTACT_FAILURE_REASONS)[number];
  rejectedIdentifiers: ContactRejectedIdentifier[];
}

export interface PublishedData extends RecordFields {
  workflowExternalId: string | null;
  workflowVersionId: string | null;
  versionNumber: number;
  publishedByUserId: string;
  publishedAt: string;
}

export interface WorkflowEventDataMap {
  [WorkflowEventType.RunStarted]: RunStartedData;
  [WorkflowEventType.RunCompleted]: RunCompletedData;
  [WorkflowEventType.RunFailed]: RunFailedData;
  [WorkflowEventType.RunCancelled]: RunCancelledData;
  [WorkflowEventType.NodeCompleted]: NodeCompletedData;
  [WorkflowEventType.ContactResolved]: ContactResolvedData;
  [WorkflowEventType.ContactResolutionFailed]: ContactResolutionFailedData;
  [WorkflowEventType.ContactResolutionSkipped]: ContactResolutionSkippedData;
  [WorkflowEventType.Published]: PublishedData;
}

export type WorkflowEventData<T extends WorkflowEventType = WorkflowEventType> = WorkflowEventDataMap[T];
