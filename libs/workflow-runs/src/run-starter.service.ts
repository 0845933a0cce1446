import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import {
  createEnvelope,
  workflowEvent,
  WorkflowEventType,
  type MessageEnvelope,
  type RunCancelledData,
  type RunsStartCommand,
  type RunStartedData,
} from '@wfp/contracts';
import { findOwnedById, isDuplicateKeyError, OutboxRelayService, toOutboxEntry } from '@wfp/persistence';
import { VersionNotRegisteredError } from './errors';
import { RunCancellerService } from './run-canceller.service';
import { callResultEvents } from './call-results';
import { runCorrelation, runTerminalFields } from './run-events';
import { Run, type RunContext } from './run.schema';
import { VersionRegistryService } from './version-registry.service';

export type StartRunResult = 'started' | 'already-started' | 'cancelled-on-arrival';

@Injectable()
export class RunStarterService {
  constructor(
    @InjectModel(Run.name) private readonly runs: Model<Run>,
    private readonly versions: VersionRegistryService,
    private readonly outbox: OutboxRelayService,
    private readonly canceller: RunCancellerService,
  ) {}

  /**
   * Creates the run pinned to its version and, in the same insert, its WORKFLOW_RUN_STARTED event.
   * The run id comes from the command, so a redelivered command hits the unique `_id` and is a no-op.
   */
  async start(envelope: MessageEnvelope<RunsStartCommand>): Promise<StartRunResult> {
    const command = envelope.payload;
    const version = await this.versions.find(envelope.organizationId, command.workflowVersionId);
    if (!version) throw new VersionNotRegisteredError(command.workflowVersionId);

    const startedAt = new Date();
    const identity = {
      _id: command.runId,
      organizationId: envelope.organizationId,
      workflowId: version.workflowId,
      workflowVersionId: version._id,
      workflowExternalId: version.workflowExternalId,
      candidateProfileId: command.candidateProfileId,
      candidateProfileExternalId: command.candidateProfileExternalId,
    };
    const origin = {
      organizationId: envelope.organizationId,
      correlationId: envelope.correlationId,
      causationId: envelope.id,
    };
    const started: RunStartedData = runCorrelation(identity, startedAt);
    const events: MessageEnvelope[] = [createEnvelope(workflowEvent(WorkflowEventType.RunStarted), started, origin)];
    // A request accepted just before its workflow was archived: the run starts and is cancelled at once.
    const archivedReason = await this.canceller.archivedReason(envelope.organizationId, version.workflowId);
    if (archivedReason) {
      const cancelled: RunCancelledData = {
        ...runCorrelation(identity, startedAt),
        ...runTerminalFields({ startedAt, nodes: [] }, 'cancelled', startedAt),
        outcome: 'cancelled',
        cancellationReason: archivedReason,
      };
      events.push(createEnvelope(workflowEvent(WorkflowEventType.RunCancelled), cancelled, origin));
      const call = command.call ?? null;
      events.push(
        ...callResultEvents(
          { ...identity, call },
          {
            status: 'CANCELLED',
            outputReached: false,
            output: null,
            errorCode: null,
            lastFailedNodeId: null,
            failedStatusCode: null,
          },
          origin,
        ),
      );
    }
    const context: RunContext = {
      initialize: { inputs: command.inputs ?? {} },
      traverse: { order: [], steps: {}, stepsInfo: {} },
    };
    try {
      await this.runs.create({
        ...identity,
        versionNumber: version.versionNumber,
        triggerSource: command.triggerSource,
        status: archivedReason ? 'CANCELLED' : 'RUNNING',
        completedAt: archivedReason ? startedAt : null,
        outcome: archivedReason ? 'cancelled' : null,
        cancellationReason: archivedReason,
        context,
        nodes: [],
        currentNodeId: archivedReason ? null : ((version.definition as { startNodeId?: string }).startNodeId ?? null),
        contact: command.contact ?? null,
        call: command.call ?? null,
        startedAt,
        version: 0,
        processedMessageIds: [envelope.id],
        outbox: events.map((event) => toOutboxEntry('events', event)),
      });
    } catch (error) {
      // Redelivered: the run exists; the caller still advances it, in case the first attempt
      // stopped between creating the run and executing its first node.
      if (isDuplicateKeyError(error)) return 'already-started';
      throw error;
    }
    await this.outbox.relay(this.runs.collection.collectionName, command.runId);
    return archivedReason ? 'cancelled-on-arrival' : 'started';
  }

  findRun(organizationId: string, runId: string) {
    return findOwnedById(this.runs, runId, organizationId);
  }
}
