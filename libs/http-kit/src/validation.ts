import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
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

/** Deeper request bodies are refused before anything walks them (definitions allow 64 inside). */
export const MAX_BODY_DEPTH = 100;

/** Longest array and string a request body may carry (the largest legitimate ones are far smaller). */
export const MAX_BODY_ARRAY_ITEMS = 10_000;
export const MAX_BODY_STRING_CHARS = 256 * 1024;

/** Keys class-transformer silently drops (they name Object.prototype members): refused, not lost. */
const PROTOTYPE_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * What makes a request body unsafe to hand to class-transformer and class-validator, found without
 * recursion: nesting deeper than `maxDepth` (their recursive walks would overflow the stack: a
 * 500), an array or string so long that validating it would hold the event loop, or a key named
 * like an Object.prototype member (`toString`, `constructor`), which class-transformer drops
 * without a word. Names the field by its path.
 */
export function bodyShapeProblem(value: unknown, maxDepth = MAX_BODY_DEPTH): ErrorDetail | null {
  const pending: Array<[unknown, number, string]> = [[value, 0, '']];
  while (pending.length > 0) {
    const [current, depth, path] = pending.pop() as [unknown, number, string];
    const field = path || 'body';
    if (typeof current === 'string' && current.length > MAX_BODY_STRING_CHARS)
      return { field, message: `${field} is longer than ${MAX_BODY_STRING_CHARS} characters` };
    if (current === null || typeof current !== 'object') continue;
    if (depth >= maxDepth)
      return { field: 'body', message: `The request body is nested deeper than ${maxDepth} levels` };
    const isArray = Array.isArray(current);
    // Checked before anything walks the items: a million-element array would hold the event loop.
    if (isArray && current.length > MAX_BODY_ARRAY_ITEMS)
      return { field, message: `${field} has more than ${MAX_BODY_ARRAY_ITEMS} items` };
    for (const [key, child] of Object.entries(current)) {
      const childField = isArray ? `${path}[${key}]` : path ? `${path}.${key}` : key;
      if (!isArray && PROTOTYPE_KEYS.has(key))
        return { field: childField, message: `${childField}: a key may not be named like a built-in object property` };
      pending.push([child, depth + 1, childField]);
    }
  }
  return null;
}

/**
 * Refuses, as a 400, a body that the validation below would mishandle (see bodyShapeProblem)
 * before class-transformer sees it.
 */
class ShapeCheckingValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const problem = metadata.type === 'body' ? bodyShapeProblem(value) : null;
    if (problem) throw ApiError.badRequest(problem.message, [problem]);
    return super.transform(value, metadata);
  }
}

/**
 * The strict pipe every controller uses: unknown fields are rejected, types are converted, and a
 * failure is a 400 whose message and `details` name each bad field.
 */
export function strictValidationPipe(): ValidationPipe {
  return new ShapeCheckingValidationPipe({
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
