import 'reflect-metadata';
import type { MetadataStorage as TypeRegistry } from 'class-transformer/types/MetadataStorage';
import { getMetadataStorage, IS_OPTIONAL, ValidateIf, ValidationTypes } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { targetConstructorToSchema } from 'class-validator-jsonschema';
import type { JsonSchema, MessageDefinition } from './message';

// class-transformer keeps its @Type registry in a module its root does not export; this is how
// class-validator-jsonschema's documentation reads it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as { defaultMetadataStorage: TypeRegistry };

/**
 * JSON Schemas of commands and requests, generated from their class-validator rules
 * (class-validator-jsonschema), so a message class stays the one definition of its payload. The
 * generator cannot read a `ValidateIf` condition, so the two conditional rules messages use are
 * named decorators that record what they mean: IsNullable and RequiredUnless.
 */

type Constructor = abstract new (...args: never[]) => object;

const nullableProperties = new WeakMap<object, string[]>();
const alternatives = new WeakMap<object, Array<readonly [string, string]>>();

function append<T>(registry: WeakMap<object, T[]>, target: object, entry: T): void {
  registry.set(target, [...(registry.get(target) ?? []), entry]);
}

/** Present and possibly null: the property's other rules apply when it is not null. */
export function IsNullable(): PropertyDecorator {
  return (prototype, property) => {
    ValidateIf((_, value) => value !== null)(prototype, property);
    append(nullableProperties, prototype.constructor, String(property));
  };
}

/**
 * Required unless `other` is present; checked whenever present. Two properties that name each
 * other make "at least one of them".
 */
export function RequiredUnless<TMessage>(other: keyof TMessage & string): PropertyDecorator {
  return (prototype, property) => {
    ValidateIf((message: Record<string, unknown>, value) => value !== undefined || message[other] === undefined)(
      prototype,
      property,
    );
    append(alternatives, prototype.constructor, [String(property), other] as const);
  };
}

function inherited<T>(registry: WeakMap<object, T[]>, target: Constructor): T[] {
  const found: T[] = [];
  for (let current: unknown = target; typeof current === 'function'; current = Object.getPrototypeOf(current)) {
    found.push(...(registry.get(current as object) ?? []));
  }
  return found;
}

function withNull(schema: JsonSchema): JsonSchema {
  if (typeof schema['type'] === 'string' && !('enum' in schema)) return { ...schema, type: [schema['type'], 'null'] };
  return { anyOf: [schema, { type: 'null' }] };
}

function nestedClassOf(target: Constructor, property: string): Constructor | undefined {
  const typeMetadata = defaultMetadataStorage.findTypeMetadata(target as never, property);
  const type: unknown = typeMetadata?.typeFunction() ?? Reflect.getMetadata('design:type', target.prototype, property);
  return typeof type === 'function' ? (type as Constructor) : undefined;
}

const generatorOptions: Parameters<typeof targetConstructorToSchema>[1] = {
  classTransformerMetadataStorage: defaultMetadataStorage,
  // Nested messages are inlined: a message's schema stands alone, without definitions to resolve.
  additionalConverters: {
    [ValidationTypes.NESTED_VALIDATION]: (metadata: ValidationMetadata) => {
      const nested = nestedClassOf(metadata.target as Constructor, metadata.propertyName);
      return nested ? classSchema(nested) : { type: 'object' };
    },
  },
};

function classSchema(target: Constructor): JsonSchema {
  const generated = targetConstructorToSchema(target as never, generatorOptions) as JsonSchema;
  const properties = { ...((generated['properties'] as Record<string, JsonSchema> | undefined) ?? {}) };
  const metadata = getMetadataStorage().getTargetValidationMetadatas(target as never, '', true, false);
  const nullable = new Set(inherited(nullableProperties, target));
  const pairs = inherited(alternatives, target);
  const required: string[] = [];
  for (const property of Object.keys(properties)) {
    const rules = metadata.filter((rule) => rule.propertyName === property);
    // class-validator's @IsOptional skips a property that is undefined or null.
    const optional = rules.some(
      (rule) => rule.type === ValidationTypes.CONDITIONAL_VALIDATION && rule.name === IS_OPTIONAL,
    );
    const conditional = pairs.some(([name]) => name === property);
    if (optional || nullable.has(property)) properties[property] = withNull(properties[property]);
    if (!optional && !conditional) required.push(property);
  }
  const oneOfEach = [...new Set(pairs.map((pair) => [...pair].sort().join('\0')))].map((key) => ({
    anyOf: key.split('\0').map((name) => ({ required: [name] })),
  }));
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    // Messages are parsed with forbidNonWhitelisted: a field the class does not declare is an error.
    additionalProperties: false,
    ...(oneOfEach.length === 1 ? oneOfEach[0] : oneOfEach.length > 1 ? { allOf: oneOfEach } : {}),
  };
}

const schemas = new WeakMap<object, JsonSchema>();

/**
 * The JSON Schema (draft 2020-12) of a message's payload: an event's own, or the one generated from
 * a command's or request's class. A test checks each generated schema against class-validator.
 */
export function messageSchema(definition: MessageDefinition): JsonSchema {
  if (typeof definition !== 'function') return definition.schema;
  let schema = schemas.get(definition);
  if (!schema) {
    schema = { title: definition.type, ...classSchema(definition) };
    schemas.set(definition, schema);
  }
  return schema;
}
