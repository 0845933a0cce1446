import type { RunScope } from './scope-path';
import { breaksHeaderLine, escapeXml, renderUrlTemplate, urlTemplateFrame } from './url-template';

const scope = (inputs: Record<string, unknown>): RunScope => ({ inputs }) as unknown as RunScope;
const render = (template: string, inputs: Record<string, unknown>) => {
  const result = renderUrlTemplate(template, scope(inputs));
  return result.ok ? result.url.toString() : result.problem;
};

describe('urlTemplateFrame', () => {
  it('fixes the origin and the path before the first template', () => {
    expect(urlTemplateFrame('https://partner.example/api/{{inputs.p}}/x')).toEqual({
      origin: 'https://partner.example',
      pathPrefix: '/api/',
      templatedPath: true,
    });
    expect(urlTemplateFrame('http://host:8080/v1/items?q={{inputs.q}}')).toEqual({
      origin: 'http://host:8080',
      pathPrefix: '/v1/items',
      templatedPath: false,
    });
    expect(urlTemplateFrame('https://partner.example/plain')).toMatchObject({ pathPrefix: '/plain' });
  });

  it.each([
    'http://{{inputs.host}}/x',
    'http://host:{{inputs.port}}/x',
    'http://host:8080{{inputs.rest}}',
    'http://host{{inputs.suffix}}/x',
    'http://trusted@{{inputs.host}}/x',
    '{{inputs.url}}',
    '{{inputs.scheme}}://host/x',
  ])('refuses a template in the scheme, host or port: %s', (template) => {
    expect(urlTemplateFrame(template)).toBeNull();
  });
});

describe('renderUrlTemplate', () => {
  it('encodes each value for its place, so it cannot add segments, a query or a fragment', () => {
    expect(render('http://host/partner/{{inputs.p}}', { p: '../../admin?x=1#' })).toBe(
      'http://host/partner/..%2F..%2Fadmin%3Fx%3D1%23',
    );
    expect(render('http://host/search?q={{inputs.q}}&page=1', { q: 'a&b=c#d e' })).toBe(
      'http://host/search?q=a%26b%3Dc%23d%20e&page=1',
    );
    expect(render('http://host/users/{{inputs.id}}', { id: '@evil.example' })).toBe(
      'http://host/users/%40evil.example',
    );
  });

  it('refuses a value that would climb above the literal path', () => {
    expect(render('http://host/partner/{{inputs.p}}', { p: '..' })).toBe('a templated value moved the URL’s path');
    expect(render('http://host/partner/{{inputs.p}}', { p: '%2e%2e' })).toBe('http://host/partner/%252e%252e');
  });

  it('refuses a template that does not fix its origin, also at run time', () => {
    expect(render('http://host:8080{{inputs.p}}', { p: '@evil.example/' })).toBe(
      'the URL template does not fix its scheme, host and port',
    );
  });

  it('renders a URL without templates unchanged', () => {
    expect(render('https://partner.example/hook?x=1', {})).toBe('https://partner.example/hook?x=1');
  });
});

describe('XML and header values', () => {
  it('escapes XML markup and detects line breaks', () => {
    expect(escapeXml(`<a href="x">Tom & 'Jerry'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;',
    );
    expect(breaksHeaderLine('value\r\nX-Injected: 1')).toBe(true);
    expect(breaksHeaderLine('plain value')).toBe(false);
  });
});
