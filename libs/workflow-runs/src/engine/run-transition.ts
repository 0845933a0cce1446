import {
  createEnvelope,
  RunsResumeCommand,
  workflowEvent,
  WorkflowEventType,
  type EnvelopeOrigin,
  type MessageEnvelope,
  type NodeCompletedData,
  type NodeOutcome,
  type PublishTarget,
  type RunCancelledData,
  type RunCompletedData,
  type RunErrorClass,
  type RunErrorCode,
  type RunFailedData,
} from '@wfp/contracts';
import { toEventNodeType, type WorkflowNode } from '@wfp/workflow-graph';
import { callResultEvents, endOf } from '../call-results';
import { runCorrelation, runTerminalFields } from '../run-events';
import type { Run } from '../run.schema';
import type { NodeResult } from './node-result';
import { nextStep } from './routing';

/** A message a run transition causes, and where it is published. */
export interface RunMessage {
  kind: PublishTarget;
  envelope: MessageEnvelope;
}

/** What the transitions read besides the run: limits and the message that caused the change. */
export interface TransitionContext {
  origin: EnvelopeOrigin;
  maxNodesBytes: number;
  now: Date;
}

/** The run's mutable state: what a transition changes and a write stores. */
export type RunState = Pick<
  Run,
  | 'status'
  | 'outcome'
  | 'completedAt'
  | 'currentNodeId'
  | 'waiting'
  | 'nodeAttempts'
  | 'wakeAt'
  | 'conversationIds'
  | 'nodes'
  | 'context'
  | 'vars'
  | 'output'
  | 'outputReached'
  | 'errorCode'
  | 'errorClass'
  | 'lastFailedNodeId'
  | 'failedStatusCode'
  | 'cancellationReason'
>;

/** The fields of RunState, which a write sets as a whole. */
export const RUN_STATE_FIELDS = [
  'status',
  'outcome',
  'completedAt',
  'currentNodeId',
  'waiting',
  'nodeAttempts',
  'wakeAt',
  'conversationIds',
  'nodes',
  'context',
  'vars',
  'output',
  'outputReached',
  'errorCode',
  'errorClass',
  'lastFailedNodeId',
  'failedStatusCode',
  'cancellationReason',
] as const satisfies readonly (keyof RunState)[];

const event = (envelope: MessageEnvelope): RunMessage => ({ kind: 'events', envelope });

/**
 * Applies one node's result to the run in memory (pure): records the node outcome and context
 * entry, moves to the next node, waits, or ends the run, and returns the messages the change
 * causes. The engine stores several such transitions in one write.
 */
export function applyNodeResult(
  run: Run,
  node: WorkflowNode,
  enteredAt: Date,
  result: NodeResult,
  context: TransitionContext,
  options: { continueByCommand?: boolean } = {},
): RunMessage[] {
  const { origin, now } = context;
  // Whatever the node did, it is no longer part-way through its attempts.
  run.nodeAttempts = null;
  if (result.type === 'waiting') {
    run.waiting = { nodeId: node.id, conversationId: result.conversationId, enteredAt };
    run.wakeAt = result.wakeAt;
    run.conversationIds = [...run.conversationIds, result.conversationId];
    return [];
  }
  const messages: RunMessage[] = [];
  const routed = result.type === 'routed';
  const nodeOutcome: NodeOutcome = {
    nodeId: node.id,
    nodeType: toEventNodeType(node.type),
    enteredAt: enteredAt.toISOString(),
    completedAt: now.toISOString(),
    routingEvent: routed ? result.routingEvent : result.errorCode === 'EXECUTOR_TIMEOUT' ? 'onTimeout' : 'onError',
    outcome: routed ? result.outcome : { kind: 'empty' },
  };
  run.nodes = [...run.nodes, nodeOutcome];
  run.context = {
    ...run.context,
    traverse: {
      order: [...run.context.traverse.order, node.id],
      steps: { ...run.context.traverse.steps, [node.id]: result.step ?? null },
      stepsInfo: {
        ...run.context.traverse.stepsInfo,
        [node.id]: { name: node.label ?? node.id, type: node.type, createdAt: enteredAt.toISOString() },
      },
    },
  };
  run.waiting = null;
  run.wakeAt = null;
  if (routed) {
    const data: NodeCompletedData = { ...runCorrelation(run, now), ...nodeOutcome };
    messages.push(event(createEnvelope(workflowEvent(WorkflowEventType.NodeCompleted), data, origin)));
    if (result.vars && Object.keys(result.vars).length > 0) run.vars = { ...run.vars, ...result.vars };
    if (result.output !== undefined) {
      run.output = result.output;
      run.outputReached = true;
    }
  }
  const next = routed ? nextStep(node, result) : ({ kind: 'fail', errorCode: result.errorCode } as const);
  if (next.kind === 'node') {
    run.currentNodeId = next.nodeId;
    if (options.continueByCommand) {
      // The outcome arrived by request/reply: the rest of the run continues from the queue, so a
      // crash right after this write cannot strand it.
      messages.push(continuation(run, context));
    }
  } else if (next.kind === 'end') {
    messages.push(...completeRun(run, next.outcome, context));
  } else {
    const failedStatusCode = routed ? (result.failedStatusCode ?? null) : null;
    messages.push(...failRun(run, next.errorCode, undefined, context, { lastFailedNodeId: node.id, failedStatusCode }));
  }
  return messages;
}

/** The command that continues the run from where it stands, from the queue (a later message). */
export function continuation(run: Run, context: TransitionContext): RunMessage {
  return { kind: 'commands', envelope: createEnvelope(RunsResumeCommand, { runId: run._id }, context.origin) };
}

/** Ends the run normally: WORKFLOW_RUN_COMPLETED and, for a called run, its result. */
export function completeRun(
  run: Run,
  outcome: 'completed' | 'opted_out' | 'delivery_failed',
  context: TransitionContext,
) {
  const { now, origin } = context;
  Object.assign(run, {
    status: 'COMPLETED',
    outcome,
    completedAt: now,
    currentNodeId: null,
    waiting: null,
    wakeAt: null,
  });
  const data: RunCompletedData = {
    ...runCorrelation(run, now),
    ...runTerminalFields(run, outcome, now, context.maxNodesBytes),
    outcome,
  };
  return [
    event(createEnvelope(workflowEvent(WorkflowEventType.RunCompleted), data, origin)),
    ...callResultEvents(run, endOf(run), origin).map(event),
  ];
}

/**
 * Fails the run: at a node (its outcome is already in `nodes[]`), or from outside the node flow
 * (SYSTEM_FAILURE once the queue's retries are spent, INVALID_NODE_CONFIG for a runaway graph), in
 * which case the node it stood on is the failed one.
 */
export function failRun(
  run: Run,
  errorCode: RunErrorCode,
  errorClass: RunErrorClass | undefined,
  context: TransitionContext,
  at: { lastFailedNodeId?: string | null; failedStatusCode?: number | null } = {},
): RunMessage[] {
  const { now, origin } = context;
  const lastFailedNodeId = at.lastFailedNodeId !== undefined ? at.lastFailedNodeId : run.currentNodeId;
  Object.assign(run, {
    status: 'FAILED',
    outcome: 'failed',
    errorCode,
    errorClass: errorClass ?? null,
    lastFailedNodeId,
    failedStatusCode: at.failedStatusCode ?? null,
    completedAt: now,
    waiting: null,
    wakeAt: null,
  });
  const data: RunFailedData = {
    ...runCorrelation(run, now),
    ...runTerminalFields(run, 'failed', now, context.maxNodesBytes),
    outcome: 'failed',
    errorCode,
    ...(errorClass ? { errorClass } : {}),
    ...(lastFailedNodeId ? { lastFailedNodeId } : {}),
  };
  return [
    event(createEnvelope(workflowEvent(WorkflowEventType.RunFailed), data, origin)),
    ...callResultEvents(run, endOf(run), origin).map(event),
  ];
}

/** Cancels the run (by request, or because its workflow was archived). */
export function cancelRun(run: Run, reason: string | null, context: TransitionContext): RunMessage[] {
  const { now, origin } = context;
  Object.assign(run, {
    status: 'CANCELLED',
    outcome: 'cancelled',
    completedAt: now,
    cancellationReason: reason,
    waiting: null,
    wakeAt: null,
  });
  const data: RunCancelledData = {
    ...runCorrelation(run, now),
    ...runTerminalFields(run, 'cancelled', now, context.maxNodesBytes),
    outcome: 'cancelled',
    ...(reason ? { cancellationReason: reason } : {}),
  };
  return [
    event(createEnvelope(workflowEvent(WorkflowEventType.RunCancelled), data, origin)),
    ...callResultEvents(run, endOf(run), origin).map(event),
  ];
}
