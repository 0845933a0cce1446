import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ApiError, type ErrorDetail } from './api-error';

/** `nodes.2.type` → `nodes[2].type`, the form callers write in JSON paths. */
function joinPath(parent: string, property: string): string {
  if (/^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent ? `${parent}.${property}` : property;
}

export function flattenValidationErrors(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((error) => {
    const field = joinPath(parent, error.property);
    const own = Object.entries(error.constraints ?? {}).map(([constraint, message]) => ({
      field,
      message:
        constraint === 'whitelistValidation'
          ? `${field} is not allowed`
          : message.startsWith(`${error.property} `)
            ? `${field}${message.slice(error.property.length)}`
            : `${field}: ${message}`,
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/**
 * The strict pipe every controller uses: unknown fields are rejected, types are converted, and a
 * failure is a 400 whose message and `details` name each bad field.
 */
export function strictValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) => {
      const details = flattenValidationErrors(errors);
      return ApiError.badRequest(details.map((detail) => detail.message).join('; ') || 'Invalid request', details);
    },
  });
}
