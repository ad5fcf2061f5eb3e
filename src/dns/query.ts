/**
 * Query parsing: the header, the single question and an OPT record in the additional section.
 *
 * Nothing here throws on bad input: {@link parseQuery} returns a {@link WireError} value instead.
 */
import { CLASSIC_UDP_SIZE, EDNS_UDP_SIZE, Flag, HEADER_SIZE, Rcode, RRType } from './constants.js';
import { readName, skipName } from './names.js';

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
  | 'trailing-garbage'
  | 'signed';

const EMPTY_OPTIONS = Buffer.alloc(0);

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
      return new WireError(
        'bad-record',
        'a record does not parse',
        Rcode.FORMERR,
        id,
        flags,
        questionEnd,
        edns,
      );
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
        edns,
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
        return new WireError(
          'bad-opt',
          'more than one OPT record',
          Rcode.FORMERR,
          id,
          flags,
          questionEnd,
          edns,
        );
      if (buf[nameStart] !== 0) {
        return new WireError('bad-opt', 'OPT owner is not the root', Rcode.FORMERR, id, flags, questionEnd);
      }
      const options = buf.subarray(rdataStart, next);
      edns = {
        udpSize: buf.readUInt16BE(pos + 2),
        version: buf[pos + 5],
        do: (buf[pos + 6] & 0x80) !== 0,
        options,
      };
      if (!optionsWellFormed(options)) {
        // The client speaks EDNS: the FORMERR carries our OPT (RFC 6891 §7), without its options.
        const answerable = { ...edns, options: EMPTY_OPTIONS };
        return new WireError(
          'bad-opt',
          'OPT options are malformed',
          Rcode.FORMERR,
          id,
          flags,
          questionEnd,
          answerable,
        );
      }
    } else if (type === RRType.TSIG) {
      // We hold no keys: a signed query is refused, never answered as if it were unsigned.
      return new WireError(
        'signed',
        'TSIG-signed queries are not supported',
        Rcode.REFUSED,
        id,
        flags,
        questionEnd,
        edns,
      );
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
