/**
 * CidrTable: longest-prefix match with earlier entries winning ties, checked against a plain
 * scan of the ranges (the reference), and built in time linear in its ranges (200,000 ranges,
 * each add used to re-sort the whole list).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Cidr,
  CidrTable,
  cidrContains,
  formatAddress,
  parseAddress,
  parseCidr,
} from '../../src/net/cidr.js';
import { fuzzSeeds } from '../robustness/seeds.js';

const seeds = fuzzSeeds('cidr table');

/** The reference: every range in order added, longest prefix first, stable for ties. */
function scan<T>(ranges: { cidr: Cidr; value: T }[], address: string): T | null {
  const bytes = parseAddress(address);
  if (!bytes) return null;
  const sorted = ranges
    .map((r, i) => ({ ...r, i }))
    .sort((a, b) => b.cidr.prefix - a.cidr.prefix || a.i - b.i);
  for (const r of sorted) if (cidrContains(r.cidr, bytes)) return r.value;
  return null;
}

// Small address spaces so that ranges overlap and addresses fall inside them often.
const v4 = fc
  .tuple(
    fc.constantFrom(10, 127),
    fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: 0, max: 255 }),
  )
  .map((o) => o.join('.'));
const v6 = fc
  .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 0xffff }))
  .map(([a, b]) => `2600:1f16:${a}::${b.toString(16)}`);
const mapped = v4.map((a) => `::ffff:${a}`);
const address = fc.oneof(v4, v6, mapped);
const range = fc.oneof(
  fc.tuple(v4, fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${a}/${p}`),
  fc.tuple(v6, fc.integer({ min: 0, max: 128 })).map(([a, p]) => `${a}/${p}`),
  fc.tuple(v4, fc.integer({ min: 96, max: 128 })).map(([a, p]) => `::ffff:${a}/${p}`),
);

describe.each(seeds)('CidrTable ($name)', ({ seed }) => {
  it('answers what a scan of the ranges answers (longest prefix, earlier wins ties)', () => {
    fc.assert(
      fc.property(
        fc.array(range, { maxLength: 40 }),
        fc.array(address, { maxLength: 30 }),
        (texts, addrs) => {
          const table = new CidrTable<number>();
          const ranges: { cidr: Cidr; value: number }[] = [];
          texts.forEach((t, i) => {
            const cidr = parseCidr(t) as Cidr;
            table.add(cidr, i);
            ranges.push({ cidr, value: i });
          });
          expect(table.size).toBe(ranges.length);
          for (const a of addrs) expect(table.lookup(a)).toBe(scan(ranges, a));
        },
      ),
      { seed, numRuns: 300 },
    );
  });

  it('takes 200,000 ranges in linear time and finds each of them', () => {
    const table = new CidrTable<number>();
    const n = 200_000;
    const addr = (i: number) => formatAddress(Uint8Array.of(10, (i >> 16) & 255, (i >> 8) & 255, i & 255));
    for (let i = 0; i < n; i++) table.add(parseCidr(`${addr(i)}/32`) as Cidr, i);
    table.add(parseCidr('10.0.0.0/8') as Cidr, -1);
    expect(table.size).toBe(n + 1);
    for (const i of [0, 1, 65_535, 123_456, n - 1]) expect(table.lookup(addr(i))).toBe(i);
    expect(table.lookup(addr(n + 5))).toBe(-1);
    expect(table.lookup('192.0.2.1')).toBeNull();
  });
});
