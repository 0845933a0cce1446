import { Module, type DynamicModule } from '@nestjs/common';
import { WebhookSubscriptionsModule } from '@wfp/webhook-subscriptions';
import { BrokerQueuesService } from './broker-queues.service';
import { DeadLettersService } from './dead-letters.service';
import { OpsSnapshotService } from './ops-snapshot.service';
import { OPERATIONS_OPTIONS, type OperationsOptions } from './operations.options';
import { ServiceHealthService } from './service-health.service';

/** What the gateway's operations page and admin routes read and do (needs MessagingModule). */
@Module({})
export class OperationsModule {
  static register(options: OperationsOptions): DynamicModule {
    const services = [BrokerQueuesService, DeadLettersService, ServiceHealthService, OpsSnapshotService];
    return {
      module: OperationsModule,
      imports: [WebhookSubscriptionsModule],
      providers: [{ provide: OPERATIONS_OPTIONS, useValue: options }, ...services],
      exports: services,
    };
  }
}
