import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

/**
 * A message whose payload cannot be valid however often it is retried.
 * Consumers dead-letter it at once instead of spending the retry budget.
 */
export class InvalidMessageError extends Error {
  constructor(
    readonly messageType: string,
    readonly problems: string[],
  ) {
    super(`Invalid ${messageType} payload: ${problems.join('; ')}`);
    this.name = 'InvalidMessageError';
  }
}

function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => `${path}: ${message}`);
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

/** Builds a validated payload instance from a plain object; throws InvalidMessageError naming the fields. */
export function parsePayload<T extends object>(schema: ClassConstructor<T> & { type: string }, plain: unknown): T {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw new InvalidMessageError(schema.type, ['payload must be an object']);
  }
  const instance = plainToInstance(schema, plain);
  // forbidUnknownValues off: the instance is always of the message's class, and a message with no
  // fields (a request that names nothing but its type) has no rules for it to know.
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false });
  if (errors.length > 0) throw new InvalidMessageError(schema.type, flatten(errors));
  return instance;
}
