import { Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { InjectModel, MongooseModule } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { OutboxRelayService } from '@wfp/persistence';
import { ContactResolverService, RESOLVER_OPTIONS, type ResolverOptions } from './contact-resolver.service';
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
export class ContactResolutionModule implements OnModuleInit {
  static register(options: ResolverOptions): DynamicModule {
    return {
      module: ContactResolutionModule,
      providers: [{ provide: RESOLVER_OPTIONS, useValue: options }, ContactResolverService],
      exports: [ContactResolverService],
    };
  }

  constructor(
    private readonly outbox: OutboxRelayService,
    @InjectModel(ContactResolution.name) private readonly resolutions: Model<ContactResolution>,
  ) {}

  onModuleInit(): void {
    this.outbox.watch(this.resolutions);
  }
}
