/**
 * `privatelink-dns query NAME [TYPE]`: a small dig for images and machines without one. It uses
 * dns2's codec (correct for the record types printed here, and off the server's hot path).
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import dns2 from 'dns2';
import { RcodeName } from '../dns/constants.js';
import { FrameReader, frame } from '../dns/framing.js';
import { parseHostPort } from '../net/host-port.js';
import { parseCli } from './args.js';
import type { CliIo } from './io.js';

const { Packet } = dns2;

export const QUERY_USAGE = `Usage: privatelink-dns query NAME [TYPE] [options]

Options:
  --server HOST[:PORT]  server to ask (default 127.0.0.1:1053)
  --tcp                 use TCP (UDP answers with TC set are retried over TCP anyway)
  --timeout MS          give up after MS milliseconds (default 2000)
  -h, --help            this help

Exit status: 0 for NOERROR, 1 for any other rcode or no answer, 2 for bad usage.`;

function exchangeUdp(msg: Buffer, host: string, port: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const t = setTimeout(() => {
      s.close();
      reject(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    s.on('error', (e) => {
      clearTimeout(t);
      s.close();
      reject(e);
    });
    s.on('message', (m) => {
      if (m.length < 2 || m.readUInt16BE(0) !== msg.readUInt16BE(0)) return;
      clearTimeout(t);
      s.close();
      resolve(m);
    });
    s.send(msg, port, host);
  });
}

function exchangeTcp(msg: Buffer, host: string, port: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    const reader = new FrameReader();
    const t = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer from ${host}:${port} (tcp) within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    sock.on('data', (d) => {
      reader.push(d);
      const answer = reader.next();
      if (answer) {
        clearTimeout(t);
        sock.destroy();
        resolve(answer);
      }
    });
    sock.write(frame(msg));
  });
}

const TYPE_NAMES = new Map(Object.entries(Packet.TYPE).map(([k, v]) => [v, k]));

function rdataText(r: InstanceType<typeof Packet>['answers'][number]): string {
  if (r.address) return r.address;
  if (r.domain) return `${r.domain}.`;
  if (r.ns) return `${r.ns}.`;
  if (r.primary)
    return `${r.primary}. ${r.admin}. ${r.serial} ${r.refresh} ${r.retry} ${r.expiration} ${r.minimum}`;
  return JSON.stringify(r.data ?? '');
}

const QUERY_OPTIONS = {
  server: { type: 'string' },
  tcp: { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCli('query', argv, QUERY_OPTIONS, io, { allowPositionals: true });
  if (!parsed) return 2;
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${QUERY_USAGE}\n`);
    return 0;
  }
  const [name, typeArg = 'A'] = positionals;
  const type = Packet.TYPE[typeArg.toUpperCase()];
  if (!name || type === undefined || positionals.length > 2) {
    io.stderr.write(
      `privatelink-dns query: expected NAME [TYPE] (TYPE one of ${Object.keys(Packet.TYPE).join(', ')})\n`,
    );
    return 2;
  }
  let server: { host: string; port: number };
  try {
    server = parseHostPort((values.server as string | undefined) ?? '127.0.0.1:1053', 53);
  } catch (e) {
    io.stderr.write(`privatelink-dns query: --server ${(e as Error).message}\n`);
    return 2;
  }
  const timeoutMs = values.timeout ? Number(values.timeout) : 2000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    io.stderr.write('privatelink-dns query: --timeout must be a positive number of milliseconds\n');
    return 2;
  }
  const q = new Packet();
  q.header.id = Math.floor(Math.random() * 65536);
  q.header.rd = 1;
  q.questions.push({ name, type, class: Packet.CLASS.IN });
  const msg = q.toBuffer();
  try {
    let raw = values.tcp
      ? await exchangeTcp(msg, server.host, server.port, timeoutMs)
      : await exchangeUdp(msg, server.host, server.port, timeoutMs);
    if (!values.tcp && raw[2] & 0x02) raw = await exchangeTcp(msg, server.host, server.port, timeoutMs);
    const r = Packet.parse(raw);
    const rcode = RcodeName[r.header.rcode] ?? String(r.header.rcode);
    io.stdout.write(`;; ${rcode} from ${server.host}:${server.port}, ${r.answers.length} answer(s)\n`);
    for (const a of [...r.answers, ...r.authorities]) {
      io.stdout.write(`${a.name}.\t${a.ttl}\tIN\t${TYPE_NAMES.get(a.type) ?? a.type}\t${rdataText(a)}\n`);
    }
    return r.header.rcode === 0 ? 0 : 1;
  } catch (e) {
    io.stderr.write(`privatelink-dns query: ${(e as Error).message}\n`);
    return 1;
  }
}
