import { Injectable } from '@nestjs/common';
import { ContactsResolveCommand, createEnvelope, newId, runIdFor, type InlineContact } from '@wfp/contracts';
import { ApiError } from '@wfp/http-kit';
import { MessagePublisherService } from '@wfp/messaging';
import { inputProblems, type WorkflowDefinition } from '@wfp/workflow-graph';
import { WorkflowsService, type Caller } from './workflows.service';

export interface RunRequestInput {
  triggerSource: 'API';
  contacts?: InlineContact[];
  candidateProfileIds?: string[];
  inputs?: Record<string, unknown>;
}

/** Largest number of items (contacts and candidate profile ids together) in one request. */
export const MAX_RUN_REQUEST_ITEMS = 1000;

export interface AcceptedRunRequest {
  requestId: string;
  accepted: number;
  runIds: string[];
}

@Injectable()
export class RunRequestsService {
  constructor(
    private readonly workflows: WorkflowsService,
    private readonly publisher: MessagePublisherService,
  ) {}

  /**
   * Accepts a request to run the workflow's latest published version for each item (inline
   * contacts first, then candidate profile ids): one `contacts.resolve` command per item, published
   * with broker confirms before the 202. Nothing is stored here: the broker holds the commands
   * durably, contact-resolver records each item's result, and the run ids are derived from the
   * request id. If the broker does not confirm, the answer is 503 (a retry may then repeat items
   * that did go out: their candidates are already claimed, so they come back SKIPPED, not twice).
   */
  async request(caller: Caller, workflowId: string, input: RunRequestInput): Promise<AcceptedRunRequest> {
    const contacts = input.contacts ?? [];
    const candidateProfileIds = input.candidateProfileIds ?? [];
    const items = contacts.length + candidateProfileIds.length;
    if (items === 0) {
      throw ApiError.badRequest('Give at least one of contacts or candidateProfileIds', [
        { field: 'contacts', message: 'contacts or candidateProfileIds must not be empty' },
      ]);
    }
    if (items > MAX_RUN_REQUEST_ITEMS) {
      throw ApiError.badRequest(`At most ${MAX_RUN_REQUEST_ITEMS} contacts and candidate profile ids per request`, [
        { field: 'contacts', message: `${items} items given` },
      ]);
    }
    const target = await this.workflows.runTarget(caller.organizationId, workflowId);
    if (target.status === 'ARCHIVED') throw ApiError.conflict('An archived workflow cannot be run');
    const version = target.version;
    if (!version) throw ApiError.conflict('The workflow has no published version: publish it first');
    // The version's declared inputs hold for every run of it, started by request or by call.
    const problems = inputProblems(version.inputs as WorkflowDefinition['inputs'], input.inputs ?? {});
    if (problems.length > 0) throw ApiError.badRequest(problems.map((problem) => problem.message).join('; '), problems);

    const requestId = newId('req');
    const origin = {
      organizationId: caller.organizationId,
      correlationId: caller.correlationId,
      causationId: requestId,
    };
    const base = {
      requestId,
      workflowId,
      workflowVersionId: version.id,
      versionNumber: version.number,
      workflowExternalId: target.externalId,
      triggerSource: input.triggerSource,
      inputs: input.inputs ?? {},
    };
    const commands: ContactsResolveCommand[] = [
      ...contacts.map((contact, index) => ({ ...base, contactIndex: index, contact: { ...contact } })),
      ...candidateProfileIds.map((candidateProfileId, index) => ({
        ...base,
        contactIndex: contacts.length + index,
        candidateProfileId,
      })),
    ];
    const runIds = commands.map((command) => runIdFor(requestId, command.contactIndex));
    try {
      await Promise.all(
        commands.map((command) =>
          this.publisher.publish('commands', createEnvelope(ContactsResolveCommand, command, origin)),
        ),
      );
    } catch {
      throw ApiError.serviceUnavailable('The run request could not be queued; retry shortly');
    }
    return { requestId, accepted: commands.length, runIds };
  }
}
