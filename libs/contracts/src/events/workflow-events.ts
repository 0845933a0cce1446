import { defineEvent } from '../message';
import {
  CONTACT_FAILURE_REASONS,
  contactFields,
  contactRequired,
  dateTime,
  enumOf,
  EXISTING_RUN_STATUSES,
  nodeOutcomeProperties,
  nodeOutcomeRequired,
  nullableString,
  object,
  rejectedIdentifiers,
  RUN_ERROR_CLASSES,
  RUN_ERROR_CODES,
  runCorrelation,
  runCorrelationRequired,
  runTerminal,
  runTerminalRequired,
  string,
  type ContactFields,
  type ContactRejectedIdentifier,
  type RecordFields,
  type RunCorrelationFields,
  type RunErrorClass,
  type RunErrorCode,
  type RunTerminalFields,
} from './event-fields';
import type { NodeOutcome } from './node-outcome';

// Every public workflow event (../shared/seeds/workflow-events.txt), each defined once: its routing
// key, schema version, payload type and JSON Schema side by side. Field presence follows the
// catalogue's omission rules: a field that is "absent on" an event is not declared on its type and
// not allowed by its schema. Events are versioned together; a breaking payload change bumps this.
const SCHEMA_VERSION = 1;

// ── WORKFLOW_RUN_STARTED

export type RunStartedData = RunCorrelationFields;

export const RunStartedEvent = defineEvent<RunStartedData>()({
  type: 'WORKFLOW_RUN_STARTED',
  schemaVersion: SCHEMA_VERSION,
  description: 'A workflow run has begun executing',
  recordId: 'Workflow run ID',
  schema: object(runCorrelation, runCorrelationRequired),
});

// ── WORKFLOW_RUN_COMPLETED

export interface RunCompletedData extends RunCorrelationFields, RunTerminalFields {
  outcome: 'completed' | 'opted_out' | 'delivery_failed';
}

export const RunCompletedEvent = defineEvent<RunCompletedData>()({
  type: 'WORKFLOW_RUN_COMPLETED',
  schemaVersion: SCHEMA_VERSION,
  description: 'A workflow run reached the end of its graph successfully',
  recordId: 'Workflow run ID',
  schema: object(
    { ...runCorrelation, ...runTerminal, outcome: enumOf(['completed', 'opted_out', 'delivery_failed']) },
    [...runCorrelationRequired, ...runTerminalRequired],
  ),
});

// ── WORKFLOW_RUN_FAILED

export interface RunFailedData extends RunCorrelationFields, RunTerminalFields {
  outcome: 'failed';
  errorCode: RunErrorCode;
  errorClass?: RunErrorClass;
  lastFailedNodeId?: string;
}

export const RunFailedEvent = defineEvent<RunFailedData>()({
  type: 'WORKFLOW_RUN_FAILED',
  schemaVersion: SCHEMA_VERSION,
  description: 'A workflow run failed and could not continue',
  recordId: 'Workflow run ID',
  schema: object(
    {
      ...runCorrelation,
      ...runTerminal,
      outcome: { const: 'failed' },
      errorCode: enumOf(RUN_ERROR_CODES),
      errorClass: enumOf(RUN_ERROR_CLASSES),
      lastFailedNodeId: string,
    },
    [...runCorrelationRequired, ...runTerminalRequired, 'errorCode'],
  ),
});

// ── WORKFLOW_RUN_CANCELLED

export interface RunCancelledData extends RunCorrelationFields, RunTerminalFields {
  outcome: 'cancelled';
  cancellationReason?: string;
}

export const RunCancelledEvent = defineEvent<RunCancelledData>()({
  type: 'WORKFLOW_RUN_CANCELLED',
  schemaVersion: SCHEMA_VERSION,
  description: 'A workflow run was cancelled (via API or by archiving the workflow)',
  recordId: 'Workflow run ID',
  schema: object({ ...runCorrelation, ...runTerminal, outcome: { const: 'cancelled' }, cancellationReason: string }, [
    ...runCorrelationRequired,
    ...runTerminalRequired,
  ]),
});

// ── WORKFLOW_NODE_COMPLETED

export type NodeCompletedData = RunCorrelationFields & NodeOutcome;

export const NodeCompletedEvent = defineEvent<NodeCompletedData>()({
  type: 'WORKFLOW_NODE_COMPLETED',
  schemaVersion: SCHEMA_VERSION,
  description: 'A node in a run completed and produced an outcome',
  recordId: 'Workflow run ID',
  schema: object({ ...runCorrelation, ...nodeOutcomeProperties }, [...runCorrelationRequired, ...nodeOutcomeRequired]),
});

// ── WORKFLOW_CONTACT_RESOLVED

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

export const ContactResolvedEvent = defineEvent<ContactResolvedData>()({
  type: 'WORKFLOW_CONTACT_RESOLVED',
  schemaVersion: SCHEMA_VERSION,
  description: 'An inline contact was resolved to or created as a candidate profile',
  recordId: 'Workflow run ID',
  schema: object(
    {
      recordId: string,
      organizationId: string,
      workflowId: nullableString,
      workflowExternalId: nullableString,
      workflowVersionId: nullableString,
      versionNumber: { type: 'integer', minimum: 1 },
      candidateProfileId: nullableString,
      isNewProfile: { type: 'boolean' },
      ...contactFields,
      rejectedIdentifiers,
    },
    [
      'recordId',
      'organizationId',
      'workflowId',
      'workflowExternalId',
      'workflowVersionId',
      'versionNumber',
      'candidateProfileId',
      'isNewProfile',
      ...contactRequired,
    ],
  ),
});

// ── WORKFLOW_CONTACT_RESOLUTION_FAILED

export interface ContactResolutionFailedData extends RecordFields, ContactFields {
  workflowId: string | null;
  workflowExternalId: string | null;
  /** A code, never raw error text (the catalogue keeps those out of events). */
  reason: (typeof CONTACT_FAILURE_REASONS)[number];
  rejectedIdentifiers: ContactRejectedIdentifier[];
}

export const ContactResolutionFailedEvent = defineEvent<ContactResolutionFailedData>()({
  type: 'WORKFLOW_CONTACT_RESOLUTION_FAILED',
  schemaVersion: SCHEMA_VERSION,
  description: 'An inline contact could not be resolved into a candidate profile',
  recordId: 'A stable contact dedup key',
  schema: object(
    {
      recordId: string,
      organizationId: string,
      workflowId: nullableString,
      workflowExternalId: nullableString,
      ...contactFields,
      reason: enumOf(CONTACT_FAILURE_REASONS),
      rejectedIdentifiers,
    },
    ['recordId', 'organizationId', 'workflowId', 'workflowExternalId', ...contactRequired],
  ),
});

// ── WORKFLOW_CONTACT_RESOLUTION_SKIPPED

export interface ContactResolutionSkippedData extends RecordFields, ContactFields {
  workflowId: string | null;
  workflowExternalId: string | null;
  candidateProfileId: string | null;
  existingRunStatus: (typeof EXISTING_RUN_STATUSES)[number];
  rejectedIdentifiers: ContactRejectedIdentifier[];
}

export const ContactResolutionSkippedEvent = defineEvent<ContactResolutionSkippedData>()({
  type: 'WORKFLOW_CONTACT_RESOLUTION_SKIPPED',
  schemaVersion: SCHEMA_VERSION,
  description: 'An inline contact was skipped because they already had an active run',
  recordId: 'The existing workflow run ID',
  schema: object(
    {
      recordId: string,
      organizationId: string,
      workflowId: nullableString,
      workflowExternalId: nullableString,
      candidateProfileId: nullableString,
      existingRunStatus: enumOf(EXISTING_RUN_STATUSES),
      ...contactFields,
      rejectedIdentifiers,
    },
    [
      'recordId',
      'organizationId',
      'workflowId',
      'workflowExternalId',
      'candidateProfileId',
      'existingRunStatus',
      ...contactRequired,
    ],
  ),
});

// ── WORKFLOW_PUBLISHED

export interface PublishedData extends RecordFields {
  workflowExternalId: string | null;
  workflowVersionId: string | null;
  versionNumber: number;
  publishedByUserId: string;
  publishedAt: string;
}

export const PublishedEvent = defineEvent<PublishedData>()({
  type: 'WORKFLOW_PUBLISHED',
  schemaVersion: SCHEMA_VERSION,
  description: 'A workflow was successfully published',
  recordId: 'Workflow ID',
  schema: object(
    {
      recordId: string,
      organizationId: string,
      workflowExternalId: nullableString,
      workflowVersionId: nullableString,
      versionNumber: { type: 'integer', minimum: 1 },
      publishedByUserId: string,
      publishedAt: dateTime,
    },
    [
      'recordId',
      'organizationId',
      'workflowExternalId',
      'workflowVersionId',
      'versionNumber',
      'publishedByUserId',
      'publishedAt',
    ],
  ),
});

/** Every public workflow event, in the catalogue's order. */
export const WORKFLOW_EVENTS = [
  RunStartedEvent,
  RunCompletedEvent,
  RunFailedEvent,
  RunCancelledEvent,
  NodeCompletedEvent,
  ContactResolvedEvent,
  ContactResolutionFailedEvent,
  ContactResolutionSkippedEvent,
  PublishedEvent,
] as const;

export type WorkflowEventDefinition = (typeof WORKFLOW_EVENTS)[number];
