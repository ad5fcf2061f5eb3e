/** literalLookup and lookupAddress: IP literals are answered at once, names go to dns.lookup (only
 * "localhost" here, which /etc/hosts answers: no query leaves the machine). */
import { describe, expect, it } from 'vitest';
import { literalLookup, lookupAddress } from '../../src/net/lookup.js';

describe('literalLookup', () => {
  it.each([
    ['127.0.0.1', 4],
    ['::1', 6],
    ['2001:db8::53', 6],
    ['::ffff:127.0.0.1', 6],
  ])('answers %s synchronously with family %d', (address, family) => {
    const calls: unknown[][] = [];
    literalLookup(address, 0, (...args) => calls.push(args));
    expect(calls).toEqual([[null, address, family]]);
  });

  it('hands a name to dns.lookup, which answers later', async () => {
    let returned = false;
    const got = await new Promise<{ early: boolean; err: unknown; address: string; family: number }>(
      (resolve) => {
        literalLookup('localhost', { family: 4 }, (err, address, family) =>
          resolve({ early: !returned, err, address, family }),
        );
        returned = true;
      },
    );
    expect(got.early).toBe(false);
    expect(got.err).toBeNull();
    expect(got.family).toBe(4);
    expect(got.address.startsWith('127.')).toBe(true);
  });
});

describe('lookupAddress', () => {
  it('returns literals as they are', async () => {
    expect(await lookupAddress('127.0.0.53')).toBe('127.0.0.53');
    expect(await lookupAddress('::1')).toBe('::1');
  });

  it('resolves a name', async () => {
    expect(await lookupAddress('localhost')).toMatch(/^(127\.|::1$)/);
  });
});
