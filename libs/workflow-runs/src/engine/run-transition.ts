import {
  createEnvelope,
  NodeCompletedEvent,
  RunCancelledEvent,
  RunCompletedEvent,
  RunFailedEvent,
  RunsResumeCommand,
  type EnvelopeOrigin,
  type MessageEnvelope,
  type NodeCompletedData,
  type NodeOutcome,
  type RunCancelledData,
  type RunCompletedData,
  type RunErrorClass,
  type RunErrorCode,
  type RunFailedData,
} from '@wfp/contracts';
import { toEventNodeType, type WorkflowNode } from '@wfp/workflow-graph';
import { callResultEvents, endOf } from '../call-results';
import { runCorrelation, runTerminalFields, type RunIdentity } from '../run-events';
import type { Run } from '../run.schema';
import type { NodeResult } from './node-result';
import { nextStep } from './routing';
import { type PublishTarget } from '@wfp/messaging';

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

/** What one transition does: the state fields it changes, and the messages the change causes. */
export interface RunTransition {
  update: Partial<RunState>;
  messages: RunMessage[];
}

/** How a run ends; one builder (planRunEnding) makes every ending from it. */
export type RunEnding =
  | { outcome: 'completed' | 'opted_out' | 'delivery_failed' }
  | {
      outcome: 'failed';
      errorCode: RunErrorCode;
      errorClass?: RunErrorClass;
      /** The node the run failed at; when not given, the node it stood on. */
      lastFailedNodeId?: string | null;
      failedStatusCode?: number | null;
    }
  | { outcome: 'cancelled'; reason: string | null };

/** What the planners read of a run: identity, what it has done, and where it stands. */
export type PlannedRun = Readonly<RunIdentity & Pick<Run, 'startedAt' | 'call'> & RunState>;

const event = (envelope: MessageEnvelope): RunMessage => ({ kind: 'events', envelope });

/**
 * Plans what one node's result does to the run (pure; the run is not changed): records the node
 * outcome and context entry, moves to the next node, waits, or ends the run, and names the messages
 * the change causes. The engine applies several such transitions in memory and stores them in one
 * write.
 */
export function planNodeResult(
  run: PlannedRun,
  node: Pick<WorkflowNode, 'id' | 'type' | 'label' | 'transitions'>,
  enteredAt: Date,
  result: NodeResult,
  context: TransitionContext,
  options: { continueByCommand?: boolean } = {},
): RunTransition {
  const { origin, now } = context;
  if (result.type === 'waiting') {
    return {
      // Whatever the node did, it is no longer part-way through its attempts.
      update: {
        nodeAttempts: null,
        waiting: { nodeId: node.id, conversationId: result.conversationId, enteredAt },
        wakeAt: result.wakeAt,
        conversationIds: [...run.conversationIds, result.conversationId],
      },
      messages: [],
    };
  }
  const routed = result.type === 'routed';
  const nodeOutcome: NodeOutcome = {
    nodeId: node.id,
    nodeType: toEventNodeType(node.type),
    enteredAt: enteredAt.toISOString(),
    completedAt: now.toISOString(),
    routingEvent: routed ? result.routingEvent : result.errorCode === 'EXECUTOR_TIMEOUT' ? 'onTimeout' : 'onError',
    outcome: routed ? result.outcome : { kind: 'empty' },
  };
  const update: Partial<RunState> = {
    nodeAttempts: null,
    nodes: [...run.nodes, nodeOutcome],
    context: {
      ...run.context,
      traverse: {
        order: [...run.context.traverse.order, node.id],
        steps: { ...run.context.traverse.steps, [node.id]: result.step ?? null },
        stepsInfo: {
          ...run.context.traverse.stepsInfo,
          [node.id]: { name: node.label ?? node.id, type: node.type, createdAt: enteredAt.toISOString() },
        },
      },
    },
    waiting: null,
    wakeAt: null,
  };
  const messages: RunMessage[] = [];
  if (routed) {
    const data: NodeCompletedData = { ...runCorrelation(run, now), ...nodeOutcome };
    messages.push(event(createEnvelope(NodeCompletedEvent, data, origin)));
    if (result.vars && Object.keys(result.vars).length > 0) update.vars = { ...run.vars, ...result.vars };
    if (result.output !== undefined) {
      update.output = result.output;
      update.outputReached = true;
    }
  }
  const next = routed ? nextStep(node, result) : ({ kind: 'fail', errorCode: result.errorCode } as const);
  if (next.kind === 'node') {
    update.currentNodeId = next.nodeId;
    // The outcome arrived by request/reply: the rest of the run continues from the queue, so a
    // crash right after this write cannot strand it.
    if (options.continueByCommand) messages.push(continuation(run, context));
    return { update, messages };
  }
  const ending: RunEnding =
    next.kind === 'end'
      ? { outcome: next.outcome }
      : {
          outcome: 'failed',
          errorCode: next.errorCode,
          lastFailedNodeId: node.id,
          failedStatusCode: routed ? (result.failedStatusCode ?? null) : null,
        };
  const end = planRunEnding({ ...run, ...update }, ending, context);
  return { update: { ...update, ...end.update }, messages: [...messages, ...end.messages] };
}

/** The command that continues the run from where it stands, from the queue (a later message). */
export function continuation(run: Pick<Run, '_id'>, context: TransitionContext): RunMessage {
  return { kind: 'commands', envelope: createEnvelope(RunsResumeCommand, { runId: run._id }, context.origin) };
}

/**
 * Every run ending (pure): the terminal state, the terminal event (WORKFLOW_RUN_COMPLETED,
 * _FAILED or _CANCELLED, with the catalogue's omission rules) and, for a called run, its result.
 * A failure from outside the node flow (SYSTEM_FAILURE once the queue's retries are spent,
 * INVALID_NODE_CONFIG for a runaway graph) names the node the run stood on.
 */
export function planRunEnding(run: PlannedRun, ending: RunEnding, context: TransitionContext): RunTransition {
  const { now, origin } = context;
  const update: Partial<RunState> = {
    outcome: ending.outcome,
    completedAt: now,
    waiting: null,
    wakeAt: null,
    nodeAttempts: null,
  };
  const correlation = runCorrelation(run, now);
  let envelope: MessageEnvelope;
  switch (ending.outcome) {
    case 'failed': {
      const lastFailedNodeId = ending.lastFailedNodeId !== undefined ? ending.lastFailedNodeId : run.currentNodeId;
      Object.assign(update, {
        status: 'FAILED',
        errorCode: ending.errorCode,
        errorClass: ending.errorClass ?? null,
        lastFailedNodeId,
        failedStatusCode: ending.failedStatusCode ?? null,
      } satisfies Partial<RunState>);
      const data: RunFailedData = {
        ...correlation,
        ...runTerminalFields(run, 'failed', now, context.maxNodesBytes),
        outcome: 'failed',
        errorCode: ending.errorCode,
        ...(ending.errorClass ? { errorClass: ending.errorClass } : {}),
        ...(lastFailedNodeId ? { lastFailedNodeId } : {}),
      };
      envelope = createEnvelope(RunFailedEvent, data, origin);
      break;
    }
    case 'cancelled': {
      Object.assign(update, {
        status: 'CANCELLED',
        cancellationReason: ending.reason,
      } satisfies Partial<RunState>);
      const data: RunCancelledData = {
        ...correlation,
        ...runTerminalFields(run, 'cancelled', now, context.maxNodesBytes),
        outcome: 'cancelled',
        ...(ending.reason ? { cancellationReason: ending.reason } : {}),
      };
      envelope = createEnvelope(RunCancelledEvent, data, origin);
      break;
    }
    default: {
      Object.assign(update, { status: 'COMPLETED', currentNodeId: null } satisfies Partial<RunState>);
      const data: RunCompletedData = {
        ...correlation,
        ...runTerminalFields(run, ending.outcome, now, context.maxNodesBytes),
        outcome: ending.outcome,
      };
      envelope = createEnvelope(RunCompletedEvent, data, origin);
    }
  }
  const ended = { ...run, ...update };
  return { update, messages: [event(envelope), ...callResultEvents(run, endOf(ended), origin).map(event)] };
}

/** Applies a planned transition to the run held in memory and returns the messages to store with it. */
export function applyTransition(run: Run, transition: RunTransition): RunMessage[] {
  Object.assign(run, transition.update);
  return transition.messages;
}
