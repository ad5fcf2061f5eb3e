/**
 * The UDP exchange's sockets: connected to their upstream, from the address that routes to it,
 * on ports that change after a few queries.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Deadlines } from '../../src/upstream/deadlines.js';
import { UpstreamNetworkError } from '../../src/upstream/errors.js';
import { RandomIds } from '../../src/upstream/random.js';
import { UdpExchange } from '../../src/upstream/udp.js';
import { Upstream } from '../../src/upstream/upstream.js';
import { makeQuery } from '../helpers/dns-client.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';

let ups: FakeUpstream[] = [];
let ex: UdpExchange | undefined;
afterEach(async () => {
  ex?.close();
  ex = undefined;
  await Promise.all(ups.map((u) => u.close()));
  ups = [];
});

function exchange(opts: { poolSize?: number; recycleAfter?: number } = {}): UdpExchange {
  ex = new UdpExchange({ deadlines: new Deadlines(), ids: new RandomIds(), onDrop: () => {}, ...opts });
  return ex;
}

async function ask(x: UdpExchange, up: Upstream, name: string): Promise<void> {
  const q = makeQuery(name);
  await x.exchange(up, q, q.length, 5000);
}

describe('UdpExchange sockets', () => {
  it('connects each socket to its upstream, with the source address the route picks', async () => {
    const fake = await startFakeUpstream();
    ups.push(fake);
    const x = exchange();
    const up = new Upstream(fake.hostPort);
    for (let i = 0; i < 10; i++) await ask(x, up, `n${i}.example.test`);
    const locals = x.locals();
    expect(locals.length).toBeGreaterThan(0);
    for (const l of locals) {
      expect(l.address).toBe('127.0.0.1');
      expect(l.remote).toBe(fake.hostPort);
    }
  });

  it('keeps separate sockets per upstream', async () => {
    const a = await startFakeUpstream();
    const b = await startFakeUpstream();
    ups.push(a, b);
    const x = exchange({ poolSize: 2 });
    await ask(x, new Upstream(a.hostPort), 'a.example.test');
    await ask(x, new Upstream(b.hostPort), 'b.example.test');
    expect(new Set(x.locals().map((l) => l.remote))).toEqual(new Set([a.hostPort, b.hostPort]));
  });

  it('sends at most 64 queries from one source port by default', async () => {
    const fake = await startFakeUpstream();
    ups.push(fake);
    const x = exchange({ poolSize: 1 });
    const up = new Upstream(fake.hostPort);
    for (let i = 0; i < 200; i++) await ask(x, up, `n${i}.example.test`);
    const perPort = new Map<number, number>();
    for (const q of fake.queries) perPort.set(q.from.port, (perPort.get(q.from.port) ?? 0) + 1);
    expect(fake.queries.length).toBe(200);
    expect(Math.max(...perPort.values())).toBeLessThanOrEqual(64);
    expect(perPort.size).toBeGreaterThanOrEqual(4);
  });

  it('opens the next socket ahead, so a retired one is replaced by a socket already bound', async () => {
    const fake = await startFakeUpstream();
    ups.push(fake);
    const x = exchange({ poolSize: 1, recycleAfter: 4 });
    const up = new Upstream(fake.hostPort);
    for (let i = 0; i < 4; i++) await ask(x, up, `n${i}.example.test`);
    await new Promise((r) => setImmediate(r));
    const before = x.ports();
    expect(before).toHaveLength(2); // the socket in use and its spare
    await ask(x, up, 'next.example.test');
    const from = fake.queries.map((q) => q.from.port);
    expect(new Set(from.slice(0, 4)).size).toBe(1);
    expect(from[4]).not.toBe(from[0]);
    expect(before).toContain(from[4]);
  });

  it('fails the queries of a socket whose upstream port is closed with a network error', async () => {
    const fake = await startFakeUpstream();
    const port = fake.port;
    await fake.close(); // nothing listens there now: the kernel answers ICMP port unreachable
    const x = exchange({ poolSize: 1 });
    const up = new Upstream(`127.0.0.1:${port}`);
    const q = makeQuery('a.example.test');
    await expect(x.exchange(up, q, q.length, 5000)).rejects.toBeInstanceOf(UpstreamNetworkError);
    expect(x.inFlight).toBe(0);
  });

  it('closes the sockets of a released upstream', async () => {
    const fake = await startFakeUpstream();
    ups.push(fake);
    const x = exchange();
    const up = new Upstream(fake.hostPort);
    await ask(x, up, 'a.example.test');
    expect(x.locals().length).toBe(1);
    x.release(up);
    expect(x.locals()).toEqual([]);
  });
});
