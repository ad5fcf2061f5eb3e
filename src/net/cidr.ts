/** IPv4/IPv6 addresses and CIDR ranges as bytes, for range checks that are exact and cheap. */

export interface Cidr {
  family: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
  /** The range as written. */
  text: string;
}

/** Parses an address into 4 or 16 bytes (IPv4-mapped IPv6 stays 16 bytes). Null when invalid. */
export function parseAddress(addr: string): Uint8Array | null {
  if (typeof addr !== 'string') return null;
  const n = addr.length;
  if (n < 2) return null;
  if (addr.indexOf(':') < 0) {
    const out = new Uint8Array(4);
    return readV4(addr, 0, n, out, 0) ? out : null;
  }
  return parseV6(addr, n);
}

/** The family of a valid address (4 or 6), else 0: `net.isIP` without its regular expressions. */
export function addressFamily(addr: string): 0 | 4 | 6 {
  const b = parseAddress(addr);
  return b === null ? 0 : b.length === 4 ? 4 : 6;
}

/** Dotted quad in s[from, to) into out[at..at+4): decimal octets 0-255 without leading zeros. */
function readV4(s: string, from: number, to: number, out: Uint8Array, at: number): boolean {
  let i = from;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (i >= to || s.charCodeAt(i) !== 46) return false; // '.'
      i++;
    }
    const start = i;
    let v = 0;
    while (i < to) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      i++;
    }
    const len = i - start;
    if (len === 0 || len > 3 || v > 255 || (len > 1 && s.charCodeAt(start) === 48)) return false;
    out[at + part] = v;
  }
  return i === to;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** A zone id character as `net.isIP` accepts it after '%': letters, digits, '-', '.' and ':'. */
function isZoneChar(c: number): boolean {
  return (c >= 48 && c <= 58) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 46;
}

function parseV6(s: string, n: number): Uint8Array | null {
  let end = s.indexOf('%');
  if (end >= 0) {
    if (end === n - 1) return null;
    for (let i = end + 1; i < n; i++) if (!isZoneChar(s.charCodeAt(i))) return null;
  } else end = n;
  const groups = new Uint16Array(8);
  let count = 0; // groups written
  let gap = -1; // index in groups where '::' stands
  let i = 0;
  if (s.charCodeAt(0) === 58) {
    // Leading '::'.
    if (s.charCodeAt(1) !== 58) return null;
    gap = 0;
    i = 2;
    if (i === end) return expand(groups, count, gap, null);
  }
  let v4: Uint8Array | null = null;
  for (;;) {
    // A group (or an IPv4 tail) starts at i.
    const start = i;
    let v = 0;
    while (i < end) {
      const h = hexValue(s.charCodeAt(i));
      if (h < 0) break;
      v = (v << 4) | h;
      i++;
    }
    const len = i - start;
    if (i < end && s.charCodeAt(i) === 46) {
      // IPv4 tail: takes two groups and ends the address.
      if (count + 2 > (gap >= 0 ? 7 : 8)) return null;
      v4 = new Uint8Array(4);
      if (!readV4(s, start, end, v4, 0)) return null;
      count += 2;
      break;
    }
    if (len === 0 || len > 4) return null;
    if (count >= (gap >= 0 ? 7 : 8)) return null;
    groups[count++] = v;
    if (i === end) break;
    if (s.charCodeAt(i) !== 58) return null;
    i++;
    if (i < end && s.charCodeAt(i) === 58) {
      if (gap >= 0) return null;
      gap = count;
      i++;
      if (i === end) break;
    } else if (i === end) return null; // a single trailing ':'
  }
  if (gap < 0 && count !== 8) return null;
  if (gap >= 0 && count > 7) return null;
  return expand(groups, v4 ? count - 2 : count, gap, v4);
}

function expand(groups: Uint16Array, written: number, gap: number, v4: Uint8Array | null): Uint8Array {
  const out = new Uint8Array(16);
  const total = v4 ? 6 : 8;
  for (let k = 0; k < written; k++) {
    const at = gap >= 0 && k >= gap ? k + (total - written) : k;
    out[at * 2] = groups[k] >> 8;
    out[at * 2 + 1] = groups[k] & 0xff;
  }
  if (v4) out.set(v4, 12);
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

/**
 * A set of ranges answering "which range holds this address" with the longest prefix. Ranges are
 * kept in one Map per prefix length (keyed by the masked network), so adding n ranges costs
 * O(n) plus sorting the distinct prefix lengths, and a lookup costs one Map probe per prefix
 * length present (at most 33 + 129), never a scan of the ranges.
 */
export class CidrTable<T> {
  /** prefix length → family → masked network → first value added for it and its order. */
  private readonly byPrefix = new Map<number, Map<string, { value: T; order: number }>[]>();
  /** Distinct prefix lengths, longest first (rebuilt after an add). */
  private prefixes: number[] | null = null;
  private count = 0;
  private readonly memo = new Map<string, T | null>();

  add(cidr: Cidr, value: T): void {
    let group = this.byPrefix.get(cidr.prefix);
    if (!group) {
      group = [new Map(), new Map()];
      this.byPrefix.set(cidr.prefix, group);
      this.prefixes = null;
    }
    const m = group[cidr.family === 4 ? 0 : 1];
    const key = networkKey(cidr.bytes, cidr.prefix);
    if (!m.has(key)) m.set(key, { value, order: this.count });
    this.count++;
    this.memo.clear();
  }

  get size(): number {
    return this.count;
  }

  /** Longest-prefix match; earlier entries win ties. Results are memoised per address string. */
  lookup(address: string): T | null {
    const hit = this.memo.get(address);
    if (hit !== undefined) return hit;
    const bytes = parseAddress(address);
    let found: T | null = null;
    if (bytes) {
      const v4 = bytes.length === 4 ? bytes : isV4Mapped(bytes) ? bytes.subarray(12) : null;
      const v6 = bytes.length === 16 ? bytes : null;
      this.prefixes ??= [...this.byPrefix.keys()].sort((a, b) => b - a);
      for (const prefix of this.prefixes) {
        const group = this.byPrefix.get(prefix) as Map<string, { value: T; order: number }>[];
        const a = v4 && prefix <= 32 && group[0].size ? group[0].get(networkKey(v4, prefix)) : undefined;
        const b = v6 && group[1].size ? group[1].get(networkKey(v6, prefix)) : undefined;
        const best = a && b ? (a.order < b.order ? a : b) : (a ?? b);
        if (best) {
          found = best.value;
          break;
        }
      }
    }
    if (this.memo.size >= 65_536) this.memo.clear();
    this.memo.set(address, found);
    return found;
  }
}

/** The first `prefix` bits of `b` (the rest zero) as a string key. */
function networkKey(b: Uint8Array, prefix: number): string {
  let s = '';
  const full = prefix >> 3;
  for (let i = 0; i < full; i++) s += String.fromCharCode(b[i]);
  const rem = prefix & 7;
  if (rem) s += String.fromCharCode(b[full] & ((0xff << (8 - rem)) & 0xff));
  return s;
}

/** Formats 4 or 16 bytes as an address (IPv6 compressed like RFC 5952). */
export function formatAddress(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i] << 8) | b[i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}
