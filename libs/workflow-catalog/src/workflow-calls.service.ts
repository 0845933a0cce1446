import { Injectable } from '@nestjs/common';
import { createEnvelope, newId, RunsStartCommand, type CallResult } from '@wfp/contracts';
import { ApiError } from '@wfp/http-kit';
import { MessagePublisherService } from '@wfp/messaging';
import { WebhookEndpointsClient } from '@wfp/webhook-subscriptions';
import { inputProblems, type WorkflowDefinition } from '@wfp/workflow-graph';
import { CallCompletionsService } from './call-completions.service';
import { WorkflowsService, type Caller } from './workflows.service';

export interface WorkflowCallInput {
  inputs: Record<string, unknown>;
  responseMeta?: Record<string, unknown>;
}

/** 200 when the run ended within the wait, 202 (with only the run id) otherwise. */
export type WorkflowCallAnswer =
  { httpStatus: 200; body: { runId: string } & CallResult } | { httpStatus: 202; body: { runId: string } };

/**
 * Calls a workflow as a function (seeds/callable-workflows-demo.txt): its latest published version
 * runs on the given inputs alone (no candidate), and the caller waits for the result, or gets it
 * later from GET /v1/workflow-runs/:runId or, with `inputs.webhookUrl`, as a signed delivery:
 * to any URL the address policy allows (checked now and on every connection), signed with the
 * secret of the organization's endpoint registered with that URL, or else with its call-result secret.
 */
@Injectable()
export class WorkflowCallsService {
  constructor(
    private readonly workflows: WorkflowsService,
    private readonly endpoints: WebhookEndpointsClient,
    private readonly publisher: MessagePublisherService,
    private readonly completions: CallCompletionsService,
  ) {}

  async call(
    caller: Caller,
    workflowId: string,
    input: WorkflowCallInput,
    waitSeconds: number,
  ): Promise<WorkflowCallAnswer> {
    const workflow = await this.workflows.runTarget(caller.organizationId, workflowId);
    if (workflow.status === 'ARCHIVED') throw ApiError.conflict('An archived workflow cannot be called');
    const version = workflow.version;
    if (!version) throw ApiError.conflict('The workflow has no published version: publish it first');

    const problems = inputProblems(version.inputs as WorkflowDefinition['inputs'], input.inputs);
    if (problems.length > 0) throw ApiError.badRequest(problems.map((problem) => problem.message).join('; '), problems);

    const webhookUrl = input.inputs['webhookUrl'];
    const target =
      typeof webhookUrl === 'string'
        ? await this.endpoints.resolveCallTarget(caller, webhookUrl, 'inputs.webhookUrl')
        : null;

    const runId = newId('run');
    const command: RunsStartCommand = {
      runId,
      workflowId,
      workflowVersionId: version.id,
      versionNumber: version.number,
      workflowExternalId: workflow.externalId,
      candidateProfileId: null,
      candidateProfileExternalId: null,
      triggerSource: 'CALL',
      inputs: input.inputs,
      call: {
        webhookEndpointId: target?.endpointId ?? null,
        webhookUrl: target?.url ?? null,
        responseMeta: input.responseMeta ?? null,
      },
    };
    // Waiting starts before the run does, so a run that ends at once is not missed.
    const waiter = waitSeconds > 0 ? this.completions.expect(runId) : null;
    try {
      await this.publisher.publish(
        'commands',
        createEnvelope(RunsStartCommand, command, { ...caller, causationId: runId }),
      );
    } catch {
      waiter?.cancel();
      throw ApiError.serviceUnavailable('The call could not be queued; retry shortly');
    }
    const result = waiter ? await waiter.result(waitSeconds * 1000) : null;
    return result ? { httpStatus: 200, body: { runId, ...result } } : { httpStatus: 202, body: { runId } };
  }
}
