import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { TenantRepository } from '@wfp/persistence';
import { CandidateLane } from './candidate-lane.schema';

/** Ordered endpoints' candidate lanes; every query names the organization. */
@Injectable()
export class CandidateLaneRepository extends TenantRepository<CandidateLane> {
  constructor(@InjectModel(CandidateLane.name) model: Model<CandidateLane>) {
    super(model);
  }
}
