/**
 * Interface addresses made up inside a subnet, for sources that do not say which address an
 * endpoint's interface has (Terraform state without `subnet_configuration`, emulators whose
 * addresses lie outside the subnet). The same seed always gives the same address, and addresses
 * AWS reserves are never picked: the first four and the last of an IPv4 subnet, the first four of
 * an IPv6 one (the network, the VPC router, the DNS server, the future-use address; broadcast).
 */
import { createHash } from 'node:crypto';
import { cidrContains, formatAddress, parseAddress, parseCidr } from '../net/cidr.js';

function toBig(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function fromBig(v: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** True when `address` lies inside `cidr` (both as text); false for anything unparsable. */
export function inSubnet(address: string, cidr: string): boolean {
  const c = parseCidr(cidr);
  const a = parseAddress(address);
  return c !== null && a !== null && a.length === c.bytes.length && cidrContains(c, a);
}

/**
 * A usable address inside `cidr`, chosen by `seed` and different from every address in `used`
 * (which it is added to). Null when the range has no free usable address.
 */
export function generateAddress(cidr: string, seed: string, used: Set<string>): string | null {
  const c = parseCidr(cidr);
  if (!c) return null;
  const bits = BigInt((c.family === 4 ? 32 : 128) - c.prefix);
  const size = 1n << bits;
  const first = 4n; // network, router, DNS, reserved
  const last = c.family === 4 ? size - 2n : size - 1n; // IPv4: not the broadcast address
  if (last < first) return null;
  const span = last - first + 1n;
  const digest = createHash('sha256').update(`${cidr}\0${seed}`).digest();
  const base = toBig(c.bytes);
  let offset = toBig(digest.subarray(0, 16)) % span;
  // Linear probing from the seed's slot; bounded for huge IPv6 ranges (they are never full).
  const tries = span < 65536n ? span : 65536n;
  for (let i = 0n; i < tries; i++) {
    const text = formatAddress(fromBig(base + first + offset, c.bytes.length));
    if (!used.has(text)) {
      used.add(text);
      return text;
    }
    offset = (offset + 1n) % span;
  }
  return null;
}
