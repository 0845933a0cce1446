import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent } from 'undici';
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
 * A DNS lookup that refuses forbidden addresses. Used for every connection the agent opens, so a
 * name that resolves to a private address (or changes to one later: DNS rebinding) is refused too.
 */
export function guardedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 4);
      const list = addresses as unknown as LookupAddress[];
      for (const entry of list) {
        const refusal = addressRefusal(entry.address, policy);
        if (refusal) return callback(new ForbiddenTargetError(`${hostname} resolves to ${refusal}`), '', 4);
      }
      if ((options as { all?: boolean }).all)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      return callback(null, list[0].address, list[0].family);
    });
  };
}

/** Refuses URLs whose host is an IP literal the policy forbids (lookup is skipped for literals). */
export function assertUrlAllowed(url: URL, policy: AddressPolicy): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ForbiddenTargetError(`${url.protocol} is not http(s)`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) {
    const refusal = addressRefusal(host, policy);
    if (refusal) throw new ForbiddenTargetError(refusal);
  }
}

/** An undici agent whose connections can only reach addresses the policy allows. No redirects. */
export function createGuardedAgent(policy: AddressPolicy, options: { connections?: number } = {}): Agent {
  return new Agent({
    connect: { lookup: guardedLookup(policy) },
    connections: options.connections ?? 64,
    keepAliveTimeout: 10_000,
  });
}
