/**
 * The per-query wire module: parse a query's header, question and OPT; build responses from
 * pre-encoded resource records; scan, patch and truncate whole messages (forwarded answers).
 *
 * Nothing here throws on bad input: parsers return a {@link WireError} value instead.
 */
import { CLASSIC_UDP_SIZE, EDNS_UDP_SIZE, Rcode, RRType } from './constants.js';

export const HEADER_SIZE = 12;
const MAX_NAME_WIRE = 255;
const MAX_POINTER_HOPS = 64;

/** Flag bits of header byte 2/3 as one 16-bit word. */
export const Flag = {
  QR: 0x8000,
  AA: 0x0400,
  TC: 0x0200,
  RD: 0x0100,
  RA: 0x0080,
  AD: 0x0020,
  CD: 0x0010,
} as const;

export interface Edns {
  /** Advertised UDP payload size, as sent (may be below 512). */
  udpSize: number;
  version: number;
  /** DNSSEC OK bit. */
  do: boolean;
  /** Raw option bytes (code/length/data triples). */
  options: Buffer;
}

export interface Query {
  id: number;
  /** The 16-bit flags word as received. */
  flags: number;
  opcode: number;
  /** Lower-case presentation form without the trailing dot ("" for the root); odd bytes escaped as \DDD. */
  qname: string;
  qtype: number;
  qclass: number;
  /** Offset just past QCLASS: msg[12, questionEnd) is the question exactly as asked. */
  questionEnd: number;
  edns: Edns | null;
}

export type WireErrorCode =
  | 'short-header'
  | 'is-response'
  | 'not-query'
  | 'bad-qdcount'
  | 'bad-question'
  | 'bad-record'
  | 'bad-opt'
  | 'bad-edns-version'
  | 'trailing-garbage';

/** A parse failure. `respond` says which rcode to answer with, or null to drop the packet. */
export class WireError {
  constructor(
    readonly code: WireErrorCode,
    readonly message: string,
    readonly respond: number | null,
    /** Set when the header parsed: enough to build an error response. */
    readonly id: number = 0,
    readonly flags: number = 0,
    /** The question end when the question itself parsed (so it can be echoed). */
    readonly questionEnd: number = 0,
    readonly edns: Edns | null = null,
  ) {}
}

/** Result of reading a domain name. `end` is the offset just after the name in place. */
interface NameRead {
  name: string;
  end: number;
}

const HEX_ESCAPE: string[] = [];
for (let i = 0; i < 256; i++) {
  if (i >= 0x41 && i <= 0x5a) HEX_ESCAPE[i] = String.fromCharCode(i + 32);
  else if (i > 0x20 && i < 0x7f && i !== 0x2e && i !== 0x5c) HEX_ESCAPE[i] = String.fromCharCode(i);
  else HEX_ESCAPE[i] = `\\${i.toString().padStart(3, '0')}`;
}

/**
 * Reads a (possibly compressed) name at `off`, lower-cased, as presentation text without the
 * final dot. Pointers must point backwards and past the header; loops, overlong labels/names and
 * reads past the end return null. `buf` is a whole message (pointers are message offsets).
 */
export function readName(buf: Buffer, off: number): NameRead | null {
  let name = '';
  let pos = off;
  let end = -1;
  let hops = 0;
  let wireLen = 1;
  let lowest = off;
  for (;;) {
    if (pos >= buf.length) return null;
    const len = buf[pos];
    if (len === 0) {
      if (end < 0) end = pos + 1;
      return { name, end };
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= buf.length) return null;
      const ptr = ((len & 0x3f) << 8) | buf[pos + 1];
      if (end < 0) end = pos + 2;
      // Only strictly backwards pointers (this makes loops impossible), and never into the header:
      // a name there would read header bytes, which change when a response is built.
      if (ptr >= lowest || ptr < HEADER_SIZE || ++hops > MAX_POINTER_HOPS) return null;
      lowest = ptr;
      pos = ptr;
      continue;
    }
    if (kind !== 0) return null; // 0x40 / 0x80: obsolete or unknown label types
    wireLen += len + 1;
    if (wireLen > MAX_NAME_WIRE) return null;
    const start = pos + 1;
    const stop = start + len;
    if (stop > buf.length) return null;
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

/**
 * Parses a query: header, the single question, and an OPT record in the additional section.
 * Returns a {@link WireError} for anything malformed, saying whether to answer or drop.
 */
export function parseQuery(buf: Buffer): Query | WireError {
  if (buf.length < HEADER_SIZE) return new WireError('short-header', 'message shorter than a header', null);
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  if (flags & Flag.QR) return new WireError('is-response', 'QR bit set on a query', null, id, flags);
  const opcode = (flags >> 11) & 0xf;
  const qdcount = buf.readUInt16BE(4);
  const ancount = buf.readUInt16BE(6);
  const nscount = buf.readUInt16BE(8);
  const arcount = buf.readUInt16BE(10);

  let qname = '';
  let qtype = 0;
  let qclass = 0;
  let questionEnd = 0;
  if (qdcount === 1) {
    const n = readName(buf, HEADER_SIZE);
    if (n && n.end + 4 <= buf.length) {
      qname = n.name;
      qtype = buf.readUInt16BE(n.end);
      qclass = buf.readUInt16BE(n.end + 2);
      questionEnd = n.end + 4;
    }
  }
  if (opcode !== 0) {
    return new WireError(
      'not-query',
      `opcode ${opcode} is not implemented`,
      Rcode.NOTIMP,
      id,
      flags,
      questionEnd,
    );
  }
  if (qdcount !== 1) {
    return new WireError('bad-qdcount', `QDCOUNT is ${qdcount}, expected 1`, Rcode.FORMERR, id, flags);
  }
  if (questionEnd === 0) {
    return new WireError('bad-question', 'the question does not parse', Rcode.FORMERR, id, flags);
  }

  let edns: Edns | null = null;
  let pos = questionEnd;
  const total = ancount + nscount + arcount;
  for (let i = 0; i < total; i++) {
    const nameStart = pos;
    pos = skipName(buf, pos);
    if (pos < 0 || pos + 10 > buf.length) {
      return new WireError('bad-record', 'a record does not parse', Rcode.FORMERR, id, flags, questionEnd);
    }
    const type = buf.readUInt16BE(pos);
    const rdlen = buf.readUInt16BE(pos + 8);
    const rdataStart = pos + 10;
    const next = rdataStart + rdlen;
    if (next > buf.length) {
      return new WireError(
        'bad-record',
        'a record runs past the message',
        Rcode.FORMERR,
        id,
        flags,
        questionEnd,
      );
    }
    if (type === RRType.OPT) {
      if (i < ancount + nscount) {
        return new WireError(
          'bad-opt',
          'OPT outside the additional section',
          Rcode.FORMERR,
          id,
          flags,
          questionEnd,
        );
      }
      if (edns)
        return new WireError('bad-opt', 'more than one OPT record', Rcode.FORMERR, id, flags, questionEnd);
      if (buf[nameStart] !== 0) {
        return new WireError('bad-opt', 'OPT owner is not the root', Rcode.FORMERR, id, flags, questionEnd);
      }
      const options = buf.subarray(rdataStart, next);
      if (!optionsWellFormed(options)) {
        return new WireError('bad-opt', 'OPT options are malformed', Rcode.FORMERR, id, flags, questionEnd);
      }
      edns = {
        udpSize: buf.readUInt16BE(pos + 2),
        version: buf[pos + 5],
        do: (buf[pos + 6] & 0x80) !== 0,
        options,
      };
    }
    pos = next;
  }
  if (edns && edns.version !== 0) {
    return new WireError(
      'bad-edns-version',
      `EDNS version ${edns.version}`,
      Rcode.BADVERS,
      id,
      flags,
      questionEnd,
      edns,
    );
  }
  return { id, flags, opcode, qname, qtype, qclass, questionEnd, edns };
}

function optionsWellFormed(opts: Buffer): boolean {
  let p = 0;
  while (p < opts.length) {
    if (p + 4 > opts.length) return false;
    p += 4 + opts.readUInt16BE(p + 2);
  }
  return p === opts.length;
}

/** The largest UDP response this client can take: its EDNS size (512 at least), capped by ours. */
export function clientUdpLimit(edns: Edns | null, cap = EDNS_UDP_SIZE): number {
  if (!edns) return CLASSIC_UDP_SIZE;
  const s = Math.max(edns.udpSize, CLASSIC_UDP_SIZE);
  return Math.min(s, cap);
}

/** Extended DNS Error to attach to a response (RFC 8914). */
export interface Ede {
  code: number;
  text?: string;
}

/** Encodes our OPT record: root owner, 1232 bytes, extended rcode, DO copied, optional EDE. */
export function encodeOpt(rcode: number, dnssecOk: boolean, ede?: Ede): Buffer {
  const text = ede?.text ? Buffer.from(ede.text, 'utf8') : null;
  const optLen = ede ? 6 + (text ? text.length : 0) : 0;
  const out = Buffer.allocUnsafe(11 + optLen);
  out[0] = 0;
  out.writeUInt16BE(RRType.OPT, 1);
  out.writeUInt16BE(EDNS_UDP_SIZE, 3);
  out[5] = (rcode >> 4) & 0xff;
  out[6] = 0; // version
  out[7] = dnssecOk ? 0x80 : 0;
  out[8] = 0;
  out.writeUInt16BE(optLen, 9);
  if (ede) {
    out.writeUInt16BE(15, 11);
    out.writeUInt16BE(2 + (text ? text.length : 0), 13);
    out.writeUInt16BE(ede.code, 15);
    if (text) text.copy(out, 17);
  }
  return out;
}

/** One RRset, encoded: `count` records back to back. */
export interface RRset {
  bytes: Buffer;
  count: number;
}

/** Options for {@link buildResponse}. */
export interface ResponseParts {
  rcode: number;
  answer?: readonly RRset[];
  authority?: readonly RRset[];
  aa?: boolean;
  ede?: Ede;
  /** The largest message the transport takes (UDP limit, or 65535 for TCP). */
  maxSize: number;
  /** Set TC and leave out every record (rate-limit "slip", oversize fallback). */
  tc?: boolean;
}

/**
 * Builds a response to `q` (question copied byte for byte from `msg`): header flags as Route 53
 * Resolver sets them (RA set, RD and CD copied, AD clear), records, and our OPT when the query
 * had EDNS. Whole RRsets that do not fit `maxSize` are dropped (authority first, then answer
 * RRsets from the last) and TC is set.
 */
export function buildResponse(msg: Buffer, q: Query, parts: ResponseParts): Buffer {
  return assemble(msg, q.id, q.flags, q.questionEnd, q.edns, parts);
}

/** Builds an error response (FORMERR, NOTIMP, BADVERS, …) for a query that did not fully parse. */
export function buildErrorResponse(msg: Buffer, err: WireError, maxSize: number): Buffer | null {
  if (err.respond === null) return null;
  return assemble(msg, err.id, err.flags, err.questionEnd, err.edns, { rcode: err.respond, maxSize });
}

function assemble(
  msg: Buffer,
  id: number,
  qflags: number,
  questionEnd: number,
  edns: Edns | null,
  parts: ResponseParts,
): Buffer {
  const answer = parts.tc ? EMPTY : (parts.answer ?? EMPTY);
  const authority = parts.tc ? EMPTY : (parts.authority ?? EMPTY);
  const qlen = questionEnd > HEADER_SIZE ? questionEnd - HEADER_SIZE : 0;
  const opt = edns ? encodeOpt(parts.rcode, edns.do, parts.ede) : null;
  const optLen = opt ? opt.length : 0;

  let anSets = answer.length;
  let nsSets = authority.length;
  const base = HEADER_SIZE + qlen + optLen;
  let ansBytes = 0;
  for (let i = 0; i < anSets; i++) ansBytes += answer[i].bytes.length;
  let authBytes = 0;
  for (let i = 0; i < nsSets; i++) authBytes += authority[i].bytes.length;
  let tc = parts.tc === true;
  if (base + ansBytes + authBytes > parts.maxSize) {
    tc = true;
    while (nsSets > 0 && base + ansBytes + authBytes > parts.maxSize)
      authBytes -= authority[--nsSets].bytes.length;
    while (anSets > 0 && base + ansBytes + authBytes > parts.maxSize)
      ansBytes -= answer[--anSets].bytes.length;
  }
  let anCount = 0;
  for (let i = 0; i < anSets; i++) anCount += answer[i].count;
  let nsCount = 0;
  for (let i = 0; i < nsSets; i++) nsCount += authority[i].count;
  const out = Buffer.allocUnsafe(base + ansBytes + authBytes);
  out.writeUInt16BE(id, 0);
  const opcode = qflags & 0x7800;
  let flags = Flag.QR | opcode | Flag.RA | (qflags & (Flag.RD | Flag.CD)) | (parts.rcode & 0xf);
  if (parts.aa) flags |= Flag.AA;
  if (tc) flags |= Flag.TC;
  out.writeUInt16BE(flags, 2);
  out.writeUInt16BE(qlen > 0 ? 1 : 0, 4);
  out.writeUInt16BE(anCount, 6);
  out.writeUInt16BE(nsCount, 8);
  out.writeUInt16BE(opt ? 1 : 0, 10);
  let p = HEADER_SIZE;
  if (qlen > 0) p += msg.copy(out, p, HEADER_SIZE, questionEnd);
  for (let i = 0; i < anSets; i++) p += answer[i].bytes.copy(out, p);
  for (let i = 0; i < nsSets; i++) p += authority[i].bytes.copy(out, p);
  if (opt) opt.copy(out, p);
  return out;
}

const EMPTY: readonly RRset[] = [];

// ---------------------------------------------------------------------------------------------
// Encoding helpers (used when answers are built at load time).

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

// ---------------------------------------------------------------------------------------------
// Whole-message scanning (forwarded answers, cache, truncation).

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
  const keep: ScannedRecord[] = [];
  for (let i = 0; i < end; i++) keep.push(recs[i]);
  const qlen = q.questionEnd - HEADER_SIZE;
  const base = HEADER_SIZE + qlen + (opt ? opt.length : 0);
  let n = keep.length;
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
  const counts = [0, 0, 0];
  for (let i = 0; i < n; i++) counts[keep[i].section]++;
  const out = Buffer.allocUnsafe(base + bodyLen);
  out.writeUInt16BE(q.id, 0);
  // Keep upstream flags and rcode; force QR and RA; restore the client's RD/CD; set TC as computed.
  let flags =
    (scan.flags & ~(Flag.TC | Flag.RD | Flag.CD)) | Flag.QR | Flag.RA | (q.flags & (Flag.RD | Flag.CD));
  if (tc) flags |= Flag.TC;
  out.writeUInt16BE(flags, 2);
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(counts[0], 6);
  out.writeUInt16BE(counts[1], 8);
  out.writeUInt16BE(counts[2] + (opt ? 1 : 0), 10);
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
