import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { addressRefusal } from './address-policy';
import { assertUrlAllowed, createGuardedAgent, ForbiddenTargetError, guardedLookup } from './guarded-agent';

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

  it('allows only the listed loopback ports when loopback is not allowed as a whole', () => {
    const demo = { allowLoopback: false, loopbackPorts: [3200] };
    expect(addressRefusal('127.0.0.1', demo, 3200)).toBeNull();
    expect(addressRefusal('::1', demo, 3200)).toBeNull();
    expect(addressRefusal('127.0.0.1', demo, 3201)).toMatch(/loopback/);
    expect(addressRefusal('127.0.0.1', demo)).toMatch(/loopback/);
    expect(addressRefusal('10.0.0.1', demo, 3200)).toMatch(/private/);
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

  it('judges a loopback URL by the port it connects to', () => {
    const demo = { allowLoopback: false, loopbackPorts: [3200, 80] };
    expect(() => assertUrlAllowed(new URL('http://127.0.0.1:3200/webhooks'), demo)).not.toThrow();
    expect(() => assertUrlAllowed(new URL('http://127.0.0.1/'), demo)).not.toThrow();
    expect(() => assertUrlAllowed(new URL('https://127.0.0.1/'), demo)).toThrow(/loopback/);
    expect(() => assertUrlAllowed(new URL('http://127.0.0.1:27017/'), demo)).toThrow(/loopback/);
  });
});

describe('createGuardedAgent', () => {
  let allowed: Server;
  let other: Server;
  const portOfServer = (server: Server) => (server.address() as AddressInfo).port;

  beforeAll(async () => {
    const listen = async () => {
      const server = createServer((_, response) => response.end('ok'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return server;
    };
    [allowed, other] = [await listen(), await listen()];
  });

  afterAll(async () => {
    await Promise.all([allowed, other].map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('connects to an allowed loopback port only, by address or by name, on every connection', async () => {
    const agent = createGuardedAgent({ allowLoopback: false, loopbackPorts: [portOfServer(allowed)] });
    try {
      for (const host of ['127.0.0.1', 'localhost']) {
        const response = await request(`http://${host}:${portOfServer(allowed)}/`, { dispatcher: agent });
        expect(await response.body.text()).toBe('ok');
        await expect(request(`http://${host}:${portOfServer(other)}/`, { dispatcher: agent })).rejects.toThrow(
          /loopback/,
        );
      }
    } finally {
      await agent.close();
    }
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
