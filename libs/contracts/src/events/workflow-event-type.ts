import type { PayloadOf } from '../message';
import {
  ContactResolutionFailedEvent,
  ContactResolutionSkippedEvent,
  ContactResolvedEvent,
  NodeCompletedEvent,
  PublishedEvent,
  RunCancelledEvent,
  RunCompletedEvent,
  RunFailedEvent,
  RunStartedEvent,
  WORKFLOW_EVENTS,
  type WorkflowEventDefinition,
} from './workflow-events';

/** The public event names (routing keys), taken from their definitions (workflow-events.ts). */
export const WorkflowEventType = {
  RunStarted: RunStartedEvent.type,
  RunCompleted: RunCompletedEvent.type,
  RunFailed: RunFailedEvent.type,
  RunCancelled: RunCancelledEvent.type,
  NodeCompleted: NodeCompletedEvent.type,
  ContactResolved: ContactResolvedEvent.type,
  ContactResolutionFailed: ContactResolutionFailedEvent.type,
  ContactResolutionSkipped: ContactResolutionSkippedEvent.type,
  Published: PublishedEvent.type,
} as const;

export type WorkflowEventType = WorkflowEventDefinition['type'];

export const ALL_WORKFLOW_EVENT_TYPES: readonly WorkflowEventType[] = WORKFLOW_EVENTS.map((event) => event.type);

/** Whether a message type is one of the public workflow events (not a call result or a notice). */
export function isWorkflowEventType(type: string): type is WorkflowEventType {
  return (ALL_WORKFLOW_EVENT_TYPES as readonly string[]).includes(type);
}

/** Run-terminal events: the resolver consumes these to settle contact claims. */
export const RUN_TERMINAL_EVENTS = [RunCompletedEvent, RunFailedEvent, RunCancelledEvent] as const;
export const RUN_TERMINAL_EVENT_TYPES: readonly WorkflowEventType[] = RUN_TERMINAL_EVENTS.map((event) => event.type);

/** The definition of a public event, by its name. */
export function workflowEventDefinition<T extends WorkflowEventType>(
  type: T,
): Extract<WorkflowEventDefinition, { type: T }> {
  const definition = WORKFLOW_EVENTS.find((event) => event.type === type);
  if (!definition) throw new Error(`no workflow event ${type}`);
  return definition as Extract<WorkflowEventDefinition, { type: T }>;
}

/** The payload of each public event, by name. */
export type WorkflowEventDataMap = {
  [D in WorkflowEventDefinition as D['type']]: PayloadOf<D>;
};

export type WorkflowEventData<T extends WorkflowEventType = WorkflowEventType> = WorkflowEventDataMap[T];
