// Fuzz target: the response relay. The input is an upstream reply; the client's query is the
// reply's own question (as the forwarder sends it), with EDNS and a size limit taken from the
// first two bytes. A reply that scans must be rewritten into a message that scans again, fits the
// limit, carries the client's ID and question, and keeps every record it relays byte for byte.
import { parseQuery, WireError } from '../../dist/dns/query.js';
import { relayResponse, scanMessage } from '../../dist/dns/relay.js';

export function fuzz(data) {
  if (data.length < 2) return;
  const knobs = data[0];
  const maxSize = 512 + ((data[1] * 15) % 3585); // 512 … 4096
  const upstream = Buffer.from(data.subarray(2));
  const scan = scanMessage(upstream);
  if (!scan || scan.questionEnd === 12) return;
  // The client's query: a header with QDCOUNT 1, the same question, optionally an OPT.
  const edns = (knobs & 1) !== 0;
  const question = upstream.subarray(12, scan.questionEnd);
  const opt = edns ? Buffer.from([0, 0, 41, 0x10, 0, 0, 0, knobs & 0x80, 0, 0, 0]) : Buffer.alloc(0);
  const client = Buffer.concat([Buffer.alloc(12), question, opt]);
  client.writeUInt16BE(0xbeef, 0);
  client.writeUInt16BE(knobs & 0x2 ? 0x0100 : 0, 2);
  client.writeUInt16BE(1, 4);
  client.writeUInt16BE(edns ? 1 : 0, 10);
  const q = parseQuery(client);
  if (q instanceof WireError) return; // a question a client could not have sent
  const age = knobs & 0x4 ? (knobs >> 3) & 0xf : 0;
  const out = relayResponse(upstream, scan, client, q, maxSize, undefined, age);
  const base = 12 + question.length + (edns ? 11 : 0);
  if (base <= maxSize && out.length > maxSize)
    throw new Error(`${out.length} bytes over the limit ${maxSize}`);
  if (out.readUInt16BE(0) !== 0xbeef) throw new Error('not the client ID');
  if (!out.subarray(12, 12 + question.length).equals(question)) throw new Error('not the client question');
  const again = scanMessage(out);
  if (!again) throw new Error('the relayed message does not scan');
  if ((again.flags & 0x8000) === 0) throw new Error('QR not set');
  if (edns !== again.opt >= 0) throw new Error('OPT present unless the client sent EDNS');
  for (const r of again.records) {
    if (r.type === 41) continue;
    const i = scan.records.findIndex(
      (s) => s.start === r.start && s.end === r.end && s.type === r.type && s.name === r.name,
    );
    if (i < 0) throw new Error(`record at ${r.start} is not an upstream record in place`);
    const s = scan.records[i];
    if (r.ttl !== (age > 0 ? Math.max(s.ttl - age, 0) : s.ttl) && !(age > 0 && s.ttl <= age && r.ttl === 0))
      throw new Error(`TTL ${r.ttl} from ${s.ttl} aged ${age}`);
    if (!out.subarray(r.rdataStart, r.end).equals(upstream.subarray(s.rdataStart, s.end)))
      throw new Error('rdata changed');
  }
}
