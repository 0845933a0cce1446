import { traceField } from '@wfp/tracing';
import { Injectable } from '@nestjs/common';
import {
  createEnvelope,
  RunStartedEvent,
  WorkflowEventType,
  type MessageEnvelope,
  type RunsStartCommand,
  type RunStartedData,
} from '@wfp/contracts';
import { applyTransition, planRunEnding, type RunMessage } from './engine/run-transition';
import { VersionNotRegisteredError } from './errors';
import { RunCancellerService } from './run-canceller.service';
import { runCorrelation } from './run-events';
import { RunMetricsService } from './run-metrics.service';
import { RunRepository } from './run.repository';
import type { Run, RunContext } from './run.schema';
import { VersionRegistryService } from './version-registry.service';

export type StartRunResult = 'started' | 'already-started' | 'cancelled-on-arrival';

@Injectable()
export class RunStarterService {
  constructor(
    private readonly store: RunRepository,
    private readonly versions: VersionRegistryService,
    private readonly canceller: RunCancellerService,
    private readonly metrics: RunMetricsService,
  ) {}

  /**
   * Creates the run pinned to its version and, in the same insert, its WORKFLOW_RUN_STARTED event.
   * The run id comes from the command, so a redelivered command hits the unique `_id`: the stored
   * run is returned (and what the first attempt stored is published again) instead.
   */
  async start(envelope: MessageEnvelope<RunsStartCommand>): Promise<{ result: StartRunResult; run: Run | null }> {
    const command = envelope.payload;
    const version = await this.versions.find(envelope.organizationId, command.workflowVersionId);
    if (!version) throw new VersionNotRegisteredError(command.workflowVersionId);

    const startedAt = new Date();
    const origin = {
      organizationId: envelope.organizationId,
      correlationId: envelope.correlationId,
      causationId: envelope.id,
    };
    const context: RunContext = {
      initialize: { inputs: command.inputs ?? {} },
      traverse: { order: [], steps: {}, stepsInfo: {} },
    };
    const run: Omit<Run, 'createdAt' | 'updatedAt'> = {
      _id: command.runId,
      organizationId: envelope.organizationId,
      workflowId: version.workflowId,
      workflowVersionId: version._id,
      workflowExternalId: version.workflowExternalId,
      versionNumber: version.versionNumber,
      candidateProfileId: command.candidateProfileId,
      candidateProfileExternalId: command.candidateProfileExternalId,
      triggerSource: command.triggerSource,
      contact: command.contact ?? null,
      call: command.call ?? null,
      status: 'RUNNING',
      context,
      nodes: [],
      currentNodeId: (version.definition as { startNodeId?: string }).startNodeId ?? null,
      waiting: null,
      conversationIds: [],
      wakeAt: null,
      nodeAttempts: null,
      vars: {},
      output: null,
      outputReached: false,
      outcome: null,
      errorCode: null,
      errorClass: null,
      lastFailedNodeId: null,
      failedStatusCode: null,
      startedAt,
      completedAt: null,
      cancellationReason: null,
      retryOfRunId: null,
      retriedByRunId: null,
      version: 0,
      outbox: [],
      // The run keeps the trace of the work that made it.
      ...traceField(),
      // An API run's candidate heard of it first from its contact resolution (WORKFLOW_CONTACT_RESOLVED).
      emitted: command.triggerSource === 'API' ? [WorkflowEventType.ContactResolved] : [],
    };
    const started: RunStartedData = runCorrelation(run, startedAt);
    const messages: RunMessage[] = [{ kind: 'events', envelope: createEnvelope(RunStartedEvent, started, origin) }];
    // A request accepted just before its workflow was archived: the run starts and is cancelled at once.
    const archivedReason = await this.canceller.archivedReason(envelope.organizationId, version.workflowId);
    if (archivedReason) {
      run.currentNodeId = null;
      const ending = planRunEnding(
        run,
        { outcome: 'cancelled', reason: archivedReason },
        { origin, now: startedAt, maxNodesBytes: Infinity },
      );
      messages.push(...applyTransition(run as Run, ending));
    }
    if (await this.store.insert(run, messages, envelope.id)) {
      this.metrics.runStarted();
      if (archivedReason) this.metrics.runEnded('CANCELLED');
      return { result: archivedReason ? 'cancelled-on-arrival' : 'started', run: run as Run };
    }
    // Redelivered: the run exists. The caller still advances it, in case the first attempt
    // stopped between storing the run and executing its first node.
    const stored = await this.store.load(envelope.organizationId, command.runId);
    if (stored) await this.store.recover(stored, envelope.id);
    return { result: 'already-started', run: stored };
  }
}
