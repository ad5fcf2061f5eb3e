/**
 * Domain names on the wire: read (following compression pointers) and skip names inside a
 * message, encode presentation names as labels, and the one normalisation of presentation names.
 */
import { HEADER_SIZE } from './constants.js';

const MAX_NAME_WIRE = 255;
const MAX_POINTER_HOPS = 64;

/** Result of reading a domain name. `end` is the offset just after the name in place. */
interface NameRead {
  name: string;
  end: number;
}

/**
 * The one normalisation of a presentation name (configured names, private DNS names, admin and
 * rule input): lower case, without the final dot; "" for the root. Callers trim first where the
 * text may carry whitespace.
 *
 * {@link readName} produces the same form inline, byte by byte, for names read off the wire (the
 * query parser is the hot path): ASCII letters lower-cased (RFC 4343), no final dot. For names
 * of printable ASCII label characters the two agree (test/dns/names.property.test.ts).
 */
export function normaliseName(name: string): string {
  const n = name.toLowerCase();
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

/** Presentation text of each label byte, lower-cased: the inline form of {@link normaliseName}. */
const HEX_ESCAPE: string[] = [];
for (let i = 0; i < 256; i++) {
  if (i >= 0x41 && i <= 0x5a) HEX_ESCAPE[i] = String.fromCharCode(i + 32);
  else if (i > 0x20 && i < 0x7f && i !== 0x2e && i !== 0x5c) HEX_ESCAPE[i] = String.fromCharCode(i);
  else HEX_ESCAPE[i] = `\\${i.toString().padStart(3, '0')}`;
}

/**
 * Reads a (possibly compressed) name at `off`, lower-cased, as presentation text without the
 * final dot (the {@link normaliseName} form, computed inline). Pointers must point backwards and
 * past the header, to a name that ends before the pointer; loops, overlong labels/names and reads
 * past the end return null. `buf` is a whole message (pointers are message offsets).
 */
export function readName(buf: Buffer, off: number): NameRead | null {
  let name = '';
  let pos = off;
  let end = -1;
  let hops = 0;
  let wireLen = 1;
  let lowest = off;
  // After a pointer, the name read must lie before that pointer (a label reached through it must
  // not run over it into the bytes that follow, which are the record's own fields or another
  // record, and change when a response is relayed).
  let limit = buf.length;
  for (;;) {
    if (pos >= limit) return null;
    const len = buf[pos];
    if (len === 0) {
      if (end < 0) end = pos + 1;
      return { name, end };
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= limit) return null;
      const ptr = ((len & 0x3f) << 8) | buf[pos + 1];
      if (end < 0) end = pos + 2;
      // Only strictly backwards pointers (this makes loops impossible), and never into the header:
      // a name there would read header bytes, which change when a response is built.
      if (ptr >= lowest || ptr < HEADER_SIZE || ++hops > MAX_POINTER_HOPS) return null;
      lowest = ptr;
      limit = pos;
      pos = ptr;
      continue;
    }
    if (kind !== 0) return null; // 0x40 / 0x80: obsolete or unknown label types
    wireLen += len + 1;
    if (wireLen > MAX_NAME_WIRE) return null;
    const start = pos + 1;
    const stop = start + len;
    if (stop > limit) return null;
    if (name.length > 0) name += '.';
    for (let i = start; i < stop; i++) name += HEX_ESCAPE[buf[i]];
    pos = stop;
  }
}

/** Skips a name in place (without following pointers). Returns the offset after it, or -1. */
export function skipName(buf: Buffer, off: number): number {
  let pos = off;
  let wireLen = 1;
  for (;;) {
    if (pos >= buf.length) return -1;
    const len = buf[pos];
    if (len === 0) return pos + 1;
    if ((len & 0xc0) === 0xc0) return pos + 2 <= buf.length ? pos + 2 : -1;
    if ((len & 0xc0) !== 0) return -1;
    wireLen += len + 1;
    if (wireLen > MAX_NAME_WIRE) return -1;
    pos += len + 1;
  }
}

/** Encodes a presentation name ("a.b.c", no trailing dot needed) as uncompressed wire labels. */
export function encodeName(name: string): Buffer {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  if (trimmed === '') return Buffer.from([0]);
  const labels = trimmed.split('.');
  const parts: Buffer[] = [];
  for (const l of labels) {
    const b = Buffer.from(l, 'ascii');
    if (b.length === 0 || b.length > 63) throw new Error(`bad label in ${name}`);
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  const out = Buffer.concat(parts);
  if (out.length > MAX_NAME_WIRE) throw new Error(`name too long: ${name}`);
  return out;
}
