import { Module, type DynamicModule } from '@nestjs/common';
import { AdminTokenGuard, ApiAccessModule } from '@wfp/api-access';
import { MessagingModule, messagingOptionsFromConfig } from '@wfp/messaging';
import { createLoggerModule, MetricsAccessModule } from '@wfp/observability';
import { HealthModule } from '@wfp/service-runtime';
import { PersistenceModule } from '@wfp/persistence';
import { WebhookSubscriptionsModule } from '@wfp/webhook-subscriptions';
import { WorkflowCatalogModule } from '@wfp/workflow-catalog';
import { OperationsModule, parseServiceUrls, SERVICE_NAMES } from '@wfp/operations';
import { DeadLettersController } from './admin/dead-letters.controller';
import { OpsPageController } from './admin/ops-page.controller';
import type { ApiConfig } from './api.config';
import {
  ConversationsController,
  MESSAGING_CALLBACK_SECRET,
  MessagingSignatureGuard,
} from './conversations/conversations.controller';
import { EventTypesController } from './event-types/event-types.controller';
import { OrgsController } from './orgs/orgs.controller';
import { WorkflowRunsController } from './runs/workflow-runs.controller';
import { CallResultsController } from './webhooks/call-results.controller';
import { WebhookDeliveriesController } from './webhooks/webhook-deliveries.controller';
import { WebhookEndpointsController } from './webhooks/webhook-endpoints.controller';
import { CALL_MAX_WAIT_SECONDS, WorkflowsController } from './workflows/workflows.controller';

export const SERVICE_NAME = 'workflow-api';

@Module({})
export class AppModule {
  static register(config: ApiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        createLoggerModule({ service: SERVICE_NAME, level: config.LOG_LEVEL }),
        MessagingModule.forRoot(messagingOptionsFromConfig(config, SERVICE_NAME)),
        PersistenceModule.forRoot({ url: config.MONGO_URL, defaultDatabase: 'workflow_api' }),
        HealthModule,
        // The gateway's port is public: its metrics are for the operators (Bearer ADMIN_TOKEN).
        MetricsAccessModule.restrictTo({
          useFactory: (admin: AdminTokenGuard) => (request) => admin.hasAdminToken(request),
          inject: [AdminTokenGuard],
        }),
        ApiAccessModule.register({
          adminToken: config.ADMIN_TOKEN,
          rateLimit: config.API_RATE_LIMIT,
          rateLimitWindowMs: config.API_RATE_LIMIT_WINDOW_MS,
        }),
        WorkflowCatalogModule,
        WebhookSubscriptionsModule,
        OperationsModule.register({ serviceUrls: parseServiceUrls(config.OPS_SERVICE_URLS, SERVICE_NAMES) }),
      ],
      controllers: [
        OrgsController,
        WorkflowsController,
        WorkflowRunsController,
        ConversationsController,
        EventTypesController,
        WebhookEndpointsController,
        WebhookDeliveriesController,
        CallResultsController,
        DeadLettersController,
        OpsPageController,
      ],
      providers: [
        { provide: MESSAGING_CALLBACK_SECRET, useValue: config.MESSAGING_CALLBACK_SECRET },
        { provide: CALL_MAX_WAIT_SECONDS, useValue: config.CALL_MAX_WAIT_SECONDS },
        MessagingSignatureGuard,
      ],
    };
  }
}
