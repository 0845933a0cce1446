import { Module } from '@nestjs/common';
import { WebhookSubscriptionsModule } from '@wfp/webhook-subscriptions';
import { BrokerQueuesService } from './broker-queues.service';
import { DeadLettersService } from './dead-letters.service';

/** What the gateway's operations page and admin routes read and do (needs MessagingModule). */
@Module({
  imports: [WebhookSubscriptionsModule],
  providers: [BrokerQueuesService, DeadLettersService],
  exports: [BrokerQueuesService, DeadLettersService],
})
export class OperationsModule {}
