import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import {
  createEnvelope,
  RpcError,
  RunsResumeCommand,
  workflowEvent,
  WorkflowEventType,
  type MessageEnvelope,
  type RunRetryAnswer,
  type RunsRetryRequest,
  type RunStartedData,
} from '@wfp/contracts';
import {
  DocumentWriteLock,
  findOwnedById,
  isDuplicateKeyError,
  OutboxRelayService,
  toOutboxEntry,
} from '@wfp/persistence';
import { RunCancellerService } from './run-canceller.service';
import { runCorrelation } from './run-events';
import { retryStartState } from './run-retry';
import { Run } from './run.schema';

/**
 * Retries a FAILED run as a new run (`retryOfRunId`) on the same version, candidate and inputs,
 * starting at the node that failed with the context stored before it: nothing done before the
 * failure (a message sent, an HTTP call made) is done again. The retry's id is derived from the
 * failed run's, so repeated or concurrent retries make one run.
 */
@Injectable()
export class RunRetrierService {
  constructor(
    @InjectModel(Run.name) private readonly runs: Model<Run>,
    private readonly canceller: RunCancellerService,
    private readonly outbox: OutboxRelayService,
    private readonly writeLock: DocumentWriteLock,
  ) {}

  async retry(envelope: MessageEnvelope<RunsRetryRequest>): Promise<RunRetryAnswer> {
    const { runId, retryRunId } = envelope.payload;
    const organizationId = envelope.organizationId;
    const failed = await findOwnedById(this.runs, runId, organizationId);
    if (!failed) throw new RpcError('NOT_FOUND', 'Workflow run not found');
    if (failed.status !== 'FAILED')
      throw new RpcError('CONFLICT', `Only a FAILED run can be retried; this run is ${failed.status}`);
    if (failed.retriedByRunId && failed.retriedByRunId !== retryRunId)
      throw new RpcError('CONFLICT', `The run was retried already by ${failed.retriedByRunId}`);
    if (await this.canceller.archivedReason(organizationId, failed.workflowId))
      throw new RpcError('CONFLICT', 'The workflow is archived: its runs cannot be retried');
    const start = retryStartState(failed);
    if (!start) throw new RpcError('CONFLICT', 'The run failed before any node: start a new run instead');

    const startedAt = new Date();
    const identity = {
      _id: retryRunId,
      organizationId,
      workflowId: failed.workflowId,
      workflowVersionId: failed.workflowVersionId,
      workflowExternalId: failed.workflowExternalId,
      candidateProfileId: failed.candidateProfileId,
      candidateProfileExternalId: failed.candidateProfileExternalId,
    };
    const origin = { organizationId, correlationId: envelope.correlationId, causationId: envelope.id };
    const started: RunStartedData = runCorrelation(identity, startedAt);
    const messages = [
      toOutboxEntry('events', createEnvelope(workflowEvent(WorkflowEventType.RunStarted), started, origin)),
      // The retry runs from the queue, like any run: a crash after this insert cannot strand it.
      toOutboxEntry('commands', createEnvelope(RunsResumeCommand, { runId: retryRunId }, origin)),
    ];
    let created = true;
    try {
      await this.runs.create({
        ...identity,
        versionNumber: failed.versionNumber,
        triggerSource: failed.triggerSource,
        call: failed.call ?? null,
        contact: failed.contact ?? null,
        status: 'RUNNING',
        ...start,
        retryOfRunId: runId,
        startedAt,
        version: 0,
        processedMessageIds: [],
        outbox: messages,
      });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      created = false;
    }
    if (failed.retriedByRunId !== retryRunId) {
      await this.writeLock.run(this.runs.collection.collectionName, runId, () =>
        this.runs.updateOne({ _id: runId }, { $set: { retriedByRunId: retryRunId } }).exec(),
      );
    }
    if (created) await this.outbox.relay(this.runs.collection.collectionName, retryRunId);
    return { runId: retryRunId, created };
  }
}
