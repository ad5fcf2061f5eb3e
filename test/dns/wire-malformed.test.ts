/** Table tests of malformed queries: each one gets the right typed error and response rcode. */
import { describe, expect, it } from 'vitest';
import { Rcode, RRType } from '../../src/dns/constants.js';
import { readName } from '../../src/dns/names.js';
import { parseQuery, type Query, WireError } from '../../src/dns/query.js';
import { scanMessage } from '../../src/dns/relay.js';
import { buildErrorResponse } from '../../src/dns/response.js';
import { decode, makeQuery } from '../helpers/dns-client.js';

/** Header with the given counts (RD set). */
function header(qd = 1, an = 0, ns = 0, ar = 0, flags = 0x0100, id = 0x1234): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(flags, 2);
  h.writeUInt16BE(qd, 4);
  h.writeUInt16BE(an, 6);
  h.writeUInt16BE(ns, 8);
  h.writeUInt16BE(ar, 10);
  return h;
}
const label = (s: string) => Buffer.concat([Buffer.from([s.length]), Buffer.from(s, 'latin1')]);
const ROOT = Buffer.from([0]);
const QTAIL = Buffer.from([0, 1, 0, 1]); // A IN
const EXAMPLE = Buffer.concat([label('example'), label('com'), ROOT]);

function opt(opts: { version?: number; size?: number; owner?: Buffer; rdata?: Buffer } = {}): Buffer {
  const owner = opts.owner ?? ROOT;
  const rdata = opts.rdata ?? Buffer.alloc(0);
  const f = Buffer.alloc(10);
  f.writeUInt16BE(RRType.OPT, 0);
  f.writeUInt16BE(opts.size ?? 1232, 2);
  f[4] = 0;
  f[5] = opts.version ?? 0;
  f.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([owner, f, rdata]);
}
function aRecord(owner: Buffer = Buffer.from([0xc0, 12])): Buffer {
  const f = Buffer.alloc(14);
  f.writeUInt16BE(RRType.A, 0);
  f.writeUInt16BE(1, 2);
  f.writeUInt32BE(60, 4);
  f.writeUInt16BE(4, 8);
  return Buffer.concat([owner, f]);
}

function expectError(msg: Buffer, code: string, respond: number | null): WireError {
  const r = parseQuery(msg);
  expect(r).toBeInstanceOf(WireError);
  const e = r as WireError;
  expect(e.code).toBe(code);
  expect(e.respond).toBe(respond);
  const res = buildErrorResponse(msg, e, 512);
  if (respond === null) expect(res).toBeNull();
  else {
    expect(res).not.toBeNull();
    expect(scanMessage(res as Buffer)?.rcode).toBe(respond);
    expect((res as Buffer).readUInt16BE(0)).toBe(0x1234);
  }
  return e;
}

describe('malformed queries', () => {
  it('drops a message shorter than a header, and responses (QR set)', () => {
    expectError(Buffer.alloc(11), 'short-header', null);
    expectError(Buffer.concat([header(1, 0, 0, 0, 0x8100), EXAMPLE, QTAIL]), 'is-response', null);
  });

  it('answers NOTIMP to other opcodes, FORMERR to QDCOUNT other than 1', () => {
    expectError(Buffer.concat([header(1, 0, 0, 0, 2 << 11), EXAMPLE, QTAIL]), 'not-query', Rcode.NOTIMP);
    expectError(header(0), 'bad-qdcount', Rcode.FORMERR);
    expectError(Buffer.concat([header(2), EXAMPLE, QTAIL, EXAMPLE, QTAIL]), 'bad-qdcount', Rcode.FORMERR);
  });

  it('rejects compression pointer loops, forward pointers and pointers into the header', () => {
    // The name is a pointer to itself.
    expectError(Buffer.concat([header(), Buffer.from([0xc0, 12]), QTAIL]), 'bad-question', Rcode.FORMERR);
    // A label, then a pointer back to that label: a loop.
    expectError(
      Buffer.concat([header(), label('a'), Buffer.from([0xc0, 12]), QTAIL]),
      'bad-question',
      Rcode.FORMERR,
    );
    // A forward pointer (to the end of the message).
    expectError(
      Buffer.concat([header(), Buffer.from([0xc0, 16]), QTAIL, ROOT]),
      'bad-question',
      Rcode.FORMERR,
    );
    // A pointer into the header.
    expectError(Buffer.concat([header(), Buffer.from([0xc0, 2]), QTAIL]), 'bad-question', Rcode.FORMERR);
    // A pointer loop among records: A → B → A, each strictly backwards is required.
    const loop = Buffer.concat([
      header(1, 1),
      EXAMPLE,
      QTAIL,
      Buffer.from([0xc0, 0x30]),
      aRecord().subarray(2),
    ]);
    expect(readName(loop, 12 + EXAMPLE.length + 4)).toBeNull();
  });

  it('rejects labels over 63 bytes, reserved label types and names over 255 bytes', () => {
    const l64 = Buffer.concat([Buffer.from([64]), Buffer.alloc(64, 0x61), ROOT]);
    expectError(Buffer.concat([header(), l64, QTAIL]), 'bad-question', Rcode.FORMERR);
    expectError(
      Buffer.concat([header(), Buffer.from([0x41, 0x61]), ROOT, QTAIL]),
      'bad-question',
      Rcode.FORMERR,
    );
    expectError(
      Buffer.concat([header(), Buffer.from([0x81, 0x61]), ROOT, QTAIL]),
      'bad-question',
      Rcode.FORMERR,
    );
    const l63 = Buffer.concat([Buffer.from([63]), Buffer.alloc(63, 0x61)]);
    // 4 × 64 + 1 = 257 bytes: too long. 3 × 64 + 62 + 1 = 255 bytes: just fits.
    expectError(Buffer.concat([header(), l63, l63, l63, l63, ROOT, QTAIL]), 'bad-question', Rcode.FORMERR);
    const l61 = Buffer.concat([Buffer.from([61]), Buffer.alloc(61, 0x61)]);
    const ok = parseQuery(Buffer.concat([header(), l63, l63, l63, l61, ROOT, QTAIL]));
    expect(ok).not.toBeInstanceOf(WireError);
  });

  it('rejects a question or records that run past the message', () => {
    expectError(Buffer.concat([header(), EXAMPLE, Buffer.from([0, 1])]), 'bad-question', Rcode.FORMERR);
    expectError(Buffer.concat([header(), label('example')]), 'bad-question', Rcode.FORMERR);
    // Counts larger than the message.
    expectError(
      Buffer.concat([header(1, 0xffff, 0xffff, 0xffff), EXAMPLE, QTAIL]),
      'bad-record',
      Rcode.FORMERR,
    );
    expectError(Buffer.concat([header(1, 0, 0, 3), EXAMPLE, QTAIL, opt()]), 'bad-record', Rcode.FORMERR);
    // RDLENGTH past the end.
    const rec = aRecord();
    rec.writeUInt16BE(200, rec.length - 6);
    expectError(Buffer.concat([header(1, 1), EXAMPLE, QTAIL, rec]), 'bad-record', Rcode.FORMERR);
  });

  it('rejects OPT in the wrong section, twice, with an owner, or with broken options', () => {
    expectError(Buffer.concat([header(1, 1), EXAMPLE, QTAIL, opt()]), 'bad-opt', Rcode.FORMERR);
    expectError(Buffer.concat([header(1, 0, 1), EXAMPLE, QTAIL, opt()]), 'bad-opt', Rcode.FORMERR);
    expectError(Buffer.concat([header(1, 0, 0, 2), EXAMPLE, QTAIL, opt(), opt()]), 'bad-opt', Rcode.FORMERR);
    expectError(
      Buffer.concat([header(1, 0, 0, 1), EXAMPLE, QTAIL, opt({ owner: Buffer.from([0xc0, 12]) })]),
      'bad-opt',
      Rcode.FORMERR,
    );
    expectError(
      Buffer.concat([header(1, 0, 0, 1), EXAMPLE, QTAIL, opt({ rdata: Buffer.from([0, 10, 0, 9, 1]) })]),
      'bad-opt',
      Rcode.FORMERR,
    );
  });

  it('answers BADVERS (extended rcode 16, with our OPT at version 0) to EDNS version 1', () => {
    const msg = Buffer.concat([header(1, 0, 0, 1), EXAMPLE, QTAIL, opt({ version: 1 })]);
    const e = expectError(msg, 'bad-edns-version', Rcode.BADVERS);
    const res = buildErrorResponse(msg, e, 512) as Buffer;
    const d = decode(res);
    const o = (d.additionals ?? []).find((a) => a.type === 'OPT') as unknown as
      | { ednsVersion: number; extendedRcode: number }
      | undefined;
    // BADVERS = 16: header rcode 0, extended rcode byte 1.
    expect(res[3] & 0xf).toBe(0);
    expect(o?.extendedRcode).toBe(1);
    expect(o?.ednsVersion).toBe(0);
    expect(d.questions?.[0]?.name).toBe('example.com');
  });

  it('accepts an OPT after other additional records, and EDNS sizes below 512', () => {
    const msg = Buffer.concat([header(1, 0, 0, 2), EXAMPLE, QTAIL, aRecord(), opt({ size: 100 })]);
    const q = parseQuery(msg) as Query;
    expect(q).not.toBeInstanceOf(WireError);
    expect(q.edns?.udpSize).toBe(100);
    expect(q.qname).toBe('example.com');
  });

  it('parses what dns-packet encodes, escaping odd bytes in names', () => {
    const q = parseQuery(makeQuery('WWW.Example.COM', { type: 'AAAA', edns: 1232, dnssecOk: true })) as Query;
    expect(q.qname).toBe('www.example.com');
    expect(q.qtype).toBe(RRType.AAAA);
    expect(q.edns?.do).toBe(true);
    const odd = parseQuery(Buffer.concat([header(), label('a.b'), label('c\\d '), ROOT, QTAIL])) as Query;
    expect(odd.qname).toBe('a\\046b.c\\092d\\032');
  });
});
