/**
 * Response building: our OPT record (with an optional Extended DNS Error) and whole responses
 * from pre-encoded RRsets, truncated to the transport's limit by dropping whole RRsets.
 */
import { EDNS_UDP_SIZE, Flag, HEADER_SIZE, RRType } from './constants.js';
import type { Edns, Query, WireError } from './query.js';

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
