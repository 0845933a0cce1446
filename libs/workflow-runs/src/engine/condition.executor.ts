import { selectBranch, type ConditionConfig, type RunScope, type WorkflowNode } from '@wfp/workflow-graph';
import type { NodeResult } from './node-result';

/** Picks the first matching branch (else `else`); the expression itself is never exposed. */
export function executeCondition(
  node: WorkflowNode,
  scope: RunScope,
  labelOf: (nodeId: string) => string | null,
): NodeResult {
  const { target, branchIndex } = selectBranch(node.config as unknown as ConditionConfig, scope);
  return {
    type: 'routed',
    routingEvent: 'onConditionResolved',
    outcome: { kind: 'condition', targetNodeId: target, targetNodeLabel: target ? labelOf(target) : null },
    step: { targetNodeId: target, branchIndex },
    conditionTarget: target,
  };
}
