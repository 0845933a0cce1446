import { conditionPaths, conditionProblems, evaluateCondition, type Condition, type ConditionOp } from './condition';
import { selectBranch, type ConditionConfig } from './node-configs/condition-config';
import type { RunScope } from './scope-path';

const scope: RunScope = {
  inputs: {
    name: 'Ada Lovelace',
    age: 36,
    zero: 0,
    active: true,
    off: false,
    empty: '',
    nothing: null,
    tags: ['night', 'day', { site: 'Leeds' }],
    profile: { city: 'Leeds', grades: [1, 2] },
    startDate: '2024-05-01',
    startAt: '2024-05-01T09:30:00Z',
    numericText: '40',
  },
  vars: { ticketId: 'T-1' },
  run: { candidateProfileId: 'cp_1', createdAt: new Date('2024-05-01T00:00:00Z') },
  nodes: { screen: { outcome: { status: 'PASSED_CRITERIA' }, answers: { 'nmc-pin': { value: 'YES' } } } },
};

function leaf(path: string, op: ConditionOp, value?: unknown): Condition {
  return value === undefined ? { path, op } : { path, op, value };
}

function check(path: string, op: ConditionOp, value?: unknown): boolean {
  return evaluateCondition(leaf(path, op, value), scope);
}

const loose = (value: unknown) => value as Condition;

describe('evaluateCondition', () => {
  describe('eq / ne', () => {
    it('compares primitives strictly', () => {
      expect(check('inputs.name', 'eq', 'Ada Lovelace')).toBe(true);
      expect(check('inputs.age', 'eq', 36)).toBe(true);
      expect(check('inputs.age', 'eq', '36')).toBe(false);
      expect(check('inputs.zero', 'eq', false)).toBe(false);
      expect(check('inputs.empty', 'eq', null)).toBe(false);
      expect(check('inputs.nothing', 'eq', null)).toBe(true);
      expect(check('nodes.screen.outcome.status', 'eq', 'PASSED_CRITERIA')).toBe(true);
      expect(check('nodes.screen.answers.nmc-pin.value', 'eq', 'YES')).toBe(true);
    });

    it('compares arrays and objects deeply, ignoring key order', () => {
      expect(check('inputs.profile', 'eq', { grades: [1, 2], city: 'Leeds' })).toBe(true);
      expect(check('inputs.profile', 'eq', { city: 'Leeds', grades: [2, 1] })).toBe(false);
      expect(check('inputs.profile', 'eq', { city: 'Leeds' })).toBe(false);
      expect(check('inputs.profile.grades', 'eq', [1, 2])).toBe(true);
      expect(check('inputs.profile.grades', 'eq', { 0: 1, 1: 2 })).toBe(false);
    });

    it('treats a missing path as not equal to anything', () => {
      expect(check('vars.missing', 'eq', null)).toBe(false);
      expect(check('vars.missing', 'eq', '')).toBe(false);
      expect(check('vars.missing', 'ne', 'x')).toBe(true);
    });

    it('ne is the negation of eq', () => {
      expect(check('inputs.name', 'ne', 'Grace')).toBe(true);
      expect(check('inputs.name', 'ne', 'Ada Lovelace')).toBe(false);
      expect(check('inputs.profile', 'ne', { city: 'Leeds', grades: [1, 2] })).toBe(false);
    });
  });

  describe('in / nin', () => {
    it('tests membership with deep equality', () => {
      expect(check('inputs.age', 'in', [1, 36])).toBe(true);
      expect(check('inputs.age', 'in', ['36'])).toBe(false);
      expect(check('inputs.profile.grades', 'in', [[1, 2], [3]])).toBe(true);
      expect(check('inputs.age', 'nin', [1, 2])).toBe(true);
      expect(check('inputs.age', 'nin', [36])).toBe(false);
    });

    it('handles an empty list and a missing path', () => {
      expect(check('inputs.age', 'in', [])).toBe(false);
      expect(check('inputs.age', 'nin', [])).toBe(true);
      expect(check('vars.missing', 'in', ['x', null])).toBe(false);
      expect(check('vars.missing', 'nin', ['x'])).toBe(true);
    });

    it('is false (not an exception) when the value is not an array', () => {
      expect(check('inputs.name', 'in', 'Ada Lovelace')).toBe(false);
      expect(check('inputs.name', 'nin', 'Grace')).toBe(false);
    });
  });

  describe('gt / gte / lt / lte', () => {
    it('compares numbers', () => {
      expect(check('inputs.age', 'gt', 35)).toBe(true);
      expect(check('inputs.age', 'gt', 36)).toBe(false);
      expect(check('inputs.age', 'gte', 36)).toBe(true);
      expect(check('inputs.age', 'lt', 36)).toBe(false);
      expect(check('inputs.age', 'lte', 36)).toBe(true);
      expect(check('inputs.zero', 'lt', 0.5)).toBe(true);
      expect(check('inputs.age', 'lt', -1)).toBe(false);
    });

    it('compares ISO dates and date-times when both sides parse', () => {
      expect(check('inputs.startDate', 'gt', '2024-04-30')).toBe(true);
      expect(check('inputs.startDate', 'lt', '2024-05-02T00:00:00Z')).toBe(true);
      expect(check('inputs.startDate', 'gte', '2024-05-01T00:00:00.000Z')).toBe(true);
      expect(check('inputs.startAt', 'gt', '2024-05-01T10:00:00+01:00')).toBe(true);
      expect(check('inputs.startAt', 'lte', '2024-05-01T09:30:00Z')).toBe(true);
      expect(check('run.createdAt', 'lt', '2024-05-01T00:00:01Z')).toBe(true);
    });

    it('is false on type mismatches instead of coercing', () => {
      expect(check('inputs.numericText', 'gt', 30)).toBe(false);
      expect(check('inputs.age', 'gt', '2024-01-01')).toBe(false);
      expect(check('inputs.name', 'gt', '2024-01-01')).toBe(false);
      expect(check('inputs.active', 'gt', 0)).toBe(false);
      expect(check('inputs.nothing', 'lt', 1)).toBe(false);
      expect(check('inputs.tags', 'gt', 0)).toBe(false);
    });

    it('is false for a missing path, whichever the direction', () => {
      for (const op of ['gt', 'gte', 'lt', 'lte'] as const) expect(check('vars.missing', op, 1)).toBe(false);
    });

    it('is false when the expected value is neither a number nor an ISO date', () => {
      expect(check('inputs.name', 'gt', 'A')).toBe(false);
      expect(check('inputs.startDate', 'gt', '2024-02-30')).toBe(false);
      expect(check('inputs.age', 'gt', undefined)).toBe(false);
    });
  });

  describe('exists', () => {
    it('is true for present values, including falsy ones', () => {
      expect(check('inputs.zero', 'exists')).toBe(true);
      expect(check('inputs.off', 'exists')).toBe(true);
      expect(check('inputs.empty', 'exists')).toBe(true);
    });

    it('is false for missing and null values', () => {
      expect(check('vars.missing', 'exists')).toBe(false);
      expect(check('inputs.nothing', 'exists')).toBe(false);
    });

    it('compares presence with an expected boolean', () => {
      expect(check('vars.missing', 'exists', false)).toBe(true);
      expect(check('inputs.nothing', 'exists', false)).toBe(true);
      expect(check('inputs.name', 'exists', false)).toBe(false);
      expect(check('inputs.name', 'exists', true)).toBe(true);
    });

    it('is false when the expected value is not a boolean', () => {
      expect(check('inputs.name', 'exists', 'yes')).toBe(false);
    });
  });

  describe('contains', () => {
    it('finds substrings in strings', () => {
      expect(check('inputs.name', 'contains', 'Love')).toBe(true);
      expect(check('inputs.name', 'contains', 'love')).toBe(false);
      expect(check('inputs.name', 'contains', '')).toBe(true);
    });

    it('finds elements in arrays with deep equality', () => {
      expect(check('inputs.tags', 'contains', 'night')).toBe(true);
      expect(check('inputs.tags', 'contains', { site: 'Leeds' })).toBe(true);
      expect(check('inputs.tags', 'contains', 'nig')).toBe(false);
    });

    it('is false on type mismatches and missing paths', () => {
      expect(check('inputs.name', 'contains', 1)).toBe(false);
      expect(check('inputs.age', 'contains', 3)).toBe(false);
      expect(check('inputs.profile', 'contains', 'Leeds')).toBe(false);
      expect(check('vars.missing', 'contains', 'x')).toBe(false);
    });
  });

  describe('groups', () => {
    const yes = leaf('inputs.active', 'eq', true);
    const no = leaf('inputs.active', 'eq', false);

    it('all needs every condition', () => {
      expect(evaluateCondition({ all: [yes, yes] }, scope)).toBe(true);
      expect(evaluateCondition({ all: [yes, no] }, scope)).toBe(false);
    });

    it('any needs one condition', () => {
      expect(evaluateCondition({ any: [no, yes] }, scope)).toBe(true);
      expect(evaluateCondition({ any: [no, no] }, scope)).toBe(false);
    });

    it('not negates', () => {
      expect(evaluateCondition({ not: no }, scope)).toBe(true);
      expect(evaluateCondition({ not: yes }, scope)).toBe(false);
      expect(evaluateCondition({ not: leaf('vars.missing', 'gt', 1) }, scope)).toBe(true);
    });

    it('nests', () => {
      const condition: Condition = {
        all: [
          { any: [no, leaf('inputs.tags', 'contains', 'day')] },
          { not: { all: [yes, no] } },
          leaf('nodes.screen.outcome.status', 'in', ['PASSED_CRITERIA', 'NEEDS_REVIEW']),
        ],
      };
      expect(evaluateCondition(condition, scope)).toBe(true);
    });

    it('evaluates ten levels but not eleven', () => {
      let condition: Condition = yes;
      for (let level = 1; level < 10; level++) condition = { not: { not: condition } } as Condition;
      // 19 levels deep: refused rather than evaluated.
      expect(evaluateCondition(condition, scope)).toBe(false);
      let shallow: Condition = yes;
      for (let level = 1; level < 10; level++) shallow = { all: [shallow] };
      expect(evaluateCondition(shallow, scope)).toBe(true);
      expect(evaluateCondition({ all: [shallow] }, scope)).toBe(false);
    });
  });

  describe('malformed conditions are false, never exceptions', () => {
    it.each([
      ['null', null],
      ['a string', 'inputs.active'],
      ['an empty object', {}],
      ['an unknown op', { path: 'inputs.active', op: 'regex', value: '.*' }],
      ['an invalid path', { path: 'inputs', op: 'exists' }],
      ['eq without a value', { path: 'inputs.active', op: 'eq' }],
      ['an empty all', { all: [] }],
      ['an empty any', { any: [] }],
      ['all that is not an array', { all: { path: 'inputs.active', op: 'exists' } }],
      ['two shapes at once', { all: [{ path: 'inputs.active', op: 'exists' }], path: 'inputs.active', op: 'exists' }],
    ])('%s', (_name, condition) => {
      expect(evaluateCondition(loose(condition), scope)).toBe(false);
    });

    it('a malformed part makes the whole condition false, even under not', () => {
      expect(evaluateCondition(loose({ not: { path: 'inputs.active', op: 'regex' } }), scope)).toBe(false);
      expect(evaluateCondition(loose({ any: [{ path: 'inputs.active', op: 'exists' }, null] }), scope)).toBe(false);
    });

    it('tolerates a scope with missing sections', () => {
      expect(evaluateCondition(leaf('nodes.screen.outcome', 'exists'), {} as RunScope)).toBe(false);
    });
  });
});

describe('conditionProblems', () => {
  it('accepts every well-formed shape', () => {
    const condition: Condition = {
      all: [
        leaf('inputs.a', 'eq', { nested: [1] }),
        leaf('inputs.a', 'ne', null),
        leaf('inputs.a', 'in', [1, 'x']),
        leaf('inputs.a', 'nin', []),
        leaf('inputs.a', 'gt', 1),
        leaf('inputs.a', 'lte', '2024-05-01T10:00:00+02:00'),
        leaf('inputs.a', 'exists'),
        leaf('inputs.a', 'exists', false),
        leaf('inputs.a', 'contains', 'x'),
        { any: [{ not: leaf('vars.x', 'exists') }] },
      ],
    };
    expect(conditionProblems(condition)).toEqual([]);
  });

  it.each([
    [{ path: 'inputs.a', op: 'in', value: 'x' }, 'value', 'value must be an array for op in'],
    [{ path: 'inputs.a', op: 'nin' }, 'value', 'value is required for op nin'],
    [{ path: 'inputs.a', op: 'eq' }, 'value', 'value is required for op eq'],
    [{ path: 'inputs.a', op: 'contains' }, 'value', 'value is required for op contains'],
    [
      { path: 'inputs.a', op: 'gte', value: '5' },
      'value',
      'value must be a number or an ISO 8601 date string for op gte',
    ],
    [
      { path: 'inputs.a', op: 'lt', value: null },
      'value',
      'value must be a number or an ISO 8601 date string for op lt',
    ],
    [{ path: 'inputs.a', op: 'exists', value: 1 }, 'value', 'value must be a boolean (or left out) for op exists'],
    [
      { path: 'inputs.a', op: 'like', value: 1 },
      'op',
      'op must be one of: eq, ne, in, nin, gt, gte, lt, lte, exists, contains',
    ],
    [{ op: 'exists' }, 'path', expect.stringContaining('path must be one of')],
    [{ path: 'inputs.a', op: 'exists', extra: 1 }, 'extra', 'property extra should not exist'],
    [{ all: [] }, 'all', 'all must be a non-empty array of conditions'],
    [{ any: 'x' }, 'any', 'any must be a non-empty array of conditions'],
    [{ not: 5 }, 'not', expect.stringContaining('not must be a condition object')],
    [{}, '', expect.stringContaining('condition must have exactly one of')],
    [{ all: [], any: [] }, '', expect.stringContaining('condition must have exactly one of')],
    [[{ path: 'inputs.a', op: 'exists' }], '', expect.stringContaining('condition must be a condition object')],
  ])('reports %j at %j', (condition, field, message) => {
    expect(conditionProblems(condition)).toEqual([{ field, message }]);
  });

  it('reports every problem with its field below the given base', () => {
    expect(
      conditionProblems(
        { any: [{ path: 'bad', op: 'eq', value: 1 }, { not: { path: 'vars.x', op: 'in', value: 1 } }, 'x'] },
        'when',
      ),
    ).toEqual([
      { field: 'when.any[0].path', message: expect.stringContaining('path must be one of') },
      { field: 'when.any[1].not.value', message: 'value must be an array for op in' },
      { field: 'when.any[2]', message: expect.stringContaining('any[2] must be a condition object') },
    ]);
  });

  it('allows 10 levels and reports the group that would open an 11th', () => {
    let tenLevels: unknown = { path: 'vars.x', op: 'exists' };
    for (let level = 1; level < 10; level++) tenLevels = { not: tenLevels };
    expect(conditionProblems(tenLevels)).toEqual([]);
    expect(conditionProblems({ any: [tenLevels, { path: 'vars.y', op: 'exists' }] })).toEqual([
      { field: `any[0]${'.not'.repeat(9)}`, message: 'conditions may nest at most 10 levels deep' },
    ]);
  });
});

describe('conditionPaths', () => {
  it('lists leaf paths in document order', () => {
    expect(
      conditionPaths({
        all: [
          leaf('inputs.a', 'exists'),
          { not: leaf('nodes.screen.outcome.status', 'eq', 'X') },
          { any: [leaf('vars.b', 'exists')] },
        ],
      }),
    ).toEqual(['inputs.a', 'nodes.screen.outcome.status', 'vars.b']);
  });

  it('returns nothing for garbage', () => {
    expect(conditionPaths(loose(null))).toEqual([]);
    expect(conditionPaths(loose({ all: 'x' }))).toEqual([]);
  });
});

describe('selectBranch', () => {
  const config: ConditionConfig = {
    branches: [
      { when: leaf('inputs.age', 'lt', 18), target: 'minor' },
      { when: leaf('nodes.screen.outcome.status', 'eq', 'PASSED_CRITERIA'), target: 'notify' },
      { when: leaf('inputs.active', 'eq', true), target: 'never-reached' },
    ],
    else: 'reject',
  };

  it('returns the first matching branch and its index', () => {
    expect(selectBranch(config, scope)).toEqual({ target: 'notify', branchIndex: 1 });
  });

  it('returns a null target when the matching branch ends the run', () => {
    expect(
      selectBranch({ branches: [{ when: leaf('inputs.active', 'exists'), target: null }], else: 'x' }, scope),
    ).toEqual({
      target: null,
      branchIndex: 0,
    });
  });

  it('falls back to else with a null branch index', () => {
    expect(selectBranch({ ...config, branches: [config.branches[0]] }, scope)).toEqual({
      target: 'reject',
      branchIndex: null,
    });
  });

  it('returns a null target when nothing matches and there is no else', () => {
    expect(selectBranch({ branches: [config.branches[0]] }, scope)).toEqual({ target: null, branchIndex: null });
    expect(selectBranch({ branches: [config.branches[0]], else: null }, scope)).toEqual({
      target: null,
      branchIndex: null,
    });
  });

  it('skips malformed branches instead of throwing', () => {
    const garbage = {
      branches: [null, { when: null, target: 'x' }, { when: leaf('inputs.active', 'exists'), target: 'ok' }],
    };
    expect(selectBranch(garbage as unknown as ConditionConfig, scope)).toEqual({ target: 'ok', branchIndex: 2 });
    expect(selectBranch({} as ConditionConfig, scope)).toEqual({ target: null, branchIndex: null });
  });
});
