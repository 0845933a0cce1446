import type { NodeOutcome } from '@wfp/contracts';
import type { Run, RunContext } from './run.schema';

export interface RetryStartState {
  /** The node the retry executes first: where the failed run failed. */
  currentNodeId: string;
  /** What the failed run did before the failing node, carried so the retry's events tell the whole story. */
  nodes: NodeOutcome[];
  context: RunContext;
  vars: Record<string, unknown>;
  output: unknown;
  outputReached: boolean;
}

/**
 * Where a retry of a failed run starts (pure): at `lastFailedNodeId`, with the node outcomes and
 * context stored before that node. The failing node's own entry (outcome, traversal step) is left
 * out, since the retry runs it again; nothing before it is run again.
 */
export function retryStartState(
  failed: Pick<Run, 'lastFailedNodeId' | 'nodes' | 'context' | 'vars' | 'output' | 'outputReached'>,
): RetryStartState | null {
  const failedNodeId = failed.lastFailedNodeId;
  if (!failedNodeId) return null;
  const nodes = failed.nodes.at(-1)?.nodeId === failedNodeId ? failed.nodes.slice(0, -1) : [...failed.nodes];
  const order = [...failed.context.traverse.order];
  if (order.at(-1) === failedNodeId) order.pop();
  const steps = { ...failed.context.traverse.steps };
  const stepsInfo = { ...failed.context.traverse.stepsInfo };
  // A node visited before (a loop) keeps its entry: it holds what that earlier visit produced last.
  if (!order.includes(failedNodeId)) {
    delete steps[failedNodeId];
    delete stepsInfo[failedNodeId];
  }
  return {
    currentNodeId: failedNodeId,
    nodes,
    context: { initialize: failed.context.initialize, traverse: { order, steps, stepsInfo } },
    vars: { ...(failed.vars ?? {}) },
    output: failed.output ?? null,
    outputReached: failed.outputReached ?? false,
  };
}
