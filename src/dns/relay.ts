/**
 * Whole-message scanning and relay (forwarded answers, cache, truncation): {@link scanMessage}
 * indexes every record of a message, {@link relayResponse} rewrites an upstream response for one
 * client.
 */
import { Flag, HEADER_SIZE, RRType } from './constants.js';
import { readName } from './names.js';
import type { Query } from './query.js';
import { type Ede, encodeOpt } from './response.js';

export interface ScannedRecord {
  /** 0 answer, 1 authority, 2 additional. */
  section: 0 | 1 | 2;
  start: number;
  /** Lower-case owner name. */
  name: string;
  type: number;
  cls: number;
  ttl: number;
  ttlOffset: number;
  rdataStart: number;
  end: number;
}

export interface ScannedMessage {
  id: number;
  flags: number;
  rcode: number;
  qname: string;
  qtype: number;
  qclass: number;
  questionEnd: number;
  records: ScannedRecord[];
  /** Index into records of the OPT record, or -1. */
  opt: number;
}

const ONE_AT_0 = { at: 0, count: 1 };
const ONE_AT_2 = { at: 2, count: 1 };
const ONE_AT_6 = { at: 6, count: 1 };
const TWO_AT_0 = { at: 0, count: 2 };

/** Offset of the first name in the RDATA of types whose data holds names, and how many. */
function rdataNames(type: number): { at: number; count: number } | null {
  switch (type) {
    case RRType.CNAME:
    case RRType.NS:
    case RRType.PTR:
    case 39: // DNAME
      return ONE_AT_0;
    case RRType.MX:
      return ONE_AT_2;
    case RRType.SRV:
      return ONE_AT_6;
    case RRType.SOA:
      return TWO_AT_0;
    default:
      return null;
  }
}

/**
 * The fixed byte ranges [from, to) of the message being checked by {@link namesStayInNames}, in
 * message order: module-level and reused (a message has at most 65,535 records plus the
 * question), so a check allocates nothing.
 */
let fixedFrom = new Int32Array(64);
let fixedTo = new Int32Array(64);
let fixedCount = 0;
let fixedSafeBelow = 0;

/** True when [a, b) overlaps a fixed range (binary search on the sorted ranges). */
function hitsFixed(a: number, b: number): boolean {
  if (b <= fixedSafeBelow) return false;
  let lo = 0;
  let hi = fixedCount - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (fixedTo[mid] <= a) lo = mid + 1;
    else if (fixedFrom[mid] >= b) hi = mid - 1;
    else return true;
  }
  return false;
}

/**
 * Follows the name at `off`, whose bytes in place must end before `limit` (the end of its
 * record's data); false when they do not, when the name reached through a pointer does not lie
 * wholly before that pointer (as every encoder writes it: a name is pointed at once written, so a
 * relay that keeps a prefix of the records keeps it too), or when a label read through a pointer
 * lies in a fixed range (its length byte, its bytes, a further pointer or the final zero).
 */
function cleanName(buf: Buffer, off: number, limit: number): boolean {
  let pos = off;
  let lowest = off;
  let bound = limit;
  let jumped = false;
  for (let hops = 0; hops <= 64; hops++) {
    if (pos >= bound) return false;
    const len = buf[pos];
    if (len === 0) return !jumped || !hitsFixed(pos, pos + 1);
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= bound) return false;
      // A pointer reached through another pointer is name bytes too: it must not lie in a TTL.
      if (jumped && hitsFixed(pos, pos + 2)) return false;
      const ptr = ((len & 0x3f) << 8) | buf[pos + 1];
      // As readName: strictly backwards, never into the header (a relay rewrites both).
      if (ptr >= lowest || ptr < HEADER_SIZE) return false;
      lowest = ptr;
      bound = pos;
      pos = ptr;
      jumped = true;
      continue;
    }
    if ((len & 0xc0) !== 0) return false; // 0x40 / 0x80: obsolete or unknown label types
    if (pos + 1 + len >= bound || (jumped && hitsFixed(pos, pos + 1 + len))) return false;
    pos += 1 + len;
  }
  return false;
}

/**
 * True when every name of the records (owners, and the names inside CNAME, NS, PTR, DNAME, MX,
 * SRV and SOA data) is made of name bytes only: no label reached through a compression pointer
 * lies in a record's fixed fields (type, class, TTL, length), in the question's type and class, or
 * in the OPT record. A relay rewrites TTLs (cached answers) and the OPT, so a pointer into them
 * would give the client another name than the one scanned (a forged upstream can build one).
 * Names that point into the question only, the common case, are accepted at once.
 */
function namesStayInNames(
  buf: Buffer,
  records: readonly ScannedRecord[],
  questionEnd: number,
  opt: number,
): boolean {
  const n = records.length + 1;
  if (fixedFrom.length < n) {
    fixedFrom = new Int32Array(n);
    fixedTo = new Int32Array(n);
  }
  fixedFrom[0] = questionEnd - 4;
  fixedTo[0] = questionEnd;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (i === opt) {
      fixedFrom[i + 1] = r.start;
      fixedTo[i + 1] = r.end;
    } else {
      fixedFrom[i + 1] = r.ttlOffset - 4;
      fixedTo[i + 1] = r.rdataStart;
    }
  }
  fixedCount = n;
  fixedSafeBelow = questionEnd - 4; // the header is refused by readName; the question name is safe
  for (const r of records) {
    if (!cleanName(buf, r.start, r.ttlOffset - 4)) return false;
    const shape = rdataNames(r.type);
    if (!shape || r.end - r.rdataStart <= shape.at) continue;
    let p = r.rdataStart + shape.at;
    for (let k = 0; k < shape.count; k++) {
      if (!cleanName(buf, p, r.end)) return false;
      // The next name starts after this one (in place, up to its first pointer or its end).
      let q = p;
      while (q < r.end && buf[q] !== 0 && (buf[q] & 0xc0) !== 0xc0) q += 1 + buf[q];
      if (q >= r.end) break;
      p = buf[q] === 0 ? q + 1 : q + 2;
    }
  }
  return true;
}

/** Scans a full message (typically a response). Returns null when anything is malformed. */
export function scanMessage(buf: Buffer): ScannedMessage | null {
  if (buf.length < HEADER_SIZE) return null;
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  const ns = buf.readUInt16BE(8);
  const ar = buf.readUInt16BE(10);
  if (qd > 1) return null;
  let pos = HEADER_SIZE;
  let qname = '';
  let qtype = 0;
  let qclass = 0;
  if (qd === 1) {
    const n = readName(buf, pos);
    if (!n || n.end + 4 > buf.length) return null;
    qname = n.name;
    qtype = buf.readUInt16BE(n.end);
    qclass = buf.readUInt16BE(n.end + 2);
    pos = n.end + 4;
  }
  const questionEnd = pos;
  const records: ScannedRecord[] = [];
  let opt = -1;
  const total = an + ns + ar;
  for (let i = 0; i < total; i++) {
    const start = pos;
    const n = readName(buf, pos);
    if (!n || n.end + 10 > buf.length) return null;
    pos = n.end;
    const type = buf.readUInt16BE(pos);
    const rdlen = buf.readUInt16BE(pos + 8);
    const end = pos + 10 + rdlen;
    if (end > buf.length) return null;
    const section = i < an ? 0 : i < an + ns ? 1 : 2;
    if (type === RRType.OPT) {
      if (section !== 2 || opt >= 0) return null;
      opt = records.length;
    }
    records.push({
      section,
      start,
      name: n.name,
      type,
      cls: buf.readUInt16BE(pos + 2),
      ttl: buf.readUInt32BE(pos + 4),
      ttlOffset: pos + 4,
      rdataStart: pos + 10,
      end,
    });
    pos = end;
  }
  if (!namesStayInNames(buf, records, questionEnd, opt)) return null;
  const flags = buf.readUInt16BE(2);
  let rcode = flags & 0xf;
  if (opt >= 0) rcode |= buf[records[opt].ttlOffset] << 4;
  return { id: buf.readUInt16BE(0), flags, rcode, qname, qtype, qclass, questionEnd, records, opt };
}

/**
 * Rewrites a scanned upstream response for one client: the client's ID and question bytes, the
 * upstream's OPT replaced by ours (when the client sent EDNS), RA set, then truncated to `maxSize`
 * by dropping whole RRsets (TC set when an answer or authority RRset had to go).
 * `age` (seconds, for cached answers) is subtracted from every record's TTL (never below 0).
 */
export function relayResponse(
  upstream: Buffer,
  scan: ScannedMessage,
  clientMsg: Buffer,
  q: Query,
  maxSize: number,
  ede?: Ede,
  age = 0,
): Buffer {
  const recs = scan.records;
  const opt = q.edns ? encodeOpt(scan.rcode, q.edns.do, ede) : null;
  // Sections without the upstream OPT.
  // Records after the upstream's OPT (it is normally last) would shift when OPT is cut out, and a
  // compression pointer between them would then point at the wrong bytes: those additional
  // records are left out (additional data is optional).
  const end = scan.opt >= 0 ? scan.opt : recs.length;
  const keep = recs; // the records before `end`
  const qlen = q.questionEnd - HEADER_SIZE;
  const base = HEADER_SIZE + qlen + (opt ? opt.length : 0);
  let n = end;
  let bodyLen = 0;
  for (let i = 0; i < n; i++) bodyLen += keep[i].end - keep[i].start;
  let tc = (scan.flags & Flag.TC) !== 0;
  if (base + bodyLen > maxSize) {
    // Drop whole RRsets from the end.
    while (n > 0 && base + bodyLen > maxSize) {
      const last = keep[n - 1];
      let first = n - 1;
      while (
        first > 0 &&
        keep[first - 1].section === last.section &&
        keep[first - 1].type === last.type &&
        keep[first - 1].cls === last.cls &&
        keep[first - 1].name === last.name
      )
        first--;
      for (let i = first; i < n; i++) bodyLen -= keep[i].end - keep[i].start;
      if (last.section !== 2) tc = true;
      n = first;
    }
  }
  let an = 0;
  let ns = 0;
  let ar = 0;
  for (let i = 0; i < n; i++) {
    const sec = keep[i].section;
    if (sec === 0) an++;
    else if (sec === 1) ns++;
    else ar++;
  }
  const out = Buffer.allocUnsafe(base + bodyLen);
  out.writeUInt16BE(q.id, 0);
  // Keep upstream flags and rcode; force QR and RA; restore the client's RD/CD; set TC as computed.
  let flags =
    (scan.flags & ~(Flag.TC | Flag.RD | Flag.CD)) | Flag.QR | Flag.RA | (q.flags & (Flag.RD | Flag.CD));
  if (tc) flags |= Flag.TC;
  out.writeUInt16BE(flags, 2);
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(an, 6);
  out.writeUInt16BE(ns, 8);
  out.writeUInt16BE(ar + (opt ? 1 : 0), 10);
  let p = HEADER_SIZE;
  p += clientMsg.copy(out, p, HEADER_SIZE, q.questionEnd);
  // Records keep their compression pointers: they point at offsets that are unchanged, because
  // the question has the same length and only OPT (which no name points into) is removed.
  for (let i = 0; i < n; i++) {
    const r = keep[i];
    upstream.copy(out, p, r.start, r.end);
    if (age > 0) out.writeUInt32BE(r.ttl > age ? r.ttl - age : 0, p + (r.ttlOffset - r.start));
    p += r.end - r.start;
  }
  if (opt) opt.copy(out, p);
  return out;
}
