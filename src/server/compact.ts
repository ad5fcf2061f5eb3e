/**
 * What a query being answered keeps of its message. A query may arrive padded to 64 KiB (an EDNS
 * padding option, or junk records after the question); while it waits for an upstream answer only
 * the header, the question and the EDNS options that mean something are needed, so a long
 * message is copied down to those and the original can be collected at once.
 */
import type { Query } from '../dns/query.js';

/** Messages longer than this are compacted. */
export const COMPACT_OVER = 512;
/** EDNS option bytes kept at most (the padding option is never kept). */
const MAX_OPTION_BYTES = 512;
/** EDNS(0) padding (RFC 7830). */
const PADDING = 12;

/**
 * The header and question of `msg` as a message without records, and `q` with its EDNS options
 * copied out of `msg` (without padding, at most {@link MAX_OPTION_BYTES}).
 */
export function compactQuery(msg: Buffer, q: Query): { msg: Buffer; q: Query } {
  const head = Buffer.allocUnsafe(q.questionEnd);
  msg.copy(head, 0, 0, q.questionEnd);
  head.writeUInt16BE(0, 6);
  head.writeUInt32BE(0, 8);
  const edns =
    q.edns && q.edns.options.length > 0 ? { ...q.edns, options: keptOptions(q.edns.options) } : q.edns;
  return { msg: head, q: { ...q, edns } };
}

function keptOptions(opts: Buffer): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  let p = 0;
  while (p + 4 <= opts.length) {
    const code = opts.readUInt16BE(p);
    const end = p + 4 + opts.readUInt16BE(p + 2);
    if (end > opts.length) break;
    if (code !== PADDING && size + (end - p) <= MAX_OPTION_BYTES) {
      parts.push(opts.subarray(p, end));
      size += end - p;
    }
    p = end;
  }
  return Buffer.from(Buffer.concat(parts, size));
}
