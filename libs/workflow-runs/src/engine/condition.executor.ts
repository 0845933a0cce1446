import { selectBranch, type ConfiguredNodeOf, type RunScope } from '@wfp/workflow-graph';
import type { NodeResult } from './node-result';

/** Picks the first matching branch (else `else`); the expression itself is never exposed. */
export function executeCondition(
  node: ConfiguredNodeOf<'condition'>,
  scope: RunScope,
  labelOf: (nodeId: string) => string | null,
): NodeResult {
  const { target, branchIndex } = selectBranch(node.config, scope);
  return {
    type: 'routed',
    routingEvent: 'onConditionResolved',
    outcome: { kind: 'condition', targetNodeId: target, targetNodeLabel: target ? labelOf(target) : null },
    step: { targetNodeId: target, branchIndex },
    conditionTarget: target,
  };
}
