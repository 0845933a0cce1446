import { Injectable } from '@nestjs/common';
import {
  createEnvelope,
  encodeCursor,
  isNewestFirstPosition,
  newestFirstAfter,
  newestFirstCursor,
  newId,
  PublishedEvent,
  RunsCancelCommand,
  VersionsRegisterCommand,
  type PublishedData,
} from '@wfp/contracts';
import { ApiError, decodeCursor, type Page } from '@wfp/http-kit';
import { isDuplicateKeyError, OutboxRelayService, toOutboxEntry } from '@wfp/persistence';
import { validateDefinitionForPublish, type WorkflowDefinition } from '@wfp/workflow-graph';

import type { RunTarget } from './run-target-cache';
import { RunTargetsService } from './run-targets.service';
import { WorkflowRepository, WorkflowVersionRepository } from './workflow.repository';
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

export interface VersionView extends VersionSummary {
  publishedByUserId: string;
  definition: Record<string, unknown>;
}

export interface ListQuery {
  limit: number;
  cursor?: string;
  status?: WorkflowStatus;
}

interface VersionPosition extends Record<string, string | number> {
  versionNumber: number;
}

const isVersionPosition = (value: Record<string, unknown>): value is VersionPosition =>
  Number.isInteger(value['versionNumber']);

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
/** A version's metadata without its (possibly large) definition. */
type VersionMeta = Omit<VersionRecord, 'definition'>;
/** A workflow as read back, without its outbox. */
export type WorkflowRecord = Omit<Workflow, 'outbox'>;

/** Attempts at taking the next version number when concurrent publishes collide. */
const PUBLISH_ATTEMPTS = 5;

@Injectable()
export class WorkflowsService {
  constructor(
    private readonly workflows: WorkflowRepository,
    private readonly versions: WorkflowVersionRepository,
    private readonly outbox: OutboxRelayService,
    private readonly targets: RunTargetsService,
  ) {}

  /**
   * What a run or a call of the workflow needs (state, latest published version), from memory when
   * this instance has it: accepting a run then reads nothing from the store. 404 for a workflow the
   * organization does not have.
   */
  async runTarget(organizationId: string, workflowId: string): Promise<RunTarget> {
    const target = await this.targets.get(organizationId, workflowId, async () => {
      const workflow = (await this.workflows
        .findOne(organizationId, { _id: workflowId }, { outbox: 0, draft: 0 })
        .lean()
        .exec()) as WorkflowRecord | null;
      if (!workflow) return null;
      const version = await this.latestVersion(organizationId, workflowId);
      return {
        workflowId,
        organizationId,
        status: workflow.status,
        externalId: workflow.externalId,
        version: version
          ? {
              id: version._id,
              number: version.versionNumber,
              inputs: (version.definition as { inputs?: unknown } | undefined)?.inputs ?? null,
            }
          : null,
      };
    });
    if (!target) throw ApiError.notFound('Workflow');
    return target;
  }

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

  /** Newest first; the cursor is the last item's (createdAt, id), so pages never skip or repeat. */
  async list(organizationId: string, query: ListQuery): Promise<Page<WorkflowView>> {
    const filter: Record<string, unknown> = {};
    if (query.status) filter['status'] = query.status;
    if (query.cursor) Object.assign(filter, newestFirstAfter(decodeCursor(query.cursor, isNewestFirstPosition)));
    const workflows = await this.workflows
      .find(organizationId, filter, { outbox: 0 })
      .sort({ createdAt: -1, _id: -1 })
      .limit(query.limit + 1)
      .lean()
      .exec();
    const page = workflows.slice(0, query.limit);
    const latest = await this.latestVersions(
      organizationId,
      page.map((workflow) => workflow._id),
    );
    const last = page.at(-1);
    return {
      data: page.map((workflow) => this.toView(workflow, latest.get(workflow._id) ?? null)),
      nextCursor: workflows.length > query.limit && last ? newestFirstCursor(last) : null,
    };
  }

  /** Replaces the editable draft; published versions are untouched. */
  async replaceDraft(
    organizationId: string,
    workflowId: string,
    definition: Record<string, unknown>,
  ): Promise<WorkflowView> {
    const updated = await this.workflows
      .findOneAndUpdate(
        organizationId,
        { _id: workflowId, status: 'ACTIVE' },
        { $set: { draft: definition } },
        // No projection here: FerretDB v1's findAndModify does not support one.
        { returnDocument: 'after' },
      )
      .lean()
      .exec();
    if (!updated) {
      const existing = await this.findOwned(organizationId, workflowId);
      throw ApiError.conflict(`The workflow is ${existing.status.toLowerCase()}: its draft cannot change`);
    }
    return this.toView(updated, await this.latestVersion(organizationId, workflowId));
  }

  /**
   * Archives the workflow: no more runs or publishing. In the same write it queues the command
   * that cancels its active runs. Archiving an archived workflow changes nothing.
   */
  async archive(caller: Caller, workflowId: string): Promise<WorkflowView> {
    const reason = 'Workflow archived';
    const cancel: RunsCancelCommand = { workflowId, reason };
    const archived = await this.workflows
      .findOneAndUpdate(
        caller.organizationId,
        { _id: workflowId, status: 'ACTIVE' },
        {
          $set: { status: 'ARCHIVED', archivedAt: new Date() },
          $push: {
            outbox: toOutboxEntry(
              'commands',
              createEnvelope(RunsCancelCommand, cancel, {
                organizationId: caller.organizationId,
                correlationId: caller.correlationId,
              }),
            ),
          },
        },
        { returnDocument: 'after' },
      )
      .lean()
      .exec();
    if (archived) {
      await this.outbox.relay(this.workflows.collectionName, workflowId);
      await this.targets.changed(workflowId);
    }
    return this.get(caller.organizationId, workflowId);
  }

  /** Published versions, newest first. */
  async listVersions(organizationId: string, workflowId: string, query: ListQuery): Promise<Page<VersionView>> {
    await this.findOwned(organizationId, workflowId);
    const filter: Record<string, unknown> = { workflowId };
    if (query.cursor) filter['versionNumber'] = { $lt: decodeCursor(query.cursor, isVersionPosition).versionNumber };
    const versions = await this.versions
      .find(organizationId, filter, { outbox: 0 })
      .sort({ versionNumber: -1 })
      .limit(query.limit + 1)
      .lean()
      .exec();
    const page = versions.slice(0, query.limit);
    const last = page.at(-1);
    return {
      data: page.map((version) => ({
        workflowVersionId: version._id,
        versionNumber: version.versionNumber,
        publishedAt: version.publishedAt.toISOString(),
        publishedByUserId: version.publishedByUserId,
        definition: version.definition,
      })),
      nextCursor: versions.length > query.limit && last ? encodeCursor({ versionNumber: last.versionNumber }) : null,
    };
  }

  private async latestVersions(organizationId: string, workflowIds: string[]): Promise<Map<string, VersionMeta>> {
    if (workflowIds.length === 0) return new Map();
    // No $group/$lookup needed: newest first, keep the first seen per workflow.
    const versions = await this.versions
      .find(organizationId, { workflowId: { $in: workflowIds } }, { outbox: 0, definition: 0 })
      .sort({ workflowId: 1, versionNumber: -1 })
      .lean()
      .exec();
    const latest = new Map<string, VersionMeta>();
    for (const version of versions) if (!latest.has(version.workflowId)) latest.set(version.workflowId, version);
    return latest;
  }

  async latestVersion(organizationId: string, workflowId: string): Promise<VersionRecord | null> {
    return this.versions
      .findOne(organizationId, { workflowId }, { outbox: 0 })
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
            toOutboxEntry('events', createEnvelope(PublishedEvent, published, origin)),
          ],
        });
      } catch (error) {
        if (isDuplicateKeyError(error) && attempt < PUBLISH_ATTEMPTS) continue;
        if (isDuplicateKeyError(error)) throw ApiError.conflict('The workflow is being published concurrently; retry');
        throw error;
      }
      await this.outbox.relay(this.versions.collectionName, workflowVersionId);
      await this.targets.changed(workflowId);
      return { workflowVersionId, versionNumber, publishedAt: publishedAt.toISOString() };
    }
  }

  /** Reads a workflow of the caller's organization; another organization's id is a plain 404. */
  async findOwned(organizationId: string, workflowId: string): Promise<WorkflowRecord> {
    const workflow = (await this.workflows
      .findOne(organizationId, { _id: workflowId }, { outbox: 0 })
      .lean()
      .exec()) as WorkflowRecord | null;
    if (!workflow) throw ApiError.notFound('Workflow');
    return workflow;
  }

  private toView(workflow: WorkflowRecord, latest: VersionMeta | null): WorkflowView {
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
