import { bodyShapeProblem } from './validation';

describe('bodyShapeProblem', () => {
  it('accepts ordinary bodies', () => {
    expect(bodyShapeProblem({ inputs: { name: 'Ada', tags: ['a', 'b'] }, n: 1 })).toBeNull();
  });

  it('refuses keys class-transformer would drop, naming the field', () => {
    expect(bodyShapeProblem({ inputs: { toString: 'x' } })).toEqual({
      field: 'inputs.toString',
      message: 'inputs.toString: a key may not be named like a built-in object property',
    });
    expect(bodyShapeProblem({ contacts: [{ constructor: 1 }] })?.field).toBe('contacts[0].constructor');
  });

  it('refuses huge arrays and strings before anything walks them', () => {
    expect(bodyShapeProblem({ contacts: new Array(1_000_000).fill(0) })).toEqual({
      field: 'contacts',
      message: 'contacts has more than 10000 items',
    });
    expect(bodyShapeProblem({ name: 'x'.repeat(300 * 1024) })).toEqual({
      field: 'name',
      message: 'name is longer than 262144 characters',
    });
    expect(bodyShapeProblem({ items: new Array(10_000).fill('ok') })).toBeNull();
  });

  it('refuses nesting past the limit without recursion, 100,000 levels included', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(bodyShapeProblem(deep)).toEqual({
      field: 'body',
      message: 'The request body is nested deeper than 100 levels',
    });
    expect(bodyShapeProblem(JSON.parse(`${'['.repeat(100)}${']'.repeat(100)}`))).toBeNull();
  });
});
