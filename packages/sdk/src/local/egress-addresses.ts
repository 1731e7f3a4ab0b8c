/**
 * Which resolved addresses the allow-list proxy refuses: everything that is not a public unicast
 * address, and every address of this host's own interfaces (a service bound to 0.0.0.0 answers
 * on a public interface address too). Parsed numerically with `net.BlockList`, so non-canonical
 * spellings (`0:0:0:0:0:0:0:1`, `::ffff:7f00:1`) are classified like the canonical ones.
 */
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

const SPECIAL: readonly [string, number, 'ipv4' | 'ipv6', string][] = [
  ['0.0.0.0', 8, 'ipv4', 'a "this network" address'],
  ['10.0.0.0', 8, 'ipv4', 'a private address'],
  ['100.64.0.0', 10, 'ipv4', 'a carrier-grade NAT address'],
  ['127.0.0.0', 8, 'ipv4', 'a loopback address'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local address'],
  ['172.16.0.0', 12, 'ipv4', 'a private address'],
  ['192.0.0.0', 24, 'ipv4', 'an IETF protocol address'],
  ['192.168.0.0', 16, 'ipv4', 'a private address'],
  ['198.18.0.0', 15, 'ipv4', 'a benchmarking address'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved address'],
  ['::', 128, 'ipv6', 'the unspecified address'],
  ['::1', 128, 'ipv6', 'a loopback address'],
  ['::', 96, 'ipv6', 'an IPv4-compatible address'],
  ['64:ff9b:1::', 48, 'ipv6', 'a local NAT64 address'],
  ['fc00::', 7, 'ipv6', 'a unique-local address'],
  ['fe80::', 10, 'ipv6', 'a link-local address'],
  ['fec0::', 10, 'ipv6', 'a site-local address'],
  ['ff00::', 8, 'ipv6', 'a multicast address'],
];

const lists = SPECIAL.map(([net, prefix, type, reason]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, type);
  return { list, reason };
});

/** This host's interface addresses, read on every call (interfaces come and go). */
function hostAddresses(): BlockList {
  const list = new BlockList();
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      // a scoped link-local address carries "%eth0"; BlockList wants the bare address
      const bare = a.address.replace(/%.*$/, '');
      if (isIP(bare)) list.addAddress(bare, a.family === 'IPv6' ? 'ipv6' : 'ipv4');
    }
  }
  return list;
}

/**
 * Why the sandbox must not reach `address` through a public name (e.g. "a loopback address",
 * "one of this host's own addresses"), or undefined when it may. Non-IP input is refused.
 */
export function isForbiddenAddress(address: string): string | undefined {
  const bare = address.replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return 'not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const { list, reason } of lists) if (list.check(bare, type)) return reason;
  if (hostAddresses().check(bare, type)) return "one of this host's own addresses";
  return undefined;
}
