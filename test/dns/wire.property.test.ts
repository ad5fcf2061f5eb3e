/**
 * Property tests of the wire parser: for any bytes it returns a query or a typed WireError (never
 * throws, never loops, never reads out of bounds), and what it builds from either is a valid
 * message no larger than the limit. Runs with a fixed seed and a printed random one.
 */
import * as dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rcode, RRType } from '../../src/dns/constants.js';
import {
  buildErrorResponse,
  buildResponse,
  clientUdpLimit,
  encodeRecord,
  HEADER_SIZE,
  parseQuery,
  QNAME_POINTER,
  type Query,
  readName,
  relayResponse,
  scanMessage,
  skipName,
  WireError,
} from '../../src/dns/wire.js';
import { fuzzSeeds } from '../robustness/seeds.js';

const RUNS = 2000;
const seeds = fuzzSeeds('wire parser');

// ------------------------------------------------------------------------------------------------
// Generators: messages made of pieces that look like DNS (so the parser gets past the header),
// with pointers anywhere, wrong counts, OPT anywhere, then truncated and bit-flipped.

const label = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => Buffer.concat([Buffer.from([b.length]), b])),
  fc.constantFrom(Buffer.from([3, 0x77, 0x77, 0x77]), Buffer.from([7, ...Buffer.from('example')])),
  // Label lengths around the limit, and the reserved 0x40/0x80 kinds.
  fc
    .integer({ min: 60, max: 0xff })
    .map((n) => Buffer.concat([Buffer.from([n]), Buffer.alloc(n & 0x3f, 0x61)])),
);
const pointer = fc.integer({ min: 0, max: 0x3fff }).map((p) => Buffer.from([0xc0 | (p >> 8), p & 0xff]));
const smallPointer = fc.integer({ min: 0, max: 80 }).map((p) => Buffer.from([0xc0, p]));
const name = fc
  .tuple(fc.array(label, { maxLength: 6 }), fc.oneof(fc.constant(Buffer.from([0])), pointer, smallPointer))
  .map(([ls, end]) => Buffer.concat([...ls, end]));
const longName = fc
  .integer({ min: 3, max: 6 })
  .map((n) =>
    Buffer.concat([
      ...Array.from({ length: n }, () => Buffer.concat([Buffer.from([63]), Buffer.alloc(63, 0x62)])),
      Buffer.from([0]),
    ]),
  );

const rr = fc
  .tuple(
    fc.oneof(name, fc.constant(Buffer.from([0]))),
    fc.oneof(fc.constant(RRType.OPT), fc.constant(RRType.A), fc.integer({ min: 0, max: 0xffff })),
    fc.integer({ min: 0, max: 0xffff }),
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.oneof(
      fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b)),
      // Well-formed EDNS options.
      fc
        .array(fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 6 })), {
          maxLength: 3,
        })
        .map((os) =>
          Buffer.concat(
            os.map(([code, data]) => {
              const h = Buffer.alloc(4);
              h.writeUInt16BE(code, 0);
              h.writeUInt16BE(data.length, 2);
              return Buffer.concat([h, data]);
            }),
          ),
        ),
    ),
    fc.boolean(),
  )
  .map(([owner, type, cls, ttl, rdata, lieLength]) => {
    const fixed = Buffer.alloc(10);
    fixed.writeUInt16BE(type, 0);
    fixed.writeUInt16BE(cls, 2);
    fixed.writeUInt32BE(ttl, 4);
    fixed.writeUInt16BE(lieLength ? (rdata.length * 7 + 3) & 0xffff : rdata.length, 8);
    return Buffer.concat([owner, fixed, rdata]);
  });

const header = fc.record({
  id: fc.integer({ min: 0, max: 0xffff }),
  flags: fc.oneof(fc.constant(0x0100), fc.integer({ min: 0, max: 0xffff })),
  qd: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 0xffff })),
  an: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })),
  ns: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })),
  ar: fc.oneof(fc.constant(0), fc.constant(1), fc.constant(2), fc.integer({ min: 0, max: 0xffff })),
});

const structured = fc
  .tuple(
    header,
    fc.oneof(name, longName),
    fc.integer({ min: 0, max: 0xffff }),
    fc.integer({ min: 0, max: 0xffff }),
    fc.array(rr, { maxLength: 4 }),
  )
  .map(([h, qn, qt, qc, rrs]) => {
    const hb = Buffer.alloc(12);
    hb.writeUInt16BE(h.id, 0);
    hb.writeUInt16BE(h.flags, 2);
    hb.writeUInt16BE(h.qd, 4);
    hb.writeUInt16BE(h.an, 6);
    hb.writeUInt16BE(h.ns, 8);
    hb.writeUInt16BE(h.ar, 10);
    const q = Buffer.alloc(4);
    q.writeUInt16BE(qt, 0);
    q.writeUInt16BE(qc, 2);
    return Buffer.concat([hb, qn, q, ...rrs]);
  });

/** Truncates and flips bits of a message. */
const mutated = fc
  .tuple(
    structured,
    fc.nat(),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { maxLength: 4 }),
    fc.boolean(),
  )
  .map(([m, cut, flips, doCut]) => {
    const b = Buffer.from(doCut ? m.subarray(0, cut % (m.length + 1)) : m);
    for (const [pos, bit] of flips) if (b.length > 0) b[pos % b.length] ^= 1 << bit;
    return b;
  });

const anyMessage = fc.oneof(
  fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
  structured,
  mutated,
);

// ------------------------------------------------------------------------------------------------

/** Wire length of the name at `off` (following pointers), or -1. Independent of readName. */
function nameWireLength(buf: Buffer, off: number): number {
  let pos = off;
  let len = 1;
  for (let hops = 0; hops < 200; ) {
    const l = buf[pos];
    if (l === 0) return len;
    if ((l & 0xc0) === 0xc0) {
      pos = ((l & 0x3f) << 8) | buf[pos + 1];
      hops++;
      continue;
    }
    if (l > 63) return -1;
    len += l + 1;
    pos += l + 1;
  }
  return -1;
}

const ALLOWED_RCODES = new Set<number | null>([null, Rcode.FORMERR, Rcode.NOTIMP, Rcode.BADVERS]);

function checkParsed(msg: Buffer): void {
  const r = parseQuery(msg);
  if (r instanceof WireError) {
    expect(ALLOWED_RCODES.has(r.respond)).toBe(true);
    expect(r.questionEnd).toBeLessThanOrEqual(msg.length);
    const res = buildErrorResponse(msg, r, 512);
    if (r.respond === null) {
      expect(res).toBeNull();
      return;
    }
    expect(res).not.toBeNull();
    const out = res as Buffer;
    expect(out.length).toBeLessThanOrEqual(512);
    expect(out.readUInt16BE(0)).toBe(r.id);
    expect(out[2] & 0x80).toBe(0x80); // QR
    const scan = scanMessage(out);
    expect(scan).not.toBeNull();
    expect(scan?.rcode).toBe(r.respond);
    return;
  }
  const q = r as Query;
  expect(q.questionEnd).toBeGreaterThan(HEADER_SIZE);
  expect(q.questionEnd).toBeLessThanOrEqual(msg.length);
  const wl = nameWireLength(msg, HEADER_SIZE);
  expect(wl).toBeGreaterThan(0);
  expect(wl).toBeLessThanOrEqual(255);
  expect(q.opcode).toBe(0);
  expect(q.flags & 0x8000).toBe(0);
  if (q.edns) expect(q.edns.version).toBe(0);
  // Whatever parsed can be answered, within the client's limit, as a valid message.
  const max = clientUdpLimit(q.edns);
  const res = buildResponse(msg, q, { rcode: 0, answer: [aSet(40)], maxSize: max });
  expect(res.length).toBeLessThanOrEqual(max);
  const scan = scanMessage(res);
  expect(scan).not.toBeNull();
  expect(scan?.qname).toBe(q.qname);
}

function aSet(n: number) {
  const recs = Array.from({ length: n }, (_, i) =>
    encodeRecord(QNAME_POINTER, RRType.A, 60, Buffer.from([192, 0, 2, i])),
  );
  return { bytes: Buffer.concat(recs), count: n };
}

describe.each(seeds)('wire parser fuzz ($name)', ({ seed }) => {
  it('parseQuery returns a query or a typed error for any bytes, and both can be answered', () => {
    fc.assert(
      fc.property(anyMessage, (msg) => {
        checkParsed(msg);
      }),
      { seed, numRuns: RUNS },
    );
  });

  it('readName, skipName and scanMessage never throw and stay in bounds', () => {
    fc.assert(
      fc.property(anyMessage, fc.nat(), (msg, o) => {
        const off = msg.length ? o % msg.length : 0;
        const n = readName(msg, off);
        if (n) {
          expect(n.end).toBeGreaterThan(off);
          expect(n.end).toBeLessThanOrEqual(msg.length);
        }
        const s = skipName(msg, off);
        expect(s === -1 || (s > off && s <= msg.length)).toBe(true);
        const scan = scanMessage(msg);
        if (scan) {
          for (const rec of scan.records) expect(rec.end).toBeLessThanOrEqual(msg.length);
        }
      }),
      { seed, numRuns: RUNS },
    );
  });

  it('agrees with dns-packet on every well-formed query', () => {
    const dnsLabel = fc.stringMatching(/^[a-zA-Z0-9-]{1,20}$/);
    fc.assert(
      fc.property(
        fc.array(dnsLabel, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.constantFrom('A', 'AAAA', 'TXT', 'SRV', 'ANY', 'MX', 'NS', 'SOA', 'PTR', 'CNAME'),
        fc.option(fc.integer({ min: 1, max: 0xffff })),
        (labels, id, type, udpSize) => {
          const additionals =
            udpSize === null
              ? []
              : [
                  {
                    type: 'OPT',
                    name: '.',
                    udpPayloadSize: udpSize,
                    options: [],
                  } as unknown as dnsPacket.Answer,
                ];
          const msg = dnsPacket.encode({
            type: 'query',
            id,
            flags: dnsPacket.RECURSION_DESIRED,
            questions: [{ name: labels.join('.'), type: type as dnsPacket.RecordType, class: 'IN' }],
            additionals,
          });
          const q = parseQuery(msg);
          expect(q).not.toBeInstanceOf(WireError);
          const p = q as Query;
          expect(p.id).toBe(id);
          expect(p.qname).toBe(labels.join('.').toLowerCase());
          expect(p.qtype).toBe(dnsPacket.decode(msg).questions?.[0] ? typeNumber(type) : -1);
          expect(p.edns?.udpSize ?? null).toBe(udpSize);
          const limit = clientUdpLimit(p.edns, 1232);
          expect(limit).toBeGreaterThanOrEqual(512);
          expect(limit).toBeLessThanOrEqual(1232);
          const res = buildResponse(msg, p, { rcode: 0, answer: [aSet(100)], maxSize: limit });
          expect(res.length).toBeLessThanOrEqual(limit);
          const d = dnsPacket.decode(res);
          expect(d.id).toBe(id);
          expect(d.questions?.[0]?.name.toLowerCase()).toBe(labels.join('.').toLowerCase());
        },
      ),
      { seed, numRuns: 500 },
    );
  });

  it('relayResponse of any scannable response fits the limit and scans again', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 0, max: 30 }),
        fc.option(fc.integer({ min: 0, max: 0xffff })),
        fc.integer({ min: 512, max: 4096 }),
        (nA, nTxt, udpSize, maxSize) => {
          const qmsg = dnsPacket.encode({
            type: 'query',
            id: 77,
            flags: dnsPacket.RECURSION_DESIRED,
            questions: [{ name: 'relay.example', type: 'A', class: 'IN' }],
            additionals:
              udpSize === null
                ? []
                : [
                    {
                      type: 'OPT',
                      name: '.',
                      udpPayloadSize: udpSize,
                      options: [],
                    } as unknown as dnsPacket.Answer,
                  ],
          });
          const up = dnsPacket.encode({
            type: 'response',
            id: 5,
            flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
            questions: [{ name: 'relay.example', type: 'A', class: 'IN' }],
            answers: Array.from({ length: nA }, (_, i) => ({
              type: 'A' as const,
              name: 'relay.example',
              ttl: 60,
              data: `192.0.2.${i}`,
            })),
            authorities: Array.from({ length: nTxt }, (_, i) => ({
              type: 'TXT' as const,
              name: 'relay.example',
              ttl: 60,
              data: `text ${i}`,
            })),
            additionals: [
              { type: 'OPT', name: '.', udpPayloadSize: 4096, options: [] } as unknown as dnsPacket.Answer,
            ],
          });
          const q = parseQuery(qmsg) as Query;
          const scan = scanMessage(up);
          expect(scan).not.toBeNull();
          if (!scan) return;
          const out = relayResponse(up, scan, qmsg, q, maxSize);
          expect(out.length).toBeLessThanOrEqual(maxSize);
          const again = scanMessage(out);
          expect(again).not.toBeNull();
          expect(again?.id).toBe(77);
          expect(dnsPacket.decode(out).questions?.[0]?.name).toBe('relay.example');
        },
      ),
      { seed, numRuns: 300 },
    );
  });
});

function typeNumber(t: string): number {
  return (RRType as Record<string, number>)[t] ?? { TXT: 16, SRV: 33, MX: 15 }[t] ?? -1;
}
