import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { addressRefusal, type AddressPolicy } from './address-policy';

/** The target resolved to an address that the policy forbids (checked after DNS, per connection). */
export class ForbiddenTargetError extends Error {
  readonly code = 'ERR_FORBIDDEN_TARGET';

  constructor(reason: string) {
    super(`outbound request refused: ${reason}`);
    this.name = 'ForbiddenTargetError';
  }
}

/**
 * A DNS lookup that refuses forbidden addresses (for connections to `port`). Used for every
 * connection the agent opens, so a name that resolves to a private address (or changes to one
 * later: DNS rebinding) is refused too.
 */
export function guardedLookup(policy: AddressPolicy, port?: number): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 4);
      const list = addresses as unknown as LookupAddress[];
      for (const entry of list) {
        const refusal = addressRefusal(entry.address, policy, port);
        if (refusal) return callback(new ForbiddenTargetError(`${hostname} resolves to ${refusal}`), '', 4);
      }
      if ((options as { all?: boolean }).all)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      return callback(null, list[0].address, list[0].family);
    });
  };
}

/** The port a URL (or an undici connection target) connects to. */
export function portOf(target: { port: string; protocol: string }): number {
  if (target.port) return Number(target.port);
  return target.protocol === 'https:' ? 443 : 80;
}

/** A URL's host without the brackets of an IPv6 literal. */
export function bareHost(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, '');
}

/** Refuses URLs whose host is an IP literal the policy forbids (lookup is skipped for literals). */
export function assertUrlAllowed(url: URL, policy: AddressPolicy): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ForbiddenTargetError(`${url.protocol} is not http(s)`);
  const host = bareHost(url.hostname);
  if (isIP(host) !== 0) {
    const refusal = addressRefusal(host, policy, portOf(url));
    if (refusal) throw new ForbiddenTargetError(refusal);
  }
}

/**
 * An undici agent whose connections can only reach addresses the policy allows. No redirects.
 * Each connection is judged with its port (a loopback port may be allowed alone): an IP literal
 * here, a name by the lookup of a connector kept per port.
 */
export function createGuardedAgent(policy: AddressPolicy, options: { connections?: number } = {}): Agent {
  const connectors = new Map<number, buildConnector.connector>();
  const connectorFor = (port: number) => {
    let connector = connectors.get(port);
    if (!connector) {
      connector = buildConnector({ lookup: guardedLookup(policy, port) });
      connectors.set(port, connector);
    }
    return connector;
  };
  return new Agent({
    connect: (target, callback) => {
      const port = portOf(target);
      const host = bareHost(target.hostname);
      if (isIP(host) !== 0) {
        const refusal = addressRefusal(host, policy, port);
        if (refusal) return callback(new ForbiddenTargetError(refusal), null);
      }
      connectorFor(port)(target, callback);
    },
    connections: options.connections ?? 64,
    keepAliveTimeout: 10_000,
  });
}
