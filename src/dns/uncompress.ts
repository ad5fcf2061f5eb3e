/**
 * Records lifted out of one message into another: names (the owner, and the names inside the
 * rdata of the types that may be compressed, RFC 3597 §4) are written out whole, so the record's
 * bytes no longer point into the message they came from.
 */
import { RRType } from './constants.js';
import type { ScannedRecord } from './relay.js';

const MAX_HOPS = 64;

/** The uncompressed wire form of the name at `off` (pointers followed), or null when malformed. */
export function wireName(buf: Buffer, off: number): { bytes: Buffer; end: number } | null {
  const parts: Buffer[] = [];
  let pos = off;
  let end = -1;
  let hops = 0;
  let len = 0;
  for (;;) {
    if (pos >= buf.length) return null;
    const l = buf[pos];
    if (l === 0) {
      parts.push(ZERO);
      if (end < 0) end = pos + 1;
      return { bytes: Buffer.concat(parts, len + 1), end };
    }
    if ((l & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length || ++hops > MAX_HOPS) return null;
      if (end < 0) end = pos + 2;
      pos = ((l & 0x3f) << 8) | buf[pos + 1];
      continue;
    }
    if ((l & 0xc0) !== 0 || pos + 1 + l > buf.length) return null;
    len += l + 1;
    if (len + 1 > 255) return null;
    parts.push(buf.subarray(pos, pos + 1 + l));
    pos += 1 + l;
  }
}

const ZERO = Buffer.from([0]);

/** The record `r` of `buf` with no compression pointers left, or null when malformed. */
export function uncompressedRecord(buf: Buffer, r: ScannedRecord): Buffer | null {
  const owner = wireName(buf, r.start);
  if (!owner) return null;
  const fixedAt = owner.end;
  const rd = r.rdataStart;
  let rdata: Buffer | null;
  switch (r.type) {
    case RRType.CNAME:
    case RRType.NS:
    case RRType.PTR:
    case 39: // DNAME
      rdata = wireName(buf, rd)?.bytes ?? null;
      break;
    case RRType.MX: {
      const n = wireName(buf, rd + 2);
      rdata = n ? Buffer.concat([buf.subarray(rd, rd + 2), n.bytes]) : null;
      break;
    }
    case RRType.SRV: {
      const n = wireName(buf, rd + 6);
      rdata = n ? Buffer.concat([buf.subarray(rd, rd + 6), n.bytes]) : null;
      break;
    }
    case RRType.SOA: {
      const m = wireName(buf, rd);
      const rn = m ? wireName(buf, m.end) : null;
      rdata =
        m && rn && rn.end + 20 <= r.end
          ? Buffer.concat([m.bytes, rn.bytes, buf.subarray(rn.end, rn.end + 20)])
          : null;
      break;
    }
    default:
      rdata = buf.subarray(rd, r.end);
  }
  if (!rdata) return null;
  const out = Buffer.allocUnsafe(owner.bytes.length + 10 + rdata.length);
  owner.bytes.copy(out, 0);
  let p = owner.bytes.length;
  buf.copy(out, p, fixedAt, fixedAt + 8); // type, class, TTL
  p += 8;
  out.writeUInt16BE(rdata.length, p);
  rdata.copy(out, p + 2);
  return out;
}
