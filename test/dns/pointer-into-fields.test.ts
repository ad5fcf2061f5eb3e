/**
 * Found by fuzzing (fuzz/targets/relay.mjs, in CI): a compression pointer to a byte inside an
 * earlier record's TTL. The name read there was the root while scanning, but a cached answer's
 * TTL is aged in place when relayed, and the byte became a label length: the client got a message
 * that no longer parsed (and, through a CNAME target, could have got another name). Names must be
 * made of name bytes: a pointer into a record's type, class, TTL or length, or into the OPT, makes
 * the message malformed.
 */
import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { scanMessage } from '../../src/dns/relay.js';

/** The input of the finding: 2 knob bytes, then the upstream reply. */
const FINDING = Buffer.from(
  'twAAgAF5AAEAAwABAAAAAYGAAAEAAv8AAAAAAAAAbQAAAAAAAAABAG8DbQAAAQABJAN3bG0AAAAAAQA8AAQAAMApAAAAAAAAfn4AAAAAEwAAAAA=',
  'base64',
);

/** A reply `a.example A` with one A record, then a record whose owner or rdata is `pointer`. */
function withPointer(type: number, rdataPrefix: number[], pointer: number, owner = true): Buffer {
  const base = Buffer.from(
    dnsPacket.encode({
      type: 'response',
      id: 1,
      flags: 0x8180,
      questions: [{ name: 'a.example', type: 'A', class: 'IN' }],
      answers: [{ name: 'a.example', type: 'A', ttl: 60, class: 'IN', data: '192.0.2.1' }],
    }),
  );
  // The A record's TTL starts after its owner (pointer, 2 bytes), type and class.
  const aStart = 12 + 11 + 4;
  const ttlAt = aStart + 2 + 4;
  const target = pointer < 0 ? ttlAt + 3 : pointer;
  const ptr = [0xc0 | (target >> 8), target & 0xff];
  const ownerBytes = owner ? ptr : [0xc0, 12];
  const rdata = owner ? [...rdataPrefix, 0xc0, 12] : [...rdataPrefix, ...ptr];
  const rec = Buffer.from([...ownerBytes, 0, type, 0, 1, 0, 0, 0, 60, 0, rdata.length, ...rdata]);
  const msg = Buffer.concat([base, rec]);
  msg.writeUInt16BE(2, 6);
  return msg;
}

/** A second finding: a CNAME whose name runs on past its RDATA into the next record. */
const OVERRUN = Buffer.from(
  'twAAgAGBAAEAAwABAAAAABH//wAsAv8AAAADAAEAAAMAAQAAAAAR//8ALAL/AAAAAwABAAAAABH//wAsAv8AAAAAAAAAAAAAAQBvA20AAAAAAAAAAAAAMgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEAASQDd3d3B0V4anDCbGUDY29t/wAsAv8AAAADAAEAAAMAAQAAAAAR//8ALAL/AAAAAwABAAAAABH//wAsAv9RAAAAAAAAAAAAAQBvA20AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAEkA3d3dwdFeGpwxmxlA2NvbQAABQABADwABABjb25zdHJ1Y3RvcgAAAAA1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NQAABQABADwABAAAwCkAAIAAAAAAAAAAAAAAEf//ACwC/wAEAAAAAAAAAAABAG8DbQAAAQABJAN3d3cHNTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTVFeF9fcHJvdG9fXwAABQABADwABAAAwCkAAIAAAABfX3Byb3RvX18AAAAAAH4A',
  'base64',
);

/** A third (its first 199 bytes): the second name of an SOA with a forward pointer, to bytes a relay drops. */
const FORWARD = Buffer.from(
  '000280800001000000010000046e6f7065076578616d706c6503636f6d00001c0001076578616d706c6503636f6d00000600010000001e003d036e7331076578616d706c6503636f6d000a686f73746d6173010000c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c000000001006f036d000001000124037777770745786a70c26c6503636f6d0000050001c0c0',
  'hex',
);

describe('compression pointers into the fixed fields of a record', () => {
  it('the fuzzing inputs are refused', () => {
    expect(scanMessage(FINDING.subarray(2))).toBeNull();
    expect(scanMessage(OVERRUN.subarray(2))).toBeNull();
    expect(FORWARD.length).toBe(199);
    expect(scanMessage(FORWARD)).toBeNull();
  });

  it('refuses a pointer into a TTL, from an owner name or from CNAME, MX and SRV data', () => {
    expect(scanMessage(withPointer(5, [], -1, true))).toBeNull();
    expect(scanMessage(withPointer(5, [], -1, false))).toBeNull();
    expect(scanMessage(withPointer(15, [0, 10], -1, false))).toBeNull();
    expect(scanMessage(withPointer(33, [0, 1, 0, 2, 1, 187], -1, false))).toBeNull();
  });

  it('accepts the same records when the pointers reach names', () => {
    // Pointers to the question name (offset 12), as every encoder writes them.
    for (const [type, prefix] of [
      [5, []],
      [15, [0, 10]],
      [33, [0, 1, 0, 2, 1, 187]],
    ] as const) {
      for (const owner of [true, false]) {
        const m = withPointer(type, [...prefix], 12, owner);
        const s = scanMessage(m);
        expect(s?.records.map((r) => r.type)).toEqual([1, type]);
        expect(dnsPacket.decode(m).answers?.[1].name).toBe('a.example');
      }
    }
  });
});
