import { Injectable } from '@nestjs/common';
import type { MessageEnvelope, VersionsRegisterCommand } from '@wfp/contracts';
import { isDuplicateKeyError } from '@wfp/persistence';
import { WorkflowVersionCopyRepository } from './version-copy.repository';
import type { WorkflowVersionCopy } from './workflow-version-copy.schema';

/** Versions kept in memory; they are immutable, so a cached copy is never stale. */
const CACHED_VERSIONS = 1_000;

@Injectable()
export class VersionRegistryService {
  private readonly cache = new Map<string, WorkflowVersionCopy>();

  constructor(private readonly versions: WorkflowVersionCopyRepository) {}

  /** Stores the copy once; versions are immutable, so a redelivered command changes nothing. */
  async register(envelope: MessageEnvelope<VersionsRegisterCommand>): Promise<void> {
    const command = envelope.payload;
    try {
      await this.versions.create({
        _id: command.workflowVersionId,
        organizationId: envelope.organizationId,
        workflowId: command.workflowId,
        versionNumber: command.versionNumber,
        workflowExternalId: command.workflowExternalId,
        definition: command.definition,
      });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  /** The version copy, if it belongs to the organization; read once per process. */
  async find(organizationId: string, workflowVersionId: string): Promise<WorkflowVersionCopy | null> {
    const cached = this.cache.get(workflowVersionId);
    if (cached) return cached.organizationId === organizationId ? cached : null;
    const version = (await this.versions
      .findOne(organizationId, { _id: workflowVersionId })
      .lean()
      .exec()) as WorkflowVersionCopy | null;
    if (version) {
      if (this.cache.size >= CACHED_VERSIONS) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(workflowVersionId, version);
    }
    return version;
  }
}
