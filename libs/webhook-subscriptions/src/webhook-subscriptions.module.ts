import { Module } from '@nestjs/common';
import { WebhookEndpointsClient } from './webhook-endpoints.client';

/** Webhook endpoint management at the gateway; needs the global MessagingModule for its RpcClient. */
@Module({
  providers: [WebhookEndpointsClient],
  exports: [WebhookEndpointsClient],
})
export class WebhookSubscriptionsModule {}
