import { RpcError } from '@wfp/contracts';
import { assertEndpointUrlAllowed } from './endpoint-url-policy';

const production = { allowLoopback: false };
const development = { allowLoopback: true };

async function refusalOf(url: string, policy = production): Promise<RpcError> {
  const error = await assertEndpointUrlAllowed(url, policy).then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof RpcError)) throw new Error(`${url} was accepted`);
  return error;
}

describe('assertEndpointUrlAllowed', () => {
  it.each([
    ['http://169.254.169.254/latest/meta-data', /link-local|private/],
    ['http://10.0.0.8/hook', /private/],
    ['http://[fd00::1]/hook', /private/],
    ['http://127.0.0.1:8080/hook', /loopback/],
    ['http://localhost:8080/hook', /localhost resolves to .*loopback/],
    ['ftp://example.com/hook', /not http/],
    ['https://user:pass@example.com/hook', /credentials/],
    ['not a url', /absolute/],
  ])('refuses %s, naming the url field', async (url, reason) => {
    const error = await refusalOf(url);
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.field).toBe('url');
    expect(error.message).toMatch(reason);
  });

  it('allows loopback only in development and test configuration', async () => {
    await expect(assertEndpointUrlAllowed('http://127.0.0.1:8080/hook', development)).resolves.toBe(
      'http://127.0.0.1:8080/hook',
    );
    await expect(assertEndpointUrlAllowed('http://localhost:8080/hook', development)).resolves.toBeDefined();
    expect((await refusalOf('http://10.1.1.1/', development)).message).toMatch(/private/);
  });

  it('accepts public addresses and names that do not resolve yet (checked again per connection)', async () => {
    await expect(assertEndpointUrlAllowed('https://93.184.216.34/hook', production)).resolves.toBeDefined();
    await expect(assertEndpointUrlAllowed('https://hooks.invalid/path', production)).resolves.toBe(
      'https://hooks.invalid/path',
    );
  });
});
