import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth, Principal, type ApiPrincipal } from '@wfp/api-access';
import { ApiErrorResponses, CorrelationId } from '@wfp/http-kit';
import { WebhookEndpointsClient } from '@wfp/webhook-subscriptions';
import { ReplayedDeliveryDto } from './webhooks.dto';

@ApiTags('webhook deliveries')
@ApiKeyAuth()
@ApiErrorResponses(503)
@Controller('v1/webhook-deliveries')
export class WebhookDeliveriesController {
  constructor(private readonly endpoints: WebhookEndpointsClient) {}

  @Post(':id/replay')
  @HttpCode(202)
  @ApiOperation({ summary: 'Deliver one delivery again, e.g. one that failed for good' })
  @ApiParam({ name: 'id', description: 'Delivery id, `<eventId>:<endpointId>`; the colon may be sent as is or as %3A' })
  @ApiAcceptedResponse({ type: ReplayedDeliveryDto })
  @ApiErrorResponses(404, 409)
  replay(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Param('id') id: string,
  ): Promise<ReplayedDeliveryDto> {
    return this.endpoints.replayDelivery({ ...principal, correlationId }, id);
  }
}
