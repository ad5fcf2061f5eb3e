/**
 * TCP limits: connections, idle timeout, slowloris, queries and pending answers per connection,
 * framing, half-close and graceful close. Small limits keep it fast; no latency assertions.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decode, makeQuery, query, tcpExchange } from '../helpers/dns-client.js';
import { poll } from '../helpers/poll.js';
import { frame, type Listeners, pace, rawConnect, startListeners } from './harness.js';

let srv: Listeners | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

describe('TCP listener limits', () => {
  it('refuses connections beyond tcpMaxConnections and accepts again when one closes', async () => {
    srv = await startListeners({ tcpMaxConnections: 2, tcpIdleTimeoutMs: 5000 });
    const a = await rawConnect(srv.port);
    const b = await rawConnect(srv.port);
    const c = await rawConnect(srv.port);
    await c.closed;
    expect(srv.metrics.value('tcp_connections_rejected')).toBe(1);
    // The two admitted ones still work.
    a.sock.write(frame(makeQuery('a.example', { id: 1 })));
    expect(decode((await a.waitAnswers(1))[0]).id).toBe(1);
    expect(b.isClosed()).toBe(false);
    b.sock.destroy();
    await b.closed;
    // Wait until the server has noticed, then a new one is admitted.
    await poll('the server to drop the closed connection', () => srv?.tcp.connections() === 1);
    const [r] = await tcpExchange(srv.port, makeQuery('d.example', { id: 7 }));
    expect(decode(r).id).toBe(7);
    a.sock.destroy();
  });

  it('closes a connection that sends nothing for tcpIdleTimeoutMs', async () => {
    srv = await startListeners({ tcpIdleTimeoutMs: 200 });
    const c = await rawConnect(srv.port);
    await c.closed;
    expect(srv.metrics.value('tcp_connections_closed', { reason: 'idle' })).toBe(1);
  });

  it('keeps a connection that is waiting for a slow answer past the idle timeout', async () => {
    srv = await startListeners({ tcpIdleTimeoutMs: 150 });
    srv.handler.slowMs = 400;
    const c = await rawConnect(srv.port);
    c.sock.write(frame(makeQuery('slow.example', { id: 3 })));
    const [r] = await c.waitAnswers(1);
    expect(decode(r).id).toBe(3);
    c.sock.destroy();
  });

  it('cuts off a slowloris client at the idle timeout while others are answered', async () => {
    srv = await startListeners({ tcpIdleTimeoutMs: 300 });
    const slow = await rawConnect(srv.port);
    const msg = frame(makeQuery('stalled.example', { id: 9 }));
    // Trickle one byte every 50 ms: each byte resets a plain socket timeout, never completing.
    let i = 0;
    const trickle = setInterval(() => {
      if (i < msg.length - 1 && !slow.isClosed()) slow.sock.write(msg.subarray(i, ++i));
    }, 50);
    try {
      // Meanwhile other clients are answered, over both transports.
      const [r] = await tcpExchange(srv.port, makeQuery('other.example', { id: 10 }));
      expect(decode(r).id).toBe(10);
      expect((await query(srv.port, 'udp.example', { id: 11 })).id).toBe(11);
      await slow.closed;
    } finally {
      clearInterval(trickle);
    }
    expect(slow.answers).toHaveLength(0);
    expect(srv.metrics.value('tcp_connections_closed', { reason: 'slow' })).toBe(1);
  });

  it('does not cut a client that streams queries for longer than the idle timeout', async () => {
    srv = await startListeners({ tcpIdleTimeoutMs: 400 });
    const c = await rawConnect(srv.port);
    const stream = Buffer.concat(
      Array.from({ length: 120 }, (_, i) => frame(makeQuery(`s${i}.example`, { id: i }))),
    );
    // Chunks of 1.5 messages every 10 ms: there is always a message in progress, for ~800 ms.
    const step = Math.floor((stream.length / 120) * 1.5);
    for (let off = 0; off < stream.length; off += step) {
      c.sock.write(stream.subarray(off, off + step));
      await pace(10);
    }
    const got = await c.waitAnswers(120);
    expect(got.map((a) => decode(a).id)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    expect(srv.metrics.value('tcp_connections_closed', { reason: 'slow' })).toBe(0);
    c.sock.destroy();
  });

  it('closes after tcpMaxQueriesPerConnection answers', async () => {
    srv = await startListeners({ tcpMaxQueriesPerConnection: 3, tcpIdleTimeoutMs: 5000 });
    const c = await rawConnect(srv.port);
    c.sock.write(Buffer.concat([1, 2, 3, 4, 5].map((id) => frame(makeQuery('q.example', { id })))));
    await c.closed;
    expect(c.answers.map((a) => decode(a).id ?? -1)).toEqual([1, 2, 3]);
  });

  it('answers every pipelined query but never more than tcpMaxPendingPerConnection at once', async () => {
    srv = await startListeners({ tcpMaxPendingPerConnection: 2, tcpIdleTimeoutMs: 5000 });
    srv.handler.delayMs = 20;
    const ids = Array.from({ length: 12 }, (_, i) => i + 1);
    const answers = await tcpExchange(
      srv.port,
      ids.map((id) => makeQuery(`p${id}.example`, { id })),
      { timeoutMs: 10_000 },
    );
    expect(answers.map((a) => decode(a).id ?? -1).sort((x, y) => x - y)).toEqual(ids);
    expect(srv.handler.maxActive).toBeLessThanOrEqual(2);
  });

  it('frames messages split byte by byte and several in one write', async () => {
    srv = await startListeners({ tcpIdleTimeoutMs: 5000 });
    const c = await rawConnect(srv.port);
    const two = Buffer.concat([
      frame(makeQuery('x.example', { id: 21 })),
      frame(makeQuery('y.example', { id: 22 })),
    ]);
    for (let i = 0; i < two.length; i++) {
      c.sock.write(two.subarray(i, i + 1));
      if (i % 7 === 0) await pace(1);
    }
    const got = await c.waitAnswers(2);
    expect(got.map((a) => decode(a).id ?? -1)).toEqual([21, 22]);
    c.sock.destroy();
  });

  it('answers out of order: a fast answer is not held behind a slow one', async () => {
    srv = await startListeners({ tcpIdleTimeoutMs: 5000 });
    srv.handler.slowMs = 300;
    const c = await rawConnect(srv.port);
    c.sock.write(
      Buffer.concat([
        frame(makeQuery('slow.example', { id: 1 })),
        frame(makeQuery('fast.example', { id: 2 })),
      ]),
    );
    const got = await c.waitAnswers(2);
    expect(got.map((a) => decode(a).id ?? -1)).toEqual([2, 1]);
    c.sock.destroy();
  });

  it('still answers a query in flight after the client half-closes', async () => {
    srv = await startListeners({ tcpIdleTimeoutMs: 5000 });
    srv.handler.slowMs = 100;
    const c = await rawConnect(srv.port);
    c.sock.end(frame(makeQuery('slow.example', { id: 31 })));
    await c.closed;
    expect(c.answers.map((a) => decode(a).id ?? -1)).toEqual([31]);
  });

  it('drops an empty or garbage message and keeps the connection usable', async () => {
    srv = await startListeners({ tcpIdleTimeoutMs: 5000 });
    const c = await rawConnect(srv.port);
    c.sock.write(
      Buffer.concat([
        frame(Buffer.alloc(0)),
        frame(Buffer.from([1, 2, 3])),
        frame(makeQuery('ok.example', { id: 41 })),
      ]),
    );
    const [r] = await c.waitAnswers(1);
    expect(decode(r).id).toBe(41);
    c.sock.destroy();
  });

  it('close(grace) answers what is in flight, then closes every connection', async () => {
    srv = await startListeners({ tcpIdleTimeoutMs: 5000 });
    srv.handler.slowMs = 200;
    const busy = await rawConnect(srv.port);
    const idle = await rawConnect(srv.port);
    busy.sock.write(frame(makeQuery('slow.example', { id: 51 })));
    await poll('the query in flight', () => srv?.tcp.inFlight() === 1);
    const closing = srv.close(3000);
    srv = undefined;
    await closing;
    await Promise.all([busy.closed, idle.closed]);
    expect(busy.answers.map((a) => decode(a).id ?? -1)).toEqual([51]);
  });

  it('stops reading from a client that does not read its answers', async () => {
    srv = await startListeners({ tcpIdleTimeoutMs: 400 });
    srv.handler.records = 60; // ~1 KiB answers
    const c = await rawConnect(srv.port);
    c.sock.pause(); // never read
    const q = frame(makeQuery('big-answer.example', { id: 1 }));
    const burst = Buffer.concat(Array.from({ length: 2000 }, () => q));
    // Keep writing until the server stops reading or the connection is cut.
    for (let i = 0; i < 20 && !c.isClosed(); i++) {
      c.sock.write(burst);
      await pace(20);
    }
    // The server answered only what fits its socket buffers before pushing back, then the
    // connection (with nothing owed and nothing moving) was reaped by the idle timeout.
    await poll('the idle connection to be reaped', () => srv?.tcp.connections() === 0);
    expect(srv.metrics.value('tcp_connections_closed', { reason: 'idle' })).toBe(1);
    expect(srv.handler.calls).toBeLessThan(40_000);
    c.sock.destroy();
  });
});
