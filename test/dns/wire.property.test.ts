/**
 * Property tests of the wire parser: for any bytes it returns a query or a typed WireError (never
 * throws, never loops, never reads out of bounds), and what it builds from either is a valid
 * message no larger than the limit. Runs with a fixed seed and a printed random one.
 */
import * as dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HEADER_SIZE, Rcode, RRType } from '../../src/dns/constants.js';
import { readName, skipName } from '../../src/dns/names.js';
import { clientUdpLimit, parseQuery, type Query, WireError } from '../../src/dns/query.js';
import { encodeRecord, QNAME_POINTER } from '../../src/dns/records.js';
import { relayResponse, scanMessage } from '../../src/dns/relay.js';
import { buildErrorResponse, buildResponse } from '../../src/dns/response.js';
import { anyMessage } from '../robustness/messages.js';
import { fuzzSeeds } from '../robustness/seeds.js';

const RUNS = 2000;
const seeds = fuzzSeeds('wire parser');

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
