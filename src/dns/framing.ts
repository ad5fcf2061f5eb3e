/**
 * DNS over TCP framing (RFC 1035 4.2.2, RFC 7766): every message is preceded by its length as a
 * 2-byte big-endian number. {@link frame}, {@link frameAll} and {@link lengthPrefix} write it; {@link FrameReader}
 * takes the bytes as they arrive, in chunks of any size, and hands out whole messages.
 */

/** The largest message a 2-byte length prefix can announce. */
export const MAX_FRAMED_SIZE = 65535;

/** The 2-byte length prefix of a `length`-byte message (RangeError past 65535). */
export function lengthPrefix(length: number): Buffer {
  const out = Buffer.allocUnsafe(2);
  out.writeUInt16BE(length, 0);
  return out;
}

/** `msg` with its length prefix, in one new buffer (RangeError past 65535 bytes). */
export function frame(msg: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(msg.length + 2);
  out.writeUInt16BE(msg.length, 0);
  out.set(msg, 2);
  return out;
}

/**
 * The messages, each with its length prefix, one after another in one new buffer (`bytes`: their
 * lengths plus 2 each), for one write of a batch of answers (RangeError past 65535 bytes).
 */
export function frameAll(msgs: readonly Uint8Array[], bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (const msg of msgs) {
    out.writeUInt16BE(msg.length, at);
    out.set(msg, at + 2);
    at += 2 + msg.length;
  }
  return out;
}

/**
 * Incremental reader of length-prefixed messages. Received chunks are kept as they are and only
 * joined once a whole message is there; each message is copied out, so a message held by a query
 * does not keep a large read buffer alive. A message whose prefix announces more than `maxSize`
 * bytes is never returned: {@link oversize} turns true and the caller decides (normally it closes
 * the connection).
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private have = 0;

  constructor(readonly maxSize: number = MAX_FRAMED_SIZE) {}

  /** Bytes received and not yet handed out (prefixes included). */
  get buffered(): number {
    return this.have;
  }

  /** Adds received bytes. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.have += chunk.length;
  }

  /** Announced length of the next message (prefix excluded), or -1 while its prefix is incomplete. */
  nextLength(): number {
    if (this.have < 2) return -1;
    const c0 = this.chunks[0];
    return c0.length >= 2 ? c0.readUInt16BE(0) : (c0[0] << 8) | this.chunks[1][0];
  }

  /** True when the next message has arrived whole (and is within `maxSize`). */
  hasMessage(): boolean {
    const n = this.nextLength();
    return n >= 0 && n <= this.maxSize && this.have >= 2 + n;
  }

  /** True when the next message announces more than `maxSize` bytes. */
  get oversize(): boolean {
    return this.nextLength() > this.maxSize;
  }

  /** The next whole message (a copy), or null when it has not fully arrived or is oversize. */
  next(): Buffer | null {
    const n = this.nextLength();
    if (n < 0 || n > this.maxSize || this.have < 2 + n) return null;
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.have);
    const msg = Buffer.from(all.subarray(2, 2 + n));
    const rest = all.subarray(2 + n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.have = rest.length;
    return msg;
  }

  /** Forgets everything received. */
  clear(): void {
    this.chunks = [];
    this.have = 0;
  }
}
