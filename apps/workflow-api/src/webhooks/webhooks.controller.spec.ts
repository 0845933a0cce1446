import type { CallHandler, ExecutionContext, INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { ApiKeyGuard, ApiKeyRateLimitGuard, IdempotencyInterceptor } from '@wfp/api-access';
import { RpcError } from '@wfp/contracts';
import { AllExceptionsFilter, strictValidationPipe } from '@wfp/http-kit';
import { RpcClient } from '@wfp/messaging';
import { WebhookEndpointsClient } from '@wfp/webhook-subscriptions';
import { WebhookDeliveriesController } from './webhook-deliveries.controller';
import { WebhookEndpointsController } from './webhook-endpoints.controller';

const principal = { organizationId: 'org_1', keyId: 'key_1' };

/** The HTTP side only: auth, rate limit and idempotency are stood in for, the dispatcher is a fake RpcClient. */
describe('webhook routes', () => {
  let app: INestApplication;
  const rpc = { request: jest.fn() };

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      controllers: [WebhookEndpointsController, WebhookDeliveriesController],
      providers: [WebhookEndpointsClient, { provide: RpcClient, useValue: rpc }],
    })
      .overrideGuard(ApiKeyGuard)
      .useValue({
        canActivate: (context: ExecutionContext) => {
          context.switchToHttp().getRequest().principal = principal;
          return true;
        },
      })
      .overrideGuard(ApiKeyRateLimitGuard)
      .useValue({ canActivate: () => true })
      .overrideInterceptor(IdempotencyInterceptor)
      .useValue({ intercept: (_: ExecutionContext, next: CallHandler) => next.handle() })
      .compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalPipes(strictValidationPipe());
    app.useGlobalFilters(new AllExceptionsFilter());
    await app.init();
  });

  afterAll(() => app?.close());

  beforeEach(() => rpc.request.mockReset());

  const api = () => request(app.getHttpServer());
  const sent = () => rpc.request.mock.calls.map(([type, payload]) => ({ type, payload }));

  it.each(['evt_1c2d:we_8f3a', 'evt_1c2d%3Awe_8f3a'])('routes a replay of %s', async (id) => {
    rpc.request.mockResolvedValue({ deliveryId: 'evt_1c2d:we_8f3a', status: 'PENDING' });
    const response = await api().post(`/v1/webhook-deliveries/${id}/replay`).expect(202);
    expect(response.body).toEqual({ deliveryId: 'evt_1c2d:we_8f3a', status: 'PENDING' });
    expect(sent()).toEqual([{ type: 'webhook-deliveries.replay', payload: { deliveryId: 'evt_1c2d:we_8f3a' } }]);
    expect(rpc.request.mock.calls[0][2]).toMatchObject({ organizationId: 'org_1', keyId: 'key_1' });
  });

  it('answers each route with its status and passes only the body’s fields on', async () => {
    rpc.request.mockResolvedValue({});
    await api().post('/v1/webhook-endpoints').send({ url: 'https://example.com/hook' }).expect(201);
    await api().get('/v1/webhook-endpoints?limit=5').expect(200);
    await api().patch('/v1/webhook-endpoints/we_1').send({ enabled: false }).expect(200);
    const deleted = await api().delete('/v1/webhook-endpoints/we_1').expect(204);
    expect(deleted.text).toBe('');
    await api().post('/v1/webhook-endpoints/we_1/rotate-secret').expect(200);
    await api().post('/v1/webhook-endpoints/we_1/test').expect(202);
    await api().post('/v1/webhook-endpoints/we_1/recover').send({ since: '2024-05-01T00:00:00Z' }).expect(202);
    await api().get('/v1/webhook-endpoints/we_1/deliveries?status=FAILED').expect(200);
    expect(JSON.parse(JSON.stringify(sent()))).toEqual([
      { type: 'webhook-endpoints.create', payload: { url: 'https://example.com/hook' } },
      { type: 'webhook-endpoints.list', payload: { limit: 5 } },
      { type: 'webhook-endpoints.update', payload: { endpointId: 'we_1', enabled: false } },
      { type: 'webhook-endpoints.delete', payload: { endpointId: 'we_1' } },
      { type: 'webhook-endpoints.rotate-secret', payload: { endpointId: 'we_1' } },
      { type: 'webhook-endpoints.test', payload: { endpointId: 'we_1' } },
      { type: 'webhook-endpoints.recover', payload: { endpointId: 'we_1', since: '2024-05-01T00:00:00Z' } },
      { type: 'webhook-deliveries.list', payload: { endpointId: 'we_1', status: 'FAILED', limit: 20 } },
    ]);
  });

  it('refuses a bad body before asking the dispatcher', async () => {
    const response = await api().patch('/v1/webhook-endpoints/we_1').send({}).expect(400);
    expect(response.body.details).toEqual([{ field: 'body', message: expect.stringContaining('at least one of') }]);
    expect(rpc.request).not.toHaveBeenCalled();
  });

  it('passes the dispatcher’s refusal of a url on as a 422 naming it', async () => {
    rpc.request.mockRejectedValue(new RpcError('BAD_REQUEST', 'url resolves to a private address', 'url'));
    const response = await api().post('/v1/webhook-endpoints').send({ url: 'https://intranet.example/' }).expect(422);
    expect(response.body).toEqual({
      statusCode: 422,
      error: 'Unprocessable Entity',
      message: 'url resolves to a private address',
      details: [{ field: 'url', message: 'url resolves to a private address' }],
    });
  });

  it('answers 404 for an unknown endpoint and 503 while the dispatcher is away', async () => {
    rpc.request.mockRejectedValueOnce(new RpcError('NOT_FOUND', 'no endpoint we_x'));
    const missing = await api().get('/v1/webhook-endpoints/we_x').expect(404);
    expect(missing.body.message).toBe('Webhook endpoint not found');
    rpc.request.mockRejectedValueOnce(new RpcError('UNAVAILABLE', 'no answer'));
    const away = await api().get('/v1/webhook-endpoints').expect(503);
    expect(away.body.message).toBe('webhook-dispatcher is not answering; retry shortly');
  });
});
