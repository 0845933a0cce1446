import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { RpcError } from '@wfp/contracts';
import {
  addressRefusal,
  assertUrlAllowed,
  bareHost,
  ForbiddenTargetError,
  portOf,
  type AddressPolicy,
} from '@wfp/outbound-http';

/**
 * Checks an endpoint URL when it is registered or changed: http(s) only, no credentials in it,
 * and no private, link-local or (unless allowed) loopback address, as written or as its name
 * resolves now. A name that does not resolve yet is accepted: every connection is checked again
 * after DNS (DNS rebinding), and redirects are never followed, so a later change cannot reach a
 * forbidden address either.
 */
export async function assertEndpointUrlAllowed(rawUrl: string, policy: AddressPolicy): Promise<string> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new RpcError('BAD_REQUEST', 'url must be an absolute http(s) URL', 'url');
  }
  if (url.username || url.password) throw new RpcError('BAD_REQUEST', 'url must not carry credentials', 'url');
  try {
    assertUrlAllowed(url, policy);
  } catch (error) {
    throw refusal(error);
  }
  const host = bareHost(url.hostname);
  if (isIP(host) === 0) {
    const addresses = await lookup(host, { all: true }).catch(() => []);
    for (const { address } of addresses) {
      const reason = addressRefusal(address, policy, portOf(url));
      if (reason) throw new RpcError('BAD_REQUEST', `url is not allowed: ${host} resolves to ${reason}`, 'url');
    }
  }
  return url.toString();
}

function refusal(error: unknown): RpcError {
  const reason = error instanceof ForbiddenTargetError ? error.message.replace(/^outbound request refused: /, '') : '';
  return new RpcError('BAD_REQUEST', `url is not allowed${reason ? `: ${reason}` : ''}`, 'url');
}
