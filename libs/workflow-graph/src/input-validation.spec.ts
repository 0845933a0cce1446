import { inputProblems } from './input-validation';

describe('inputProblems', () => {
  const declared = {
    conversationId: { type: 'string' as const, required: true },
    priority: { type: 'number' as const },
    tags: { type: 'array' as const },
    flags: { type: 'object' as const },
    urgent: { type: 'boolean' as const },
  };

  it('accepts inputs of the declared types, optional ones omitted, and a webhookUrl', () => {
    expect(
      inputProblems(declared, {
        conversationId: 'c1',
        tags: ['a'],
        flags: { x: 1 },
        urgent: false,
        webhookUrl: 'https://hooks.example/result',
      }),
    ).toEqual([]);
  });

  it('names each missing, mistyped and undeclared input', () => {
    expect(inputProblems(declared, { priority: '1', tags: {}, flags: [], extra: 1, webhookUrl: 'ftp://x' })).toEqual([
      { field: 'inputs.conversationId', message: 'inputs.conversationId is required' },
      { field: 'inputs.priority', message: 'inputs.priority must be a number' },
      { field: 'inputs.tags', message: 'inputs.tags must be an array' },
      { field: 'inputs.flags', message: 'inputs.flags must be an object' },
      { field: 'inputs.extra', message: 'inputs.extra is not an input of this workflow' },
      { field: 'inputs.webhookUrl', message: 'inputs.webhookUrl must be an absolute http(s) URL' },
    ]);
  });

  it('refuses undeclared inputs named like Object.prototype members', () => {
    expect(inputProblems(declared, { conversationId: 'c', toString: 'x', constructor: 1 })).toEqual([
      { field: 'inputs.toString', message: 'inputs.toString is not an input of this workflow' },
      { field: 'inputs.constructor', message: 'inputs.constructor is not an input of this workflow' },
    ]);
  });

  it('treats null as a value of no declared type', () => {
    expect(inputProblems(declared, { conversationId: null })).toEqual([
      { field: 'inputs.conversationId', message: 'inputs.conversationId must be a string' },
    ]);
  });

  it('a workflow without declared inputs takes none but webhookUrl', () => {
    expect(inputProblems(undefined, {})).toEqual([]);
    expect(inputProblems(undefined, { a: 1 })).toHaveLength(1);
  });
});
