import { Module, type DynamicModule } from '@nestjs/common';
import { loopbackAllowanceOf } from '@wfp/config';
import { MessagingModule, messagingOptionsFromConfig } from '@wfp/messaging';
import { createLoggerModule } from '@wfp/observability';
import { HealthModule } from '@wfp/service-runtime';
import { PersistenceModule } from '@wfp/persistence';
import { WorkflowRunsModule } from '@wfp/workflow-runs';
import type { ProcessorConfig } from './processor.config';
import { RunCommandsHandler } from './runs/run-commands.handler';

/**
 * An organization's share of the consumer: half the prefetch unless configured; beyond it only
 * while fewer than three quarters of the prefetch are in flight, so the last quarter is always left
 * to the other organizations.
 */
function organizationShares(config: ProcessorConfig) {
  const prefetch = config.AMQP_PREFETCH;
  return {
    organizationConcurrency: config.RUN_ORGANIZATION_CONCURRENCY || Math.max(1, Math.floor(prefetch / 2)),
    spareCapacityBelow: prefetch - Math.max(1, Math.floor(prefetch / 4)),
  };
}

export const SERVICE_NAME = 'workflow-processor';

@Module({})
export class AppModule {
  static register(config: ProcessorConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        createLoggerModule({ service: SERVICE_NAME, level: config.LOG_LEVEL }),
        MessagingModule.forRoot(messagingOptionsFromConfig(config, SERVICE_NAME)),
        PersistenceModule.forRoot({ url: config.MONGO_URL, defaultDatabase: 'workflow_processor' }),
        HealthModule,
        WorkflowRunsModule.register({
          messagingUrl: config.MESSAGING_URL,
          messagingTimeoutMs: config.MESSAGING_TIMEOUT_MS,
          messagingRetries: config.MESSAGING_RETRIES,
          retryBackoffMs: config.OUTBOUND_RETRY_BACKOFF_MS,
          addressPolicy: loopbackAllowanceOf(config),
          maxNodesBytes: config.RUN_EVENT_MAX_NODES_BYTES,
          messageBudgetMs: config.RUN_MESSAGE_BUDGET_MS,
          ...organizationShares(config),
          timerPollIntervalMs: config.TIMER_POLL_INTERVAL_MS,
        }),
      ],
      controllers: [RunCommandsHandler],
    };
  }
}
