import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import * as contracts from './index';
import { InvalidMessageError, parsePayload } from './commands/command';
import { messageSchema, type JsonSchema, type MessageClass } from './index';

/**
 * Every command and request class's generated JSON Schema says what its class-validator rules say:
 * from a payload built to the schema, each field is dropped, nulled, given the wrong type, pushed
 * past its bounds, and an unknown field is added; the schema and class-validator must agree on
 * every one.
 */

// strictRequired off: "at least one of" is `anyOf: [{ required: [a] }, { required: [b] }]`, whose
// branches name properties defined beside them, not inside (standard JSON Schema; ajv's strict
// mode asks for the redundant form).
const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true, strictRequired: false }));

const messageClasses = Object.values(contracts).filter(
  (value): value is MessageClass =>
    typeof value === 'function' &&
    typeof (value as { type?: unknown }).type === 'string' &&
    typeof (value as { schemaVersion?: unknown }).schemaVersion === 'number',
);

type Json = unknown;

const SAMPLE_FORMATS: Record<string, string> = {
  date: '2026-12-01',
  'date-time': '2026-12-01T10:00:00.000Z',
};

function typesOf(schema: JsonSchema): string[] {
  const type = schema['type'];
  return Array.isArray(type) ? type : typeof type === 'string' ? [type] : [];
}

/** A value the schema accepts; `full` also fills the optional properties. */
function sampleOf(schema: JsonSchema, full: boolean): Json {
  for (const keyword of ['anyOf', 'oneOf'])
    if (Array.isArray(schema[keyword]) && !schema['type']) return sampleOf((schema[keyword] as JsonSchema[])[0], full);
  if (Array.isArray(schema['enum'])) return (schema['enum'] as Json[])[0];
  const type = typesOf(schema).find((candidate) => candidate !== 'null');
  switch (type) {
    case 'string':
      if (typeof schema['format'] === 'string') return SAMPLE_FORMATS[schema['format']];
      return 'x'.repeat(Math.max(1, Number(schema['minLength'] ?? 1)));
    case 'integer':
    case 'number':
      return Number(schema['minimum'] ?? 1);
    case 'boolean':
      return true;
    case 'array': {
      const items = schema['items'] as JsonSchema | undefined;
      return items && full ? [sampleOf(items, full)] : [];
    }
    case 'object': {
      const properties = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
      const required = new Set((schema['required'] as string[] | undefined) ?? []);
      // "at least one of": satisfy the first alternative.
      const [alternative] = (schema['anyOf'] as JsonSchema[] | undefined) ?? [];
      for (const name of (alternative?.['required'] as string[] | undefined) ?? []) required.add(name);
      const sample: Record<string, Json> = {};
      for (const [name, property] of Object.entries(properties))
        if (full || required.has(name)) sample[name] = sampleOf(property, full);
      return sample;
    }
    default:
      return {};
  }
}

function wrongTypeFor(schema: JsonSchema): Json {
  const types = typesOf(schema);
  return types.includes('string') || types.length === 0 ? 42 : 'not-a-number';
}

/** Payloads that differ from `valid` in one way each, named for the failure message. */
function mutationsOf(schema: JsonSchema, valid: Record<string, Json>): Array<[string, Json]> {
  const mutations: Array<[string, Json]> = [['an unknown field', { ...valid, unknownField: 1 }]];
  const properties = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
  for (const [name, property] of Object.entries(properties)) {
    const without = { ...valid };
    delete without[name];
    mutations.push([`${name} absent`, without]);
    mutations.push([`${name} null`, { ...valid, [name]: null }]);
    mutations.push([`${name} of the wrong type`, { ...valid, [name]: wrongTypeFor(property) }]);
    const plain = (Array.isArray(property['anyOf']) ? (property['anyOf'] as JsonSchema[])[0] : property) ?? {};
    if (typeof plain['maxLength'] === 'number')
      mutations.push([`${name} too long`, { ...valid, [name]: 'x'.repeat(Number(plain['maxLength']) + 1) }]);
    if (typeof plain['minLength'] === 'number' && Number(plain['minLength']) > 0)
      mutations.push([`${name} too short`, { ...valid, [name]: '' }]);
    if (typeof plain['minimum'] === 'number')
      mutations.push([`${name} below its minimum`, { ...valid, [name]: Number(plain['minimum']) - 1 }]);
    if (typeof plain['maximum'] === 'number')
      mutations.push([`${name} above its maximum`, { ...valid, [name]: Number(plain['maximum']) + 1 }]);
    if (typesOf(plain).includes('integer')) mutations.push([`${name} fractional`, { ...valid, [name]: 1.5 }]);
    if (Array.isArray(plain['enum'])) mutations.push([`${name} outside its values`, { ...valid, [name]: 'NOPE' }]);
    if (typesOf(plain).includes('object') && plain['additionalProperties'] === false)
      mutations.push([`${name} with an unknown field`, { ...valid, [name]: { ...(valid[name] as object), stray: 1 } }]);
  }
  return mutations;
}

function classValidatorAccepts(messageClass: MessageClass, payload: Json): boolean {
  try {
    parsePayload(messageClass, payload);
    return true;
  } catch (error) {
    if (error instanceof InvalidMessageError) return false;
    throw error;
  }
}

describe('generated JSON Schemas of commands and requests', () => {
  it('cover every message class contracts export', () => {
    expect(messageClasses.map((messageClass) => messageClass.type)).toEqual(
      expect.arrayContaining(['runs.start', 'contacts.resolve', 'runs.cancel', 'claims.confirm', 'runs.get']),
    );
  });

  describe.each(messageClasses.map((messageClass) => [messageClass.type, messageClass] as const))(
    '%s',
    (_type, messageClass) => {
      const schema = messageSchema(messageClass);
      const validate = ajv.compile(schema);

      it('accepts a minimal and a complete payload, as class-validator does', () => {
        for (const full of [false, true]) {
          const payload = sampleOf(schema, full);
          expect({
            full,
            schema: validate(payload),
            classValidator: classValidatorAccepts(messageClass, payload),
          }).toEqual({ full, schema: true, classValidator: true });
        }
      });

      it('agrees with class-validator on every one-field change', () => {
        const disagreements: string[] = [];
        for (const full of [false, true]) {
          const valid = sampleOf(schema, full) as Record<string, Json>;
          for (const [change, payload] of mutationsOf(schema, valid)) {
            const bySchema = validate(payload);
            const byClassValidator = classValidatorAccepts(messageClass, payload);
            if (bySchema !== byClassValidator)
              disagreements.push(`${change}: schema ${bySchema ? 'accepts' : 'rejects'}, class-validator does not`);
          }
        }
        expect(disagreements).toEqual([]);
      });
    },
  );

  it('say what the conditional rules mean: nullable, and at least one of two', () => {
    const start = messageSchema(contracts.RunsStartCommand);
    expect(start['required']).toEqual(expect.arrayContaining(['candidateProfileId', 'workflowExternalId']));
    expect((start['properties'] as Record<string, JsonSchema>)['workflowExternalId']).toEqual({
      type: ['string', 'null'],
    });
    expect(messageSchema(contracts.RunsCancelCommand)).toMatchObject({
      anyOf: [{ required: ['runId'] }, { required: ['workflowId'] }],
    });
  });

  it("is an event definition's own schema for an event", () => {
    expect(messageSchema(contracts.RunStartedEvent)).toBe(contracts.RunStartedEvent.schema);
  });
});
