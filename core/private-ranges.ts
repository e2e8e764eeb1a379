/**
 * DESIGN.md's private ranges: a DNS forwarding target outside them sends queries out of the
 * estate. 168.63.129.16 is Azure's platform DNS (https://learn.microsoft.com/azure/virtual-network/what-is-ip-address-168-63-129-16).
 */
const IPV4_PRIVATE: readonly [string, number][] = [
  ['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10],
  ['127.0.0.0', 8], ['169.254.0.0', 16], ['168.63.129.16', 32],
];
const IPV6_PRIVATE: readonly [string, number][] = [['fc00::', 7], ['fe80::', 10]];

function ipv4ToBigInt(ip: string): bigint | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function ipv6ToBigInt(ip: string): bigint | undefined {
  const text = ip.split('%', 1)[0] ?? '';
  if (!/^[0-9a-f:.]+$/i.test(text) || !text.includes(':')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string): string[] => (half === '' ? [] : half.split(':'));
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  const fill = 8 - head.length - tail.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return undefined;
  let value = 0n;
  for (const group of [...head, ...Array<string>(fill).fill('0'), ...tail]) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  return value;
}

function inRange(value: bigint, base: bigint, prefix: number, bits: number): boolean {
  const shift = BigInt(bits - prefix);
  return value >> shift === base >> shift;
}

/** Strips a port (`10.0.0.2:53`, `[fd00::1]:53`) and brackets from a target address. */
export function addressOf(target: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(target);
  if (bracketed?.[1]) return bracketed[1];
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(target);
  return withPort?.[1] ?? target;
}

/** Whether an address is inside the private ranges. Anything unparseable counts as outside. */
export function isPrivateAddress(target: string): boolean {
  const address = addressOf(target.trim());
  const v4 = ipv4ToBigInt(address);
  if (v4 !== undefined) {
    return IPV4_PRIVATE.some(([base, prefix]) => inRange(v4, ipv4ToBigInt(base) ?? 0n, prefix, 32));
  }
  const v6 = ipv6ToBigInt(address);
  if (v6 !== undefined) {
    return IPV6_PRIVATE.some(([base, prefix]) => inRange(v6, ipv6ToBigInt(base) ?? 0n, prefix, 128));
  }
  return false;
}

/** A default or half-default destination: a /0 or /1, IPv4 or IPv6. */
export function isDefaultRoute(destination: string): boolean {
  return /\/(0|1)$/.test(destination.trim());
}
