/**
 * formatAddress: RFC 5952 text for 4- and 16-byte addresses, as the client (src/client/exchange.ts)
 * prints answer addresses. Checked against fixed rows and against Node's own formatting
 * (net.SocketAddress) on random addresses with many zero groups.
 */
import net from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAddress, parseAddress } from '../../src/net/cidr.js';

const v6 = (text: string) => formatAddress(parseAddress(text)!);

describe('formatAddress', () => {
  it.each([
    ['10.0.1.7', '10.0.1.7'],
    ['0.0.0.0', '0.0.0.0'],
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['2001:db8:0:0:0:0:0:1', '2001:db8::1'],
    // A single zero group is not shortened (RFC 5952 4.2.2).
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    // The longest run is shortened; of equal runs, the first (4.2.3).
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    // Lower case, no leading zeros (4.1, 4.3).
    ['2001:0DB8:00AB:0000:0000:0000:0000:000F', '2001:db8:ab::f'],
    ['fd00:ec2::253', 'fd00:ec2::253'],
    ['0:0:0:0:0:ffff:a00:1', '::ffff:a00:1'],
  ])('%s → %s', (input, text) => {
    expect(v6(input)).toBe(text);
  });

  it("prints IPv6 as Node's net.SocketAddress does (but for the IPv4-compatible and -mapped forms)", () => {
    const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
        // Node writes ::a.b.c.d and ::ffff:a.b.c.d there; formatAddress keeps hex groups.
        fc.pre(!(groups.slice(0, 5).every((g) => g === 0) && (groups[5] === 0 || groups[5] === 0xffff)));
        const bytes = new Uint8Array(16);
        groups.forEach((g, i) => {
          bytes[2 * i] = g >> 8;
          bytes[2 * i + 1] = g & 0xff;
        });
        const full = groups.map((g) => g.toString(16)).join(':');
        const node = new net.SocketAddress({ address: full, family: 'ipv6' }).address;
        expect(formatAddress(bytes)).toBe(node);
      }),
      { numRuns: 2000 },
    );
  });
});
