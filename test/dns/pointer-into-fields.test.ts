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

/**
 * Offsets in the reply {@link withPointer} builds (dns-packet does not compress): the question
 * name `a.example` (11 bytes) at 12, the A record at 27 with its own 11-byte owner, so its TTL at
 * 42, and the second record at 52.
 */
const A_TTL_AT = 27 + 11 + 4;
const SECOND_AT = 52;

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
  const target = pointer < 0 ? A_TTL_AT + 3 : pointer;
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

/**
 * A fourth: a pointer to a TTL whose bytes are themselves a pointer (to a name). The labels were
 * checked but not the pointer reached on the way; aging the TTL turned it into another pointer.
 */
const POINTER_IN_TTL = Buffer.from(
  'tgAAgAiBAAEAAQADAAEAABEAAAEAASQDd29tBD0FAAEAAG4AAADAEQAAAAAAAADAAANtgAABAAEkwCQALP8BAAARAAABAAEkA3dvbQA9BQABAABuAAAAwAwBAwEAAAARwAAD9f8AAA==',
  'base64',
);

/**
 * A fifth: an SOA whose second name points (backwards) at a byte holding 17, read as a label that
 * runs on past the record into bytes after the last record, which a relay does not copy.
 */
const PAST_THE_POINTER = Buffer.from(
  'DAAAAoCAAAEAAAABAAAEA2NvbQBtcGxtAAAGAAEAAAAeADUubi9zMgdleGFtcGxlA2NvbQAKaG9zdGVhc3RlcgdleGFtcGxlC2MAABYAbgAAAMARwFGAAAAAAAAAAAAdAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAJAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'base64',
);

describe('compression pointers into the fixed fields of a record', () => {
  it('the fuzzing inputs are refused', () => {
    expect(scanMessage(FINDING.subarray(2))).toBeNull();
    expect(scanMessage(OVERRUN.subarray(2))).toBeNull();
    expect(FORWARD.length).toBe(199);
    expect(scanMessage(FORWARD)).toBeNull();
    expect(scanMessage(POINTER_IN_TTL.subarray(2))).toBeNull();
    expect(scanMessage(PAST_THE_POINTER.subarray(2))).toBeNull();
  });

  it('refuses a pointer that reaches a pointer stored in a TTL, accepts one stored in a name', () => {
    // The A record's TTL is set to c0 0c 00 3c: its first two bytes are a pointer to the question
    // name, and the CNAME's data points at them.
    const viaTtl = withPointer(5, [], A_TTL_AT, false);
    expect(viaTtl.readUInt32BE(A_TTL_AT)).toBe(60);
    viaTtl.writeUInt16BE(0xc00c, A_TTL_AT);
    expect(scanMessage(viaTtl)).toBeNull();
    // The same chain through the CNAME's owner, the pointer c0 0c in name bytes.
    const viaOwner = withPointer(5, [], SECOND_AT, false);
    expect(viaOwner.readUInt16BE(SECOND_AT)).toBe(0xc00c);
    expect(scanMessage(viaOwner)?.records.map((r) => r.type)).toEqual([1, 5]);
    const cname = dnsPacket.decode(viaOwner).answers?.[1];
    expect(cname && 'data' in cname ? cname.data : null).toBe('a.example');
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
