import { Injectable } from '@nestjs/common';
import {
  ConversationsOutcomeRequest,
  createEnvelope,
  retryRunIdFor,
  RunsCancelCommand,
  RunsGetQuery,
  RunsListQuery,
  RunsRetryRequest,
  type ConversationsOutcomeResult,
  type RunPage,
  type RunRetryAnswer,
  type RunView,
} from '@wfp/contracts';
import { ApiError, rethrowRpcErrorAsHttp, type RpcTarget } from '@wfp/http-kit';
import { MessagePublisherService, RpcClient } from '@wfp/messaging';
import type { Caller } from './workflows.service';

/** How long the gateway waits for the processor before answering 503. */
export const RUN_READ_TIMEOUT_MS = 5000;

const PROCESSOR: RpcTarget = { resource: 'Workflow run', service: 'workflow-processor' };

/** How a failed request to the processor reads at the gateway; never its internal detail. */
const toHttp = rethrowRpcErrorAsHttp(PROCESSOR);

/** Run reads and commands at the gateway: reads go to the owning service by request/reply. */
@Injectable()
export class WorkflowRunsService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly publisher: MessagePublisherService,
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
   * Retries a FAILED run as a new run resuming at the node that failed. One request: the processor
   * owns the retry, including the candidate's claim (RunRetrierService), so nothing here has to be
   * undone if it fails part-way.
   */
  async retry(caller: Caller, runId: string): Promise<{ runId: string }> {
    const request: RunsRetryRequest = { runId, retryRunId: retryRunIdFor(runId) };
    const answer = await this.rpc
      .request<RunRetryAnswer>(RunsRetryRequest.type, request, caller, RUN_READ_TIMEOUT_MS)
      .catch(toHttp);
    return { runId: answer.runId };
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
