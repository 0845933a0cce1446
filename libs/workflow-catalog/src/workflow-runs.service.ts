import { Injectable } from '@nestjs/common';
import {
  ConversationsOutcomeRequest,
  createEnvelope,
  RunsCancelCommand,
  RunsGetQuery,
  RunsListQuery,
  type ConversationsOutcomeResult,
} from '@wfp/contracts';
import { ApiError, rethrowRpcErrorAsHttp } from '@wfp/http-kit';
import { MessagePublisher, RpcClient } from '@wfp/messaging';
import type { Caller } from './workflows.service';

/** RunView / RunPage as the processor answers them (kept opaque here: the gateway passes them on). */
export type RunView = Record<string, unknown> & { runId: string; status: string };
export interface RunPage {
  data: RunView[];
  nextCursor: string | null;
}

/** How long the gateway waits for the processor before answering 503. */
export const RUN_READ_TIMEOUT_MS = 5000;

/** How a failed request to the processor reads at the gateway; never its internal detail. */
const toHttp = rethrowRpcErrorAsHttp({ resource: 'Workflow run', service: 'workflow-processor' });

/** Run reads and commands at the gateway: reads go to the owning service by request/reply. */
@Injectable()
export class WorkflowRunsService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly publisher: MessagePublisher,
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
