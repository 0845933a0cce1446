import {
  findJsonShapeProblem,
  isJsonValue,
  isPlainObject,
  jsonDeepEqual,
  storableJson,
  storableJsonProblem,
} from './json-value';

describe('storableJsonProblem', () => {
  it('names the nested key the store would refuse', () => {
    expect(storableJsonProblem({ a: [{ ok: 1 }, { $where: 'x' }] }, 'inputs')).toEqual({
      field: 'inputs.a[1].$where',
      message: 'inputs.a[1].$where: a key may not start with $ or contain . (it cannot be stored)',
    });
    expect(storableJsonProblem({ 'a.b': 1 }, 'inputs')?.field).toBe('inputs["a.b"]');
    expect(storableJsonProblem({ list: ['$text', 'a.b'], n: 1 }, 'inputs')).toBeNull();
  });

  it('refuses nesting past 64 levels without recursion, even 10,000 deep', () => {
    let deep: unknown = 1;
    for (let level = 0; level < 10_000; level += 1) deep = { next: deep };
    expect(storableJsonProblem(deep, 'inputs')?.message).toMatch(/nested deeper than 64 levels$/);
  });

  it('keeps a storable value as it is and turns another into its JSON text', () => {
    expect(storableJson({ id: 7 })).toEqual({ id: 7 });
    expect(storableJson({ $schema: 'https://json-schema.org/draft/2020-12/schema', id: 7 })).toBe(
      '{"$schema":"https://json-schema.org/draft/2020-12/schema","id":7}',
    );
  });
});

describe('isJsonValue', () => {
  it.each([null, true, 0, -1.5, '', 'x', [], {}, { a: [1, { b: null }] }, Object.create(null)])(
    'accepts %p',
    (value) => {
      expect(isJsonValue(value)).toBe(true);
    },
  );

  it.each([
    undefined,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    () => 1,
    new Date(),
    new Map(),
    Symbol('x'),
    10n,
    [undefined],
    { a: undefined },
  ])('rejects %p', (value) => {
    expect(isJsonValue(value)).toBe(false);
  });

  it('rejects values nested more than 64 levels', () => {
    let value: unknown = 1;
    for (let level = 0; level < 64; level++) value = [value];
    expect(isJsonValue(value)).toBe(true);
    expect(isJsonValue([value])).toBe(false);
  });
});

describe('findJsonShapeProblem', () => {
  it('finds excessive depth without recursion', () => {
    let value: unknown = {};
    for (let level = 0; level < 100_000; level++) value = { a: value };
    expect(findJsonShapeProblem(value)).toBe('too-deep');
  });

  it('finds a __proto__ key anywhere', () => {
    expect(findJsonShapeProblem(JSON.parse('{"a": [{"__proto__": 1}]}'))).toBe('proto-key');
  });

  it('accepts ordinary JSON', () => {
    expect(findJsonShapeProblem({ a: [1, { b: 'c' }], constructor: 'ok as data' })).toBeNull();
  });
});

describe('isPlainObject', () => {
  it('accepts object literals and null-prototype objects only', () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect(isPlainObject([])).toBe(false);
    expect(isPlainObject(new Date())).toBe(false);
    expect(isPlainObject(null)).toBe(false);
    expect(isPlainObject(new (class Thing {})())).toBe(false);
  });
});

describe('jsonDeepEqual', () => {
  it.each([
    [1, 1],
    ['a', 'a'],
    [null, null],
    [
      [1, [2, { a: 3 }]],
      [1, [2, { a: 3 }]],
    ],
    [
      { a: 1, b: 2 },
      { b: 2, a: 1 },
    ],
    [{ a: 1, b: undefined }, { a: 1 }],
    [new Date('2024-05-01T00:00:00Z'), new Date('2024-05-01T00:00:00.000Z')],
  ])('%p equals %p', (left, right) => {
    expect(jsonDeepEqual(left, right)).toBe(true);
    expect(jsonDeepEqual(right, left)).toBe(true);
  });

  it.each([
    [1, '1'],
    [0, false],
    [null, undefined],
    ['', null],
    [
      [1, 2],
      [2, 1],
    ],
    [[1], [1, 1]],
    [[], {}],
    [{ a: 1 }, { a: 1, b: 2 }],
    [{ a: null }, {}],
    [new Date(0), 0],
    [new Date(0), '1970-01-01T00:00:00.000Z'],
  ])('%p differs from %p', (left, right) => {
    expect(jsonDeepEqual(left, right)).toBe(false);
    expect(jsonDeepEqual(right, left)).toBe(false);
  });
});
