/** IPv4/IPv6 addresses and CIDR ranges as bytes, for range checks that are exact and cheap. */
import { isIP } from 'node:net';

export interface Cidr {
  family: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
  /** The range as written. */
  text: string;
}

/** Parses an address into 4 or 16 bytes (IPv4-mapped IPv6 stays 16 bytes). Null when invalid. */
export function parseAddress(addr: string): Uint8Array | null {
  const fam = isIP(addr);
  if (fam === 4) return Uint8Array.from(addr.split('.').map(Number));
  if (fam !== 6) return null;
  let s = addr;
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  const out = new Uint8Array(16);
  // Embedded IPv4 tail (::ffff:1.2.3.4).
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) >= 0) {
    tail = s
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = s.split('::');
  const h = head ? head.split(':') : [];
  const r = rest !== undefined ? (rest ? rest.split(':') : []) : [];
  const groups = rest !== undefined ? [...h, ...Array(8 - h.length - r.length).fill('0'), ...r] : h;
  for (let i = 0; i < 8; i++) {
    const v = Number.parseInt(groups[i] ?? '0', 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  }
  if (tail.length === 4) out.set(tail, 12);
  return out;
}

/** Parses "10.0.0.0/16", "2600:1f16::/56" or a bare address (a /32 or /128). Null when invalid. */
export function parseCidr(text: string): Cidr | null {
  if (typeof text !== 'string') return null;
  const slash = text.indexOf('/');
  const addr = slash >= 0 ? text.slice(0, slash) : text;
  const bytes = parseAddress(addr);
  if (!bytes) return null;
  const family = bytes.length === 4 ? 4 : 6;
  const max = family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return null;
    prefix = Number(p);
    if (prefix > max) return null;
  }
  return { family, bytes: maskBytes(bytes, prefix), prefix, text };
}

function maskBytes(b: Uint8Array, prefix: number): Uint8Array {
  const out = Uint8Array.from(b);
  for (let i = 0; i < out.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    out[i] &= bits === 0 ? 0 : (0xff << (8 - bits)) & 0xff;
  }
  return out;
}

/** True when `addr` (bytes from parseAddress) lies in `c`. IPv4-mapped IPv6 matches IPv4 ranges. */
export function cidrContains(c: Cidr, addr: Uint8Array): boolean {
  let a = addr;
  if (c.family === 4 && a.length === 16) {
    if (!isV4Mapped(a)) return false;
    a = a.subarray(12);
  }
  if (a.length !== c.bytes.length) return false;
  const full = c.prefix >> 3;
  for (let i = 0; i < full; i++) if (a[i] !== c.bytes[i]) return false;
  const rem = c.prefix & 7;
  if (rem === 0) return true;
  const mask = (0xff << (8 - rem)) & 0xff;
  return (a[full] & mask) === c.bytes[full];
}

function isV4Mapped(a: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (a[i] !== 0) return false;
  return a[10] === 0xff && a[11] === 0xff;
}

/** True when range `inner` lies entirely inside `outer`. */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return inner.family === outer.family && inner.prefix >= outer.prefix && cidrContains(outer, inner.bytes);
}

/** A set of ranges answering "which range holds this address" with the longest prefix. */
export class CidrTable<T> {
  private readonly entries: { cidr: Cidr; value: T }[] = [];
  private readonly memo = new Map<string, T | null>();

  add(cidr: Cidr, value: T): void {
    this.entries.push({ cidr, value });
    this.entries.sort((a, b) => b.cidr.prefix - a.cidr.prefix);
    this.memo.clear();
  }

  get size(): number {
    return this.entries.length;
  }

  /** Longest-prefix match; earlier entries win ties. Results are memoised per address string. */
  lookup(address: string): T | null {
    const hit = this.memo.get(address);
    if (hit !== undefined) return hit;
    const bytes = parseAddress(address);
    let found: T | null = null;
    if (bytes) {
      for (const e of this.entries) {
        if (cidrContains(e.cidr, bytes)) {
          found = e.value;
          break;
        }
      }
    }
    if (this.memo.size >= 65_536) this.memo.clear();
    this.memo.set(address, found);
    return found;
  }
}
