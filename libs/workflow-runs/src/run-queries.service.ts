import { Injectable } from '@nestjs/common';
import {
  callResultOf,
  isNewestFirstPosition,
  newestFirstAfter,
  newestFirstCursor,
  parseCursor,
  RpcError,
  type RunsListQuery,
  type RecentRunView,
  type RunPage,
  type RunView,
} from '@wfp/contracts';
import { endOf } from './call-results';
import { Run } from './run.schema';
import { RunRepository } from './run.repository';
import { WorkflowVersionCopyRepository } from './version-copy.repository';

@Injectable()
export class RunQueriesService {
  constructor(
    private readonly runs: RunRepository,
    private readonly versions: WorkflowVersionCopyRepository,
  ) {}

  /** The newest runs of every organization, each with its version's graph (operations page). */
  async recent(limit: number): Promise<RecentRunView[]> {
    const runs = await this.runs.recentAcrossOrganizations(limit);
    const versionIds = [...new Set(runs.map((run) => run.workflowVersionId))];
    const versions = await this.versions.definitionsAcrossOrganizations(versionIds);
    const definitions = new Map(versions.map((version) => [version._id, version.definition]));
    return runs.map((run) => ({
      runId: run._id,
      organizationId: run.organizationId,
      workflowId: run.workflowId,
      workflowVersionId: run.workflowVersionId,
      versionNumber: run.versionNumber,
      triggerSource: run.triggerSource,
      status: run.status,
      outcome: run.outcome ?? null,
      startedAt: run.startedAt.toISOString(),
      completedAt: run.completedAt?.toISOString() ?? null,
      currentNodeId: run.currentNodeId,
      errorCode: run.errorCode ?? null,
      lastFailedNodeId: run.lastFailedNodeId ?? null,
      nodes: run.nodes,
      definition: definitions.get(run.workflowVersionId) ?? null,
    }));
  }

  async get(organizationId: string, runId: string): Promise<RunView> {
    const run = await this.runs.read(organizationId, runId);
    if (!run) throw new RpcError('NOT_FOUND', 'Workflow run not found');
    return toView(run);
  }

  /** Newest first, with an opaque (createdAt, id) cursor. */
  async list(organizationId: string, query: RunsListQuery): Promise<RunPage> {
    const filter: Record<string, unknown> = {};
    if (query.workflowId) filter['workflowId'] = query.workflowId;
    if (query.status) filter['status'] = query.status;
    if (query.cursor) {
      const after = parseCursor(query.cursor, isNewestFirstPosition);
      if (!after) throw new RpcError('BAD_REQUEST', 'cursor is not a cursor returned by this API');
      Object.assign(filter, newestFirstAfter(after));
    }
    const runs = await this.runs.page(organizationId, filter, query.limit + 1);
    const page = runs.slice(0, query.limit);
    const last = page.at(-1);
    return { data: page.map(toView), nextCursor: runs.length > query.limit && last ? newestFirstCursor(last) : null };
  }
}

function toView(run: Omit<Run, 'outbox'>): RunView {
  return {
    id: run._id,
    runId: run._id,
    organizationId: run.organizationId,
    workflowId: run.workflowId,
    workflowVersionId: run.workflowVersionId,
    versionNumber: run.versionNumber,
    workflowExternalId: run.workflowExternalId,
    candidateProfileId: run.candidateProfileId,
    candidateProfileExternalId: run.candidateProfileExternalId,
    triggerSource: run.triggerSource,
    status: run.status,
    outcome: run.outcome ?? null,
    currentNodeId: run.currentNodeId,
    waitingOn: run.waiting
      ? {
          nodeId: run.waiting.nodeId,
          conversationId: run.waiting.conversationId,
          timesOutAt: run.wakeAt?.toISOString() ?? null,
        }
      : null,
    startedAt: run.startedAt.toISOString(),
    completedAt: run.completedAt?.toISOString() ?? null,
    errorCode: run.errorCode ?? null,
    errorClass: run.errorClass ?? null,
    lastFailedNodeId: run.lastFailedNodeId ?? null,
    failedStatusCode: run.failedStatusCode ?? null,
    cancellationReason: run.cancellationReason ?? null,
    retryOfRunId: run.retryOfRunId ?? null,
    retriedByRunId: run.retriedByRunId ?? null,
    outputReached: run.outputReached ?? false,
    output: run.output ?? null,
    callResult: run.call && run.status !== 'RUNNING' ? callResultOf(endOf(run)) : null,
    nodes: run.nodes,
    context: run.context,
  };
}
