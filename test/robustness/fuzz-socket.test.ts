/**
 * Socket-level fuzzing of a running server: thousands of random, truncated and bit-flipped
 * messages over UDP, and garbage (framed, unframed, half-sent) over TCP. After every batch a
 * normal local query and a normal forwarded query must still be answered correctly.
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/core/server.js';
import { CW_REGIONAL, cloudwatch, oneVpc } from '../helpers/configs.js';
import { addresses, decode, makeQuery, queryTcp, udpExchange } from '../helpers/dns-client.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { anyMessage } from './messages.js';
import { fuzzSeeds, prng } from './seeds.js';

const CW = ['10.0.1.23', '10.0.2.23', '10.0.3.23'];
const BATCHES = 4;
const UDP_PER_BATCH = 700;
const TCP_CONNS_PER_BATCH = 12;

let up: FakeUpstream;
let srv: RunningServer;

beforeAll(async () => {
  up = await startFakeUpstream();
  srv = await startServer({
    config: oneVpc([cloudwatch()], { limits: { tcpIdleTimeoutMs: 400, tcpMaxConnections: 100 } }),
    listen: '127.0.0.1:0',
    upstreams: [up.hostPort],
    logger: pino({ level: 'silent' }),
    watch: false,
  });
});

afterAll(async () => {
  await srv?.close();
  await up?.close();
});

/** Valid queries, then mutated by the PRNG: truncation, bit flips, header scribbles. */
function mutate(rand: () => number, m: Buffer): Buffer {
  const b = Buffer.from(m);
  const kind = Math.floor(rand() * 4);
  if (kind === 0) return b.subarray(0, Math.floor(rand() * b.length));
  const flips = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < flips; i++) b[Math.floor(rand() * b.length)] ^= 1 << Math.floor(rand() * 8);
  if (kind === 2) b.writeUInt16BE(Math.floor(rand() * 65536), 4 + 2 * Math.floor(rand() * 4));
  return b;
}

const NAMES = [CW_REGIONAL, 'example.org', 'a.b.c.example.net', 'monitoring.us-east-2.amazonaws.com'];
const TYPES = ['A', 'AAAA', 'TXT', 'ANY', 'SOA', 'NS'];

function messages(seed: number, n: number): Buffer[] {
  const rand = prng(seed);
  const out: Buffer[] = fc.sample(anyMessage, { seed, numRuns: Math.floor(n / 2) });
  while (out.length < n) {
    const q = makeQuery(NAMES[Math.floor(rand() * NAMES.length)], {
      type: TYPES[Math.floor(rand() * TYPES.length)],
      edns: rand() < 0.5 ? Math.floor(rand() * 5000) : undefined,
    });
    out.push(mutate(rand, q));
  }
  return out;
}

async function sendUdp(port: number, msgs: Buffer[]): Promise<void> {
  const sock = createSocket('udp4');
  sock.on('message', () => {});
  sock.on('error', () => {});
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  for (let i = 0; i < msgs.length; i++) {
    await new Promise<void>((r) => sock.send(msgs[i], port, '127.0.0.1', () => r()));
    // Pace the burst a little so the kernel's receive buffer does not simply drop most of it.
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 2));
  }
  await new Promise<void>((r) => sock.close(() => r()));
}

async function sendTcp(port: number, msgs: Buffer[], rand: () => number): Promise<void> {
  const per = Math.ceil(msgs.length / TCP_CONNS_PER_BATCH);
  const conns: Promise<void>[] = [];
  for (let c = 0; c < TCP_CONNS_PER_BATCH; c++) {
    const mine = msgs.slice(c * per, (c + 1) * per);
    conns.push(
      new Promise<void>((resolve) => {
        const sock = connect({ port, host: '127.0.0.1' });
        sock.on('data', () => {});
        sock.on('error', () => resolve());
        sock.on('close', () => resolve());
        sock.on('connect', () => {
          const parts: Buffer[] = [];
          for (const m of mine) {
            const framing = rand();
            const len = Buffer.alloc(2);
            // Mostly honest framing; sometimes a lying length (short or long), sometimes none.
            len.writeUInt16BE(framing < 0.8 ? m.length : framing < 0.9 ? Math.floor(rand() * 65536) : 0);
            parts.push(framing < 0.95 ? Buffer.concat([len, m]) : m);
          }
          const all = Buffer.concat(parts);
          const how = rand();
          if (how < 0.4) sock.end(all);
          else if (how < 0.7) {
            // Half the bytes, then vanish.
            sock.write(all.subarray(0, Math.floor(all.length / 2)), () => sock.destroy());
          } else if (how < 0.85) {
            // Half the bytes, then stall until the server's idle timeout cuts us.
            sock.write(all.subarray(0, Math.floor(all.length / 2)));
          } else {
            // Everything, then vanish a moment later, while answers may still be on the way.
            sock.write(all, () => setTimeout(() => sock.destroy(), 50));
          }
        });
      }),
    );
  }
  await Promise.all(conns);
}

/** A normal local and forwarded query, over UDP (retried: UDP may be lost) and TCP. */
async function expectHealthy(port: number): Promise<void> {
  let udpOk = false;
  for (let i = 0; i < 3 && !udpOk; i++) {
    try {
      const d = decode(await udpExchange(port, makeQuery(CW_REGIONAL, { id: 4242 }), '127.0.0.1', 1500));
      expect(d.id).toBe(4242);
      expect(d.rcode).toBe('NOERROR');
      const a = addresses(d);
      expect(a.length).toBeGreaterThan(0);
      for (const x of a) expect(CW).toContain(x);
      udpOk = true;
    } catch (e) {
      if (!(e instanceof Error) || e.message !== 'udp timeout') throw e;
    }
  }
  expect(udpOk).toBe(true);
  const fwd = await queryTcp(port, 'fuzz-check.example.org');
  expect(addresses(fwd)).toEqual(['192.0.2.1']);
  expect(addresses(await queryTcp(port, CW_REGIONAL)).sort()).toEqual(CW);
}

describe.each(fuzzSeeds('socket fuzz'))('server under fuzzing ($name)', ({ seed }) => {
  it('survives random, truncated and bit-flipped messages over UDP and TCP', async () => {
    const port = srv.udp.port;
    await expectHealthy(port);
    for (let b = 0; b < BATCHES; b++) {
      const batchSeed = (seed + b * 7919) | 0;
      await sendUdp(port, messages(batchSeed, UDP_PER_BATCH));
      await expectHealthy(port);
      await sendTcp(srv.tcp.port, messages(batchSeed ^ 0x5a5a, UDP_PER_BATCH / 2), prng(batchSeed));
      await expectHealthy(port);
    }
    expect(srv.metrics.total('malformed_queries')).toBeGreaterThan(0);
  }, 60_000);
});
