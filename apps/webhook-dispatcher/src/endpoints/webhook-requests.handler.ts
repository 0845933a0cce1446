import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  parsePayload,
  WebhookDeliveriesListRequest,
  WebhookDeliveriesReplayRequest,
  WebhookEndpointsCreateRequest,
  WebhookEndpointsDeleteRequest,
  WebhookEndpointsFindByUrlRequest,
  WebhookEndpointsGetRequest,
  WebhookEndpointsListRequest,
  WebhookEndpointsRecoverRequest,
  WebhookEndpointsRotateSecretRequest,
  WebhookEndpointsTestRequest,
  WebhookEndpointsUpdateRequest,
  type CreatedWebhookEndpointView,
  type MessageEnvelope,
  type RotatedSecretView,
  type WebhookDeliveryView,
  type WebhookEndpointView,
  type WebhookPage,
} from '@wfp/contracts';
import { MessageHandlers } from '@wfp/messaging';
import { toEndpointView, WebhookDeliveriesService, WebhookEndpointsService } from '@wfp/webhook-delivery';

/** Requests from the gateway about endpoints and deliveries, answered for the caller's organization. */
@MessageHandlers()
export class WebhookRequestsHandler {
  constructor(
    private readonly endpoints: WebhookEndpointsService,
    private readonly deliveries: WebhookDeliveriesService,
  ) {}

  @MessagePattern(WebhookEndpointsCreateRequest.type)
  create(@Payload() envelope: MessageEnvelope): Promise<CreatedWebhookEndpointView> {
    return this.endpoints.create(
      envelope.organizationId,
      parsePayload(WebhookEndpointsCreateRequest, envelope.payload),
    );
  }

  @MessagePattern(WebhookEndpointsListRequest.type)
  list(@Payload() envelope: MessageEnvelope): Promise<WebhookPage<WebhookEndpointView>> {
    return this.endpoints.list(envelope.organizationId, parsePayload(WebhookEndpointsListRequest, envelope.payload));
  }

  @MessagePattern(WebhookEndpointsGetRequest.type)
  async get(@Payload() envelope: MessageEnvelope): Promise<WebhookEndpointView> {
    const { endpointId } = parsePayload(WebhookEndpointsGetRequest, envelope.payload);
    return toEndpointView(await this.endpoints.get(envelope.organizationId, endpointId));
  }

  @MessagePattern(WebhookEndpointsFindByUrlRequest.type)
  async findByUrl(@Payload() envelope: MessageEnvelope): Promise<WebhookEndpointView> {
    const { url } = parsePayload(WebhookEndpointsFindByUrlRequest, envelope.payload);
    return toEndpointView(await this.endpoints.findEnabledByUrl(envelope.organizationId, url));
  }

  @MessagePattern(WebhookEndpointsUpdateRequest.type)
  update(@Payload() envelope: MessageEnvelope): Promise<WebhookEndpointView> {
    return this.endpoints.update(
      envelope.organizationId,
      parsePayload(WebhookEndpointsUpdateRequest, envelope.payload),
    );
  }

  @MessagePattern(WebhookEndpointsDeleteRequest.type)
  async delete(@Payload() envelope: MessageEnvelope): Promise<{ deleted: true }> {
    const { endpointId } = parsePayload(WebhookEndpointsDeleteRequest, envelope.payload);
    await this.deliveries.deleteEndpoint(envelope.organizationId, endpointId);
    return { deleted: true };
  }

  @MessagePattern(WebhookEndpointsRotateSecretRequest.type)
  rotateSecret(@Payload() envelope: MessageEnvelope): Promise<RotatedSecretView> {
    const request = parsePayload(WebhookEndpointsRotateSecretRequest, envelope.payload);
    return this.endpoints.rotateSecret(envelope.organizationId, request.endpointId, request.gracePeriodSeconds);
  }

  @MessagePattern(WebhookEndpointsTestRequest.type)
  test(@Payload() envelope: MessageEnvelope): Promise<{ deliveryId: string; eventId: string }> {
    const { endpointId } = parsePayload(WebhookEndpointsTestRequest, envelope.payload);
    return this.deliveries.test(envelope.organizationId, endpointId);
  }

  @MessagePattern(WebhookEndpointsRecoverRequest.type)
  recover(@Payload() envelope: MessageEnvelope): Promise<{ recovered: number }> {
    const request = parsePayload(WebhookEndpointsRecoverRequest, envelope.payload);
    return this.deliveries.recover(envelope.organizationId, request.endpointId, new Date(request.since));
  }

  @MessagePattern(WebhookDeliveriesListRequest.type)
  listDeliveries(@Payload() envelope: MessageEnvelope): Promise<WebhookPage<WebhookDeliveryView>> {
    return this.deliveries.list(envelope.organizationId, parsePayload(WebhookDeliveriesListRequest, envelope.payload));
  }

  @MessagePattern(WebhookDeliveriesReplayRequest.type)
  replay(@Payload() envelope: MessageEnvelope): Promise<{ deliveryId: string; status: 'PENDING' }> {
    const { deliveryId } = parsePayload(WebhookDeliveriesReplayRequest, envelope.payload);
    return this.deliveries.replay(envelope.organizationId, deliveryId);
  }
}
