import { HttpException } from '@nestjs/common';
import { RpcError } from '@wfp/contracts';
import type { RpcClient } from '@wfp/messaging';
import { WEBHOOK_RPC_TIMEOUT_MS, WebhookEndpointsClient } from './webhook-endpoints.client';

const caller = { organizationId: 'org_1', keyId: 'key_1', correlationId: 'corr_1' };

function serviceAnswering(answer: () => Promise<unknown>) {
  const request = jest.fn(answer);
  return { request, service: new WebhookEndpointsClient({ request } as unknown as RpcClient) };
}

async function statusAndMessage(promise: Promise<unknown>): Promise<[number, string]> {
  const error = await promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (refusal: unknown) => refusal,
  );
  expect(error).toBeInstanceOf(HttpException);
  const http = error as HttpException;
  return [http.getStatus(), (http.getResponse() as { message: string }).message];
}

describe('WebhookEndpointsClient', () => {
  it('asks webhook-dispatcher by request type, with the caller and a bounded wait', async () => {
    const view = { id: 'we_1', secret: 'whsec_x' };
    const { request, service } = serviceAnswering(async () => view);
    await expect(service.create(caller, { url: 'https://example.com/hook', eventTypes: [] })).resolves.toBe(view);
    expect(request).toHaveBeenCalledWith(
      'webhook-endpoints.create',
      { url: 'https://example.com/hook', eventTypes: [] },
      caller,
      WEBHOOK_RPC_TIMEOUT_MS,
    );
  });

  it.each([
    ['get', (s: WebhookEndpointsClient) => s.get(caller, 'we_1'), 'webhook-endpoints.get', { endpointId: 'we_1' }],
    [
      'delete',
      (s: WebhookEndpointsClient) => s.delete(caller, 'we_1'),
      'webhook-endpoints.delete',
      { endpointId: 'we_1' },
    ],
    ['test', (s: WebhookEndpointsClient) => s.test(caller, 'we_1'), 'webhook-endpoints.test', { endpointId: 'we_1' }],
    [
      'replayDelivery',
      (s: WebhookEndpointsClient) => s.replayDelivery(caller, 'evt_1:we_1'),
      'webhook-deliveries.replay',
      { deliveryId: 'evt_1:we_1' },
    ],
  ])('%s sends %s', async (_, call, type, payload) => {
    const { request, service } = serviceAnswering(async () => ({}));
    await call(service);
    expect(request).toHaveBeenCalledWith(type, payload, caller, WEBHOOK_RPC_TIMEOUT_MS);
  });

  it('names the endpoint or the delivery in a 404', async () => {
    const { service } = serviceAnswering(() => Promise.reject(new RpcError('NOT_FOUND', 'no such thing')));
    await expect(statusAndMessage(service.get(caller, 'we_x'))).resolves.toEqual([404, 'Webhook endpoint not found']);
    await expect(statusAndMessage(service.replayDelivery(caller, 'evt_x:we_x'))).resolves.toEqual([
      404,
      'Webhook delivery not found',
    ]);
  });

  it('answers 503 naming webhook-dispatcher when it does not answer', async () => {
    const { service } = serviceAnswering(() => Promise.reject(new RpcError('UNAVAILABLE', 'no answer')));
    await expect(statusAndMessage(service.list(caller, { limit: 20 }))).resolves.toEqual([
      503,
      'webhook-dispatcher is not answering; retry shortly',
    ]);
  });

  it('passes on a refused url as a 422 naming the field', async () => {
    const { service } = serviceAnswering(() =>
      Promise.reject(new RpcError('BAD_REQUEST', 'url resolves to a private address', 'url')),
    );
    await expect(statusAndMessage(service.create(caller, { url: 'http://10.0.0.1/' }))).resolves.toEqual([
      422,
      'url resolves to a private address',
    ]);
  });
});
