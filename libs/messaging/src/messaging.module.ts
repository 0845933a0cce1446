import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { BaseServiceConfig } from '@wfp/config';
import { AmqpConnectionService } from './amqp-connection.service';
import { AmqpHealthIndicator } from './amqp.health';
import { MessagePublisherService } from './message-publisher.service';
import { MESSAGING_OPTIONS, type MessagingOptions } from './messaging.options';
import { RmqTransport } from './rmq-transport';
import { RpcClient } from './rpc-client';
import { MessagingMetricsService } from './messaging-metrics.service';
import { LogContextService } from '@wfp/observability';
import { type ServiceName } from './topology/service-queues';

export function messagingOptionsFromConfig(config: BaseServiceConfig, service: ServiceName): MessagingOptions {
  return {
    url: config.AMQP_URL,
    namespace: config.AMQP_NAMESPACE,
    queueType: config.AMQP_QUEUE_TYPE,
    prefetch: config.AMQP_PREFETCH,
    maxAttempts: config.AMQP_MAX_ATTEMPTS,
    retryDelaysMs: config.AMQP_RETRY_DELAYS_MS,
    service,
  };
}

@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      imports: [TerminusModule],
      providers: [
        { provide: MESSAGING_OPTIONS, useValue: options },
        AmqpConnectionService,
        MessagePublisherService,
        RpcClient,
        AmqpHealthIndicator,
        MessagingMetricsService,
      ],
      exports: [
        MESSAGING_OPTIONS,
        AmqpConnectionService,
        MessagePublisherService,
        RpcClient,
        AmqpHealthIndicator,
        MessagingMetricsService,
      ],
    };
  }
}

/** Attaches this service's message consumers; call before `app.startAllMicroservices()`. */
export function connectMessageConsumers(app: INestApplication): void {
  const transport = new RmqTransport(
    app.get(AmqpConnectionService),
    app.get<MessagingOptions>(MESSAGING_OPTIONS),
    app.get(MessagingMetricsService),
    logContextOf(app),
  );
  app.connectMicroservice({ strategy: transport }, { inheritAppConfig: false });
}

/** The application's LogContextService (createLoggerModule provides it); without one, handlers log without bindings. */
function logContextOf(app: INestApplication): (<T>(bindings: Record<string, unknown>, fn: () => T) => T) | undefined {
  let logContext: LogContextService;
  try {
    logContext = app.get(LogContextService, { strict: false });
  } catch {
    return undefined;
  }
  return (bindings, fn) => logContext.run(bindings, fn);
}
