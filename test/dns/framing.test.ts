/** The TCP length-prefix framer: prefixes, and the incremental reader over any chunking. */
import { describe, expect, it } from 'vitest';
import { FrameReader, frame, frameAll, lengthPrefix, MAX_FRAMED_SIZE } from '../../src/dns/framing.js';

function message(len: number, seed: number): Buffer {
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = (seed * 31 + i * 7) & 0xff;
  return b;
}

/** Every message the reader hands out after pushing `chunks` one by one. */
function readAll(reader: FrameReader, chunks: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  for (const c of chunks) {
    reader.push(c);
    for (let m = reader.next(); m !== null; m = reader.next()) out.push(m);
  }
  return out;
}

describe('frame and lengthPrefix', () => {
  it('prefix the message with its length, big-endian', () => {
    const msg = message(300, 1);
    const f = frame(msg);
    expect(f.length).toBe(302);
    expect(f.readUInt16BE(0)).toBe(300);
    expect(f.subarray(2).equals(msg)).toBe(true);
    expect([...lengthPrefix(300)]).toEqual([1, 44]);
    expect([...frame(Buffer.alloc(0))]).toEqual([0, 0]);
  });

  it('refuse a message that a 2-byte length cannot announce', () => {
    expect(() => frame(Buffer.alloc(MAX_FRAMED_SIZE + 1))).toThrow(RangeError);
    expect(() => lengthPrefix(MAX_FRAMED_SIZE + 1)).toThrow(RangeError);
    expect(frame(Buffer.alloc(MAX_FRAMED_SIZE)).readUInt16BE(0)).toBe(MAX_FRAMED_SIZE);
  });
});

describe('FrameReader', () => {
  it('reads a message split across two chunks at every byte', () => {
    const msg = message(40, 2);
    const wire = frame(msg);
    for (let cut = 0; cut <= wire.length; cut++) {
      const r = new FrameReader();
      r.push(wire.subarray(0, cut));
      if (cut < wire.length) {
        expect(r.hasMessage()).toBe(false);
        expect(r.next()).toBeNull();
        expect(r.buffered).toBe(cut);
        expect(r.nextLength()).toBe(cut < 2 ? -1 : 40);
      }
      r.push(wire.subarray(cut));
      const got = r.next();
      expect(got?.equals(msg)).toBe(true);
      expect(r.next()).toBeNull();
      expect(r.buffered).toBe(0);
    }
  });

  it('reads messages delivered one byte at a time', () => {
    const msgs = [message(13, 3), message(0, 4), message(70, 5)];
    const wire = Buffer.concat(msgs.map(frame));
    const bytes = [...wire].map((b) => Buffer.from([b]));
    const got = readAll(new FrameReader(), bytes);
    expect(got.map((m) => m.toString('hex'))).toEqual(msgs.map((m) => m.toString('hex')));
  });

  it('reads several messages in one chunk, and one spread over the next', () => {
    const msgs = [message(12, 6), message(30, 7), message(5, 8), message(200, 9)];
    const wire = Buffer.concat(msgs.map(frame));
    for (let cut = 0; cut <= wire.length; cut += 7) {
      const got = readAll(new FrameReader(), [wire.subarray(0, cut), wire.subarray(cut)]);
      expect(got.map((m) => m.toString('hex'))).toEqual(msgs.map((m) => m.toString('hex')));
    }
  });

  it('hands out a zero-length message as an empty buffer', () => {
    const r = new FrameReader();
    r.push(Buffer.from([0, 0, 0, 0, 0, 1, 0xab]));
    expect(r.next()?.length).toBe(0);
    expect(r.next()?.length).toBe(0);
    expect([...(r.next() ?? [])]).toEqual([0xab]);
    expect(r.next()).toBeNull();
  });

  it('returns copies, not views of the chunks it was given', () => {
    const chunk = frame(message(10, 10));
    const r = new FrameReader();
    r.push(chunk);
    const m = r.next() as Buffer;
    chunk.fill(0);
    expect(m.equals(message(10, 10))).toBe(true);
  });

  it('never returns a message announced larger than maxSize', () => {
    const r = new FrameReader(100);
    r.push(frame(message(100, 11)));
    expect(r.oversize).toBe(false);
    expect(r.next()?.length).toBe(100);
    r.push(frame(message(101, 12)));
    expect(r.oversize).toBe(true);
    expect(r.hasMessage()).toBe(false);
    expect(r.next()).toBeNull();
    expect(r.buffered).toBe(103);
    r.clear();
    expect(r.buffered).toBe(0);
    expect(r.oversize).toBe(false);
  });

  it('flags an oversize announcement as soon as the prefix is in, split or not', () => {
    const r = new FrameReader(10);
    r.push(Buffer.from([0]));
    expect(r.oversize).toBe(false);
    r.push(Buffer.from([11]));
    expect(r.oversize).toBe(true);
  });

  it('takes up to 65535 bytes by default', () => {
    const r = new FrameReader();
    const big = message(MAX_FRAMED_SIZE, 13);
    r.push(frame(big));
    expect(r.next()?.equals(big)).toBe(true);
  });

  it('ignores empty chunks', () => {
    const r = new FrameReader();
    r.push(Buffer.from([0]));
    r.push(Buffer.alloc(0));
    r.push(Buffer.from([1, 7]));
    expect([...(r.next() ?? [])]).toEqual([7]);
  });
});

describe('frameAll', () => {
  it('frames a batch back to back, as frame does one by one', () => {
    const msgs = [Buffer.from([1, 2, 3]), Buffer.alloc(0), Buffer.alloc(300, 7)];
    const bytes = msgs.reduce((n, m) => n + 2 + m.length, 0);
    expect(frameAll(msgs, bytes)).toEqual(Buffer.concat(msgs.map((m) => frame(m))));
  });

  it('refuses a message longer than a prefix can announce', () => {
    expect(() => frameAll([Buffer.alloc(65536)], 65538)).toThrow(RangeError);
  });
});
