import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { TenantRepository } from '@wfp/persistence';
import { Workflow, WorkflowVersion } from './workflow.schema';

/** The organizations' workflows (drafts and state); every query names the organization. */
@Injectable()
export class WorkflowRepository extends TenantRepository<Workflow> {
  constructor(@InjectModel(Workflow.name) model: Model<Workflow>) {
    super(model);
  }
}

/** The organizations' published, immutable workflow versions; every query names the organization. */
@Injectable()
export class WorkflowVersionRepository extends TenantRepository<WorkflowVersion> {
  constructor(@InjectModel(WorkflowVersion.name) model: Model<WorkflowVersion>) {
    super(model);
  }
}
