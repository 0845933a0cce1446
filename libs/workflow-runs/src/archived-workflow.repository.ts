import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { TenantRepository } from '@wfp/persistence';
import { ArchivedWorkflow } from './archived-workflow.schema';

/** Workflows the processor knows to be archived; every query names the organization. */
@Injectable()
export class ArchivedWorkflowRepository extends TenantRepository<ArchivedWorkflow> {
  constructor(@InjectModel(ArchivedWorkflow.name) model: Model<ArchivedWorkflow>) {
    super(model);
  }
}
