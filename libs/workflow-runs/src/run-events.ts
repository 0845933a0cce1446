import type { NodeOutcome, RunCorrelationFields, RunOutcome, RunTerminalFields } from '@wfp/contracts';
import type { Run } from './run.schema';

/** Largest serialized `nodes[]` a terminal event carries before it is truncated. */
export const DEFAULT_MAX_NODES_BYTES = 200_000;

/** Who a run is: what every run-lifecycle event names. */
export type RunIdentity = Pick<
  Run,
  | '_id'
  | 'organizationId'
  | 'workflowId'
  | 'workflowVersionId'
  | 'workflowExternalId'
  | 'candidateProfileId'
  | 'candidateProfileExternalId'
>;

/** The correlation fields every run-lifecycle event carries. */
export function runCorrelation(run: RunIdentity, at: Date): RunCorrelationFields {
  return {
    recordId: run._id,
    organizationId: run.organizationId,
    workflowId: run.workflowId,
    workflowVersionId: run.workflowVersionId,
    workflowExternalId: run.workflowExternalId,
    candidateProfileId: run.candidateProfileId,
    candidateProfileExternalId: run.candidateProfileExternalId,
    timestamp: at.toISOString(),
  };
}

/**
 * Keeps the earliest node outcomes whose serialized size fits the limit, so a terminal event
 * stays deliverable however long the run was; `truncated` tells the receiver.
 */
export function truncateNodes(nodes: NodeOutcome[], maxBytes: number): { nodes: NodeOutcome[]; truncated: boolean } {
  let size = 2;
  for (let index = 0; index < nodes.length; index += 1) {
    size += Buffer.byteLength(JSON.stringify(nodes[index])) + (index > 0 ? 1 : 0);
    if (size > maxBytes) return { nodes: nodes.slice(0, index), truncated: true };
  }
  return { nodes, truncated: false };
}

/** The run-terminal fields shared by WORKFLOW_RUN_COMPLETED, _FAILED and _CANCELLED. */
export function runTerminalFields(
  run: Pick<Run, 'startedAt' | 'nodes'>,
  outcome: RunOutcome,
  completedAt: Date,
  maxNodesBytes: number = DEFAULT_MAX_NODES_BYTES,
): RunTerminalFields {
  const { nodes, truncated } = truncateNodes(run.nodes, maxNodesBytes);
  const finalNodeId = run.nodes.at(-1)?.nodeId;
  return {
    startedAt: run.startedAt.toISOString(),
    completedAt: completedAt.toISOString(),
    ...(finalNodeId ? { finalNodeId } : {}),
    outcome,
    truncated,
    nodes,
  };
}
