import {
  ANSWER_OUTCOMES,
  ANSWER_STATES,
  EVENT_NODE_TYPES,
  TRAFFIC_LIGHTS,
  WORKFLOW_OUTREACH_OUTCOMES,
} from './node-outcome';
import { CONTACT_FAILURE_REASONS, EXISTING_RUN_STATUSES, RUN_ERROR_CLASSES, RUN_ERROR_CODES } from './event-payloads';
import { WorkflowEventType } from './workflow-event-type';

/**
 * JSON Schemas (draft 2020-12) of each event's `data`, served by `GET /v1/event-types` and used by
 * the tests to check what the services emit. `additionalProperties: false` encodes the catalogue's
 * omission rules: a field that is "absent on" an event is not allowed on it.
 */
export type JsonSchema = Record<string, unknown>;

const string = { type: 'string' } as const;
const nullableString = { type: ['string', 'null'] } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;
const enumOf = (values: readonly string[], nullable = false) =>
  nullable ? { type: ['string', 'null'], enum: [...values, null] } : { type: 'string', enum: [...values] };

function object(properties: Record<string, JsonSchema>, required: string[]): JsonSchema {
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

const nodeOutcomeProperties = {
  nodeId: string,
  nodeType: enumOf(EVENT_NODE_TYPES),
  enteredAt: dateTime,
  completedAt: dateTime,
  routingEvent: string,
  outcome: outcomeSchema,
};
const nodeOutcomeRequired = Object.keys(nodeOutcomeProperties);

export const NODE_OUTCOME_SCHEMA = object(nodeOutcomeProperties, nodeOutcomeRequired);

const runCorrelation = {
  recordId: string,
  organizationId: string,
  workflowId: nullableString,
  workflowVersionId: nullableString,
  workflowExternalId: nullableString,
  candidateProfileId: nullableString,
  candidateProfileExternalId: nullableString,
  timestamp: nullableDateTime,
};
const runCorrelationRequired = Object.keys(runCorrelation);

const runTerminal = {
  startedAt: dateTime,
  completedAt: dateTime,
  finalNodeId: string,
  truncated: { type: 'boolean' },
  nodes: { type: 'array', items: NODE_OUTCOME_SCHEMA },
};
const runTerminalRequired = ['startedAt', 'completedAt', 'outcome', 'truncated', 'nodes'];

const contactFields = {
  externalId: nullableString,
  email: nullableString,
  phoneNumber: nullableString,
  contactIndex: { type: 'integer', minimum: 0 },
};
const contactRequired = Object.keys(contactFields);
// Added to the catalogue's contact events (the services always send them; optional here, so the
// catalogue's own examples stay valid): identifiers sent that cannot be one, with their values.
const rejectedIdentifiers = {
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

export interface EventTypeDescription {
  event: WorkflowEventType;
  description: string;
  recordId: string;
  schema: JsonSchema;
}

export const WORKFLOW_EVENT_TYPES_CATALOGUE: readonly EventTypeDescription[] = [
  {
    event: WorkflowEventType.RunStarted,
    description: 'A workflow run has begun executing',
    recordId: 'Workflow run ID',
    schema: object(runCorrelation, runCorrelationRequired),
  },
  {
    event: WorkflowEventType.RunCompleted,
    description: 'A workflow run reached the end of its graph successfully',
    recordId: 'Workflow run ID',
    schema: object(
      { ...runCorrelation, ...runTerminal, outcome: enumOf(['completed', 'opted_out', 'delivery_failed']) },
      [...runCorrelationRequired, ...runTerminalRequired],
    ),
  },
  {
    event: WorkflowEventType.RunFailed,
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
  },
  {
    event: WorkflowEventType.RunCancelled,
    description: 'A workflow run was cancelled (via API or by archiving the workflow)',
    recordId: 'Workflow run ID',
    schema: object({ ...runCorrelation, ...runTerminal, outcome: { const: 'cancelled' }, cancellationReason: string }, [
      ...runCorrelationRequired,
      ...runTerminalRequired,
    ]),
  },
  {
    event: WorkflowEventType.NodeCompleted,
    description: 'A node in a run completed and produced an outcome',
    recordId: 'Workflow run ID',
    schema: object({ ...runCorrelation, ...nodeOutcomeProperties }, [
      ...runCorrelationRequired,
      ...nodeOutcomeRequired,
    ]),
  },
  {
    event: WorkflowEventType.ContactResolved,
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
  },
  {
    event: WorkflowEventType.ContactResolutionFailed,
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
  },
  {
    event: WorkflowEventType.ContactResolutionSkipped,
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
  },
  {
    event: WorkflowEventType.Published,
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
  },
];

/** The delivery envelope every webhook body has (Standard Webhooks payload). */
export const WEBHOOK_ENVELOPE_SCHEMA = object(
  { event: string, eventId: string, eventTimestamp: dateTime, data: { type: 'object' } },
  ['event', 'eventId', 'eventTimestamp', 'data'],
);

export function eventSchema(event: WorkflowEventType): JsonSchema {
  const entry = WORKFLOW_EVENT_TYPES_CATALOGUE.find((item) => item.event === event);
  if (!entry) throw new Error(`no schema for ${event}`);
  return entry.schema;
}
