import type { RunErrorCode } from '@wfp/contracts';
import type { WorkflowNode } from '@wfp/workflow-graph';
import type { NodeResult } from './node-result';

/** Where a run goes after a node. */
export type NextStep =
  | { kind: 'node'; nodeId: string }
  | { kind: 'end'; outcome: 'completed' | 'opted_out' | 'delivery_failed' }
  | { kind: 'fail'; errorCode: RunErrorCode };

/**
 * DESIGN.md section 5: a transition to null ends the run normally; a routing event with no
 * transition key at all ends an outreach with opted_out / delivery_failed, and fails the run for
 * a webhook failure. An `onFailure` key, even null, means the workflow handles the failure.
 */
export function nextStep(
  node: Pick<WorkflowNode, 'type' | 'transitions'>,
  result: Extract<NodeResult, { type: 'routed' }>,
): NextStep {
  if (node.type === 'output') return { kind: 'end', outcome: 'completed' };
  if (node.type === 'condition') {
    return result.conditionTarget
      ? { kind: 'node', nodeId: result.conditionTarget }
      : { kind: 'end', outcome: 'completed' };
  }
  const transitions = node.transitions ?? {};
  if (Object.prototype.hasOwnProperty.call(transitions, result.routingEvent)) {
    const target = transitions[result.routingEvent];
    return target ? { kind: 'node', nodeId: target } : { kind: 'end', outcome: 'completed' };
  }
  switch (result.routingEvent) {
    case 'onOptOut':
      return { kind: 'end', outcome: 'opted_out' };
    case 'onDeliveryFailed':
      return { kind: 'end', outcome: 'delivery_failed' };
    case 'onFailure':
      return { kind: 'fail', errorCode: result.failureCode ?? 'EXECUTOR_FAILED' };
    default:
      return { kind: 'end', outcome: 'completed' };
  }
}

/** The routing event of a conversation outcome status. */
export function conversationRoutingEvent(status: string): 'onComplete' | 'onOptOut' | 'onDeliveryFailed' {
  if (status === 'OPTED_OUT') return 'onOptOut';
  if (status === 'DELIVERY_FAILED') return 'onDeliveryFailed';
  return 'onComplete';
}
