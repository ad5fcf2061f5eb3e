/** Unpredictable 16-bit numbers for query IDs (RFC 5452), drawn from a refilled crypto buffer. */
import { randomFillSync } from 'node:crypto';

export class RandomIds {
  private readonly buf: Buffer;
  private pos: number;

  /**
   * @param fill fills a buffer with random bytes (a test can pass a known sequence)
   * @param size bytes drawn per refill
   */
  constructor(
    private readonly fill: (buf: Buffer) => void = randomFillSync,
    size = 4096,
  ) {
    this.buf = Buffer.allocUnsafe(size);
    this.pos = size;
  }

  /** A random integer in [0, 65535]. */
  next16(): number {
    if (this.pos + 2 > this.buf.length) {
      this.fill(this.buf);
      this.pos = 0;
    }
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  /** A random integer in [0, n) for small n (n ≤ 65536). */
  below(n: number): number {
    return n <= 1 ? 0 : (this.next16() * n) >>> 16;
  }
}
