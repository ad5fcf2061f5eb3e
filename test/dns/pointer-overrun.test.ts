/**
 * Found by fuzzing (fuzz/targets/relay.mjs): a compression pointer to an earlier label whose
 * bytes run on past the pointer itself. The name then included the record's own TYPE/CLASS/TTL
 * bytes, so rewriting the TTL of a cached answer changed the owner name the client read, and a
 * name could reach into the OPT appended after it: the relayed message said something else than
 * the scanned one.
 */
import { describe, expect, it } from 'vitest';
import { readName } from '../../src/dns/names.js';
import { parseQuery, WireError } from '../../src/dns/query.js';
import { relayResponse, scanMessage } from '../../src/dns/relay.js';

/** The input of the finding: 2 knob bytes (EDNS, age 6), then the upstream reply. */
const FINDING = Buffer.from(
  'twAAgAGBAAEAAwABAAAAABH//wAsAv8AAAAAAAAAAAAAAQBvA20AAAEAASQDd3d3B0V4anDCbGUDY29tAAAFAAEAPAAEAADAKQAAAAAAAAAAAAAAfgAAAAAAAAAAEwAAAAAAAAAAAA==',
  'base64',
);

describe('compression pointers whose target runs past the pointer', () => {
  it('readName refuses a label reached through a pointer that covers the pointer itself', () => {
    // Header, then at 12 a label of 5 bytes "ab" + the pointer c0 0c + 0 ... : the pointer at 15
    // jumps back to 12, whose label (12..17) covers the pointer's own bytes.
    const msg = Buffer.concat([Buffer.alloc(12), Buffer.from([5, 0x61, 0x62, 0xc0, 0x0c, 0x63, 0])]);
    expect(readName(msg, 15)).toBeNull();
    // A pointer to a complete earlier name still reads.
    const ok = Buffer.concat([Buffer.alloc(12), Buffer.from([1, 0x61, 0, 0xc0, 0x0c])]);
    expect(readName(ok, 15)).toEqual({ name: 'a', end: 17 });
  });

  it('the fuzzing input is refused, or relays to the records it scanned', () => {
    const upstream = FINDING.subarray(2);
    const scan = scanMessage(upstream);
    if (scan === null) return expect(scan).toBeNull();
    const question = upstream.subarray(12, scan.questionEnd);
    const client = Buffer.concat([
      Buffer.alloc(12),
      question,
      Buffer.from([0, 0, 41, 0x10, 0, 0, 0, 0x80, 0, 0, 0]),
    ]);
    client.writeUInt16BE(1, 4);
    client.writeUInt16BE(1, 10);
    const q = parseQuery(client);
    if (q instanceof WireError) throw new Error(q.message);
    const out = relayResponse(upstream, scan, client, q, 512, undefined, 6);
    const again = scanMessage(out);
    const names = (again?.records ?? []).filter((r) => r.type !== 41).map((r) => r.name);
    expect(names).toEqual(scan.records.map((r) => r.name));
  });
});
