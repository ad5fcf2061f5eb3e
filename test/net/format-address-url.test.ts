/**
 * formatAddress: IPv4 dotted, IPv6 in RFC 5952's canonical form (lower case, no leading zeros,
 * the longest run of two or more zero groups as '::', the first of equal runs, a single zero
 * group never), checked by rows and against the WHATWG URL serialiser of IPv6 hosts, which
 * writes the same form.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAddress, parseAddress } from '../../src/net/cidr.js';
import { fuzzSeeds } from '../robustness/seeds.js';

const seeds = fuzzSeeds('formatAddress');

describe('formatAddress against the URL serialiser', () => {
  it.each([
    ['10.0.1.23', '10.0.1.23'],
    ['0.0.0.0', '0.0.0.0'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'],
    ['1:2:3:4:5:6:7:0', '1:2:3:4:5:6:7:0'],
    ['1:2:3:4:5:6:0:0', '1:2:3:4:5:6::'],
    ['0:0:1:2:3:4:5:6', '::1:2:3:4:5:6'],
    ['2600:1F16:00A0:0001::0053', '2600:1f16:a0:1::53'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
  ])('%s is %s', (text, want) => {
    expect(formatAddress(parseAddress(text) as Uint8Array)).toBe(want);
  });

  it('writes IPv6 as the URL serialiser does, and parses back to the same bytes', () => {
    const group = fc.constantFrom(0, 0, 0, 1, 0xab, 0xffff, 0x1000);
    for (const { seed } of seeds)
      fc.assert(
        fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
          const bytes = Uint8Array.from(groups.flatMap((g) => [g >> 8, g & 255]));
          const text = formatAddress(bytes);
          const full = groups.map((g) => g.toString(16)).join(':');
          expect(text).toBe(new URL(`http://[${full}]/`).hostname.slice(1, -1));
          expect(parseAddress(text)).toEqual(bytes);
        }),
        { seed, numRuns: 500 },
      );
  });
});
