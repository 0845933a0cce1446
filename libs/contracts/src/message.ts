import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import type { ClassConstructor } from 'class-transformer';
import addFormats from 'ajv-formats';
import { InvalidMessageError, parsePayload } from './commands/command';

/** A message's routing key (`type`) and the version of its payload's schema. */
export interface MessageType {
  readonly type: string;
  readonly schemaVersion: number;
}

/** A JSON Schema (draft 2020-12). */
export type JsonSchema = Record<string, unknown>;

/**
 * A command or request: a class whose static `type` and `schemaVersion` name it and whose
 * class-validator rules check it; its instances are its payloads.
 */
export type MessageClass<T extends object = object> = ClassConstructor<T> & MessageType;

/**
 * An event: its routing key, schema version, payload type and the JSON Schema that checks it, in one
 * definition (defineEvent). The schema is what `GET /v1/event-types` serves; a test checks the
 * payload type against it with the catalogue's examples.
 */
export interface EventDefinition<TPayload = unknown, TType extends string = string> extends MessageType {
  readonly type: TType;
  readonly description: string;
  /** What the payload's `recordId` is, in the catalogue's words. */
  readonly recordId: string;
  readonly schema: JsonSchema;
  /** Type-level only (never set): the payload the event carries. */
  readonly payload?: TPayload;
}

/** Any message definition: what createEnvelope, the publisher and the handlers take. */
export type MessageDefinition = MessageClass | EventDefinition;

/** The payload type of a message definition. */
export type PayloadOf<M> = M extends EventDefinition<infer P> ? P : M extends ClassConstructor<infer I> ? I : never;

/**
 * Defines an event. Called with the payload type first (`defineEvent<RunStartedData>()({ … })`) so
 * the routing key keeps its literal type.
 */
export function defineEvent<TPayload>() {
  return <TType extends string>(definition: {
    type: TType;
    schemaVersion: number;
    description: string;
    recordId: string;
    schema: JsonSchema;
  }): EventDefinition<TPayload, TType> => Object.freeze({ ...definition });
}

const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));
const validators = new WeakMap<JsonSchema, ValidateFunction>();

function problemsOf(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => {
    const field = error.instancePath.replace(/^\//, '').replace(/\//g, '.') || 'payload';
    const extra =
      error.keyword === 'additionalProperties'
        ? ` (${String((error.params as { additionalProperty?: unknown }).additionalProperty)})`
        : '';
    return `${field}: ${error.message ?? error.keyword}${extra}`;
  });
}

function isEventDefinition(definition: MessageDefinition): definition is EventDefinition {
  return typeof definition !== 'function';
}

/**
 * Checks a payload against its message's definition and returns it typed; throws
 * InvalidMessageError naming the fields (consumers dead-letter such a message at once).
 */
export function parseMessage<M extends MessageDefinition>(definition: M, plain: unknown): PayloadOf<M> {
  if (!isEventDefinition(definition)) return parsePayload(definition, plain) as PayloadOf<M>;
  let validate = validators.get(definition.schema);
  if (!validate) {
    validate = ajv.compile(definition.schema);
    validators.set(definition.schema, validate);
  }
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain))
    throw new InvalidMessageError(definition.type, ['payload must be an object']);
  if (!validate(plain)) throw new InvalidMessageError(definition.type, problemsOf(validate.errors));
  return plain as PayloadOf<M>;
}
