import { BlockList, isIP } from 'node:net';

/**
 * Which addresses outbound requests (webhook nodes, webhook deliveries) may reach. Private,
 * link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast and reserved
 * ranges are never reachable; loopback only when the development/test configuration allows it:
 * every port, or only the listed ones (`npm start` lets its own demo sink through, nothing else).
 */
export interface AddressPolicy {
  allowLoopback: boolean;
  /** Loopback ports reachable when `allowLoopback` is false. */
  loopbackPorts?: readonly number[];
}

const alwaysBlocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  alwaysBlocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['64:ff9b::', 96],
] as const) {
  alwaysBlocked.addSubnet(network, prefix, 'ipv6');
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is judged as the IPv4 address it carries. */
function normalize(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1], family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

/** Why the address (on this port, when known) may not be reached, or null when it may. */
export function addressRefusal(rawAddress: string, policy: AddressPolicy, port?: number): string | null {
  if (isIP(rawAddress) === 0) return `${rawAddress} is not an IP address`;
  const { address, family } = normalize(rawAddress);
  if (loopback.check(address, family)) {
    if (policy.allowLoopback || (port !== undefined && policy.loopbackPorts?.includes(port))) return null;
    return `${address} is a loopback address`;
  }
  if (alwaysBlocked.check(address, family)) return `${address} is a private, link-local or reserved address`;
  return null;
}
