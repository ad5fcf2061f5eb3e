/**
 * Records of one message made fit for another: every name (owner, and the names inside the
 * RDATA of the types that carry them) written out in full, so that no compression pointer refers
 * to the message they came from. Used when records of a forwarded answer are appended to a
 * locally built one (a private hosted zone CNAME to a public name).
 */
import { RRType } from './constants.js';
import type { ScannedRecord } from './relay.js';
import type { RRset } from './response.js';

const MAX_HOPS = 64;

/** The wire labels of the name at `off`, pointers followed; null when malformed. */
export function expandName(buf: Buffer, off: number): { bytes: Buffer; end: number } | null {
  const parts: Buffer[] = [];
  let pos = off;
  let end = -1;
  let hops = 0;
  let len = 0;
  for (;;) {
    if (pos >= buf.length) return null;
    const l = buf[pos];
    if (l === 0) {
      parts.push(buf.subarray(pos, pos + 1));
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
    parts.push(buf.subarray(pos, pos + 1 + l));
    len += 1 + l;
    if (len > 254) return null;
    pos += 1 + l;
  }
}

/** Bytes before the names in RDATA, for the types whose RDATA holds compressible names. */
function rdataNames(type: number): { fixed: number; names: number; tail: number } | null {
  switch (type) {
    case RRType.CNAME:
    case RRType.NS:
    case RRType.PTR:
    case 39: // DNAME
      return { fixed: 0, names: 1, tail: 0 };
    case RRType.MX:
      return { fixed: 2, names: 1, tail: 0 };
    case RRType.SRV:
      return { fixed: 6, names: 1, tail: 0 };
    case RRType.SOA:
      return { fixed: 0, names: 2, tail: 20 };
    default:
      return null;
  }
}

/** The records of `section` (0 answer, 1 authority) of a scanned message, names expanded; null when malformed. */
export function expandSection(msg: Buffer, records: readonly ScannedRecord[], section: 0 | 1): RRset | null {
  const out: Buffer[] = [];
  let count = 0;
  for (const r of records) {
    if (r.section !== section || r.type === RRType.OPT) continue;
    const owner = expandName(msg, r.start);
    if (!owner) return null;
    const fixedHead = msg.subarray(r.ttlOffset - 4, r.rdataStart - 2); // type, class, TTL
    const shape = rdataNames(r.type);
    let rdata: Buffer;
    if (!shape) rdata = msg.subarray(r.rdataStart, r.end);
    else {
      const parts: Buffer[] = [msg.subarray(r.rdataStart, r.rdataStart + shape.fixed)];
      let p = r.rdataStart + shape.fixed;
      for (let k = 0; k < shape.names; k++) {
        const n = expandName(msg, p);
        if (!n || n.end > r.end) return null;
        parts.push(n.bytes);
        p = n.end;
      }
      if (p + shape.tail !== r.end) return null;
      parts.push(msg.subarray(p, r.end));
      rdata = Buffer.concat(parts);
    }
    const len = Buffer.allocUnsafe(2);
    len.writeUInt16BE(rdata.length);
    out.push(owner.bytes, fixedHead, len, rdata);
    count++;
  }
  return { bytes: Buffer.concat(out), count };
}
