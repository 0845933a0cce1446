import type { JsonSchema } from '../message';
import {
  ANSWER_OUTCOMES,
  ANSWER_STATES,
  EVENT_NODE_TYPES,
  TRAFFIC_LIGHTS,
  WORKFLOW_OUTREACH_OUTCOMES,
  type NodeOutcome,
} from './node-outcome';

// The fields several events share, as TypeScript types and as JSON Schema (draft 2020-12) pieces;
// each event puts its own together in workflow-events.ts. `additionalProperties: false` encodes the
// catalogue's omission rules: a field that is "absent on" an event is not allowed on it.

/**
 * `data` of each public event. Field presence follows the catalogue's omission rules:
 * a field that is "absent on" an event is not declared on that event's type at all.
 */
export interface RecordFields {
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

export interface ContactFields {
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

export const EXISTING_RUN_STATUSES = ['RUNNING', 'COMPLETED'] as const;

export const string = { type: 'string' } as const;
export const nullableString = { type: ['string', 'null'] } as const;
export const dateTime = { type: 'string', format: 'date-time' } as const;
export const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;
export const enumOf = (values: readonly string[], nullable = false) =>
  nullable ? { type: ['string', 'null'], enum: [...values, null] } : { type: 'string', enum: [...values] };

export function object(properties: Record<string, JsonSchema>, required: string[]): JsonSchema {
  return { type: 'object', properties, required, additionalProperties: false };
}

const answerSchema = object(
  {
    slug: string,
    answer: nullableString,
    answerState: enumOf(ANSWER_STATES, true),
    trafficLight: enumOf(TRAFFIC_LIGHTS, true),
    outcome: enumOf(ANSWER_OUTCOMES, true),
    score: { type: ['integer', 'null'], minimum: 0, maximum: 100 },
    documentS3Key: nullableString,
    documentTwilioMediaSid: nullableString,
    classifiedDocumentType: nullableString,
  },
  ['slug'],
);

const outcomeSchema: JsonSchema = {
  oneOf: [
    object(
      {
        kind: { const: 'conversation' },
        conversationId: string,
        status: enumOf(WORKFLOW_OUTREACH_OUTCOMES),
        completedAt: dateTime,
        answers: { type: 'array', items: answerSchema },
      },
      ['kind', 'conversationId', 'status', 'answers'],
    ),
    object({ kind: { const: 'condition' }, targetNodeId: nullableString, targetNodeLabel: nullableString }, [
      'kind',
      'targetNodeId',
      'targetNodeLabel',
    ]),
    object({ kind: { const: 'empty' } }, ['kind']),
  ],
};

export const nodeOutcomeProperties = {
  nodeId: string,
  nodeType: enumOf(EVENT_NODE_TYPES),
  enteredAt: dateTime,
  completedAt: dateTime,
  routingEvent: string,
  outcome: outcomeSchema,
};
export const nodeOutcomeRequired = Object.keys(nodeOutcomeProperties);

export const NODE_OUTCOME_SCHEMA = object(nodeOutcomeProperties, nodeOutcomeRequired);

export const runCorrelation = {
  recordId: string,
  organizationId: string,
  workflowId: nullableString,
  workflowVersionId: nullableString,
  workflowExternalId: nullableString,
  candidateProfileId: nullableString,
  candidateProfileExternalId: nullableString,
  timestamp: nullableDateTime,
};
export const runCorrelationRequired = Object.keys(runCorrelation);

export const runTerminal = {
  startedAt: dateTime,
  completedAt: dateTime,
  finalNodeId: string,
  truncated: { type: 'boolean' },
  nodes: { type: 'array', items: NODE_OUTCOME_SCHEMA },
};
export const runTerminalRequired = ['startedAt', 'completedAt', 'outcome', 'truncated', 'nodes'];

export const contactFields = {
  externalId: nullableString,
  email: nullableString,
  phoneNumber: nullableString,
  contactIndex: { type: 'integer', minimum: 0 },
};
export const contactRequired = Object.keys(contactFields);
// Added to the catalogue's contact events (the services always send them; optional here, so the
// catalogue's own examples stay valid): identifiers sent that cannot be one, with their values.
export const rejectedIdentifiers = {
  type: 'array',
  items: object(
    {
      field: enumOf(['email', 'phoneNumber']),
      value: string,
      reason: enumOf(['NOT_AN_EMAIL_ADDRESS', 'NOT_A_PHONE_NUMBER']),
    },
    ['field', 'value', 'reason'],
  ),
};
