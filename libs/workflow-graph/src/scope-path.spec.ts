import { isValidDotPath, isValidPath, parseScopePath, readScopePath, resolvePath, type RunScope } from './scope-path';

describe('isValidPath', () => {
  it.each([
    'inputs.conversationId',
    'inputs.candidate.firstName',
    'vars.ticketId',
    'vars.users.0.title',
    'run.candidateProfileId',
    'nodes.screen.outcome',
    'nodes.screen.outcome.status',
    'nodes.screen_2.outcome.answers.0',
    'nodes.screen.answers.nmc-pin',
    'nodes.screen.answers.nmc-pin.value',
  ])('accepts %s', (path) => {
    expect(isValidPath(path)).toBe(true);
  });

  it.each([
    ['', 'empty'],
    ['inputs', 'a root alone'],
    ['vars', 'a root alone'],
    ['context.inputs.x', 'an unknown root'],
    ['inputs.1st', 'an input name that is not an identifier'],
    ['vars.my-var', 'a variable name that is not an identifier'],
    ['inputs..x', 'an empty segment'],
    ['inputs.x.', 'a trailing dot'],
    ['inputs.x y', 'whitespace'],
    ['inputs.__proto__', 'a prototype segment'],
    ['vars.x.constructor', 'a prototype segment deeper in'],
    ['nodes.screen', 'a node without outcome or answers'],
    ['nodes.screen.status', 'a node field other than outcome or answers'],
    ['nodes.screen.answers', 'answers without a slug'],
    ['nodes.screen.answers.NMC_PIN', 'a slug that is not kebab-case'],
    ['nodes.bad id.outcome', 'a node id with a space'],
    ['nodes.{x}.outcome', 'braces'],
    [`inputs.${'a'.repeat(600)}`, 'an overly long path'],
  ])('rejects %j (%s)', (path) => {
    expect(isValidPath(path)).toBe(false);
  });

  it.each([undefined, null, 3, ['inputs', 'x'], { path: 'inputs.x' }])('rejects the non-string %p', (path) => {
    expect(isValidPath(path)).toBe(false);
  });
});

describe('parseScopePath', () => {
  it('names the node and the answer slug a path reads', () => {
    expect(parseScopePath('nodes.screen.answers.nmc-pin.value')).toEqual({
      root: 'nodes',
      segments: ['nodes', 'screen', 'answers', 'nmc-pin', 'value'],
      nodeId: 'screen',
      answerSlug: 'nmc-pin',
    });
    expect(parseScopePath('nodes.check.outcome')).toEqual({
      root: 'nodes',
      segments: ['nodes', 'check', 'outcome'],
      nodeId: 'check',
    });
    expect(parseScopePath('vars.x')).toEqual({ root: 'vars', segments: ['vars', 'x'] });
    expect(parseScopePath('nope.x')).toBeNull();
  });
});

describe('isValidDotPath', () => {
  it.each(['id', 'data.id', 'users.0.title', 'a-b.c_d.$e'])('accepts %s', (path) => {
    expect(isValidDotPath(path)).toBe(true);
  });

  it.each(['', '.', 'a..b', 'a.', '.a', 'a b', 'a.__proto__', 'constructor', 'a.prototype.b', 7, null])(
    'rejects %p',
    (path) => {
      expect(isValidDotPath(path)).toBe(false);
    },
  );
});

describe('resolvePath', () => {
  const body = {
    data: { id: 'T-1', count: 0, flag: false, nothing: null },
    users: [{ title: 'Nurse' }, { title: 'Carer', tags: ['night', 'day'] }],
    'odd-key': 1,
  };

  it('reads nested object fields, keeping falsy values', () => {
    expect(resolvePath(body, 'data.id')).toBe('T-1');
    expect(resolvePath(body, 'data.count')).toBe(0);
    expect(resolvePath(body, 'data.flag')).toBe(false);
    expect(resolvePath(body, 'data.nothing')).toBeNull();
    expect(resolvePath(body, 'odd-key')).toBe(1);
  });

  it('indexes arrays with numeric segments', () => {
    expect(resolvePath(body, 'users.0.title')).toBe('Nurse');
    expect(resolvePath(body, 'users.1.tags.1')).toBe('day');
    expect(resolvePath([10, 20], '1')).toBe(20);
  });

  it('returns the whole sub-tree for a partial path', () => {
    expect(resolvePath(body, 'users.1')).toEqual({ title: 'Carer', tags: ['night', 'day'] });
  });

  it('returns undefined for missing steps', () => {
    expect(resolvePath(body, 'data.missing')).toBeUndefined();
    expect(resolvePath(body, 'data.missing.deeper')).toBeUndefined();
    expect(resolvePath(body, 'data.nothing.deeper')).toBeUndefined();
    expect(resolvePath(body, 'users.2.title')).toBeUndefined();
    expect(resolvePath(undefined, 'a')).toBeUndefined();
    expect(resolvePath(null, 'a')).toBeUndefined();
  });

  it('accepts only canonical non-negative integers as array indexes', () => {
    expect(resolvePath(body, 'users.-1')).toBeUndefined();
    expect(resolvePath(body, 'users.01')).toBeUndefined();
    expect(resolvePath(body, 'users.1.5')).toBeUndefined();
    expect(resolvePath(body, 'users.length')).toBeUndefined();
    expect(resolvePath(body, 'users.at')).toBeUndefined();
  });

  it('does not read properties of primitives', () => {
    expect(resolvePath(body, 'data.id.length')).toBeUndefined();
    expect(resolvePath(body, 'data.count.toFixed')).toBeUndefined();
  });

  it('never reads prototype properties', () => {
    expect(resolvePath(body, '__proto__')).toBeUndefined();
    expect(resolvePath(body, 'constructor')).toBeUndefined();
    expect(resolvePath(body, 'constructor.prototype')).toBeUndefined();
    expect(resolvePath(body, 'data.toString')).toBeUndefined();
    expect(resolvePath(body, 'data.hasOwnProperty')).toBeUndefined();
    expect(resolvePath(body, 'users.map')).toBeUndefined();
    expect(resolvePath(body, 'users.constructor')).toBeUndefined();
  });

  it('ignores an own __proto__ key from parsed JSON as well', () => {
    const parsed = JSON.parse('{"__proto__": {"secret": 1}, "ok": 2}');
    expect(resolvePath(parsed, '__proto__.secret')).toBeUndefined();
    expect(resolvePath(parsed, 'ok')).toBe(2);
  });

  it('returns undefined for an empty path or empty segments', () => {
    expect(resolvePath(body, '')).toBeUndefined();
    expect(resolvePath(body, 'data..id')).toBeUndefined();
    expect(resolvePath(body, 'data.')).toBeUndefined();
  });
});

describe('readScopePath', () => {
  const scope: RunScope = {
    inputs: { conversationId: 'c-1', candidate: { firstName: 'Ada' } },
    vars: { ticketId: 'T-9', users: [{ title: 'Nurse' }] },
    run: { candidateProfileId: 'cp_1' },
    nodes: {
      screen: { outcome: { status: 'PASSED_CRITERIA' }, answers: { 'nmc-pin': { value: 'YES' } } },
    },
  };

  it('reads each root', () => {
    expect(readScopePath(scope, 'inputs.candidate.firstName')).toBe('Ada');
    expect(readScopePath(scope, 'vars.users.0.title')).toBe('Nurse');
    expect(readScopePath(scope, 'run.candidateProfileId')).toBe('cp_1');
    expect(readScopePath(scope, 'nodes.screen.outcome.status')).toBe('PASSED_CRITERIA');
    expect(readScopePath(scope, 'nodes.screen.answers.nmc-pin.value')).toBe('YES');
  });

  it('returns undefined for a node that has not run yet', () => {
    expect(readScopePath(scope, 'nodes.check.outcome')).toBeUndefined();
  });

  it('returns undefined for paths outside the scope grammar even when data exists there', () => {
    expect(readScopePath(scope, 'inputs')).toBeUndefined();
    expect(readScopePath(scope, 'nodes.screen')).toBeUndefined();
    expect(readScopePath({ ...scope, secrets: { key: 'x' } } as RunScope, 'secrets.key')).toBeUndefined();
  });
});
