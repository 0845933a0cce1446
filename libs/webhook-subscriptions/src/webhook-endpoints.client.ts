import { Injectable } from '@nestjs/common';
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
  type RevealedSecretView,
  type RotatedSecretView,
  type WebhookDeliveryStatus,
  type WebhookDeliveryView,
  type WebhookEndpointView,
  type WebhookPage,
} from '@wfp/contracts';
import { rethrowRpcErrorAsHttp, type RpcTarget } from '@wfp/http-kit';
import { RpcClient } from '@wfp/messaging';

/** Who asks: every request is scoped to the API key's organization. */
export interface Caller {
  organizationId: string;
  keyId?: string;
  correlationId: string;
}

/** The test event queued by `POST /v1/webhook-endpoints/:id/test`. */
export interface WebhookTestView {
  deliveryId: string;
  eventId: string;
}

export interface WebhookRecoveryView {
  /** How many failed deliveries were queued again. */
  recovered: number;
}

export interface WebhookReplayView {
  deliveryId: string;
  status: WebhookDeliveryStatus;
}

/** How long the gateway waits for the dispatcher before answering 503. */
export const WEBHOOK_RPC_TIMEOUT_MS = 5000;

const ENDPOINT: RpcTarget = { resource: 'Webhook endpoint', service: 'webhook-dispatcher' };
const DELIVERY: RpcTarget = { resource: 'Webhook delivery', service: 'webhook-dispatcher' };
const CALL_RESULTS: RpcTarget = { resource: 'Call-result sender', service: 'webhook-dispatcher' };

/**
 * Webhook endpoints and deliveries at the gateway. webhook-dispatcher owns them, so every call is a
 * request/reply to it; its refusals become HTTP errors here.
 */
@Injectable()
export class WebhookEndpointsClient {
  constructor(private readonly rpc: RpcClient) {}

  /** The answer carries the signing secret: the only time it is shown. */
  create(caller: Caller, request: WebhookEndpointsCreateRequest): Promise<CreatedWebhookEndpointView> {
    return this.ask(WebhookEndpointsCreateRequest.type, request, caller, ENDPOINT);
  }

  list(caller: Caller, query: WebhookEndpointsListRequest): Promise<WebhookPage<WebhookEndpointView>> {
    return this.ask(WebhookEndpointsListRequest.type, query, caller, ENDPOINT);
  }

  get(caller: Caller, endpointId: string): Promise<WebhookEndpointView> {
    const request: WebhookEndpointsGetRequest = { endpointId };
    return this.ask(WebhookEndpointsGetRequest.type, request, caller, ENDPOINT);
  }

  /**
   * Where a call's result goes: the enabled endpoint registered with exactly this URL, or the URL
   * itself through the organization's call-results sender. A URL the address policy refuses is a
   * 400 naming `field`.
   */
  resolveCallTarget(caller: Caller, url: string, field: string): Promise<CallTargetView> {
    const request: CallTargetsResolveRequest = { url };
    return this.rpc
      .request<CallTargetView>(CallTargetsResolveRequest.type, request, caller, WEBHOOK_RPC_TIMEOUT_MS)
      .catch(rethrowRpcErrorAsHttp({ ...ENDPOINT, field }));
  }

  /** The organization's call-result signing secret, the one time it is shown. */
  revealCallResultSecret(caller: Caller): Promise<RevealedSecretView> {
    return this.ask(CallResultSecretRevealRequest.type, {}, caller, CALL_RESULTS);
  }

  rotateCallResultSecret(caller: Caller, request: CallResultSecretRotateRequest): Promise<RotatedSecretView> {
    return this.ask(CallResultSecretRotateRequest.type, request, caller, CALL_RESULTS);
  }

  listCallResultDeliveries(
    caller: Caller,
    query: CallResultDeliveriesListRequest,
  ): Promise<WebhookPage<WebhookDeliveryView>> {
    return this.ask(CallResultDeliveriesListRequest.type, query, caller, CALL_RESULTS);
  }

  update(caller: Caller, request: WebhookEndpointsUpdateRequest): Promise<WebhookEndpointView> {
    return this.ask(WebhookEndpointsUpdateRequest.type, request, caller, ENDPOINT);
  }

  async delete(caller: Caller, endpointId: string): Promise<void> {
    const request: WebhookEndpointsDeleteRequest = { endpointId };
    await this.ask<unknown>(WebhookEndpointsDeleteRequest.type, request, caller, ENDPOINT);
  }

  rotateSecret(caller: Caller, request: WebhookEndpointsRotateSecretRequest): Promise<RotatedSecretView> {
    return this.ask(WebhookEndpointsRotateSecretRequest.type, request, caller, ENDPOINT);
  }

  test(caller: Caller, endpointId: string): Promise<WebhookTestView> {
    const request: WebhookEndpointsTestRequest = { endpointId };
    return this.ask(WebhookEndpointsTestRequest.type, request, caller, ENDPOINT);
  }

  recover(caller: Caller, request: WebhookEndpointsRecoverRequest): Promise<WebhookRecoveryView> {
    return this.ask(WebhookEndpointsRecoverRequest.type, request, caller, ENDPOINT);
  }

  listDeliveries(caller: Caller, query: WebhookDeliveriesListRequest): Promise<WebhookPage<WebhookDeliveryView>> {
    return this.ask(WebhookDeliveriesListRequest.type, query, caller, ENDPOINT);
  }

  replayDelivery(caller: Caller, deliveryId: string): Promise<WebhookReplayView> {
    const request: WebhookDeliveriesReplayRequest = { deliveryId };
    return this.ask(WebhookDeliveriesReplayRequest.type, request, caller, DELIVERY);
  }

  private ask<T>(type: string, payload: object, caller: Caller, target: RpcTarget): Promise<T> {
    return this.rpc.request<T>(type, payload, caller, WEBHOOK_RPC_TIMEOUT_MS).catch(rethrowRpcErrorAsHttp(target));
  }
}
