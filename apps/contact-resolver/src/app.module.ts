import { Module, type DynamicModule } from '@nestjs/common';
import type { CountryCode } from 'libphonenumber-js';
import { ContactResolutionModule } from '@wfp/contact-resolution';
import { MessagingModule, messagingOptionsFromConfig } from '@wfp/messaging';
import { createLoggerModule } from '@wfp/observability';
import { HealthModule } from '@wfp/service-runtime';
import { PersistenceModule } from '@wfp/persistence';
import { ContactMessagesHandler } from './contacts/contact-messages.handler';
import type { ResolverConfig } from './resolver.config';

export const SERVICE_NAME = 'contact-resolver';

@Module({})
export class AppModule {
  static register(config: ResolverConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        createLoggerModule({ service: SERVICE_NAME, level: config.LOG_LEVEL }),
        MessagingModule.forRoot(messagingOptionsFromConfig(config, SERVICE_NAME)),
        PersistenceModule.forRoot({ url: config.MONGO_URL, defaultDatabase: 'contact_resolver' }),
        HealthModule,
        ContactResolutionModule.register({ defaultRegion: config.DEFAULT_PHONE_REGION as CountryCode }),
      ],
      controllers: [ContactMessagesHandler],
    };
  }
}
