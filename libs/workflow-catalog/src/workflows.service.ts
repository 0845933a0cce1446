import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import {
  createEnvelope,
  newId,
  VersionsRegisterCommand,
  workflowEvent,
  WorkflowEventType,
  type PublishedData,
} from '@wfp/contracts';
import { ApiError } from '@wfp/http-kit';
import { isDuplicateKeyError, OutboxRelayService, toOutboxEntry } from '@wfp/persistence';
import { validateDefinitionForPublish, type WorkflowDefinition } from '@wfp/workflow-graph';

import { Workflow, WorkflowVersion, type WorkflowStatus } from './workflow.schema';

export interface Caller {
  organizationId: string;
  keyId: string;
  correlationId: string;
}

export interface CreateWorkflowInput {
  name: string;
  externalId?: string;
  description?: string;
  definition: Record<string, unknown>;
}

export interface VersionSummary {
  workflowVersionId: string;
  versionNumber: number;
  publishedAt: string;
}

export interface WorkflowView {
  id: string;
  name: string;
  externalId: string | null;
  description: string | null;
  status: WorkflowStatus;
  definition: Record<string, unknown>;
  latestVersion: VersionSummary | null;
  createdAt: string;
  updatedAt: string;
}

/** A version as read back: the outbox is internal and never loaded with it. */
export type VersionRecord = Omit<WorkflowVersion, 'outbox'>;

/** Attempts at taking the next version number when concurrent publishes collide. */
const PUBLISH_ATTEMPTS = 5;

@Injectable()
export class WorkflowsService {
  constructor(
    @InjectModel(Workflow.name) private readonly workflows: Model<Workflow>,
    @InjectModel(WorkflowVersion.name) private readonly versions: Model<WorkflowVersion>,
    private readonly outbox: OutboxRelayService,
  ) {}

  async create(caller: Caller, input: CreateWorkflowInput): Promise<WorkflowView> {
    const workflow = await this.workflows.create({
      _id: newId('wf'),
      organizationId: caller.organizationId,
      name: input.name,
      externalId: input.externalId ?? null,
      description: input.description ?? null,
      draft: input.definition,
      status: 'ACTIVE',
    });
    return this.toView(workflow.toObject(), null);
  }

  async get(organizationId: string, workflowId: string): Promise<WorkflowView> {
    const workflow = await this.findOwned(organizationId, workflowId);
    return this.toView(workflow, await this.latestVersion(organizationId, workflowId));
  }

  async latestVersion(organizationId: string, workflowId: string): Promise<VersionRecord | null> {
    return this.versions
      .findOne({ organizationId, workflowId }, { outbox: 0 })
      .sort({ versionNumber: -1 })
      .lean()
      .exec();
  }

  /**
   * Validates the draft as a whole graph and stores it as the next immutable version. The version
   * document carries WORKFLOW_PUBLISHED and the processor's copy command in its outbox.
   */
  async publish(caller: Caller, workflowId: string): Promise<VersionSummary> {
    const workflow = await this.findOwned(caller.organizationId, workflowId);
    if (workflow.status === 'ARCHIVED') throw ApiError.conflict('An archived workflow cannot be published');
    const problems = validateDefinitionForPublish(workflow.draft as unknown as WorkflowDefinition);
    if (problems.length > 0) {
      throw ApiError.unprocessable(
        `The draft cannot be published: ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
        problems.map((problem) => ({ nodeId: problem.nodeId, field: problem.field, message: problem.message })),
      );
    }

    for (let attempt = 1; ; attempt += 1) {
      const latest = await this.latestVersion(caller.organizationId, workflowId);
      const versionNumber = (latest?.versionNumber ?? 0) + 1;
      const workflowVersionId = newId('wfv');
      const publishedAt = new Date();
      const origin = { organizationId: caller.organizationId, correlationId: caller.correlationId };
      const published: PublishedData = {
        recordId: workflowId,
        organizationId: caller.organizationId,
        workflowExternalId: workflow.externalId,
        workflowVersionId,
        versionNumber,
        publishedByUserId: caller.keyId,
        publishedAt: publishedAt.toISOString(),
      };
      const register: VersionsRegisterCommand = {
        workflowId,
        workflowVersionId,
        versionNumber,
        workflowExternalId: workflow.externalId,
        definition: workflow.draft,
      };
      try {
        await this.versions.create({
          _id: workflowVersionId,
          organizationId: caller.organizationId,
          workflowId,
          versionNumber,
          definition: workflow.draft,
          publishedAt,
          publishedByUserId: caller.keyId,
          // The processor's copy goes first: a run started right after this publish needs it.
          outbox: [
            toOutboxEntry('commands', createEnvelope(VersionsRegisterCommand, register, origin)),
            toOutboxEntry('events', createEnvelope(workflowEvent(WorkflowEventType.Published), published, origin)),
          ],
        });
      } catch (error) {
        if (isDuplicateKeyError(error) && attempt < PUBLISH_ATTEMPTS) continue;
        if (isDuplicateKeyError(error)) throw ApiError.conflict('The workflow is being published concurrently; retry');
        throw error;
      }
      await this.outbox.relay(this.versions.collection.collectionName, workflowVersionId);
      return { workflowVersionId, versionNumber, publishedAt: publishedAt.toISOString() };
    }
  }

  /** Reads a workflow of the caller's organization; another organization's id is a plain 404. */
  async findOwned(organizationId: string, workflowId: string): Promise<Workflow> {
    const workflow = await this.workflows.findOne({ _id: workflowId, organizationId }).lean().exec();
    if (!workflow) throw ApiError.notFound('Workflow');
    return workflow;
  }

  private toView(workflow: Workflow, latest: VersionRecord | null): WorkflowView {
    return {
      id: workflow._id,
      name: workflow.name,
      externalId: workflow.externalId,
      description: workflow.description,
      status: workflow.status,
      definition: workflow.draft,
      latestVersion: latest
        ? {
            workflowVersionId: latest._id,
            versionNumber: latest.versionNumber,
            publishedAt: latest.publishedAt.toISOString(),
          }
        : null,
      createdAt: workflow.createdAt.toISOString(),
      updatedAt: workflow.updatedAt.toISOString(),
    };
  }
}
