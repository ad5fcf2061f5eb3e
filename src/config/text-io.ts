/**
 * A large config text read and hashed in pieces of at most 96 KB of native memory each.
 *
 * `readFileSync(fd, 'utf8')` grows a native string by doubling while it reads (blocks of 256 KB
 * up to 8 MB for a 5 MB file), and hashing a string makes one UTF-8 copy of it at three bytes a
 * character (15 MB). Freeing blocks that large raises glibc's mmap and trim thresholds for the
 * whole process (to the largest block's size and twice that), after which freed memory stays in
 * its arenas: about 30 MB for a config of 10,000 endpoints (docs/benchmarks.md, Memory). Pieces
 * under glibc's starting threshold (128 KB) come from the arenas and leave the thresholds alone.
 */
import { createHash } from 'node:crypto';
import { readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** Bytes read at a time. */
const READ_CHUNK = 64 * 1024;
/** Characters hashed at a time (at most three UTF-8 bytes each: 96 KB). */
const HASH_CHUNK = 32 * 1024;

/** The rest of an open file, decoded as UTF-8 (the same text as `readFileSync(fd, 'utf8')`). */
export function readUtf8(fd: number): string {
  const buf = Buffer.allocUnsafeSlow(READ_CHUNK);
  const decoder = new StringDecoder('utf8');
  const parts: string[] = [];
  for (;;) {
    const n = readSync(fd, buf, 0, READ_CHUNK, null);
    if (n === 0) break;
    parts.push(decoder.write(buf.subarray(0, n)));
  }
  parts.push(decoder.end());
  return parts.join('');
}

/** SHA-256 of a config text's UTF-8 bytes, in hex (the same as hashing the whole string at once). */
export function textDigest(text: string): string {
  const hash = createHash('sha256');
  for (let i = 0; i < text.length; ) {
    let end = Math.min(text.length, i + HASH_CHUNK);
    // Never between the two halves of a surrogate pair: each half alone would become U+FFFD.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++;
    hash.update(text.slice(i, end));
    i = end;
  }
  return hash.digest('hex');
}
