/**
 * The hand-written address parser accepts exactly what `net.isIP` accepts (same family), and its
 * bytes agree with Node's own reading of the address (compared through the canonical text that
 * the WHATWG URL parser prints for it).
 */
import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressFamily, parseAddress } from '../../src/net/cidr.js';
import { fuzzSeeds } from '../robustness/seeds.js';

const seeds = fuzzSeeds('address parser');

const hexGroup = fc
  .integer({ min: 0, max: 0xfffff })
  .chain((v) => fc.integer({ min: 0, max: 5 }).map((len) => v.toString(16).slice(0, len)));
const octet = fc.oneof(
  fc.integer({ min: 0, max: 300 }).map(String),
  fc.integer({ min: 0, max: 9 }).map((d) => `0${d}`),
);
const dotted = fc.array(octet, { minLength: 3, maxLength: 5 }).map((p) => p.join('.'));
const v6ish = fc
  .tuple(
    fc.array(hexGroup, { minLength: 0, maxLength: 9 }),
    fc.option(dotted),
    fc.option(fc.constantFrom('%eth0', '%', '%a_b', '%1')),
    fc.boolean(),
  )
  .map(([groups, tail, zone, upper]) => {
    let s = groups.join(':');
    if (tail !== null) s += `:${tail}`;
    if (zone !== null) s += zone;
    return upper ? s.toUpperCase() : s;
  });
const noise = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:.%x- '), maxLength: 24 });
const candidate = fc.oneof(v6ish, dotted, noise, fc.constantFrom('::', '::1', '1::', '::ffff:10.0.0.1'));

/** Node's canonical text of an address, for comparing bytes (zone ids dropped). */
function canonical(addr: string): string {
  const plain = addr.split('%')[0];
  return isIP(plain) === 4 ? new URL(`http://${plain}/`).hostname : new URL(`http://[${plain}]/`).hostname;
}

function fromBytes(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] << 8) | b[i + 1]).toString(16));
  return canonical(groups.join(':'));
}

describe.each(seeds)('parseAddress ($name)', ({ seed }) => {
  it('accepts what net.isIP accepts, with the same family and bytes', () => {
    fc.assert(
      fc.property(candidate, (s) => {
        const fam = isIP(s);
        expect(addressFamily(s)).toBe(fam);
        const b = parseAddress(s);
        if (fam === 0) expect(b).toBeNull();
        else expect(fromBytes(b!)).toBe(canonical(s));
      }),
      { seed, numRuns: 20_000 },
    );
  });
});
