/**
 * Test clients: raw UDP/TCP exchanges with a server on loopback, queries built and answers
 * decoded by dns-packet (an implementation independent of the server's own wire module).
 */
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import * as dnsPacket from 'dns-packet';

export type Decoded = dnsPacket.Packet & { rcode?: string; flag_tc?: boolean; flag_aa?: boolean };

export interface QueryOptions {
  type?: string;
  class?: string;
  id?: number;
  rd?: boolean;
  cd?: boolean;
  /** Add an OPT record with this UDP size. */
  edns?: number;
  dnssecOk?: boolean;
}

/** Encodes a query with dns-packet. */
export function makeQuery(name: string, o: QueryOptions = {}): Buffer {
  const flags = (o.rd === false ? 0 : dnsPacket.RECURSION_DESIRED) | (o.cd ? dnsPacket.CHECKING_DISABLED : 0);
  const additionals: dnsPacket.Answer[] = [];
  if (o.edns !== undefined) {
    additionals.push({
      type: 'OPT',
      name: '.',
      udpPayloadSize: o.edns,
      flags: o.dnssecOk ? dnsPacket.DNSSEC_OK : 0,
      options: [],
    } as unknown as dnsPacket.Answer);
  }
  return dnsPacket.encode({
    type: 'query',
    id: o.id ?? Math.floor(Math.random() * 65535),
    flags,
    questions: [{ name, type: (o.type ?? 'A') as dnsPacket.RecordType, class: (o.class ?? 'IN') as 'IN' }],
    additionals,
  });
}

/** Sends raw bytes over UDP and resolves with the first datagram back (or rejects on timeout). */
export function udpExchange(
  port: number,
  msg: Buffer,
  host = '127.0.0.1',
  timeoutMs = 2000,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const t = setTimeout(() => {
      sock.close();
      reject(new Error('udp timeout'));
    }, timeoutMs);
    sock.on('message', (m) => {
      clearTimeout(t);
      sock.close();
      resolve(m);
    });
    sock.send(msg, port, host);
  });
}

/** Sends raw bytes over UDP and collects every datagram for `waitMs` (for "no answer" checks). */
export function udpCollect(port: number, msg: Buffer, waitMs: number, host = '127.0.0.1'): Promise<Buffer[]> {
  return new Promise((resolve) => {
    const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const got: Buffer[] = [];
    sock.on('message', (m) => got.push(m));
    sock.send(msg, port, host);
    setTimeout(() => {
      sock.close();
      resolve(got);
    }, waitMs);
  });
}

/** Sends length-framed messages over one TCP connection and resolves with `expect` answers. */
export function tcpExchange(
  port: number,
  msgs: Buffer[] | Buffer,
  opts: { host?: string; expect?: number; timeoutMs?: number; chunks?: boolean } = {},
): Promise<Buffer[]> {
  const list = Array.isArray(msgs) ? msgs : [msgs];
  const expect = opts.expect ?? list.length;
  return new Promise((resolve, reject) => {
    const sock = connect({ port, host: opts.host ?? '127.0.0.1' });
    const out: Buffer[] = [];
    let buf = Buffer.alloc(0);
    const t = setTimeout(() => {
      sock.destroy();
      reject(new Error(`tcp timeout after ${out.length}/${expect} answers`));
    }, opts.timeoutMs ?? 3000);
    sock.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (out.length >= expect) {
        clearTimeout(t);
        sock.destroy();
        resolve(out);
      }
    });
    sock.on('connect', () => {
      const framed = Buffer.concat(
        list.map((m) => {
          const l = Buffer.alloc(2);
          l.writeUInt16BE(m.length);
          return Buffer.concat([l, m]);
        }),
      );
      sock.write(framed);
    });
  });
}

export function decode(b: Buffer): Decoded {
  return dnsPacket.decode(b) as Decoded;
}

/** Queries over UDP and decodes the answer. */
export async function query(
  port: number,
  name: string,
  o: QueryOptions & { host?: string } = {},
): Promise<Decoded> {
  return decode(await udpExchange(port, makeQuery(name, o), o.host));
}

/** Queries over TCP and decodes the answer. */
export async function queryTcp(
  port: number,
  name: string,
  o: QueryOptions & { host?: string } = {},
): Promise<Decoded> {
  const [r] = await tcpExchange(port, makeQuery(name, o), { host: o.host });
  return decode(r);
}

/** Addresses in the answer section, in order. */
export function addresses(d: Decoded): string[] {
  return (d.answers ?? [])
    .filter((a) => a.type === 'A' || a.type === 'AAAA')
    .map((a) => String((a as { data: unknown }).data));
}

/** Runs a command line tool (dig, kdig) and resolves with stdout. */
export function run(cmd: string, args: string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}
