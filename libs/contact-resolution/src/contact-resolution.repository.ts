import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { TenantRepository } from '@wfp/persistence';
import { CandidateProfile, ContactResolution, RunClaim } from './schemas';

/** The organizations' candidate profiles; every query names the organization. */
@Injectable()
export class CandidateProfileRepository extends TenantRepository<CandidateProfile> {
  constructor(@InjectModel(CandidateProfile.name) model: Model<CandidateProfile>) {
    super(model);
  }
}

/** Claims on (version, candidate): one run at a time per candidate and version; scoped by organization. */
@Injectable()
export class RunClaimRepository extends TenantRepository<RunClaim> {
  constructor(@InjectModel(RunClaim.name) model: Model<RunClaim>) {
    super(model);
  }
}

/** The recorded results of skipped and failed run-request items; scoped by organization. */
@Injectable()
export class ContactResolutionRepository extends TenantRepository<ContactResolution> {
  constructor(@InjectModel(ContactResolution.name) model: Model<ContactResolution>) {
    super(model);
  }
}
