/**
 * Name normalisation is done once: normaliseName() for presentation text, and the same form
 * inline in readName() (and so in parseQuery and scanMessage) for names read off the wire.
 * Properties: the two agree on every name of printable ASCII label characters, in any case,
 * with or without the final dot; normaliseName is idempotent.
 */
import * as dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HEADER_SIZE } from '../../src/dns/constants.js';
import { encodeName, normaliseName, readName } from '../../src/dns/names.js';
import { parseQuery, WireError } from '../../src/dns/query.js';
import { scanMessage } from '../../src/dns/relay.js';
import { fuzzSeeds } from '../robustness/seeds.js';

const seeds = fuzzSeeds('name normalisation');

/** Characters readName prints as themselves: printable ASCII except space, '.' and '\'. */
const LABEL_CHARS = Array.from({ length: 0x7f - 0x21 }, (_, i) => String.fromCharCode(0x21 + i)).filter(
  (c) => c !== '.' && c !== '\\',
);
const label = fc.string({ unit: fc.constantFrom(...LABEL_CHARS), minLength: 1, maxLength: 63 });
const hostLabel = fc.stringMatching(/^[a-zA-Z0-9-]{1,63}$/);

/** A presentation name within 255 wire bytes, with or without the final dot ("" or "." = root). */
function nameOf(labels: fc.Arbitrary<string>) {
  return fc
    .tuple(fc.array(labels, { minLength: 0, maxLength: 8 }), fc.boolean())
    .filter(([ls]) => ls.reduce((n, l) => n + l.length + 1, 1) <= 255)
    .map(([ls, dot]) => (ls.length === 0 ? (dot ? '.' : '') : `${ls.join('.')}${dot ? '.' : ''}`));
}

describe('normaliseName', () => {
  it.each([
    ['Example.COM.', 'example.com'],
    ['example.com', 'example.com'],
    ['.', ''],
    ['', ''],
    ['*.S3.us-east-2.AMAZONAWS.com', '*.s3.us-east-2.amazonaws.com'],
  ])('%j -> %j', (input, want) => {
    expect(normaliseName(input)).toBe(want);
  });

  it('removes one final dot only', () => {
    expect(normaliseName('a..')).toBe('a.');
  });
});

describe.each(seeds)('wire names and normaliseName agree ($name)', ({ seed }) => {
  it('readName(encodeName(n)) is normaliseName(n)', () => {
    fc.assert(
      fc.property(nameOf(label), (name) => {
        const wire = encodeName(name);
        const r = readName(wire, 0);
        expect(r).not.toBeNull();
        expect(r?.end).toBe(wire.length);
        expect(r?.name).toBe(normaliseName(name));
      }),
      { seed, numRuns: 1000 },
    );
  });

  it('the query parser and the message scanner give normaliseName of the asked name', () => {
    fc.assert(
      fc.property(
        nameOf(hostLabel).filter((n) => n !== '' && n !== '.'),
        fc.nat(0xffff),
        (name, id) => {
          const msg = dnsPacket.encode({
            type: 'query',
            id,
            flags: dnsPacket.RECURSION_DESIRED,
            questions: [{ type: 'A', class: 'IN', name }],
          });
          const q = parseQuery(msg);
          if (q instanceof WireError) throw new Error(q.message);
          expect(q.qname).toBe(normaliseName(name));
          expect(scanMessage(msg)?.qname).toBe(normaliseName(name));
          expect(readName(msg, HEADER_SIZE)?.name).toBe(normaliseName(name));
        },
      ),
      { seed, numRuns: 500 },
    );
  });

  it('normaliseName is idempotent on names', () => {
    fc.assert(
      fc.property(nameOf(label), (name) => normaliseName(normaliseName(name)) === normaliseName(name)),
      { seed, numRuns: 1000 },
    );
  });
});
