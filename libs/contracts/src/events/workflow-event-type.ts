/** Every public workflow event (../shared/seeds/workflow-events.txt). The name is the routing key. */
export const WorkflowEventType = {
  RunStarted: 'WORKFLOW_RUN_STARTED',
  RunCompleted: 'WORKFLOW_RUN_COMPLETED',
  RunFailed: 'WORKFLOW_RUN_FAILED',
  RunCancelled: 'WORKFLOW_RUN_CANCELLED',
  NodeCompleted: 'WORKFLOW_NODE_COMPLETED',
  ContactResolved: 'WORKFLOW_CONTACT_RESOLVED',
  ContactResolutionFailed: 'WORKFLOW_CONTACT_RESOLUTION_FAILED',
  ContactResolutionSkipped: 'WORKFLOW_CONTACT_RESOLUTION_SKIPPED',
  Published: 'WORKFLOW_PUBLISHED',
} as const;

export type WorkflowEventType = (typeof WorkflowEventType)[keyof typeof WorkflowEventType];

export const ALL_WORKFLOW_EVENT_TYPES: readonly WorkflowEventType[] = Object.values(WorkflowEventType);

/** Run-terminal events: the resolver binds these to release contact claims. */
export const RUN_TERMINAL_EVENT_TYPES: readonly WorkflowEventType[] = [
  WorkflowEventType.RunCompleted,
  WorkflowEventType.RunFailed,
  WorkflowEventType.RunCancelled,
];

/** Events are versioned together; a breaking payload change bumps this. */
export const WORKFLOW_EVENT_SCHEMA_VERSION = 1;

export function workflowEvent(type: WorkflowEventType) {
  return { type, schemaVersion: WORKFLOW_EVENT_SCHEMA_VERSION } as const;
}
