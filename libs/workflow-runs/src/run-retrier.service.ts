import { traceField } from '@wfp/tracing';
import { Injectable } from '@nestjs/common';
import {
  ClaimsAcquireRequest,
  ClaimsConfirmCommand,
  createEnvelope,
  RpcError,
  RunsResumeCommand,
  RunStartedEvent,
  type ClaimAnswer,
  type MessageEnvelope,
  type RunRetryAnswer,
  type RunsRetryRequest,
  type RunStartedData,
} from '@wfp/contracts';
import { RpcClient } from '@wfp/messaging';
import type { RunMessage } from './engine/run-transition';
import { RunCancellerService } from './run-canceller.service';
import { runCorrelation } from './run-events';
import { RunMetricsService } from './run-metrics.service';
import { retryStartState } from './run-retry';
import { RunRepository } from './run.repository';

/** Shorter than the gateway's wait for the retry's answer, so a slow resolver is reported as such. */
const CLAIM_TIMEOUT_MS = 3000;

/**
 * Retries a FAILED run as a new run (`retryOfRunId`) on the same version, candidate and inputs,
 * starting at the node that failed with the context stored before it: nothing done before the
 * failure (a message sent, an HTTP call made) is done again. The retry's id is derived from the
 * failed run's, so repeated or concurrent retries make one run.
 *
 * The retry owns the candidate's claim on the version, as any run does: it reserves it first
 * (request/reply to contact-resolver, so a refusal is the caller's 409), and the write that creates
 * the run also confirms the reservation. Nothing has to be given back on a failure in between: a
 * reservation no run confirms lapses (ContactResolverService.acquireClaim).
 */
@Injectable()
export class RunRetrierService {
  constructor(
    private readonly store: RunRepository,
    private readonly canceller: RunCancellerService,
    private readonly metrics: RunMetricsService,
    private readonly rpc: RpcClient,
  ) {}

  async retry(envelope: MessageEnvelope<RunsRetryRequest>): Promise<RunRetryAnswer> {
    const { runId, retryRunId } = envelope.payload;
    const organizationId = envelope.organizationId;
    const failed = await this.store.load(organizationId, runId);
    if (!failed) throw new RpcError('NOT_FOUND', 'Workflow run not found');
    if (failed.status !== 'FAILED')
      throw new RpcError('CONFLICT', `Only a FAILED run can be retried; this run is ${failed.status}`);
    if (failed.retriedByRunId && failed.retriedByRunId !== retryRunId)
      throw new RpcError('CONFLICT', `The run was retried already by ${failed.retriedByRunId}`);
    if (await this.canceller.archivedReason(organizationId, failed.workflowId))
      throw new RpcError('CONFLICT', 'The workflow is archived: its runs cannot be retried');
    const start = retryStartState(failed);
    if (!start) throw new RpcError('CONFLICT', 'The run failed before any node: start a new run instead');
    const origin = { organizationId, correlationId: envelope.correlationId, causationId: envelope.id };
    const claim = failed.candidateProfileId
      ? {
          workflowVersionId: failed.workflowVersionId,
          candidateProfileId: failed.candidateProfileId,
          runId: retryRunId,
        }
      : null;
    if (claim) {
      const reserve: ClaimsAcquireRequest = { ...claim, replacesRunId: runId };
      const answer = await this.rpc.request<ClaimAnswer>(ClaimsAcquireRequest.type, reserve, origin, CLAIM_TIMEOUT_MS);
      if (!answer.acquired)
        throw new RpcError(
          'CONFLICT',
          `The candidate already has a ${answer.holderStatus} run of this version (${answer.holderRunId}); it cannot run twice`,
        );
    }

    const startedAt = new Date();
    const run = {
      _id: retryRunId,
      organizationId,
      workflowId: failed.workflowId,
      workflowVersionId: failed.workflowVersionId,
      workflowExternalId: failed.workflowExternalId,
      versionNumber: failed.versionNumber,
      candidateProfileId: failed.candidateProfileId,
      candidateProfileExternalId: failed.candidateProfileExternalId,
      triggerSource: failed.triggerSource,
      call: failed.call ?? null,
      contact: failed.contact ?? null,
      status: 'RUNNING' as const,
      waiting: null,
      conversationIds: [],
      wakeAt: null,
      nodeAttempts: null,
      outcome: null,
      errorCode: null,
      errorClass: null,
      lastFailedNodeId: null,
      failedStatusCode: null,
      completedAt: null,
      cancellationReason: null,
      retriedByRunId: null,
      ...start,
      retryOfRunId: runId,
      startedAt,
      version: 0,
      outbox: [],
      // The run keeps the trace of the work that made it.
      ...traceField(),
      // A retry has no contact resolution of its own: its events start its order.
      emitted: [],
    };
    const started: RunStartedData = runCorrelation(run, startedAt);
    const messages: RunMessage[] = [
      { kind: 'events', envelope: createEnvelope(RunStartedEvent, started, origin) },
      // The retry runs from the queue, like any run: a crash after this insert cannot strand it.
      { kind: 'commands', envelope: createEnvelope(RunsResumeCommand, { runId: retryRunId }, origin) },
      // The run exists from this write on: the candidate's claim is its own for its lifetime.
      ...(claim ? [{ kind: 'commands' as const, envelope: createEnvelope(ClaimsConfirmCommand, claim, origin) }] : []),
    ];
    // A repeated request (the gateway tried again) is the same operation, whatever its message id.
    const operation = `retry:${retryRunId}`;
    const created = await this.store.insert(run, messages, operation);
    if (created) this.metrics.runStarted();
    else {
      const existing = await this.store.load(organizationId, retryRunId);
      if (existing) await this.store.recover(existing, operation);
    }
    if (failed.retriedByRunId !== retryRunId) await this.store.markRetried(runId, retryRunId);
    return { runId: retryRunId, created };
  }
}
