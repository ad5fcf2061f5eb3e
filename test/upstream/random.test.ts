/**
 * The query-ID source: 16-bit values read from a refilled random buffer, and `below(n)` mapped
 * from them. Known byte sequences check the mapping exactly; the real crypto source is checked
 * for range and a roughly uniform spread, with bounds a correct source fails a few times in ten
 * million runs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RandomIds } from '../../src/upstream/random.js';

/** A fill that copies `bytes` (repeated) into the buffer and counts its calls. */
function known(bytes: Uint8Array) {
  const calls = { n: 0 };
  let at = 0;
  const fill = (buf: Buffer) => {
    calls.n++;
    for (let i = 0; i < buf.length; i++) buf[i] = bytes[at++ % bytes.length];
  };
  return { fill, calls };
}

/** Pearson's chi-square statistic of `counts` against a uniform spread. */
function chiSquare(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
}

describe('RandomIds with a known byte sequence', () => {
  it.each([
    { bytes: [0x00, 0x00], want: 0 },
    { bytes: [0xff, 0xff], want: 65535 },
    { bytes: [0xbe, 0xef], want: 0xbeef },
    { bytes: [0x01, 0x00], want: 256 },
  ])('reads $bytes as $want (big-endian)', ({ bytes, want }) => {
    const ids = new RandomIds(known(Uint8Array.from(bytes)).fill);
    expect(ids.next16()).toBe(want);
  });

  it('gives the buffer two bytes at a time, in order (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 2, maxLength: 64 }), (raw) => {
        const bytes = raw.length % 2 === 0 ? raw : raw.subarray(0, raw.length - 1);
        const ids = new RandomIds(known(bytes).fill, bytes.length);
        for (let i = 0; i < bytes.length; i += 2) {
          const v = ids.next16();
          expect(v).toBe((bytes[i] << 8) | bytes[i + 1]);
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(65535);
        }
      }),
    );
  });

  it.each([
    { size: 4096, draws: 2048, fills: 1 },
    { size: 4096, draws: 2049, fills: 2 },
    { size: 4096, draws: 4096, fills: 2 },
    { size: 8, draws: 1, fills: 1 },
    { size: 8, draws: 9, fills: 3 },
    // An odd size leaves its last byte unused rather than reading past the end.
    { size: 5, draws: 3, fills: 2 },
  ])('a $size-byte buffer is filled $fills time(s) for $draws draws', ({ size, draws, fills }) => {
    const k = known(Uint8Array.from([1, 2, 3, 4, 5, 6, 7]));
    const ids = new RandomIds(k.fill, size);
    expect(k.calls.n).toBe(0);
    for (let i = 0; i < draws; i++) ids.next16();
    expect(k.calls.n).toBe(fills);
  });

  it('uses fresh bytes after a refill', () => {
    let round = 0;
    const ids = new RandomIds((buf) => {
      round++;
      buf.fill(round);
    }, 4);
    expect([ids.next16(), ids.next16(), ids.next16(), ids.next16()]).toEqual([
      0x0101, 0x0101, 0x0202, 0x0202,
    ]);
  });

  it.each([
    { n: 0, want: 0 },
    { n: 1, want: 0 },
  ])('below($n) is 0 and draws nothing', ({ n, want }) => {
    const k = known(Uint8Array.from([0xff, 0xff]));
    const ids = new RandomIds(k.fill);
    expect(ids.below(n)).toBe(want);
    expect(k.calls.n).toBe(0);
  });

  it.each([
    { v: 0x0000, n: 16, want: 0 },
    { v: 0x0fff, n: 16, want: 0 },
    { v: 0x1000, n: 16, want: 1 },
    { v: 0xffff, n: 16, want: 15 },
    { v: 0xffff, n: 3, want: 2 },
    { v: 0x5555, n: 3, want: 0 },
    { v: 0x5556, n: 3, want: 1 },
    { v: 0xffff, n: 65536, want: 65535 },
  ])('below($n) maps $v to $want', ({ v, n, want }) => {
    const ids = new RandomIds(known(Uint8Array.from([v >> 8, v & 0xff])).fill);
    expect(ids.below(n)).toBe(want);
  });

  it('below(n) is in [0, n) and keeps the order of the draws (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 65536 }),
        fc.integer({ min: 0, max: 65535 }),
        fc.integer({ min: 0, max: 65535 }),
        (n, a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const ids = new RandomIds(known(Uint8Array.from([lo >> 8, lo & 0xff, hi >> 8, hi & 0xff])).fill, 4);
          const x = ids.below(n);
          const y = ids.below(n);
          expect(Number.isInteger(x)).toBe(true);
          expect(x).toBeGreaterThanOrEqual(0);
          expect(y).toBeLessThan(n);
          expect(x).toBeLessThanOrEqual(y);
        },
      ),
    );
  });

  it('below(n) hits every value equally often over all 65,536 draws when n divides 65,536', () => {
    const all = new Uint8Array(65536 * 2);
    for (let v = 0; v < 65536; v++) {
      all[2 * v] = v >> 8;
      all[2 * v + 1] = v & 0xff;
    }
    for (const n of [2, 16, 1024]) {
      const ids = new RandomIds(known(all).fill, all.length);
      const counts = new Array(n).fill(0);
      for (let v = 0; v < 65536; v++) counts[ids.below(n)]++;
      expect(new Set(counts)).toEqual(new Set([65536 / n]));
    }
  });
});

describe('RandomIds with the crypto source', () => {
  it('draws 16-bit integers spread over the whole range', () => {
    const ids = new RandomIds();
    const buckets = new Array(16).fill(0);
    let min = 65536;
    let max = -1;
    for (let i = 0; i < 160_000; i++) {
      const v = ids.next16();
      expect(Number.isInteger(v)).toBe(true);
      min = Math.min(min, v);
      max = Math.max(max, v);
      buckets[v >> 12]++;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(65535);
    // 15 degrees of freedom: a chi-square above 60 has a probability of about 3e-7.
    expect(chiSquare(buckets)).toBeLessThan(60);
  });

  it('below(6) is roughly uniform', () => {
    const ids = new RandomIds();
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[ids.below(6)]++;
    // 5 degrees of freedom: a chi-square above 45 has a probability of about 1e-8.
    expect(chiSquare(counts)).toBeLessThan(45);
  });

  it('two sources do not give the same sequence', () => {
    const a = new RandomIds();
    const b = new RandomIds();
    const sa = Array.from({ length: 8 }, () => a.next16());
    const sb = Array.from({ length: 8 }, () => b.next16());
    // Equal only if 128 random bits match.
    expect(sa).not.toEqual(sb);
  });
});
