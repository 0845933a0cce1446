import { parseServiceUrls } from './operations.options';

const known = ['workflow-processor', 'contact-resolver', 'webhook-dispatcher', 'workflow-api'];

describe('parseServiceUrls', () => {
  it('reads name=url pairs, trimming spaces and trailing slashes', () => {
    expect(
      parseServiceUrls(' workflow-processor=http://processor:3002/ , contact-resolver=https://r.internal', known),
    ).toEqual({
      'workflow-processor': 'http://processor:3002',
      'contact-resolver': 'https://r.internal',
    });
    expect(parseServiceUrls('', known)).toEqual({});
  });

  it('names the pair it cannot read', () => {
    expect(() => parseServiceUrls('billing=http://b:1', known)).toThrow(
      '"billing=http://b:1" does not start with a service name',
    );
    expect(() => parseServiceUrls('contact-resolver=ftp://x', known)).toThrow('does not end with an http(s) URL');
  });
});
