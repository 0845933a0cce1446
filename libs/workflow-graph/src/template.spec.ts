import type { RunScope } from './scope-path';
import { renderTemplate, templatePathOccurrences, templatePaths } from './template';

const scope: RunScope = {
  inputs: {
    name: 'Ada',
    count: 3,
    active: true,
    empty: '',
    zero: 0,
    tags: ['a', 'b'],
    profile: { city: 'Leeds' },
    nothing: null,
  },
  vars: { ticketId: 'T-1', users: [{ title: 'Nurse' }, { title: 'Carer' }] },
  run: { candidateProfileId: 'cp_1', startedAt: new Date('2024-05-01T10:00:00.000Z') },
  nodes: { screen: { outcome: { status: 'PASSED_CRITERIA' }, answers: { 'nmc-pin': 'YES' } } },
};

describe('renderTemplate', () => {
  describe('a string that is exactly one template keeps the value type', () => {
    it.each([
      ['{{inputs.count}}', 3],
      ['{{inputs.active}}', true],
      ['{{inputs.zero}}', 0],
      ['{{inputs.empty}}', ''],
      ['{{inputs.nothing}}', null],
      ['{{inputs.tags}}', ['a', 'b']],
      ['{{inputs.profile}}', { city: 'Leeds' }],
      ['{{vars.users.1.title}}', 'Carer'],
      ['{{nodes.screen.answers.nmc-pin}}', 'YES'],
    ])('%s', (template, expected) => {
      expect(renderTemplate(template, scope)).toEqual(expected);
    });

    it('allows whitespace inside the braces', () => {
      expect(renderTemplate('{{ inputs.count }}', scope)).toBe(3);
      expect(renderTemplate('{{\tinputs.count\n}}', scope)).toBe(3);
    });

    it('becomes undefined when the value is missing', () => {
      expect(renderTemplate('{{vars.missing}}', scope)).toBeUndefined();
      expect(renderTemplate('{{nodes.check.outcome}}', scope)).toBeUndefined();
    });
  });

  describe('templates inside longer strings become text', () => {
    it('interpolates strings, numbers and booleans', () => {
      expect(renderTemplate('Hi {{inputs.name}}, you have {{ inputs.count }} shifts ({{inputs.active}})', scope)).toBe(
        'Hi Ada, you have 3 shifts (true)',
      );
    });

    it('writes objects and arrays as JSON and dates as ISO strings', () => {
      expect(renderTemplate('p={{inputs.profile}} t={{inputs.tags}}', scope)).toBe('p={"city":"Leeds"} t=["a","b"]');
      expect(renderTemplate('at {{run.startedAt}}', scope)).toBe('at 2024-05-01T10:00:00.000Z');
    });

    it('writes missing and null values as empty strings', () => {
      expect(renderTemplate('[{{vars.missing}}][{{inputs.nothing}}]', scope)).toBe('[][]');
    });

    it('keeps zero and false', () => {
      expect(renderTemplate('{{inputs.zero}}/{{inputs.active}}', scope)).toBe('0/true');
    });

    it('renders templates in a URL', () => {
      expect(renderTemplate('https://hr.example/tickets/{{vars.ticketId}}?c={{run.candidateProfileId}}', scope)).toBe(
        'https://hr.example/tickets/T-1?c=cp_1',
      );
    });

    it('treats a string with two templates as text even when nothing else is around them', () => {
      expect(renderTemplate('{{inputs.count}}{{inputs.count}}', scope)).toBe('33');
    });

    it('does not interpret $-patterns in values', () => {
      const dollars: RunScope = { ...scope, inputs: { price: "$& $1 $$ $'" } };
      expect(renderTemplate('cost: {{inputs.price}}', dollars)).toBe("cost: $& $1 $$ $'");
    });
  });

  it('walks objects and arrays deeply and leaves keys alone', () => {
    const value = {
      '{{inputs.name}}': 'key stays',
      candidate: '{{run.candidateProfileId}}',
      list: ['{{inputs.count}}', 'n={{inputs.count}}', { deep: ['{{vars.users.0}}'] }],
      fixed: 42,
      on: true,
      none: null,
    };
    expect(renderTemplate(value, scope)).toEqual({
      '{{inputs.name}}': 'key stays',
      candidate: 'cp_1',
      list: [3, 'n=3', { deep: [{ title: 'Nurse' }] }],
      fixed: 42,
      on: true,
      none: null,
    });
  });

  it('does not modify its input', () => {
    const value = { a: ['{{inputs.name}}'] };
    renderTemplate(value, scope);
    expect(value).toEqual({ a: ['{{inputs.name}}'] });
  });

  it('leaves text without templates, half templates and nested braces unchanged', () => {
    expect(renderTemplate('plain text', scope)).toBe('plain text');
    expect(renderTemplate('{{inputs.name', scope)).toBe('{{inputs.name');
    expect(renderTemplate('{ inputs.name }', scope)).toBe('{ inputs.name }');
    expect(renderTemplate('{"json": true}', scope)).toBe('{"json": true}');
  });

  it('never evaluates code: expressions are not paths and render as missing', () => {
    const before = JSON.stringify(scope.inputs);
    expect(renderTemplate('{{inputs.count + 1}}', scope)).toBeUndefined();
    expect(renderTemplate('x{{ process.exit(1) }}x', scope)).toBe('xx');
    expect(renderTemplate('{{constructor.constructor("return 1")()}}', scope)).toBeUndefined();
    expect(renderTemplate('{{inputs.__proto__}}', scope)).toBeUndefined();
    expect(JSON.stringify(scope.inputs)).toBe(before);
  });

  it('returns non-string scalars as they are', () => {
    expect(renderTemplate(5, scope)).toBe(5);
    expect(renderTemplate(null, scope)).toBeNull();
    expect(renderTemplate(undefined, scope)).toBeUndefined();
  });
});

describe('templatePaths', () => {
  it('lists every distinct path in document order, trimmed', () => {
    const value = {
      url: 'https://x.example/{{ vars.ticketId }}',
      body: { a: '{{inputs.name}}', b: ['{{vars.ticketId}}', 'x {{nodes.screen.outcome.status}} y {{inputs.name}}'] },
    };
    expect(templatePaths(value)).toEqual(['vars.ticketId', 'inputs.name', 'nodes.screen.outcome.status']);
  });

  it('includes invalid paths so publish validation can report them', () => {
    expect(templatePaths('{{}} {{ candidate }} {{a + b}}')).toEqual(['', 'candidate', 'a + b']);
  });

  it('returns nothing for values without templates', () => {
    expect(templatePaths({ a: 1, b: [true, null, 'text'] })).toEqual([]);
    expect(templatePaths(undefined)).toEqual([]);
  });
});

describe('templatePathOccurrences', () => {
  it('gives the field of the string that holds each path', () => {
    expect(templatePathOccurrences({ a: ['{{vars.x}}', { 'b-c': '{{vars.y}}' }] }, 'config.body')).toEqual([
      { field: 'config.body.a[0]', path: 'vars.x' },
      { field: 'config.body.a[1]["b-c"]', path: 'vars.y' },
    ]);
  });
});
