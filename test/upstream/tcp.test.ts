/**
 * The TCP exchange (RFC 7766): connections reused for many queries, queries pipelined on one
 * connection and matched to their answers by ID in whatever order the answers come, a used
 * connection closed by the upstream retried once on another, and the UDP acceptance rules.
 */
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { Deadlines } from '../../src/upstream/deadlines.js';
import { UpstreamNetworkError, UpstreamTimeoutError } from '../../src/upstream/errors.js';
import { RandomIds } from '../../src/upstream/random.js';
import { TcpExchange, type TcpExchangeOptions } from '../../src/upstream/tcp.js';
import type { DropReason } from '../../src/upstream/udp.js';
import { Upstream } from '../../src/upstream/upstream.js';
import { makeQuery } from '../helpers/dns-client.js';

/** A query as the fake TCP upstream got it, with a way to answer it later. */
interface Held {
  conn: number;
  id: number;
  name: string;
  answer(tweak?: { id?: number; name?: string }): void;
}

/**
 * A DNS-over-TCP upstream on loopback that counts connections. By default it answers every query
 * at once (A 192.0.2.1 plus the query's own name as a TXT, so an answer shows which query it
 * answers); with `hold` it keeps the queries until the test answers them.
 */
class FakeTcp {
  readonly server = net.createServer();
  readonly sockets: net.Socket[] = [];
  readonly held: Held[] = [];
  connections = 0;
  closedByPeer = 0;
  hold = false;
  /** Close each connection after this many answers (0: never). */
  closeAfter = 0;
  /** Close each connection when a query arrives, before answering (a broken upstream). */
  slam = false;
  port = 0;

  async start(): Promise<void> {
    this.server.on('connection', (sock) => this.accept(sock));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  private accept(sock: net.Socket): void {
    const conn = ++this.connections;
    this.sockets.push(sock);
    sock.on('error', () => {});
    sock.on('end', () => this.closedByPeer++);
    let buf = Buffer.alloc(0);
    let answered = 0;
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const raw = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + raw.length);
        if (this.slam) {
          sock.destroy();
          return;
        }
        const q = dnsPacket.decode(raw);
        const name = q.questions![0].name;
        const h: Held = {
          conn,
          id: q.id!,
          name,
          answer: (tweak = {}) => {
            const res = dnsPacket.encode({
              id: tweak.id ?? q.id,
              type: 'response',
              flags: dnsPacket.RECURSION_AVAILABLE,
              questions: [{ ...q.questions![0], name: tweak.name ?? name }],
              answers: [
                { type: 'A', name: tweak.name ?? name, ttl: 60, data: '192.0.2.1' },
                { type: 'TXT', name: tweak.name ?? name, ttl: 60, data: [name] },
              ],
            } as dnsPacket.Packet);
            if (sock.destroyed) return;
            sock.write(Buffer.concat([Buffer.from([res.length >> 8, res.length & 0xff]), res]));
            if (tweak.id === undefined && tweak.name === undefined) {
              answered++;
              if (this.closeAfter > 0 && answered >= this.closeAfter) sock.end();
            }
          },
        };
        if (this.hold) this.held.push(h);
        else h.answer();
      }
    });
  }

  /** Resolves once `n` queries are held. */
  async waitHeld(n: number): Promise<void> {
    while (this.held.length < n) await new Promise((r) => setTimeout(r, 5));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

let fakes: FakeTcp[] = [];
let ex: TcpExchange | undefined;
const drops: DropReason[] = [];
afterEach(async () => {
  ex?.close();
  ex = undefined;
  drops.length = 0;
  await Promise.all(fakes.map((f) => f.close()));
  fakes = [];
});

async function fake(): Promise<FakeTcp> {
  const f = new FakeTcp();
  await f.start();
  fakes.push(f);
  return f;
}

function exchange(opts: Partial<TcpExchangeOptions> = {}): TcpExchange {
  ex = new TcpExchange({
    deadlines: new Deadlines(),
    ids: new RandomIds(),
    onDrop: (reason) => drops.push(reason),
    ...opts,
  });
  return ex;
}

/** The name in the TXT record of an answer: which query the answer was for. */
async function ask(x: TcpExchange, up: Upstream, name: string, timeoutMs = 5000): Promise<string> {
  const q = makeQuery(name);
  const reply = await x.exchange(up, q, q.length, timeoutMs);
  const p = dnsPacket.decode(reply);
  const txt = p.answers!.find((a) => a.type === 'TXT') as { data: Buffer[] };
  return txt.data[0].toString();
}

describe('TcpExchange', () => {
  it('reuses one connection for queries one after the other', async () => {
    const f = await fake();
    const x = exchange();
    const up = new Upstream(`127.0.0.1:${f.port}`);
    for (let i = 0; i < 20; i++) expect(await ask(x, up, `n${i}.example.test`)).toBe(`n${i}.example.test`);
    expect(f.connections).toBe(1);
    expect(x.opened).toBe(1);
    expect(x.connections()).toBe(1);
    expect(x.inFlight).toBe(0);
  });

  it('pipelines queries on one connection and matches answers that come in reverse order', async () => {
    const f = await fake();
    f.hold = true;
    const x = exchange();
    const up = new Upstream(`127.0.0.1:${f.port}`);
    const names = ['a', 'b', 'c', 'd', 'e'].map((l) => `${l}.example.test`);
    const answers = names.map((n) => ask(x, up, n));
    await f.waitHeld(names.length);
    expect(f.connections).toBe(1);
    expect(new Set(f.held.map((h) => h.id)).size).toBe(names.length); // IDs unique on the connection
    for (const h of [...f.held].reverse()) h.answer();
    expect(await Promise.all(answers)).toEqual(names);
    expect(x.inFlight).toBe(0);
  });

  it('opens another connection only when one is full, and no more than the limit', async () => {
    const f = await fake();
    f.hold = true;
    const x = exchange({ pipeline: 2, maxConnections: 3 });
    const up = new Upstream(`127.0.0.1:${f.port}`);
    const answers = Array.from({ length: 10 }, (_, i) => ask(x, up, `n${i}.example.test`));
    await f.waitHeld(10);
    expect(f.connections).toBe(3);
    const perConn = new Map<number, number>();
    for (const h of f.held) perConn.set(h.conn, (perConn.get(h.conn) ?? 0) + 1);
    expect([...perConn.values()].sort()).toEqual([3, 3, 4]);
    for (const h of f.held) h.answer();
    expect((await Promise.all(answers)).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `n${i}.example.test`).sort(),
    );
  });

  it('drops an answer with an unknown ID or another question, and takes the real one', async () => {
    const f = await fake();
    f.hold = true;
    const x = exchange();
    const up = new Upstream(`127.0.0.1:${f.port}`);
    const answer = ask(x, up, 'real.example.test');
    await f.waitHeld(1);
    const h = f.held[0];
    h.answer({ id: (h.id + 1) & 0xffff });
    h.answer({ name: 'spoof.example.test' });
    h.answer();
    expect(await answer).toBe('real.example.test');
    expect(drops).toEqual(['unknown-id', 'wrong-question']);
  });

  it('writes a query again on a new connection when the upstream closes a used one', async () => {
    const f = await fake();
    f.closeAfter = 1; // the upstream ends each connection after its first answer
    const x = exchange();
    const up = new Upstream(`127.0.0.1:${f.port}`);
    f.hold = true;
    const first = ask(x, up, 'first.example.test');
    const second = ask(x, up, 'second.example.test');
    await f.waitHeld(2);
    f.hold = false;
    f.held[0].answer(); // answers the first, then closes: the second was written on it too
    expect(await first).toBe('first.example.test');
    expect(await second).toBe('second.example.test');
    expect(f.connections).toBe(2);
  });

  it('fails the queries of a connection closed before any answer (no second try)', async () => {
    const f = await fake();
    f.slam = true;
    const x = exchange();
    const up = new Upstream(`127.0.0.1:${f.port}`);
    await expect(ask(x, up, 'a.example.test')).rejects.toBeInstanceOf(UpstreamNetworkError);
    expect(f.connections).toBe(1);
    expect(x.inFlight).toBe(0);
    expect(x.connections()).toBe(0);
  });

  it('times a query out without closing the connection the others use', async () => {
    const f = await fake();
    f.hold = true;
    const x = exchange();
    const up = new Upstream(`127.0.0.1:${f.port}`);
    const slow = ask(x, up, 'slow.example.test', 50);
    const ok = ask(x, up, 'ok.example.test');
    await f.waitHeld(2);
    await expect(slow).rejects.toBeInstanceOf(UpstreamTimeoutError);
    f.held[1].answer();
    expect(await ok).toBe('ok.example.test');
    f.held[0].answer(); // too late: nobody waits for that ID any more
    f.hold = false;
    expect(await ask(x, up, 'after.example.test')).toBe('after.example.test');
    expect(drops).toEqual(['unknown-id']);
    expect(f.connections).toBe(1);
  });

  it('closes a connection after its query limit once its answers are in', async () => {
    const f = await fake();
    const x = exchange({ maxQueries: 3 });
    const up = new Upstream(`127.0.0.1:${f.port}`);
    for (let i = 0; i < 7; i++) await ask(x, up, `n${i}.example.test`);
    expect(f.connections).toBe(3);
    expect(x.connections()).toBe(1);
  });

  it('closes an idle connection', async () => {
    const f = await fake();
    const x = exchange({ idleMs: 50 });
    const up = new Upstream(`127.0.0.1:${f.port}`);
    await ask(x, up, 'a.example.test');
    while (f.closedByPeer === 0) await new Promise((r) => setTimeout(r, 10));
    expect(x.connections()).toBe(0);
    await ask(x, up, 'b.example.test');
    expect(f.connections).toBe(2);
  });

  it('closes the connections of a released upstream', async () => {
    const f = await fake();
    const x = exchange();
    const up = new Upstream(`127.0.0.1:${f.port}`);
    await ask(x, up, 'a.example.test');
    expect(x.connections()).toBe(1);
    x.release(up);
    expect(x.connections()).toBe(0);
    while (f.closedByPeer === 0) await new Promise((r) => setTimeout(r, 10));
  });
});
