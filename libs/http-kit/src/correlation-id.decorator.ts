import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

/** The request's correlation id (assigned by the logger middleware from X-Correlation-Id or new). */
export const CorrelationId = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const request = context.switchToHttp().getRequest<{ id?: unknown }>();
  return typeof request.id === 'string' && request.id.length > 0 ? request.id : randomUUID();
});
