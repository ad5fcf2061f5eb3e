/** isLoopback: 127.0.0.0/8, ::1 in every spelling, IPv4-mapped loopback and "localhost". */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../src/net/loopback.js';

describe('isLoopback', () => {
  it.each([
    '127.0.0.1',
    '127.0.0.11',
    '127.1.2.3',
    '127.255.255.255',
    '::1',
    '0:0:0:0:0:0:0:1',
    '0::1',
    '::0001',
    '::1%lo',
    '::ffff:127.0.0.1',
    '::FFFF:127.9.8.7',
    '::ffff:7f00:1',
    'localhost',
    'LocalHost',
  ])('%s is loopback', (a) => {
    expect(isLoopback(a)).toBe(true);
  });

  it.each([
    '0.0.0.0',
    '::',
    '128.0.0.1',
    '126.255.255.255',
    '10.0.0.1',
    '192.168.1.1',
    '::2',
    '::ffff:10.0.0.1',
    '::ffff:0:127.0.0.1',
    '::127.0.0.1',
    '1::1',
    'fe80::1',
    '127.0.0',
    '127.0.0.1.',
    '127.0.0.01',
    '',
    'example.com',
    'localhost.example',
  ])('%s is not loopback', (a) => {
    expect(isLoopback(a)).toBe(false);
  });

  it('agrees with the first octet for every IPv4 address, plain or mapped', () => {
    fc.assert(
      fc.property(fc.ipV4(), (a) => {
        const want = a.startsWith('127.');
        return isLoopback(a) === want && isLoopback(`::ffff:${a}`) === want;
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});
