import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { ContactsResolveCommand, createEnvelope, newId, runIdFor, type InlineContact } from '@wfp/contracts';
import { ApiError } from '@wfp/http-kit';
import { OutboxRelayService, toOutboxEntry } from '@wfp/persistence';

import { RunRequest } from './run-request.schema';
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
    @InjectModel(RunRequest.name) private readonly requests: Model<RunRequest>,
    private readonly workflows: WorkflowsService,
    private readonly outbox: OutboxRelayService,
  ) {}

  /**
   * Accepts a request to run the workflow's latest published version for each item (inline
   * contacts first, then candidate profile ids). One insert stores the request and a
   * `contacts.resolve` command per item; contact-resolver then claims each candidate and starts
   * the runs asynchronously.
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
    const workflow = await this.workflows.findOwned(caller.organizationId, workflowId);
    if (workflow.status === 'ARCHIVED') throw ApiError.conflict('An archived workflow cannot be run');
    const version = await this.workflows.latestVersion(caller.organizationId, workflowId);
    if (!version) throw ApiError.conflict('The workflow has no published version: publish it first');

    const requestId = newId('req');
    const origin = {
      organizationId: caller.organizationId,
      correlationId: caller.correlationId,
      causationId: requestId,
    };
    const base = {
      requestId,
      workflowId,
      workflowVersionId: version._id,
      versionNumber: version.versionNumber,
      workflowExternalId: workflow.externalId,
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
    await this.requests.create({
      _id: requestId,
      organizationId: caller.organizationId,
      workflowId,
      workflowVersionId: version._id,
      versionNumber: version.versionNumber,
      triggerSource: input.triggerSource,
      inputs: input.inputs ?? {},
      candidateProfileIds,
      contactCount: contacts.length,
      runIds,
      accepted: commands.length,
      outbox: commands.map((command) =>
        toOutboxEntry('commands', createEnvelope(ContactsResolveCommand, command, origin)),
      ),
    });
    // Stored is accepted: the relay (or its sweeper) publishes the commands; the caller need not wait.
    void this.outbox.relay(this.requests.collection.collectionName, requestId);
    return { requestId, accepted: commands.length, runIds };
  }
}
