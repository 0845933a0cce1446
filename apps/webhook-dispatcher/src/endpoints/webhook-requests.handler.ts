import { Payload } from '@nestjs/microservices';
import {
  CallResultDeliveriesListRequest,
  CallResultSecretRevealRequest,
  CallResultSecretRotateRequest,
  CallTargetsResolveRequest,
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
import { AnswersRequest, MessageHandlers } from '@wfp/messaging';
import { toEndpointView, WebhookDeliveriesService, WebhookEndpointsService } from '@wfp/webhook-delivery';

/** Requests from the gateway about endpoints and deliveries, answered for the caller's organization. */
@MessageHandlers()
export class WebhookRequestsHandler {
  constructor(
    private readonly endpoints: WebhookEndpointsService,
    private readonly deliveries: WebhookDeliveriesService,
  ) {}

  @AnswersRequest(WebhookEndpointsCreateRequest)
  create(@Payload() envelope: MessageEnvelope<WebhookEndpointsCreateRequest>): Promise<CreatedWebhookEndpointView> {
    return this.endpoints.create(envelope.organizationId, envelope.payload);
  }

  @AnswersRequest(WebhookEndpointsListRequest)
  list(@Payload() envelope: MessageEnvelope<WebhookEndpointsListRequest>): Promise<WebhookPage<WebhookEndpointView>> {
    return this.endpoints.list(envelope.organizationId, envelope.payload);
  }

  @AnswersRequest(WebhookEndpointsGetRequest)
  async get(@Payload() envelope: MessageEnvelope<WebhookEndpointsGetRequest>): Promise<WebhookEndpointView> {
    const { endpointId } = envelope.payload;
    return toEndpointView(await this.endpoints.get(envelope.organizationId, endpointId));
  }

  @AnswersRequest(CallTargetsResolveRequest)
  resolveCallTarget(@Payload() envelope: MessageEnvelope<CallTargetsResolveRequest>): Promise<CallTargetView> {
    const { url } = envelope.payload;
    return this.endpoints.resolveCallTarget(envelope.organizationId, url);
  }

  @AnswersRequest(CallResultSecretRevealRequest)
  revealCallResultSecret(
    @Payload() envelope: MessageEnvelope<CallResultSecretRevealRequest>,
  ): Promise<RevealedSecretView> {
    return this.endpoints.revealCallResultSecret(envelope.organizationId);
  }

  @AnswersRequest(CallResultSecretRotateRequest)
  rotateCallResultSecret(
    @Payload() envelope: MessageEnvelope<CallResultSecretRotateRequest>,
  ): Promise<RotatedSecretView> {
    const request = envelope.payload;
    return this.endpoints.rotateCallResultSecret(envelope.organizationId, request.gracePeriodSeconds);
  }

  @AnswersRequest(CallResultDeliveriesListRequest)
  listCallResultDeliveries(
    @Payload() envelope: MessageEnvelope<CallResultDeliveriesListRequest>,
  ): Promise<WebhookPage<WebhookDeliveryView>> {
    return this.deliveries.listCallResults(envelope.organizationId, envelope.payload);
  }

  @AnswersRequest(WebhookEndpointsUpdateRequest)
  update(@Payload() envelope: MessageEnvelope<WebhookEndpointsUpdateRequest>): Promise<WebhookEndpointView> {
    return this.endpoints.update(envelope.organizationId, envelope.payload);
  }

  @AnswersRequest(WebhookEndpointsDeleteRequest)
  async delete(@Payload() envelope: MessageEnvelope<WebhookEndpointsDeleteRequest>): Promise<{ deleted: true }> {
    const { endpointId } = envelope.payload;
    await this.deliveries.deleteEndpoint(envelope.organizationId, endpointId);
    return { deleted: true };
  }

  @AnswersRequest(WebhookEndpointsRotateSecretRequest)
  rotateSecret(@Payload() envelope: MessageEnvelope<WebhookEndpointsRotateSecretRequest>): Promise<RotatedSecretView> {
    const request = envelope.payload;
    return this.endpoints.rotateSecret(envelope.organizationId, request.endpointId, request.gracePeriodSeconds);
  }

  @AnswersRequest(WebhookEndpointsTestRequest)
  test(
    @Payload() envelope: MessageEnvelope<WebhookEndpointsTestRequest>,
  ): Promise<{ deliveryId: string; eventId: string }> {
    const { endpointId } = envelope.payload;
    return this.deliveries.test(envelope.organizationId, endpointId);
  }

  @AnswersRequest(WebhookEndpointsRecoverRequest)
  recover(@Payload() envelope: MessageEnvelope<WebhookEndpointsRecoverRequest>): Promise<{ recovered: number }> {
    const request = envelope.payload;
    return this.deliveries.recover(envelope.organizationId, request.endpointId, new Date(request.since));
  }

  @AnswersRequest(WebhookDeliveriesListRequest)
  listDeliveries(
    @Payload() envelope: MessageEnvelope<WebhookDeliveriesListRequest>,
  ): Promise<WebhookPage<WebhookDeliveryView>> {
    return this.deliveries.list(envelope.organizationId, envelope.payload);
  }

  @AnswersRequest(WebhookDeliveriesReplayRequest)
  replay(
    @Payload() envelope: MessageEnvelope<WebhookDeliveriesReplayRequest>,
  ): Promise<{ deliveryId: string; status: 'PENDING' }> {
    const { deliveryId } = envelope.payload;
    return this.deliveries.replay(envelope.organizationId, deliveryId);
  }
}
