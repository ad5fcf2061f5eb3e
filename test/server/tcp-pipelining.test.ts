/**
 * Many connections from one address, each pipelining many queries (what `dnsperf -m tcp -c 100`
 * does): every query is answered, once, on its own connection, and the answers written together
 * in one batch are framed one by one. The caps still hold for the connection past them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decode, makeQuery } from '../helpers/dns-client.js';
import { frame, type Listeners, type RawConn, rawConnect, startListeners } from './harness.js';

let srv: Listeners | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

/** The schema's defaults for the caps that a load from one address meets. */
const DEFAULTS = {
  tcpMaxConnections: 1000,
  tcpMaxConnectionsPerClient: 250,
  tcpIdleTimeoutMs: 10_000,
  tcpMaxQueriesPerConnection: 10_000,
  tcpMaxPendingPerConnection: 64,
};

/** `perConn` queries written on `c` in one go, ids base+0 … base+perConn-1. */
function burst(c: RawConn, base: number, perConn: number, name: (i: number) => string): void {
  const msgs = Array.from({ length: perConn }, (_, i) => frame(makeQuery(name(i), { id: base + i })));
  c.sock.write(Buffer.concat(msgs));
}

const ids = (answers: Buffer[]) => answers.map((a) => decode(a).id ?? -1).sort((x, y) => x - y);
const range = (base: number, n: number) => Array.from({ length: n }, (_, i) => base + i);

describe('TCP pipelining on many connections from one address', () => {
  it('answers every query of 100 connections × 200 pipelined queries (synchronous answers)', async () => {
    srv = await startListeners(DEFAULTS);
    const conns = await Promise.all(Array.from({ length: 100 }, () => rawConnect(srv?.port ?? 0)));
    for (const [k, c] of conns.entries()) burst(c, k * 200, 200, (i) => `q${i}.example`);
    const got = await Promise.all(conns.map((c) => c.waitAnswers(200)));
    for (const [k, answers] of got.entries()) expect(ids(answers)).toEqual(range(k * 200, 200));
    // Nothing more than asked for arrived, and no connection was refused or cut.
    expect(conns.every((c) => c.answers.length === 200)).toBe(true);
    expect(srv.metrics.value('tcp_connections_rejected')).toBe(0);
    for (const reason of ['idle', 'slow', 'memory'])
      expect(srv.metrics.value('tcp_connections_closed', { reason })).toBe(0);
    for (const c of conns) c.sock.destroy();
  });

  it('answers every query when the answers come later and together (asynchronous answers)', async () => {
    srv = await startListeners(DEFAULTS);
    srv.handler.delayMs = 5;
    const conns = await Promise.all(Array.from({ length: 100 }, () => rawConnect(srv?.port ?? 0)));
    for (const [k, c] of conns.entries()) burst(c, k * 100, 100, (i) => `a${i}.example`);
    const got = await Promise.all(conns.map((c) => c.waitAnswers(100)));
    for (const [k, answers] of got.entries()) expect(ids(answers)).toEqual(range(k * 100, 100));
    // The per-connection cap on answers in progress held while all were answered.
    expect(srv.handler.maxActive).toBeLessThanOrEqual(100 * DEFAULTS.tcpMaxPendingPerConnection);
    expect(srv.metrics.value('tcp_connections_rejected')).toBe(0);
    for (const c of conns) c.sock.destroy();
  });

  it('answers a burst whose answers are far more than one write buffer (large answers)', async () => {
    srv = await startListeners(DEFAULTS);
    srv.handler.records = 60; // ~1 KiB answers: 1,000 of them are about 1 MB
    const c = await rawConnect(srv.port);
    burst(c, 0, 1000, (i) => `wide${i}.example`);
    const answers = await c.waitAnswers(1000);
    expect(ids(answers)).toEqual(range(0, 1000));
    expect(answers.every((a) => decode(a).answers?.length === 60)).toBe(true);
    c.sock.destroy();
  });

  it('still refuses the connection past tcpMaxConnectionsPerClient while the others are answered', async () => {
    srv = await startListeners({ ...DEFAULTS, tcpMaxConnectionsPerClient: 20 });
    const conns = await Promise.all(Array.from({ length: 20 }, () => rawConnect(srv?.port ?? 0)));
    const extra = await rawConnect(srv.port);
    await extra.closed;
    expect(srv.metrics.value('tcp_connections_rejected')).toBe(1);
    for (const [k, c] of conns.entries()) burst(c, k * 50, 50, (i) => `c${i}.example`);
    const got = await Promise.all(conns.map((c) => c.waitAnswers(50)));
    for (const [k, answers] of got.entries()) expect(ids(answers)).toEqual(range(k * 50, 50));
    for (const c of conns) c.sock.destroy();
  });
});
