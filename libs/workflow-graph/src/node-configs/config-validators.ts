import {
  ValidateBy,
  ValidateIf,
  buildMessage,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import { conditionProblems } from '../condition';
import { isJsonValue, isPlainObject, storableJsonProblem } from '../json-value';
import { isValidDotPath } from '../scope-path';

/** Like @IsOptional, but null is still validated (and so rejected): JSON `null` is not "left out". */
export function OptionalButNotNull(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}

export function IsJsonValue(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isJsonValue',
      validator: {
        validate: (value) => value !== undefined && isJsonValue(value),
        defaultMessage: (args?: ValidationArguments) =>
          args?.value === undefined ? `${args?.property} is required` : `${args?.property} must be a JSON value`,
      },
    },
    options,
  );
}

/**
 * A JSON value that will be stored as document fields (run inputs, call metadata): refused at the
 * door, naming the nested field, when it is too deep or has a key the store refuses (`$…`, `a.b`),
 * rather than accepted and failing later deep inside.
 */
export function IsStorableJson(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStorableJson',
      validator: {
        validate: (value, args) => storableJsonProblem(value, args?.property ?? 'value') === null,
        defaultMessage: (args?: ValidationArguments) =>
          storableJsonProblem(args?.value, args?.property ?? 'value')?.message ?? `${args?.property} cannot be stored`,
      },
    },
    options,
  );
}

/** The condition's own problems are expanded field by field by validateAgainst(). */
export const IS_CONDITION = 'isCondition';

export function IsCondition(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: IS_CONDITION,
      validator: {
        validate: (value) => conditionProblems(value).length === 0,
        defaultMessage: (args?: ValidationArguments) => {
          const [first] = conditionProblems(args?.value);
          return `${args?.property} is not a valid condition: ${first?.message ?? 'unknown problem'}`;
        },
      },
    },
    options,
  );
}

export function IsDotPath(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDotPath',
      validator: {
        validate: (value) => isValidDotPath(value),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be a dot path such as data.id or users.0.title (no spaces, no __proto__)`,
          options,
        ),
      },
    },
    options,
  );
}

/** RFC 9110 token characters; values must not contain line breaks (header injection). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function IsHeaderRecord(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isHeaderRecord',
      validator: {
        validate: (value) =>
          isPlainObject(value) &&
          Object.entries(value).every(
            ([name, headerValue]) =>
              HEADER_NAME.test(name) && typeof headerValue === 'string' && !/[\r\n]/.test(headerValue),
          ),
        defaultMessage: buildMessage(
          () => '$property must be an object of header names to single-line string values',
          options,
        ),
      },
    },
    options,
  );
}

/** In an array of objects, the string values of `key` must not repeat. */
export function HasUniqueValuesOf(key: string, options?: ValidationOptions): PropertyDecorator {
  const duplicatesIn = (value: unknown): string[] => {
    if (!Array.isArray(value)) return [];
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const item of value) {
      const itemValue = item !== null && typeof item === 'object' ? (item as Record<string, unknown>)[key] : undefined;
      if (typeof itemValue !== 'string') continue;
      if (seen.has(itemValue)) duplicates.add(itemValue);
      seen.add(itemValue);
    }
    return [...duplicates];
  };
  return ValidateBy(
    {
      name: 'hasUniqueValuesOf',
      constraints: [key],
      validator: {
        validate: (value) => duplicatesIn(value).length === 0,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property} must not repeat a ${key} (repeated: ${duplicatesIn(args?.value).join(', ')})`,
      },
    },
    options,
  );
}
