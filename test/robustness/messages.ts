/**
 * fast-check generators of DNS-looking messages for fuzzing: pieces that get the parser past the
 * header (names with pointers anywhere, wrong counts, OPT anywhere), then truncated and bit-flipped.
 */
import fc from 'fast-check';
import { RRType } from '../../src/dns/constants.js';

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

/** A message assembled from a header, a question and records, none of them necessarily valid. */
export const structured = fc
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
export const mutated = fc
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

/** Random bytes, structured messages, or mutated ones. */
export const anyMessage = fc.oneof(
  fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
  structured,
  mutated,
);
