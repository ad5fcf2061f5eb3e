/**
 * One stub-resolver question to one DNS server: UDP first (a connected socket, so only the
 * server's address and port can answer), TCP when the answer comes back truncated. Used by
 * {@link createLookup}; nothing here is shared between questions (one socket per question, no
 * pool): this is the client side of tests and tools, not the server's hot path.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { EDNS_UDP_SIZE, Flag, HEADER_SIZE, RRType } from '../dns/constants.js';
import { FrameReader, frame } from '../dns/framing.js';
import { encodeName, normaliseName, readName } from '../dns/names.js';
import { scanMessage } from '../dns/relay.js';
import { formatAddress } from '../net/cidr.js';

/** A DNS server address. */
export interface DnsTarget {
  host: string;
  port: number;
}

/** Where the questions go: UDP first, TCP after a truncated answer. */
export interface DnsServer {
  udp: DnsTarget;
  tcp: DnsTarget;
}

/** How long and how often to ask. */
export interface ExchangeSettings {
  /** Per UDP try, and for the whole TCP exchange. */
  timeoutMs: number;
  /** UDP tries (the same question sent again after each timeout). */
  tries: number;
}

/** What came back: the rcode and the addresses of the asked type (CNAME chains followed). */
export interface Answer {
  rcode: number;
  addresses: string[];
  /** The answer was truncated and TCP was used for it. */
  tcp: boolean;
}

/** A failure before any answer: `ETIMEOUT`, `EBADRESP`, or the socket's error code. */
export class ExchangeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The query bytes: a random ID, RD, one question, and an OPT advertising 1232 bytes. */
export function encodeQuestion(name: string, qtype: number, id: number): Buffer {
  const qname = encodeName(name);
  const out = Buffer.alloc(HEADER_SIZE + qname.length + 4 + 11);
  out.writeUInt16BE(id, 0);
  out.writeUInt16BE(Flag.RD, 2);
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(1, 10);
  let p = HEADER_SIZE + qname.copy(out, HEADER_SIZE);
  out.writeUInt16BE(qtype, p);
  out.writeUInt16BE(1, p + 2);
  p += 4;
  // OPT: root owner, type 41, class = UDP payload size, TTL 0 (no DO), no options.
  out[p] = 0;
  out.writeUInt16BE(RRType.OPT, p + 1);
  out.writeUInt16BE(EDNS_UDP_SIZE, p + 3);
  return out;
}

/**
 * Reads a response to (`name`, `qtype`, `id`): null when it is not one (another ID, another
 * question, not a response, malformed). Addresses are those of the asked type owned by the name
 * or by a name a CNAME in the answer section leads to.
 */
export function readAnswer(
  buf: Buffer,
  name: string,
  qtype: number,
  id: number,
): { rcode: number; truncated: boolean; addresses: string[] } | null {
  const m = scanMessage(buf);
  if (!m || m.id !== id || (m.flags & Flag.QR) === 0) return null;
  const truncated = (m.flags & Flag.TC) !== 0;
  // A truncated UDP answer may come without its question (RFC 2181 §9 lets it be cut anywhere).
  if (!(truncated && m.qname === '' && m.qtype === 0)) {
    if (m.qname !== normaliseName(name) || m.qtype !== qtype) return null;
  }
  const chain = new Set([normaliseName(name)]);
  // CNAMEs in any order: repeat while the chain grows (bounded by the number of records).
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of m.records) {
      if (r.section !== 0 || r.type !== RRType.CNAME || !chain.has(r.name)) continue;
      const target = readName(buf, r.rdataStart);
      if (target && !chain.has(target.name)) {
        chain.add(target.name);
        grew = true;
      }
    }
  }
  const want = qtype === RRType.A ? 4 : 16;
  const addresses: string[] = [];
  for (const r of m.records) {
    if (r.section !== 0 || r.type !== qtype || r.cls !== 1 || !chain.has(r.name)) continue;
    if (r.end - r.rdataStart !== want) continue;
    addresses.push(formatAddress(buf.subarray(r.rdataStart, r.rdataStart + want)));
  }
  return { rcode: m.rcode, truncated, addresses };
}

/** Asks `target` for (`name`, `qtype`): UDP, then TCP if the UDP answer has TC set. */
export async function exchange(
  server: DnsServer,
  name: string,
  qtype: number,
  s: ExchangeSettings,
): Promise<Answer> {
  const id = randomBytes(2).readUInt16BE(0);
  const query = encodeQuestion(name, qtype, id);
  const udp = await exchangeUdp(server.udp, query, name, qtype, id, s);
  if (!udp.truncated) return { rcode: udp.rcode, addresses: udp.addresses, tcp: false };
  const tcp = await exchangeTcp(server.tcp, query, name, qtype, id, s.timeoutMs);
  return { rcode: tcp.rcode, addresses: tcp.addresses, tcp: true };
}

type Read = NonNullable<ReturnType<typeof readAnswer>>;

function exchangeUdp(
  target: DnsTarget,
  query: Buffer,
  name: string,
  qtype: number,
  id: number,
  s: ExchangeSettings,
): Promise<Read> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(net.isIPv6(target.host) ? 'udp6' : 'udp4');
    let tries = 0;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (err: Error | null, value?: Read) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(value as Read);
    };
    const send = () => {
      if (settled) return;
      if (tries++ >= s.tries) {
        finish(
          new ExchangeError('ETIMEOUT', `no answer from ${target.host}:${target.port} in ${s.tries} tries`),
        );
        return;
      }
      sock.send(query, (err) => {
        if (err) finish(new ExchangeError(codeOf(err), err.message));
      });
      timer = setTimeout(send, s.timeoutMs);
    };
    sock.on('error', (err) => finish(new ExchangeError(codeOf(err), err.message)));
    sock.on('message', (msg) => {
      const r = readAnswer(msg, name, qtype, id);
      if (r) finish(null, r);
    });
    sock.connect(target.port, target.host, send);
  });
}

function exchangeTcp(
  target: DnsTarget,
  query: Buffer,
  name: string,
  qtype: number,
  id: number,
  timeoutMs: number,
): Promise<Read> {
  return new Promise((resolve, reject) => {
    const reader = new FrameReader();
    let settled = false;
    const sock = net.connect({ host: target.host, port: target.port });
    const timer = setTimeout(
      () => finish(new ExchangeError('ETIMEOUT', `no TCP answer from ${target.host}:${target.port}`)),
      timeoutMs,
    );
    const finish = (err: Error | null, value?: Read) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(value as Read);
    };
    sock.on('connect', () => sock.write(frame(query)));
    sock.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      while (reader.hasMessage()) {
        const msg = reader.next();
        if (!msg) break;
        const r = readAnswer(msg, name, qtype, id);
        if (r) return finish(null, r);
        return finish(
          new ExchangeError('EBADRESP', `a TCP answer from ${target.host}:${target.port} did not match`),
        );
      }
    });
    sock.on('end', () => finish(new ExchangeError('ECONNREFUSED', 'the server closed the TCP connection')));
    sock.on('error', (err) => finish(new ExchangeError(codeOf(err), err.message)));
  });
}

function codeOf(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' ? code : 'ECONNREFUSED';
}
