import ipaddr from 'ipaddr.js';

/**
 * Which network addresses an import may dial: only globally routable unicast. Everything else —
 * loopback (incl. the Lambda runtime API on 127.0.0.1:9001), private, link-local (incl. the
 * 169.254.169.254 metadata service), CGNAT, unique-local, multicast, unspecified, reserved, and IPv6
 * forms that embed an IPv4 address (mapped, IPv4-compatible, NAT64, 6to4, Teredo) — is refused. Numeric spellings
 * such as 2130706433 or 0x7f000001 are normalised by the URL parser before they reach here.
 */
export const isPublicAddress = (address: string): boolean => {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  // ::/96, the deprecated IPv4-compatible form (::7f00:1 is ::127.0.0.1), which the library calls
  // unicast in one spelling and not in another: never a public address.
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).parts.slice(0, 6).every((part) => part === 0))
    return false;
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    // Judged as the IPv4 address it stands for: ::ffff:127.0.0.1 is loopback.
    return isPublicAddress((parsed as ipaddr.IPv6).toIPv4Address().toString());
  }
  return parsed.range() === 'unicast';
};

/** The address is refused by policy (as opposed to failing to connect). */
export class RefusedAddress extends Error {
  constructor() {
    super('The URL points to an address that imports may not reach.');
    this.name = 'RefusedAddress';
  }
}
