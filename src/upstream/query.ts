/**
 * Building the queries we send upstream (our own header and OPT: EDNS is per hop) and the loop
 * marker carried in them.
 *
 * Loop marker: every query we send with EDNS carries an option in the local/experimental range
 * (RFC 6891 §9) holding 8-byte instance tokens, like an HTTP `Via` header: the tokens that came
 * in with the client's query, then ours. A query that reaches us with our own token in it has
 * gone round a loop (A → B → A through forwarders that pass options on, or two instances of this
 * server pointing at each other) and is answered SERVFAIL instead of being forwarded again.
 */
import { randomBytes } from 'node:crypto';
import { EDNS_UDP_SIZE, Flag, HEADER_SIZE, RRType } from '../dns/constants.js';
import type { Query } from '../dns/query.js';

/** EDNS option code of the loop marker (local/experimental use range). */
export const LOOP_OPTION_CODE = 65_113;
/** Size of one instance token. */
export const LOOP_TOKEN_SIZE = 8;
/** More hops than this is treated as a loop too. */
export const MAX_LOOP_HOPS = 8;

/** A fresh random instance token. */
export function newLoopToken(): Buffer {
  return randomBytes(LOOP_TOKEN_SIZE);
}

/** What the client's options say about loops. */
export interface HopInfo {
  /** Our token is in the marker (or the marker is implausibly long). */
  loop: boolean;
  /** The tokens to carry on (without ours), or null when there is no marker. */
  hops: Buffer | null;
}

const NO_HOPS: HopInfo = { loop: false, hops: null };

/** Reads the loop marker from the raw option bytes of a query's OPT. */
export function readHops(options: Buffer, token: Buffer): HopInfo {
  let p = 0;
  while (p + 4 <= options.length) {
    const code = options.readUInt16BE(p);
    const len = options.readUInt16BE(p + 2);
    const start = p + 4;
    p = start + len;
    if (code !== LOOP_OPTION_CODE) continue;
    if (len % LOOP_TOKEN_SIZE !== 0 || p > options.length) return NO_HOPS;
    if (len / LOOP_TOKEN_SIZE >= MAX_LOOP_HOPS) return { loop: true, hops: null };
    for (let t = start; t < p; t += LOOP_TOKEN_SIZE) {
      if (options.compare(token, 0, LOOP_TOKEN_SIZE, t, t + LOOP_TOKEN_SIZE) === 0) {
        return { loop: true, hops: null };
      }
    }
    return { loop: false, hops: options.subarray(start, p) };
  }
  return NO_HOPS;
}

/** Header flags we pass on from the client's query: RD, CD and AD (RFC 6840 §5.7). */
export const PASSED_FLAGS = Flag.RD | Flag.CD | Flag.AD;

/**
 * Builds the query we send upstream: ID 0 (set per try), the client's RD/CD/AD, the client's
 * question bytes as asked, and, when `edns` is given, our own OPT (version 0, 1232 bytes, DO as
 * given, the loop marker; never the client's options such as COOKIE).
 */
export function buildUpstreamQuery(
  msg: Buffer,
  q: Query,
  edns: { do: boolean; token: Buffer; hops: Buffer | null } | null,
): Buffer {
  const qlen = q.questionEnd - HEADER_SIZE;
  const hopsLen = edns ? (edns.hops ? edns.hops.length : 0) + LOOP_TOKEN_SIZE : 0;
  const optLen = edns ? 11 + 4 + hopsLen : 0;
  const out = Buffer.allocUnsafe(HEADER_SIZE + qlen + optLen);
  out.writeUInt16BE(0, 0);
  out.writeUInt16BE(q.flags & PASSED_FLAGS, 2);
  out.writeUInt16BE(1, 4);
  out.writeUInt32BE(0, 6);
  out.writeUInt16BE(edns ? 1 : 0, 10);
  let p = HEADER_SIZE + msg.copy(out, HEADER_SIZE, HEADER_SIZE, q.questionEnd);
  if (edns) {
    out[p++] = 0;
    out.writeUInt16BE(RRType.OPT, p);
    out.writeUInt16BE(EDNS_UDP_SIZE, p + 2);
    out[p + 4] = 0;
    out[p + 5] = 0;
    out[p + 6] = edns.do ? 0x80 : 0;
    out[p + 7] = 0;
    out.writeUInt16BE(4 + hopsLen, p + 8);
    out.writeUInt16BE(LOOP_OPTION_CODE, p + 10);
    out.writeUInt16BE(hopsLen, p + 12);
    p += 14;
    if (edns.hops) p += edns.hops.copy(out, p);
    edns.token.copy(out, p);
  }
  return out;
}

/** The same query without its OPT record (for upstreams that do not speak EDNS). */
export function withoutEdns(query: Buffer, questionEnd: number): Buffer {
  const out = Buffer.from(query.subarray(0, questionEnd));
  out.writeUInt16BE(0, 10);
  return out;
}

/**
 * True when the reply's question equals the question we sent (`query[12, questionEnd)`),
 * letter case ignored (some upstreams normalise it). No pointers can occur there.
 */
export function sameQuestion(reply: Buffer, query: Buffer, questionEnd: number): boolean {
  if (reply.length < questionEnd || reply.readUInt16BE(4) !== 1) return false;
  const nameEnd = questionEnd - 4;
  for (let i = nameEnd; i < questionEnd; i++) if (reply[i] !== query[i]) return false;
  for (let i = HEADER_SIZE; i < nameEnd; i++) {
    let a = reply[i];
    let b = query[i];
    if (a === b) continue;
    if (a >= 0x41 && a <= 0x5a) a += 32;
    if (b >= 0x41 && b <= 0x5a) b += 32;
    if (a !== b) return false;
  }
  return true;
}
