/**
 * Resource record encoding, used when answers are built at load time (and, for
 * {@link writeQnameRecord}, when an answer is written straight into a response).
 */

import type { RRset } from './response.js';

/** Pointer to the question name at offset 12: every answer for the asked name uses it. */
export const QNAME_POINTER = Buffer.from([0xc0, 0x0c]);

/** Encodes one resource record. `owner` is wire bytes (e.g. {@link QNAME_POINTER} or encodeName()). */
export function encodeRecord(owner: Buffer, type: number, ttl: number, rdata: Buffer, cls = 1): Buffer {
  const out = Buffer.allocUnsafe(owner.length + 10 + rdata.length);
  owner.copy(out, 0);
  let p = owner.length;
  out.writeUInt16BE(type, p);
  out.writeUInt16BE(cls, p + 2);
  out.writeUInt32BE(ttl >>> 0, p + 4);
  out.writeUInt16BE(rdata.length, p + 8);
  p += 10;
  rdata.copy(out, p);
  return out;
}

/**
 * Writes one resource record owned by the question name (a {@link QNAME_POINTER}) into `out` at
 * `at`, without allocating; returns the offset after it. Same bytes as {@link encodeRecord}.
 */
export function writeQnameRecord(
  out: Buffer,
  at: number,
  type: number,
  ttl: number,
  rdata: Uint8Array,
): number {
  out[at] = 0xc0;
  out[at + 1] = 0x0c;
  out.writeUInt16BE(type, at + 2);
  out.writeUInt16BE(1, at + 4);
  out.writeUInt32BE(ttl >>> 0, at + 6);
  out.writeUInt16BE(rdata.length, at + 10);
  out.set(rdata, at + 12);
  return at + 12 + rdata.length;
}

/** Rewrites the records owned by the question pointer (0xC00C) of a set to `owner`. */
export function withOwner(set: RRset, owner: Buffer): RRset {
  const b = set.bytes;
  const parts: Buffer[] = [];
  let p = 0;
  while (p < b.length) {
    let nameEnd: number;
    if (b[p] === 0xc0 && b[p + 1] === 0x0c) {
      parts.push(owner);
      nameEnd = p + 2;
    } else {
      nameEnd = p;
      while (b[nameEnd] !== 0 && (b[nameEnd] & 0xc0) !== 0xc0) nameEnd += b[nameEnd] + 1;
      nameEnd += b[nameEnd] === 0 ? 1 : 2;
      parts.push(b.subarray(p, nameEnd));
    }
    const end = nameEnd + 10 + b.readUInt16BE(nameEnd + 8);
    parts.push(b.subarray(nameEnd, end));
    p = end;
  }
  return { bytes: Buffer.concat(parts), count: set.count };
}
