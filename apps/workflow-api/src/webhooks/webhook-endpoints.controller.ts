import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiKeyAuth, Idempotent, Principal, type ApiPrincipal } from '@wfp/api-access';
import { ApiErrorResponses, CorrelationId, DEFAULT_PAGE_SIZE, PageQueryDto } from '@wfp/http-kit';
import { WebhookEndpointsClient } from '@wfp/webhook-subscriptions';
import {
  CreatedWebhookEndpointDto,
  CreateWebhookEndpointDto,
  ListWebhookDeliveriesQueryDto,
  RecoverDeliveriesDto,
  RecoveredDeliveriesDto,
  RotatedSecretDto,
  RotateWebhookSecretDto,
  UpdateWebhookEndpointDto,
  WebhookDeliveryPageDto,
  WebhookEndpointDto,
  WebhookEndpointPageDto,
  WebhookTestDto,
} from './webhooks.dto';

/** Endpoints live in webhook-dispatcher: every route here asks it, so any may answer 503. */
@ApiTags('webhook endpoints')
@ApiKeyAuth()
@ApiErrorResponses(400, 503)
@Controller('v1/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(private readonly endpoints: WebhookEndpointsClient) {}

  @Post()
  @Idempotent()
  @ApiOperation({ summary: 'Subscribe a URL to events; the answer holds its signing secret, shown only once' })
  @ApiCreatedResponse({ type: CreatedWebhookEndpointDto })
  @ApiErrorResponses(409, 422)
  create(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Body() body: CreateWebhookEndpointDto,
  ): Promise<CreatedWebhookEndpointDto> {
    return this.endpoints.create(
      { ...principal, correlationId },
      {
        url: body.url,
        eventTypes: body.eventTypes,
        description: body.description,
        rateLimitPerSecond: body.rateLimitPerSecond,
        ordering: body.ordering,
      },
    );
  }

  @Get()
  @ApiOperation({ summary: 'List webhook endpoints, newest first (cursor pagination)' })
  @ApiOkResponse({ type: WebhookEndpointPageDto })
  list(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Query() query: PageQueryDto,
  ): Promise<WebhookEndpointPageDto> {
    return this.endpoints.list(
      { ...principal, correlationId },
      {
        limit: query.limit ?? DEFAULT_PAGE_SIZE,
        cursor: query.cursor,
      },
    );
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a webhook endpoint (never its secret)' })
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiErrorResponses(404)
  get(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Param('id') id: string,
  ): Promise<WebhookEndpointDto> {
    return this.endpoints.get({ ...principal, correlationId }, id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change url, eventTypes, description, enabled, rateLimitPerSecond or ordering (at least one)',
  })
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiErrorResponses(404, 422)
  update(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Param('id') id: string,
    @Body() body: UpdateWebhookEndpointDto,
  ): Promise<WebhookEndpointDto> {
    return this.endpoints.update(
      { ...principal, correlationId },
      {
        endpointId: id,
        url: body.url,
        eventTypes: body.eventTypes,
        description: body.description,
        enabled: body.enabled,
        rateLimitPerSecond: body.rateLimitPerSecond,
        ordering: body.ordering,
      },
    );
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a webhook endpoint: nothing more is delivered to it' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrorResponses(404)
  delete(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Param('id') id: string,
  ): Promise<void> {
    return this.endpoints.delete({ ...principal, correlationId }, id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Make a new signing secret; the previous one keeps signing too for a grace period (default 24 h)',
  })
  @ApiOkResponse({ type: RotatedSecretDto })
  @ApiErrorResponses(404)
  rotateSecret(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Param('id') id: string,
    @Body() body: RotateWebhookSecretDto,
  ): Promise<RotatedSecretDto> {
    return this.endpoints.rotateSecret(
      { ...principal, correlationId },
      {
        endpointId: id,
        gracePeriodSeconds: body.gracePeriodSeconds,
      },
    );
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiOperation({ summary: 'Queue a signed WEBHOOK_TEST event to the endpoint' })
  @ApiAcceptedResponse({ type: WebhookTestDto })
  @ApiErrorResponses(404, 409)
  test(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Param('id') id: string,
  ): Promise<WebhookTestDto> {
    return this.endpoints.test({ ...principal, correlationId }, id);
  }

  @Post(':id/recover')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send again every failed delivery to the endpoint created since a time' })
  @ApiAcceptedResponse({ type: RecoveredDeliveriesDto })
  @ApiErrorResponses(404, 409)
  recover(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Param('id') id: string,
    @Body() body: RecoverDeliveriesDto,
  ): Promise<RecoveredDeliveriesDto> {
    return this.endpoints.recover({ ...principal, correlationId }, { endpointId: id, since: body.since });
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'The endpoint’s delivery log with every attempt, newest first' })
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  @ApiErrorResponses(404)
  deliveries(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Param('id') id: string,
    @Query() query: ListWebhookDeliveriesQueryDto,
  ): Promise<WebhookDeliveryPageDto> {
    return this.endpoints.listDeliveries(
      { ...principal, correlationId },
      {
        endpointId: id,
        status: query.status,
        limit: query.limit ?? DEFAULT_PAGE_SIZE,
        cursor: query.cursor,
      },
    );
  }
}
