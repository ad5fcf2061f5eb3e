/** Reading and hashing a config text in pieces gives exactly what the one-piece calls give. */
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readUtf8, textDigest } from '../../src/config/text-io.js';

const dir = mkdtempSync(join(tmpdir(), 'pldns-text-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const whole = (t: string) => createHash('sha256').update(t).digest('hex');

function readBoth(bytes: Buffer): [string, string] {
  const file = join(dir, 'f.yaml');
  writeFileSync(file, bytes);
  const fd = openSync(file, 'r');
  try {
    return [readUtf8(fd), readFileSync(file, 'utf8')];
  } finally {
    closeSync(fd);
  }
}

describe('readUtf8', () => {
  it('decodes characters whose bytes straddle the 64 KB reads', () => {
    // 'é' is 2 bytes, '€' 3, '😀' 4: offset by 0..3 bytes, some fall across every boundary.
    for (const lead of ['', 'a', 'ab', 'abc']) {
      const text = lead + 'é€😀x'.repeat(30_000);
      const [chunked, oneShot] = readBoth(Buffer.from(text));
      expect(chunked).toBe(text);
      expect(chunked).toBe(oneShot);
    }
  });

  it('gives what readFileSync gives for any bytes, invalid UTF-8 included', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200_000 }), (bytes) => {
        const [chunked, oneShot] = readBoth(Buffer.from(bytes));
        expect(chunked).toBe(oneShot);
      }),
      { numRuns: 30 },
    );
  });

  it('reads an empty file as the empty string', () => {
    expect(readBoth(Buffer.alloc(0))).toEqual(['', '']);
  });
});

describe('textDigest', () => {
  it('equals the digest of the whole string, with surrogate pairs across every 32 K boundary', () => {
    for (const lead of ['', 'a']) {
      const text = lead + '😀'.repeat(70_000) + 'end';
      expect(textDigest(text)).toBe(whole(text));
    }
    expect(textDigest('')).toBe(whole(''));
    const lone = `${'a'.repeat(32_767)}\ud800${'b'.repeat(10)}`; // a lone high surrogate at the boundary
    expect(textDigest(lone)).toBe(whole(lone));
  });

  it('equals the digest of the whole string for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100_000 }), (t) => {
        expect(textDigest(t)).toBe(whole(t));
      }),
      { numRuns: 50 },
    );
  });
});
