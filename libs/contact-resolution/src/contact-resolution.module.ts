import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import {
  CandidateProfileRepository,
  ContactResolutionRepository,
  RunClaimRepository,
} from './contact-resolution.repository';
import { ContactResolverService, RESOLVER_OPTIONS, type ResolverOptions } from './contact-resolver.service';
import { ProfileKeyRepository } from './profile-key.repository';
import {
  CandidateProfile,
  CandidateProfileSchema,
  ContactResolution,
  ContactResolutionSchema,
  ProfileKey,
  ProfileKeySchema,
  RunClaim,
  RunClaimSchema,
} from './schemas';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: CandidateProfile.name, schema: CandidateProfileSchema },
      { name: ProfileKey.name, schema: ProfileKeySchema },
      { name: RunClaim.name, schema: RunClaimSchema },
      { name: ContactResolution.name, schema: ContactResolutionSchema },
    ]),
  ],
})
export class ContactResolutionModule {
  static register(options: ResolverOptions): DynamicModule {
    return {
      module: ContactResolutionModule,
      providers: [
        { provide: RESOLVER_OPTIONS, useValue: options },
        CandidateProfileRepository,
        ProfileKeyRepository,
        RunClaimRepository,
        ContactResolutionRepository,
        ContactResolverService,
      ],
      exports: [ContactResolverService],
    };
  }
}
