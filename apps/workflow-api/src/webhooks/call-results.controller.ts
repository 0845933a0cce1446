import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth, Principal, type ApiPrincipal } from '@wfp/api-access';
import { ApiErrorResponses, CorrelationId, DEFAULT_PAGE_SIZE } from '@wfp/http-kit';
import { WebhookEndpointsClient } from '@wfp/webhook-subscriptions';
import {
  ListWebhookDeliveriesQueryDto,
  RevealedSecretDto,
  RotatedSecretDto,
  RotateWebhookSecretDto,
  WebhookDeliveryPageDto,
} from './webhooks.dto';

/**
 * Results of workflow calls sent to the URL a caller names (`inputs.webhookUrl`) that is not one of
 * the organization's webhook endpoints: the secret that signs them, and their delivery log.
 */
@ApiTags('workflow calls')
@ApiKeyAuth()
@ApiErrorResponses(400, 503)
@Controller('v1/workflow-calls')
export class CallResultsController {
  constructor(private readonly endpoints: WebhookEndpointsClient) {}

  @Post('signing-secret')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Show the secret that signs call results sent to callers’ URLs; shown once (rotate for a new one)',
  })
  @ApiOkResponse({ type: RevealedSecretDto })
  @ApiErrorResponses(409)
  revealSecret(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
  ): Promise<RevealedSecretDto> {
    return this.endpoints.revealCallResultSecret({ ...principal, correlationId });
  }

  @Post('signing-secret/rotate')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Make a new call-result signing secret (shown in this answer only); the previous one keeps signing for a grace period (default 24 h)',
  })
  @ApiOkResponse({ type: RotatedSecretDto })
  rotateSecret(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Body() body: RotateWebhookSecretDto,
  ): Promise<RotatedSecretDto> {
    return this.endpoints.rotateCallResultSecret(
      { ...principal, correlationId },
      { gracePeriodSeconds: body.gracePeriodSeconds },
    );
  }

  @Get('deliveries')
  @ApiOperation({ summary: 'The delivery log of call results sent to callers’ URLs, with every attempt, newest first' })
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  deliveries(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Query() query: ListWebhookDeliveriesQueryDto,
  ): Promise<WebhookDeliveryPageDto> {
    return this.endpoints.listCallResultDeliveries(
      { ...principal, correlationId },
      { status: query.status, limit: query.limit ?? DEFAULT_PAGE_SIZE, cursor: query.cursor },
    );
  }
}
