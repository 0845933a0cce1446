import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import {
  createEnvelope,
  workflowEvent,
  WorkflowEventType,
  type MessageEnvelope,
  type RunsStartCommand,
  type RunStartedData,
} from '@wfp/contracts';
import { isDuplicateKeyError, OutboxRelayService, toOutboxEntry } from '@wfp/persistence';
import { VersionNotRegisteredError } from './errors';
import { Run, type RunContext } from './run.schema';
import { VersionRegistryService } from './version-registry.service';

export type StartRunResult = 'started' | 'already-started';

@Injectable()
export class RunStarterService {
  constructor(
    @InjectModel(Run.name) private readonly runs: Model<Run>,
    private readonly versions: VersionRegistryService,
    private readonly outbox: OutboxRelayService,
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
    const data: RunStartedData = {
      recordId: command.runId,
      organizationId: envelope.organizationId,
      workflowId: version.workflowId,
      workflowVersionId: version._id,
      workflowExternalId: version.workflowExternalId,
      candidateProfileId: command.candidateProfileId,
      candidateProfileExternalId: command.candidateProfileExternalId,
      timestamp: startedAt.toISOString(),
    };
    const event = createEnvelope(workflowEvent(WorkflowEventType.RunStarted), data, {
      organizationId: envelope.organizationId,
      correlationId: envelope.correlationId,
      causationId: envelope.id,
    });
    const context: RunContext = {
      initialize: { inputs: command.inputs ?? {} },
      traverse: { order: [], steps: {}, stepsInfo: {} },
    };
    try {
      await this.runs.create({
        _id: command.runId,
        organizationId: envelope.organizationId,
        workflowId: version.workflowId,
        workflowVersionId: version._id,
        versionNumber: version.versionNumber,
        workflowExternalId: version.workflowExternalId,
        candidateProfileId: command.candidateProfileId,
        candidateProfileExternalId: command.candidateProfileExternalId,
        triggerSource: command.triggerSource,
        status: 'RUNNING',
        context,
        nodes: [],
        currentNodeId: null,
        startedAt,
        version: 0,
        processedMessageIds: [envelope.id],
        outbox: [toOutboxEntry('events', event)],
      });
    } catch (error) {
      if (isDuplicateKeyError(error)) return 'already-started';
      throw error;
    }
    await this.outbox.relay(this.runs.collection.collectionName, command.runId);
    return 'started';
  }

  findRun(organizationId: string, runId: string) {
    return this.runs.findOne({ _id: runId, organizationId }).lean().exec();
  }
}
