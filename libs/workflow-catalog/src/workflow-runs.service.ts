import { Injectable } from '@nestjs/common';
import {
  ClaimsAcquireRequest,
  ClaimsReleaseRequest,
  ConversationsOutcomeRequest,
  createEnvelope,
  retryRunIdFor,
  RunsCancelCommand,
  RunsGetQuery,
  RunsListQuery,
  RunsRetryRequest,
  type ClaimAnswer,
  type ConversationsOutcomeResult,
  type RunPage,
  type RunRetryAnswer,
  type RunView,
} from '@wfp/contracts';
import { ApiError, rethrowRpcErrorAsHttp, rpcErrorToHttp, type RpcTarget } from '@wfp/http-kit';
import { MessagePublisher, RpcClient } from '@wfp/messaging';
import { WorkflowsService, type Caller } from './workflows.service';

/** How long the gateway waits for the processor before answering 503. */
export const RUN_READ_TIMEOUT_MS = 5000;

const PROCESSOR: RpcTarget = { resource: 'Workflow run', service: 'workflow-processor' };
const RESOLVER: RpcTarget = { resource: 'Candidate profile', service: 'contact-resolver' };

/** How a failed request to the processor reads at the gateway; never its internal detail. */
const toHttp = rethrowRpcErrorAsHttp(PROCESSOR);

/** Run reads and commands at the gateway: reads go to the owning service by request/reply. */
@Injectable()
export class WorkflowRunsService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly publisher: MessagePublisher,
    private readonly workflows: WorkflowsService,
  ) {}

  get(caller: Caller, runId: string): Promise<RunView> {
    return this.rpc.request<RunView>(RunsGetQuery.type, { runId }, caller, RUN_READ_TIMEOUT_MS).catch(toHttp);
  }

  list(caller: Caller, query: RunsListQuery): Promise<RunPage> {
    return this.rpc.request<RunPage>(RunsListQuery.type, query, caller, RUN_READ_TIMEOUT_MS).catch(toHttp);
  }

  /** Asks the processor to cancel a running run; a run that has ended already is a 409. */
  async cancel(caller: Caller, runId: string, reason: string | undefined): Promise<{ runId: string; status: string }> {
    const run = await this.get(caller, runId);
    if (run.status !== 'RUNNING') throw ApiError.conflict(`The run has already ended: its status is ${run.status}`);
    const command: RunsCancelCommand = { runId, ...(reason ? { reason } : {}) };
    try {
      await this.publisher.publish('commands', createEnvelope(RunsCancelCommand, command, caller));
    } catch {
      throw ApiError.serviceUnavailable('The cancellation could not be queued; retry shortly');
    }
    return { runId, status: 'CANCELLING' };
  }

  /**
   * Retries a FAILED run as a new run resuming at the node that failed. The candidate's claim
   * moves to the retry first (contact-resolver), so a concurrent start of the same contact is
   * skipped; if the processor then refuses or cannot be reached, the claim is given back.
   */
  async retry(caller: Caller, runId: string): Promise<{ runId: string }> {
    const run = await this.get(caller, runId);
    if (run.status !== 'FAILED') throw ApiError.conflict(`Only a FAILED run can be retried; this run is ${run.status}`);
    const workflow = await this.workflows.findOwned(caller.organizationId, run.workflowId);
    if (workflow.status === 'ARCHIVED') throw ApiError.conflict('The workflow is archived: its runs cannot be retried');
    const retryRunId = retryRunIdFor(runId);
    const candidateProfileId = run.candidateProfileId;
    const claim = candidateProfileId
      ? { workflowVersionId: run.workflowVersionId, candidateProfileId, runId: retryRunId }
      : null;
    if (claim) {
      const acquire: ClaimsAcquireRequest = { ...claim, replacesRunId: runId };
      const answer = await this.rpc
        .request<ClaimAnswer>(ClaimsAcquireRequest.type, acquire, caller, RUN_READ_TIMEOUT_MS)
        .catch(rethrowRpcErrorAsHttp(RESOLVER));
      if (!answer.acquired)
        throw ApiError.conflict(
          `The candidate already has a ${answer.holderStatus} run of this version (${answer.holderRunId}); it cannot run twice`,
        );
    }
    try {
      const request: RunsRetryRequest = { runId, retryRunId };
      const answer = await this.rpc.request<RunRetryAnswer>(
        RunsRetryRequest.type,
        request,
        caller,
        RUN_READ_TIMEOUT_MS,
      );
      return { runId: answer.runId };
    } catch (error) {
      if (claim)
        await this.rpc.request(ClaimsReleaseRequest.type, claim, caller, RUN_READ_TIMEOUT_MS).catch(() => null);
      return rpcErrorToHttp(error, PROCESSOR);
    }
  }

  async conversationOutcome(
    request: ConversationsOutcomeRequest,
    correlationId: string,
  ): Promise<ConversationsOutcomeResult> {
    const answer = await this.rpc
      .request<{ result: ConversationsOutcomeResult }>(
        ConversationsOutcomeRequest.type,
        request,
        { organizationId: 'messaging-service', correlationId },
        RUN_READ_TIMEOUT_MS,
      )
      .catch(toHttp);
    return answer.result;
  }
}
