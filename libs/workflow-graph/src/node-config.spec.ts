import { validateNodeConfig } from './node-config';
import {
  DEFAULT_REPLY_WINDOW_SECONDS,
  MAX_REPLY_WINDOW_SECONDS,
  MIN_REPLY_WINDOW_SECONDS,
} from './node-configs/outreach-config';
import {
  DEFAULT_WEBHOOK_CONTENT_TYPE,
  DEFAULT_WEBHOOK_RETRIES,
  DEFAULT_WEBHOOK_TIMEOUT_SECONDS,
  isHttpUrlTemplate,
} from './node-configs/webhook-config';

describe('defaults', () => {
  it('match DESIGN.md', () => {
    expect(DEFAULT_REPLY_WINDOW_SECONDS).toBe(86_400);
    expect([MIN_REPLY_WINDOW_SECONDS, MAX_REPLY_WINDOW_SECONDS]).toEqual([60, 2_592_000]);
    expect(DEFAULT_WEBHOOK_TIMEOUT_SECONDS).toBe(10);
    expect(DEFAULT_WEBHOOK_RETRIES).toBe(2);
    expect(DEFAULT_WEBHOOK_CONTENT_TYPE).toBe('json');
  });
});

describe('validateNodeConfig: outreach', () => {
  const valid = () => ({
    channels: ['sms', 'email', 'whatsapp'],
    replyWindowSeconds: 3600,
    questions: [
      { slug: 'nmc-pin', text: 'Are you NMC registered?', preferredAnswer: 'IS_YES' },
      { slug: 'right-to-work', text: 'Do you have the right to work?' },
    ],
  });

  it.each(['screeningOutreach', 'engagementOutreach'] as const)('accepts a full %s config', (type) => {
    expect(validateNodeConfig(type, valid())).toEqual([]);
  });

  it('accepts no questions and no reply window', () => {
    expect(validateNodeConfig('engagementOutreach', { channels: ['email'], questions: [] })).toEqual([]);
  });

  it('accepts the reply window bounds', () => {
    for (const replyWindowSeconds of [60, 2_592_000]) {
      expect(validateNodeConfig('screeningOutreach', { ...valid(), replyWindowSeconds })).toEqual([]);
    }
  });

  it('accepts every preferred answer', () => {
    const answers = [
      'IS_YES',
      'IS_NO',
      'IS_ANY',
      'INCLUDES',
      'DOES_NOT_INCLUDE',
      'DOCUMENT_UPLOADED',
      'DOCUMENT_NOT_UPLOADED',
      'NEEDS_CLARIFICATION',
    ];
    const questions = answers.map((preferredAnswer, index) => ({
      slug: `q-${index}`,
      text: 'Question?',
      preferredAnswer,
    }));
    expect(validateNodeConfig('screeningOutreach', { ...valid(), questions })).toEqual([]);
  });

  it.each([
    [{ channels: [] }, 'channels', 'channels should not be empty'],
    [{ channels: 'sms' }, 'channels', 'channels must be an array'],
    [
      { channels: ['sms', 'fax'] },
      'channels',
      'each value in channels must be one of the following values: sms, email, whatsapp',
    ],
    [{ channels: ['sms', 'sms'] }, 'channels', 'channels must not repeat a channel'],
    [{ channels: undefined }, 'channels', 'channels must be an array'],
    [{ replyWindowSeconds: 59 }, 'replyWindowSeconds', 'replyWindowSeconds must not be less than 60'],
    [{ replyWindowSeconds: 2_592_001 }, 'replyWindowSeconds', 'replyWindowSeconds must not be greater than 2592000'],
    [{ replyWindowSeconds: 90.5 }, 'replyWindowSeconds', 'replyWindowSeconds must be an integer number'],
    [{ replyWindowSeconds: '3600' }, 'replyWindowSeconds', 'replyWindowSeconds must be an integer number'],
    [{ replyWindowSeconds: null }, 'replyWindowSeconds', 'replyWindowSeconds must be an integer number'],
    [{ questions: undefined }, 'questions', 'questions must be an array'],
    [
      { questions: ['Are you NMC registered?'] },
      'questions[0]',
      'each question must be an object { slug, text, preferredAnswer? }',
    ],
    [
      { questions: [{ slug: 'Nmc_Pin', text: 'x' }] },
      'questions[0].slug',
      'slug must be lowercase kebab-case of 1-64 characters, such as nmc-pin',
    ],
    [
      { questions: [{ slug: 'nmc--pin', text: 'x' }] },
      'questions[0].slug',
      'slug must be lowercase kebab-case of 1-64 characters, such as nmc-pin',
    ],
    [
      { questions: [{ slug: 'a'.repeat(65), text: 'x' }] },
      'questions[0].slug',
      'slug must be lowercase kebab-case of 1-64 characters, such as nmc-pin',
    ],
    [{ questions: [{ slug: 7, text: 'x' }] }, 'questions[0].slug', 'slug must be a string'],
    [{ questions: [{ slug: 'a', text: '  ' }] }, 'questions[0].text', 'text must not be empty'],
    [{ questions: [{ slug: 'a' }] }, 'questions[0].text', 'text must be a string'],
    [
      { questions: [{ slug: 'a', text: 'x'.repeat(1001) }] },
      'questions[0].text',
      'text must be shorter than or equal to 1000 characters',
    ],
    [
      { questions: [{ slug: 'a', text: 'x', preferredAnswer: 'YES' }] },
      'questions[0].preferredAnswer',
      expect.stringContaining('preferredAnswer must be one of the following values: IS_YES, IS_NO'),
    ],
    [{ questions: [{ slug: 'a', text: 'x', hint: 'y' }] }, 'questions[0].hint', 'property hint should not exist'],
    [
      {
        questions: [
          { slug: 'a', text: 'x' },
          { slug: 'a', text: 'y' },
        ],
      },
      'questions',
      'questions must not repeat a slug (repeated: a)',
    ],
    [{ channel: 'sms' }, 'channel', 'property channel should not exist'],
  ])('reports %j at %s', (change, field, message) => {
    expect(validateNodeConfig('screeningOutreach', { ...valid(), ...change })).toEqual([{ field, message }]);
  });

  it('accepts a 64-character slug', () => {
    expect(
      validateNodeConfig('screeningOutreach', { ...valid(), questions: [{ slug: 'a'.repeat(64), text: 'x' }] }),
    ).toEqual([]);
  });

  it('reports problems of several questions and fields together', () => {
    const problems = validateNodeConfig('screeningOutreach', {
      channels: [],
      questions: [
        { slug: 'ok', text: 'x' },
        { slug: 'BAD', text: '' },
      ],
    });
    expect(problems.map((problem) => problem.field)).toEqual(['channels', 'questions[1].slug', 'questions[1].text']);
  });
});

describe('validateNodeConfig: condition', () => {
  const when = { path: 'nodes.screen.outcome.status', op: 'eq', value: 'PASSED_CRITERIA' };

  it('accepts branches with an else, with a null else, and without one', () => {
    expect(validateNodeConfig('condition', { branches: [{ when, target: 'a' }], else: 'b' })).toEqual([]);
    expect(validateNodeConfig('condition', { branches: [{ when, target: null }], else: null })).toEqual([]);
    expect(validateNodeConfig('condition', { branches: [{ when, target: 'a' }] })).toEqual([]);
  });

  it('accepts 50 branches and refuses 51', () => {
    const branches = (count: number) => Array.from({ length: count }, () => ({ when, target: 'a' }));
    expect(validateNodeConfig('condition', { branches: branches(50) })).toEqual([]);
    expect(validateNodeConfig('condition', { branches: branches(51) })).toEqual([
      { field: 'branches', message: 'branches must contain no more than 50 elements' },
    ]);
  });

  it.each([
    [{ branches: [] }, 'branches', 'branches must contain at least 1 elements'],
    [{ branches: undefined }, 'branches', 'branches must be an array'],
    [{ branches: [null] }, 'branches[0]', 'each branch must be an object { when, target }'],
    [{ branches: [{ when }] }, 'branches[0].target', 'target must be a node id or null'],
    [{ branches: [{ when, target: '' }] }, 'branches[0].target', 'target must be a node id or null'],
    [{ branches: [{ when, target: 'a', label: 'x' }] }, 'branches[0].label', 'property label should not exist'],
    [{ branches: [{ target: 'a' }] }, 'branches[0].when', expect.stringContaining('when must be a condition object')],
    [
      { branches: [{ when: { path: 'x', op: 'eq', value: 1 }, target: 'a' }] },
      'branches[0].when.path',
      expect.stringContaining('path must be one of'),
    ],
    [{ branches: [{ when, target: 'a' }], else: 3 }, 'else', 'else must be a node id or null'],
    [{ branches: [{ when, target: 'a' }], otherwise: 'b' }, 'otherwise', 'property otherwise should not exist'],
  ])('reports %j at %s', (config, field, message) => {
    expect(validateNodeConfig('condition', config)).toEqual([{ field, message }]);
  });
});

describe('validateNodeConfig: webhook', () => {
  const valid = () => ({
    method: 'POST',
    url: 'https://hr.example/hooks/{{ vars.ticketId }}',
    headers: { Authorization: 'Bearer {{inputs.token}}', 'X-Trace-Id': 'abc' },
    contentType: 'json',
    body: { candidate: '{{run.candidateProfileId}}', list: [1, true, null] },
    timeoutSeconds: 60,
    setVariables: [
      { name: 'data.id', variable: 'ticketId' },
      { name: 'users.0.title', variable: '_title2' },
    ],
    retries: 0,
  });

  it('accepts a full config and a minimal one', () => {
    expect(validateNodeConfig('webhook', valid())).toEqual([]);
    expect(validateNodeConfig('webhook', { method: 'GET', url: 'http://x.example' })).toEqual([]);
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('accepts a body for %s', (method) => {
    expect(validateNodeConfig('webhook', { ...valid(), method })).toEqual([]);
  });

  it.each([
    ['an array', [{ a: 1 }]],
    ['a string', '{{inputs.payload}}'],
  ])('accepts %s as a json body', (_name, body) => {
    expect(validateNodeConfig('webhook', { ...valid(), body })).toEqual([]);
  });

  it('accepts a string body for xml and a flat object for form', () => {
    expect(validateNodeConfig('webhook', { ...valid(), contentType: 'xml', body: '<a>{{vars.x}}</a>' })).toEqual([]);
    expect(
      validateNodeConfig('webhook', { ...valid(), contentType: 'form', body: { a: 'x', n: 1, b: false } }),
    ).toEqual([]);
  });

  it.each([
    [{ method: 'get' }, 'method', 'method must be one of the following values: GET, POST, PUT, PATCH, DELETE, HEAD'],
    [
      { method: undefined },
      'method',
      'method must be one of the following values: GET, POST, PUT, PATCH, DELETE, HEAD',
    ],
    [
      { url: 'ftp://x.example' },
      'url',
      'url must start with http:// or https:// and contain no spaces; templates may only follow the host and port (after a /, ? or #), which must be written out',
    ],
    [
      { url: '{{inputs.url}}' },
      'url',
      'url must start with http:// or https:// and contain no spaces; templates may only follow the host and port (after a /, ? or #), which must be written out',
    ],
    [
      { url: 'https://' },
      'url',
      'url must start with http:// or https:// and contain no spaces; templates may only follow the host and port (after a /, ? or #), which must be written out',
    ],
    [
      { url: 'https://x.example/a b' },
      'url',
      'url must start with http:// or https:// and contain no spaces; templates may only follow the host and port (after a /, ? or #), which must be written out',
    ],
    [{ url: 42 }, 'url', 'url must be a string'],
    [{ url: `https://x.example/${'a'.repeat(2048)}` }, 'url', 'url must be shorter than or equal to 2048 characters'],
    [
      { headers: { 'Bad Header': 'x' } },
      'headers',
      'headers must be an object of header names to single-line string values',
    ],
    [
      { headers: { 'X-Count': 1 } },
      'headers',
      'headers must be an object of header names to single-line string values',
    ],
    [
      { headers: { 'X-Inject': 'a\r\nSet-Cookie: x' } },
      'headers',
      'headers must be an object of header names to single-line string values',
    ],
    [{ headers: ['X-A'] }, 'headers', 'headers must be an object of header names to single-line string values'],
    [{ contentType: 'yaml' }, 'contentType', 'contentType must be one of the following values: json, xml, form'],
    [{ method: 'GET' }, 'body', 'body is not allowed for GET requests'],
    [{ method: 'HEAD' }, 'body', 'body is not allowed for HEAD requests'],
    [{ body: 42 }, 'body', 'body must be an object, an array or a string'],
    [{ body: null }, 'body', 'body must be an object, an array or a string'],
    [{ contentType: 'xml', body: { a: 1 } }, 'body', 'body must be a string for contentType xml'],
    [
      { contentType: 'form', body: { a: { b: 1 } } },
      'body',
      'body must be an object of string, number or boolean fields for contentType form',
    ],
    [{ body: { at: new Date() } }, 'body', 'body must be a JSON value'],
    [{ timeoutSeconds: 0 }, 'timeoutSeconds', 'timeoutSeconds must not be less than 1'],
    [{ timeoutSeconds: 61 }, 'timeoutSeconds', 'timeoutSeconds must not be greater than 60'],
    [{ timeoutSeconds: 1.5 }, 'timeoutSeconds', 'timeoutSeconds must be an integer number'],
    [{ retries: -1 }, 'retries', 'retries must not be less than 0'],
    [{ retries: 6 }, 'retries', 'retries must not be greater than 5'],
    [{ setVariables: { name: 'a', variable: 'b' } }, 'setVariables', 'setVariables must be an array'],
    [
      { setVariables: [{ name: 'data..id', variable: 'x' }] },
      'setVariables[0].name',
      expect.stringContaining('name must be a dot path'),
    ],
    [
      { setVariables: [{ name: 'data.__proto__', variable: 'x' }] },
      'setVariables[0].name',
      expect.stringContaining('name must be a dot path'),
    ],
    [
      { setVariables: [{ name: 'id', variable: '2x' }] },
      'setVariables[0].variable',
      expect.stringContaining('variable must be an identifier'),
    ],
    [
      { setVariables: [{ name: 'id', variable: 'my-var' }] },
      'setVariables[0].variable',
      expect.stringContaining('variable must be an identifier'),
    ],
    [
      {
        setVariables: [
          { name: 'a', variable: 'x' },
          { name: 'b', variable: 'x' },
        ],
      },
      'setVariables',
      'setVariables must not repeat a variable (repeated: x)',
    ],
    [
      { setVariables: [{ name: 'a', variable: 'x', default: 1 }] },
      'setVariables[0].default',
      'property default should not exist',
    ],
    [{ timeout: 5 }, 'timeout', 'property timeout should not exist'],
  ])('reports %j at %s', (change, field, message) => {
    expect(validateNodeConfig('webhook', { ...valid(), ...change })).toEqual([{ field, message }]);
  });
});

describe('isHttpUrlTemplate', () => {
  it.each([
    'https://hr.example/hooks',
    'HTTP://hr.example',
    'https://hr.example/{{ vars.ticketId }}?q={{ inputs.q }}',
    'https://hr.example:8443/{{ vars.ticketId }}',
  ])('accepts %s', (url) => {
    expect(isHttpUrlTemplate(url)).toBe(true);
  });

  it.each([
    'hr.example',
    'https:/x',
    '//x.example',
    '{{inputs.base}}/path',
    // A template may not form the host or port: the origin must be written out.
    'https://{{inputs.host}}/path',
    'https://hr.example:{{inputs.port}}/path',
    'https://hr.example:8443{{inputs.rest}}',
    'javascript:alert(1)',
    ' https://x.example',
    'https://a b',
  ])('rejects %s', (url) => {
    expect(isHttpUrlTemplate(url)).toBe(false);
  });
});

describe('validateNodeConfig: output', () => {
  it.each([
    ['an object with templates', { ticket: '{{vars.ticketId}}' }],
    ['an array', [1, 'two']],
    ['a string', 'done'],
    ['a number', 0],
    ['false', false],
    ['null', null],
  ])('accepts %s as value', (_name, value) => {
    expect(validateNodeConfig('output', { value })).toEqual([]);
  });

  it.each([
    [{}, 'value', 'value is required'],
    [{ value: Number.NaN }, 'value', 'value must be a JSON value'],
    [{ value: { f: () => 1 } }, 'value', 'value must be a JSON value'],
    [{ value: 1, status: 'ok' }, 'status', 'property status should not exist'],
  ])('reports %p at %s', (config, field, message) => {
    expect(validateNodeConfig('output', config)).toEqual([{ field, message }]);
  });
});

describe('validateNodeConfig: any type', () => {
  it.each([null, undefined, 'x', 1, [], new Date()])('reports a config that is not a plain object (%p)', (config) => {
    expect(validateNodeConfig('webhook', config)).toEqual([{ field: '', message: 'config must be an object' }]);
  });
});
