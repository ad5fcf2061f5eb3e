/**
 * Symmetric round trips against an independent codec (dns-packet). A {@link Codec} says how one
 * of our encoders turns a value into a message and how dns-packet reads that message back into a
 * value; where we also parse, it says how dns-packet encodes the value and how we read it.
 * {@link roundTrip} runs both directions and compares with the value itself.
 */
import * as dnsPacket from 'dns-packet';
import { expect } from 'vitest';
import { HEADER_SIZE } from '../../src/dns/constants.js';

export interface Codec<V> {
  /** Our encoder: the value as a whole message (see {@link message}). */
  ours?(value: V): Buffer;
  /** dns-packet's reading of such a message, as a value. */
  theirs?(msg: Buffer): V;
  /** dns-packet's encoding of the value, for the direction where we parse. */
  theirsEncode?(value: V): Buffer;
  /** Our parser's reading of dns-packet's encoding. */
  oursParse?(msg: Buffer): V;
}

/**
 * Ours → dns-packet (when the codec has an encoder of ours), and dns-packet → ours (when it has
 * a parser of ours). Each reading must equal `value`. Returns how many directions ran (never 0).
 */
export function roundTrip<V>(codec: Codec<V>, value: V): number {
  let ran = 0;
  if (codec.ours && codec.theirs) {
    expect(codec.theirs(codec.ours(value)), 'ours -> dns-packet').toEqual(value);
    ran++;
  }
  if (codec.theirsEncode && codec.oursParse) {
    expect(codec.oursParse(codec.theirsEncode(value)), 'dns-packet -> ours').toEqual(value);
    ran++;
  }
  expect(ran, 'a codec needs an encoder or a parser of ours, with its dns-packet half').toBeGreaterThan(0);
  return ran;
}

/** The question every wrapped record or name is asked under. */
export const QUESTION_NAME = 'q.example';

export interface MessageParts {
  id?: number;
  /** The full 16-bit flags word. */
  flags?: number;
  /** Question name as wire bytes (default {@link QUESTION_NAME}, type A, class IN); null for none. */
  question?: Buffer | null;
  answer?: Buffer[];
  authority?: Buffer[];
  additional?: Buffer[];
}

/** A message from raw parts: header, one question, then the given records as they are. */
export function message(p: MessageParts): Buffer {
  const q = p.question === undefined ? encodeNameIndependently(QUESTION_NAME) : p.question;
  const an = p.answer ?? [];
  const ns = p.authority ?? [];
  const ar = p.additional ?? [];
  const h = Buffer.alloc(HEADER_SIZE);
  h.writeUInt16BE(p.id ?? 0x4242, 0);
  h.writeUInt16BE(p.flags ?? 0x8180, 2);
  h.writeUInt16BE(q ? 1 : 0, 4);
  h.writeUInt16BE(an.length, 6);
  h.writeUInt16BE(ns.length, 8);
  h.writeUInt16BE(ar.length, 10);
  const question = q ? Buffer.concat([q, Buffer.from([0, 1, 0, 1])]) : Buffer.alloc(0);
  return Buffer.concat([h, question, ...an, ...ns, ...ar]);
}

/** Labels of a presentation name, written without our encoder (for wrapping messages). */
export function encodeNameIndependently(name: string): Buffer {
  const labels = name.split('.').filter((l) => l !== '');
  return Buffer.concat([
    ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
    Buffer.from([0]),
  ]);
}

/** dns-packet's decoding of a message. */
export function decode(msg: Buffer): dnsPacket.DecodedPacket {
  return dnsPacket.decode(msg);
}

/** The rcode of a decoded message, extended bits from its OPT included. */
export function fullRcode(d: dnsPacket.DecodedPacket): number {
  const low = (d.flags ?? 0) & 0xf;
  const opt = (d.additionals ?? []).find((a) => a.type === 'OPT') as dnsPacket.OptAnswer | undefined;
  return opt ? ((opt.extendedRcode ?? 0) << 4) | low : low;
}
