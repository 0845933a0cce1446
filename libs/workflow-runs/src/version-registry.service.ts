import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { MessageEnvelope, VersionsRegisterCommand } from '@wfp/contracts';
import { findOwnedById, isDuplicateKeyError } from '@wfp/persistence';
import { WorkflowVersionCopy } from './workflow-version-copy.schema';

@Injectable()
export class VersionRegistryService {
  constructor(@InjectModel(WorkflowVersionCopy.name) private readonly versions: Model<WorkflowVersionCopy>) {}

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

  find(organizationId: string, workflowVersionId: string) {
    return findOwnedById(this.versions, workflowVersionId, organizationId);
  }
}
