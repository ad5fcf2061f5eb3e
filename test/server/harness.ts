/**
 * Listeners driven by a tiny handler chain, for transport tests that need no config, catalog or
 * upstream: every name gets `count` A records (192.0.2.1, 192.0.2.2, …), optionally after a delay.
 */
import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import { RRType } from '../../src/dns/constants.js';
import { encodeRecord, QNAME_POINTER } from '../../src/dns/records.js';
import { buildResponse, type RRset } from '../../src/dns/response.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { Chain } from '../../src/resolve/chain.js';
import type { Handler, HandlerResult, QueryContext } from '../../src/resolve/types.js';
import { QueryEngine } from '../../src/server/engine.js';
import { listenTcp, type TcpLimits, type TcpListener } from '../../src/server/tcp.js';
import { listenUdp, type UdpListener } from '../../src/server/udp.js';

/** A-record answers of `count` records: 192.0.2.1 … for every question. */
export function aRecords(count: number): RRset {
  const recs: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    recs.push(encodeRecord(QNAME_POINTER, RRType.A, 60, Buffer.from([192, 0, 2 + (i >> 8), (i % 255) + 1])));
  }
  return { bytes: Buffer.concat(recs), count };
}

/** A handler answering every name; counts concurrency when it is asynchronous. */
export class TestHandler implements Handler {
  readonly name = 'test';
  /** Records per answer (names starting "big" get `bigCount`). */
  records = 1;
  bigCount = 200;
  /** Answer after this many ms (0: synchronously). Names starting "slow" always wait `slowMs`. */
  delayMs = 0;
  slowMs = 300;
  /** Names starting "throw" throw; "reject" reject; "drop" return null; "huge" return an oversized buffer. */
  active = 0;
  maxActive = 0;
  calls = 0;

  handle(ctx: QueryContext): HandlerResult | Promise<HandlerResult> {
    this.calls++;
    const name = ctx.q.qname;
    if (name.startsWith('throw')) throw new Error('handler bug');
    if (name.startsWith('drop')) return null;
    if (name.startsWith('huge')) return Buffer.alloc(4000);
    const answer = () =>
      buildResponse(ctx.msg, ctx.q, {
        rcode: 0,
        aa: true,
        answer: [aRecords(name.startsWith('big') ? this.bigCount : this.records)],
        maxSize: ctx.maxSize,
      });
    if (name.startsWith('reject')) return Promise.reject(new Error('async handler bug'));
    const delay = name.startsWith('slow') ? this.slowMs : this.delayMs;
    if (delay === 0) return answer();
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    return new Promise((resolve) =>
      setTimeout(() => {
        this.active--;
        resolve(answer());
      }, delay),
    );
  }
}

export const TEST_LIMITS: TcpLimits & { maxUdpSize: number } = {
  tcpMaxConnections: 50,
  tcpIdleTimeoutMs: 300,
  tcpMaxQueriesPerConnection: 1000,
  tcpMaxPendingPerConnection: 8,
  maxUdpSize: 1232,
};

export interface Listeners {
  udp: UdpListener;
  tcp: TcpListener;
  port: number;
  handler: TestHandler;
  metrics: Metrics;
  limits: typeof TEST_LIMITS;
  close(graceMs?: number): Promise<void>;
}

/** Starts UDP + TCP listeners on 127.0.0.1 (one free port) around `handlers` + a {@link TestHandler}. */
export async function startListeners(
  over: Partial<typeof TEST_LIMITS> = {},
  handlers: Handler[] = [],
): Promise<Listeners> {
  const logger = pino({ level: 'silent' });
  const metrics = new Metrics();
  const handler = new TestHandler();
  const limits = { ...TEST_LIMITS, ...over };
  const chain = new Chain([...handlers, handler]);
  const engine = new QueryEngine({
    chain: () => chain,
    metrics,
    logger,
    maxUdpSize: () => limits.maxUdpSize,
  });
  // The TCP side of the free UDP port may be taken (an ephemeral port of some connection): retry.
  let udp: UdpListener | undefined;
  let tcp: TcpListener | undefined;
  for (let attempt = 1; !tcp; attempt++) {
    udp = await listenUdp('127.0.0.1', 0, engine, logger);
    try {
      tcp = await listenTcp('127.0.0.1', udp.address.port, engine, logger, metrics, () => limits);
    } catch (e) {
      await udp.close();
      if (attempt >= 10) throw e;
    }
  }
  if (!udp) throw new Error('unreachable');
  const u = udp;
  const t = tcp;
  return {
    udp: u,
    tcp: t,
    port: u.address.port,
    handler,
    metrics,
    limits,
    close: async (graceMs = 0) => {
      await Promise.all([u.close(graceMs), t.close(graceMs)]);
    },
  };
}

/** Frames a message with its 2-byte length. */
export function frame(msg: Buffer): Buffer {
  const l = Buffer.alloc(2);
  l.writeUInt16BE(msg.length);
  return Buffer.concat([l, msg]);
}

/** A raw TCP connection that collects framed answers and records when it closed. */
export interface RawConn {
  sock: Socket;
  answers: Buffer[];
  closed: Promise<void>;
  isClosed(): boolean;
  /** Resolves when `n` answers have arrived (rejects if the connection closes first). */
  waitAnswers(n: number): Promise<Buffer[]>;
}

export function rawConnect(port: number): Promise<RawConn> {
  return new Promise((resolve, reject) => {
    const sock = connect({ port, host: '127.0.0.1' });
    const answers: Buffer[] = [];
    let buf = Buffer.alloc(0);
    let isClosed = false;
    const waiters: (() => void)[] = [];
    const closed = new Promise<void>((r) =>
      sock.on('close', () => {
        isClosed = true;
        for (const w of waiters.splice(0)) w();
        r();
      }),
    );
    sock.on('error', () => {});
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        answers.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      for (const w of waiters.splice(0)) w();
    });
    sock.once('error', reject);
    sock.on('connect', () =>
      resolve({
        sock,
        answers,
        closed,
        isClosed: () => isClosed,
        waitAnswers: (n) =>
          new Promise((res, rej) => {
            const check = () => {
              if (answers.length >= n) res(answers.slice(0, n));
              else if (isClosed) rej(new Error(`connection closed after ${answers.length}/${n} answers`));
              else waiters.push(check);
            };
            check();
          }),
      }),
    );
  });
}

/**
 * Resolves after `ms`: spaces out the writes of a client that sends slowly on purpose (a
 * trickle, a stream of chunks). Not for waiting on the server: poll its state for that.
 */
export const pace = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
