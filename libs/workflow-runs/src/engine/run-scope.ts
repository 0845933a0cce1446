import type { NodeOutcome } from '@wfp/contracts';
import type { RunScope } from '@wfp/workflow-graph';
import type { Run } from '../run.schema';

/**
 * What conditions and templates can read (DESIGN.md section 5): `inputs.*`, `vars.*`, `run.*`,
 * `nodes.<id>.outcome.*` and `nodes.<id>.answers.<slug>.*`. The latest visit of a node wins.
 */
export function runScope(
  run: Pick<
    Run,
    | '_id'
    | 'workflowId'
    | 'workflowVersionId'
    | 'versionNumber'
    | 'workflowExternalId'
    | 'candidateProfileId'
    | 'candidateProfileExternalId'
    | 'startedAt'
    | 'context'
    | 'vars'
    | 'nodes'
  >,
): RunScope {
  const nodes: RunScope['nodes'] = {};
  for (const node of run.nodes as NodeOutcome[]) {
    const answers: Record<string, unknown> = {};
    if (node.outcome.kind === 'conversation') {
      for (const answer of node.outcome.answers) answers[answer.slug] = answer;
    }
    nodes[node.nodeId] = { outcome: node.outcome, answers };
  }
  return {
    inputs: run.context.initialize.inputs,
    vars: run.vars ?? {},
    run: {
      id: run._id,
      runId: run._id,
      workflowId: run.workflowId,
      workflowVersionId: run.workflowVersionId,
      versionNumber: run.versionNumber,
      workflowExternalId: run.workflowExternalId,
      candidateProfileId: run.candidateProfileId,
      candidateProfileExternalId: run.candidateProfileExternalId,
      startedAt: run.startedAt.toISOString(),
    },
    nodes,
  };
}
