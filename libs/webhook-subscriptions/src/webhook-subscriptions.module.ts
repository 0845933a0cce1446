import { Module } from '@nestjs/common';
import { WebhookEndpointsService } from './webhook-endpoints.service';

/** Webhook endpoint management at the gateway; needs the global MessagingModule for its RpcClient. */
@Module({
  providers: [WebhookEndpointsService],
  exports: [WebhookEndpointsService],
})
export class WebhookSubscriptionsModule {}
