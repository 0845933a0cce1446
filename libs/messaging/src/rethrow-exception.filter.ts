import { applyDecorators, Catch, Controller, UseFilters, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Nest's default RPC filter turns every error into a generic `{ status: 'error' }`. The transport
 * needs the original error to choose between retry and dead-letter, so message handlers get this one.
 */
@Catch()
export class RethrowExceptionFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

/**
 * Marks a class whose `@EventPattern` methods handle broker messages. Errors reach the transport
 * unchanged, so it can retry or dead-letter them. (Hybrid apps cannot take global RPC filters.)
 */
export const MessageHandlers = () => applyDecorators(Controller(), UseFilters(RethrowExceptionFilter));
