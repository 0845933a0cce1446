import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CallResultDeliveriesListRequest,
  CallResultSecretRevealRequest,
  CallResultSecretRotateRequest,
  CallTargetsResolveRequest,
  parsePayload,
  WebhookDeliveriesListRequest,
  WebhookDeliveriesReplayRequest,
  WebhookEndpointsCreateRequest,
  WebhookEndpointsDeleteRequest,
  WebhookEndpointsGetRequest,
  WebhookEndpointsListRequest,
  WebhookEndpointsRecoverRequest,
  WebhookEndpointsRotateSecretRequest,
  WebhookEndpointsTestRequest,
  WebhookEndpointsUpdateRequest,
  type CallTargetView,
  type CreatedWebhookEndpointView,
  type MessageEnvelope,
  type RevealedSecretView,
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

  @MessagePattern(CallTargetsResolveRequest.type)
  resolveCallTarget(@Payload() envelope: MessageEnvelope): Promise<CallTargetView> {
    const { url } = parsePayload(CallTargetsResolveRequest, envelope.payload);
    return this.endpoints.resolveCallTarget(envelope.organizationId, url);
  }

  @MessagePattern(CallResultSecretRevealRequest.type)
  revealCallResultSecret(@Payload() envelope: MessageEnvelope): Promise<RevealedSecretView> {
    return this.endpoints.revealCallResultSecret(envelope.organizationId);
  }

  @MessagePattern(CallResultSecretRotateRequest.type)
  rotateCallResultSecret(@Payload() envelope: MessageEnvelope): Promise<RotatedSecretView> {
    const request = parsePayload(CallResultSecretRotateRequest, envelope.payload);
    return this.endpoints.rotateCallResultSecret(envelope.organizationId, request.gracePeriodSeconds);
  }

  @MessagePattern(CallResultDeliveriesListRequest.type)
  listCallResultDeliveries(@Payload() envelope: MessageEnvelope): Promise<WebhookPage<WebhookDeliveryView>> {
    return this.deliveries.listCallResults(
      envelope.organizationId,
      parsePayload(CallResultDeliveriesListRequest, envelope.payload),
    );
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
