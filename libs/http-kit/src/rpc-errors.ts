import { HttpStatus } from '@nestjs/common';
import { RpcError } from '@wfp/contracts';
import { ApiError } from './api-error';

/** Names a failed request/reply call by, in the HTTP answer. */
export interface RpcTarget {
  /** What the request is about, e.g. `Webhook endpoint`: a NOT_FOUND reads "Webhook endpoint not found". */
  resource: string;
  /** The service that owns it, e.g. `webhook-dispatcher`. */
  service: string;
  /**
   * The caller's name for the field the request carried, when it differs from the owner's: a
   * refusal of `url` reads as one of, e.g., `inputs.webhookUrl`.
   */
  field?: string;
}

/**
 * Maps a failed request/reply call onto the HTTP answer, passing on no text but the RpcError's own
 * message; anything that is not an RpcError is rethrown as it is.
 */
export function rpcErrorToHttp(error: unknown, target: RpcTarget): never {
  if (!(error instanceof RpcError)) throw error;
  switch (error.code) {
    case 'NOT_FOUND':
      throw ApiError.notFound(target.resource);
    case 'BAD_REQUEST':
      // A named field was refused by the owner after the gateway found its shape right: 422; else 400.
      if (error.field) {
        const field = target.field ?? error.field;
        const message = error.message.startsWith(error.field)
          ? field + error.message.slice(error.field.length)
          : error.message;
        throw ApiError.unprocessable(message, [{ field, message }]);
      }
      throw ApiError.badRequest(error.message);
    case 'CONFLICT':
      throw ApiError.conflict(error.message);
    case 'UNAVAILABLE':
      throw ApiError.serviceUnavailable(`${target.service} is not answering; retry shortly`);
    default:
      throw new ApiError(HttpStatus.BAD_GATEWAY, `${target.service} failed to answer`);
  }
}

/** `rpc.request(...).catch(rethrowRpcErrorAsHttp(target))`. */
export function rethrowRpcErrorAsHttp(target: RpcTarget): (error: unknown) => never {
  return (error) => rpcErrorToHttp(error, target);
}
