import { RpcError } from '@wfp/contracts';
import { ApiError, type ErrorBody } from './api-error';
import { rethrowRpcErrorAsHttp, rpcErrorToHttp, type RpcTarget } from './rpc-errors';

const target = { resource: 'Webhook endpoint', service: 'webhook-dispatcher' };

function answer(error: unknown, to: RpcTarget = target): ErrorBody {
  try {
    rpcErrorToHttp(error, to);
  } catch (thrown) {
    expect(thrown).toBeInstanceOf(ApiError);
    return (thrown as ApiError).getResponse() as ErrorBody;
  }
  throw new Error('expected the error to be rethrown');
}

describe('rpcErrorToHttp', () => {
  it('answers 404 naming the resource, not the owner’s wording', () => {
    expect(answer(new RpcError('NOT_FOUND', 'no endpoint we_1 in org_1'))).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Webhook endpoint not found',
    });
  });

  it('answers 400 for a BAD_REQUEST that names no field', () => {
    expect(answer(new RpcError('BAD_REQUEST', 'cursor is not a cursor returned by this API'))).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'cursor is not a cursor returned by this API',
    });
  });

  it('answers 422 naming the field for a BAD_REQUEST that names one', () => {
    expect(answer(new RpcError('BAD_REQUEST', 'url resolves to a private address', 'url'))).toEqual({
      statusCode: 422,
      error: 'Unprocessable Entity',
      message: 'url resolves to a private address',
      details: [{ field: 'url', message: 'url resolves to a private address' }],
    });
  });

  it('names the field as the caller sent it when the request carried it under another name', () => {
    const error = new RpcError('BAD_REQUEST', 'url is not allowed: 10.0.0.7 is a private address', 'url');
    expect(answer(error, { ...target, field: 'inputs.webhookUrl' })).toMatchObject({
      statusCode: 422,
      message: 'inputs.webhookUrl is not allowed: 10.0.0.7 is a private address',
      details: [
        { field: 'inputs.webhookUrl', message: 'inputs.webhookUrl is not allowed: 10.0.0.7 is a private address' },
      ],
    });
  });

  it('answers 409 with the owner’s message for a CONFLICT', () => {
    expect(answer(new RpcError('CONFLICT', 'the delivery is still pending'))).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'the delivery is still pending',
    });
  });

  it('answers 503 naming the service when it does not answer', () => {
    expect(answer(new RpcError('UNAVAILABLE', 'no answer to webhook-endpoints.get within 5000 ms'))).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'webhook-dispatcher is not answering; retry shortly',
    });
  });

  it('answers 502 without the internal message when the service fails', () => {
    expect(answer(new RpcError('INTERNAL', 'MongoServerError: connection reset at 10.0.0.7'))).toEqual({
      statusCode: 502,
      error: 'Bad Gateway',
      message: 'webhook-dispatcher failed to answer',
    });
  });

  it('rethrows anything that is not an RpcError unchanged', () => {
    const bug = new TypeError('x is undefined');
    expect(() => rpcErrorToHttp(bug, target)).toThrow(bug);
  });

  it('fits a promise chain', async () => {
    const thrown = await Promise.reject(new RpcError('NOT_FOUND', 'gone'))
      .catch(rethrowRpcErrorAsHttp(target))
      .catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(ApiError);
    expect((thrown as ApiError).getStatus()).toBe(404);
  });
});
