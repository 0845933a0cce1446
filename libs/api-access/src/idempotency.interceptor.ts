import {
  applyDecorators,
  HttpException,
  Injectable,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { catchError, from, mergeMap, of, type Observable } from 'rxjs';
import { ApiError } from '@wfp/http-kit';
import type { ApiPrincipal } from './organizations.service';
import { IdempotencyRepository } from './idempotency.repository';

export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** JSON with sorted keys, so `{a,b}` and `{b,a}` are the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * `Idempotency-Key` on creating routes: the same key with the same request answers what the first
 * attempt answered (header `Idempotent-Replayed: true`); the same key with another request is a 422;
 * while the first attempt is still running, a 409. Server errors free the key for a retry.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly store: IdempotencyRepository) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<Request & { principal?: ApiPrincipal }>();
    const response = http.getResponse<Response>();
    const key = request.headers[IDEMPOTENCY_HEADER];
    if (key === undefined) return next.handle();
    if (typeof key !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(key)) {
      throw ApiError.badRequest('Idempotency-Key must be 1-255 visible ASCII characters', [
        { field: 'Idempotency-Key', message: 'Idempotency-Key is malformed' },
      ]);
    }
    const principal = request.principal;
    if (!principal) throw new Error('Idempotency-Key needs an authenticated route');
    const fingerprint = createHash('sha256')
      .update(
        `${request.method} ${request.route?.path ?? request.path} ${request.originalUrl}\n${canonicalJson(request.body)}`,
      )
      .digest('hex');

    return from(this.store.begin(principal.organizationId, key, fingerprint)).pipe(
      mergeMap((start) => {
        switch (start.kind) {
          case 'mismatch':
            throw ApiError.unprocessable('Idempotency-Key was already used with a different request', [
              { field: 'Idempotency-Key', message: 'reuse a key only to retry the identical request' },
            ]);
          case 'in-progress':
            response.setHeader('Retry-After', '1');
            throw ApiError.conflict('A request with this Idempotency-Key is still being processed');
          case 'replay':
            response.setHeader('Idempotent-Replayed', 'true');
            if (start.statusCode >= 400) throw new HttpException(start.body as object, start.statusCode);
            response.status(start.statusCode);
            return of(start.body);
          case 'started':
            return next.handle().pipe(
              mergeMap(async (body: unknown) => {
                // The status the route answered with: its @HttpCode, or one it chose (a call's 200 or 202).
                await this.store.complete(start.id, response.statusCode, body);
                return body;
              }),
              catchError(async (error: unknown) => {
                const status = error instanceof HttpException ? error.getStatus() : 500;
                if (status >= 500) await this.store.release(start.id);
                else await this.store.complete(start.id, status, (error as HttpException).getResponse());
                throw error;
              }),
            );
        }
      }),
    );
  }
}

/** Marks a creating route as accepting `Idempotency-Key` (and documents it). */
export const Idempotent = () =>
  applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'Retry-safe creation: the same key and body return the first response; another body is a 422.',
    }),
  );
