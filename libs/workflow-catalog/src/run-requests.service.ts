import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { createEnvelope, newId, RunsStartCommand } from '@wfp/contracts';
import { ApiError } from '@wfp/http-kit';
import { OutboxRelayService, toOutboxEntry } from '@wfp/persistence';

import { RunRequest } from './run-request.schema';
import { WorkflowsService, type Caller } from './workflows.service';

export interface RunRequestInput {
  triggerSource: 'API';
  candidateProfileIds: string[];
  inputs?: Record<string, unknown>;
}

export interface AcceptedRunRequest {
  requestId: string;
  accepted: number;
  runIds: string[];
}

@Injectable()
export class RunRequestsService {
  constructor(
    @InjectModel(RunRequest.name) private readonly requests: Model<RunRequest>,
    private readonly workflows: WorkflowsService,
    private readonly outbox: OutboxRelayService,
  ) {}

  /**
   * Accepts a request to run the workflow's latest published version for each candidate. One
   * insert stores the request and a `runs.start` command per candidate; runs start asynchronously.
   */
  async request(caller: Caller, workflowId: string, input: RunRequestInput): Promise<AcceptedRunRequest> {
    const workflow = await this.workflows.findOwned(caller.organizationId, workflowId);
    if (workflow.status === 'ARCHIVED') throw ApiError.conflict('An archived workflow cannot be run');
    const version = await this.workflows.latestVersion(caller.organizationId, workflowId);
    if (!version) throw ApiError.conflict('The workflow has no published version: publish it first');

    const requestId = newId('req');
    const candidateProfileIds = [...new Set(input.candidateProfileIds)];
    const runIds = candidateProfileIds.map(() => newId('run'));
    const origin = {
      organizationId: caller.organizationId,
      correlationId: caller.correlationId,
      causationId: requestId,
    };
    const commands = candidateProfileIds.map((candidateProfileId, index) => {
      const command: RunsStartCommand = {
        runId: runIds[index],
        workflowId,
        workflowVersionId: version._id,
        versionNumber: version.versionNumber,
        workflowExternalId: workflow.externalId,
        candidateProfileId,
        candidateProfileExternalId: null,
        triggerSource: input.triggerSource,
        inputs: input.inputs ?? {},
      };
      return toOutboxEntry('commands', createEnvelope(RunsStartCommand, command, origin));
    });
    await this.requests.create({
      _id: requestId,
      organizationId: caller.organizationId,
      workflowId,
      workflowVersionId: version._id,
      versionNumber: version.versionNumber,
      triggerSource: input.triggerSource,
      inputs: input.inputs ?? {},
      candidateProfileIds,
      runIds,
      accepted: candidateProfileIds.length,
      outbox: commands,
    });
    await this.outbox.relay(this.requests.collection.collectionName, requestId);
    return { requestId, accepted: candidateProfileIds.length, runIds };
  }
}
