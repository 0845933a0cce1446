import type { JsonSchema } from '../message';
import { dateTime, object, string } from './event-fields';
import { WORKFLOW_EVENTS } from './workflow-events';
import type { WorkflowEventType } from './workflow-event-type';

/** One entry of `GET /v1/event-types`: an event's name, meaning and the JSON Schema of its `data`. */
export interface EventTypeDescription {
  event: WorkflowEventType;
  description: string;
  recordId: string;
  schema: JsonSchema;
}

/** The catalogue served by `GET /v1/event-types`, read from the events' definitions. */
export const WORKFLOW_EVENT_TYPES_CATALOGUE: readonly EventTypeDescription[] = WORKFLOW_EVENTS.map((event) => ({
  event: event.type,
  description: event.description,
  recordId: event.recordId,
  schema: event.schema,
}));

/** The delivery envelope every webhook body has (Standard Webhooks payload). */
export const WEBHOOK_ENVELOPE_SCHEMA = object(
  { event: string, eventId: string, eventTimestamp: dateTime, data: { type: 'object' } },
  ['event', 'eventId', 'eventTimestamp', 'data'],
);

export function eventSchema(event: WorkflowEventType): JsonSchema {
  const definition = WORKFLOW_EVENTS.find((item) => item.type === event);
  if (!definition) throw new Error(`no schema for ${event}`);
  return definition.schema;
}
