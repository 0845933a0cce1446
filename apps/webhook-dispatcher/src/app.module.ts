import { Module, type DynamicModule } from '@nestjs/common';
import { MessagingModule, messagingOptionsFromConfig } from '@wfp/messaging';
import { createLoggerModule } from '@wfp/observability';
import { HealthModule } from '@wfp/service-runtime';
import { PersistenceModule } from '@wfp/persistence';
import { WebhookDeliveryModule } from '@wfp/webhook-delivery';
import { deliveryOptionsFrom, type DispatcherConfig } from './dispatcher.config';
import { WebhookRequestsHandler } from './endpoints/webhook-requests.handler';
import { WorkflowEventsHandler } from './events/workflow-events.handler';

export const SERVICE_NAME = 'webhook-dispatcher';

@Module({})
export class AppModule {
  static register(config: DispatcherConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        createLoggerModule({ service: SERVICE_NAME, level: config.LOG_LEVEL }),
        MessagingModule.forRoot(messagingOptionsFromConfig(config, SERVICE_NAME)),
        PersistenceModule.forRoot({ url: config.MONGO_URL, defaultDatabase: 'webhook_dispatcher' }),
        HealthModule,
        WebhookDeliveryModule.register(deliveryOptionsFrom(config)),
      ],
      controllers: [WorkflowEventsHandler, WebhookRequestsHandler],
    };
  }
}
