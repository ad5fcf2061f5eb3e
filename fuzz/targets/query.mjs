// Fuzz target: the query parser. Any bytes a client sends must give a Query or a WireError
// (never an exception), and what it returns must describe bytes that are really there.
import { clientUdpLimit, parseQuery, WireError } from '../../dist/dns/query.js';

export function fuzz(data) {
  const buf = Buffer.from(data);
  const q = parseQuery(buf);
  if (q instanceof WireError) {
    if (q.respond !== null && buf.length < 12) throw new Error('an answer to a message without a header');
    if (q.questionEnd > buf.length) throw new Error(`error questionEnd ${q.questionEnd} past ${buf.length}`);
    return;
  }
  if (q.questionEnd < 17 || q.questionEnd > buf.length)
    throw new Error(`questionEnd ${q.questionEnd} outside 17..${buf.length}`);
  if (q.qname !== q.qname.toLowerCase()) throw new Error(`qname not lower-case: ${q.qname}`);
  if (q.qname.endsWith('.')) throw new Error(`qname with a trailing dot: ${q.qname}`);
  if (q.qtype !== buf.readUInt16BE(q.questionEnd - 4) || q.qclass !== buf.readUInt16BE(q.questionEnd - 2))
    throw new Error('qtype/qclass not read from the end of the question');
  const limit = clientUdpLimit(q.edns);
  if (limit < 512 || limit > 4096) throw new Error(`client UDP limit ${limit}`);
}
