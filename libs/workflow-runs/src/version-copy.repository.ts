import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { TenantRepository } from '@wfp/persistence';
import { WorkflowVersionCopy } from './workflow-version-copy.schema';

/** The processor's copies of published versions; every query names the organization. */
@Injectable()
export class WorkflowVersionCopyRepository extends TenantRepository<WorkflowVersionCopy> {
  constructor(@InjectModel(WorkflowVersionCopy.name) model: Model<WorkflowVersionCopy>) {
    super(model);
  }

  /** The graphs of these versions, whatever their organization: the operations page's recent runs. */
  definitionsAcrossOrganizations(versionIds: string[]) {
    return this.acrossOrganizations('the operations page shows the newest runs of every organization')
      .find({ _id: { $in: versionIds } }, { definition: 1 })
      .lean()
      .exec();
  }
}
