import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

export type Environment = Record<string, string | undefined>;

/** Thrown at start-up when the environment does not satisfy a service's config schema. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

function describe(errors: ValidationError[]): string[] {
  // Values are deliberately not echoed: they may be secrets (URLs with passwords, tokens).
  const messages = errors.flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property) ? message : `${error.property}: ${message}`,
    ),
  );
  return [...new Set(messages)].sort();
}

/**
 * Builds a typed, validated configuration object from environment variables.
 * Property names of the schema class are the variable names, so every message names the variable.
 * Empty strings count as unset, so `FOO=` falls back to the default like an absent variable.
 */
export function loadConfig<T extends object>(schema: ClassConstructor<T>, env: Environment = process.env): T {
  const defined = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const config = plainToInstance(schema, defined, { exposeDefaultValues: true, excludeExtraneousValues: true });
  const errors = validateSync(config, { forbidUnknownValues: true, stopAtFirstError: true });
  if (errors.length > 0) throw new ConfigValidationError(describe(errors));
  return config;
}
