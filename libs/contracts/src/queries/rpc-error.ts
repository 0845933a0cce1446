/** Error codes a request/reply answer can carry; the gateway maps them to HTTP statuses. */
export const RPC_ERROR_CODES = ['NOT_FOUND', 'BAD_REQUEST', 'CONFLICT', 'UNAVAILABLE', 'INTERNAL'] as const;
export type RpcErrorCode = (typeof RPC_ERROR_CODES)[number];

/** Thrown by request handlers for an expected refusal, and by callers for a failed request. */
export class RpcError extends Error {
  constructor(
    readonly code: RpcErrorCode,
    message: string,
    /** The request field at fault, for a BAD_REQUEST the caller passes on to its own caller. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export type RpcReply<T = unknown> =
  { ok: true; data: T } | { ok: false; error: { code: RpcErrorCode; message: string; field?: string } };
