import { addressRefusal } from './address-policy';
import { assertUrlAllowed, ForbiddenTargetError, guardedLookup } from './guarded-agent';

describe('addressRefusal', () => {
  const strict = { allowLoopback: false };
  const dev = { allowLoopback: true };

  it.each([
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    'fc00::1',
    'fe80::1',
    '::ffff:10.0.0.1',
    '224.0.0.1',
  ])('refuses %s whatever the configuration', (address) => {
    expect(addressRefusal(address, strict)).not.toBeNull();
    expect(addressRefusal(address, dev)).not.toBeNull();
  });

  it('allows loopback only when configured', () => {
    for (const address of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1']) {
      expect(addressRefusal(address, strict)).toMatch(/loopback/);
      expect(addressRefusal(address, dev)).toBeNull();
    }
  });

  it('allows public addresses', () => {
    expect(addressRefusal('93.184.216.34', strict)).toBeNull();
    expect(addressRefusal('2606:2800:220:1:248:1893:25c8:1946', strict)).toBeNull();
  });
});

describe('assertUrlAllowed', () => {
  it('refuses IP-literal URLs in forbidden ranges and non-http schemes', () => {
    expect(() => assertUrlAllowed(new URL('http://169.254.169.254/latest/meta-data'), { allowLoopback: true })).toThrow(
      ForbiddenTargetError,
    );
    expect(() => assertUrlAllowed(new URL('http://[::1]:8080/'), { allowLoopback: false })).toThrow(/loopback/);
    expect(() => assertUrlAllowed(new URL('file:///etc/passwd'), { allowLoopback: true })).toThrow(/not http/);
    expect(() => assertUrlAllowed(new URL('https://example.com/hook'), { allowLoopback: false })).not.toThrow();
  });
});

describe('guardedLookup', () => {
  it('refuses a host name that resolves to loopback unless allowed', (done) => {
    guardedLookup({ allowLoopback: false })('localhost', {}, (error) => {
      expect(error).toBeInstanceOf(ForbiddenTargetError);
      guardedLookup({ allowLoopback: true })('localhost', {}, (allowed, address) => {
        expect(allowed).toBeNull();
        expect(['127.0.0.1', '::1']).toContain(address);
        done();
      });
    });
  });
});
