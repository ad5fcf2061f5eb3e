/** UDP: response sizes bounded by the client's advertised size, and handler failures contained. */
import { afterEach, describe, expect, it } from 'vitest';
import { decode, makeQuery, query, tcpExchange, udpCollect, udpExchange } from '../helpers/dns-client.js';
import { poll } from '../helpers/poll.js';
import { type Listeners, startListeners } from './harness.js';

let srv: Listeners | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

describe('UDP response size', () => {
  it.each([
    ['no EDNS', undefined, 512],
    ['EDNS 100 (below 512)', 100, 512],
    ['EDNS 512', 512, 512],
    ['EDNS 800', 800, 800],
    ['EDNS 4096, capped by maxUdpSize 1232', 4096, 1232],
  ])('%s (EDNS size %s) → at most %s bytes', async (_label, edns, limit) => {
    srv = await startListeners();
    const res = await udpExchange(srv.port, makeQuery('big.example', { edns }));
    expect(res.length).toBeLessThanOrEqual(limit);
    const d = decode(res);
    expect(d.flag_tc).toBe(true);
    // Whole RRsets only: the 200-record set does not fit, so it is left out rather than cut.
    expect(d.answers ?? []).toHaveLength(0);
  });

  it('honours a larger maxUdpSize, and TCP gets the whole answer', async () => {
    srv = await startListeners({ maxUdpSize: 4096 });
    const res = await udpExchange(srv.port, makeQuery('big.example', { edns: 4096 }));
    expect(res.length).toBeGreaterThan(1232);
    expect(res.length).toBeLessThanOrEqual(4096);
    const [whole] = await tcpExchange(srv.port, makeQuery('big.example', { edns: 4096 }));
    expect(decode(whole).answers).toHaveLength(200);
    expect(decode(whole).flag_tc).toBe(false);
  });

  it('truncates (TC, no records) a handler answer that ignores the limit', async () => {
    srv = await startListeners();
    const res = await udpExchange(srv.port, makeQuery('huge.example', { id: 5 }));
    expect(res.length).toBeLessThanOrEqual(512);
    const d = decode(res);
    expect(d.id).toBe(5);
    expect(d.flag_tc).toBe(true);
  });
});

describe('handler failures', () => {
  it('a throwing or rejecting handler gets SERVFAIL, and the server keeps serving', async () => {
    srv = await startListeners();
    expect((await query(srv.port, 'throw.example')).rcode).toBe('SERVFAIL');
    expect((await query(srv.port, 'reject.example')).rcode).toBe('SERVFAIL');
    expect((await query(srv.port, 'ok.example')).rcode).toBe('NOERROR');
  });

  it('a handler that drops sends nothing', async () => {
    srv = await startListeners();
    // Proves an absence, so it waits a fixed, short time: the drop is synchronous and an answer,
    // if there were one, would be back on loopback within a few milliseconds.
    expect(await udpCollect(srv.port, makeQuery('drop.example'), 150)).toHaveLength(0);
    expect(srv.handler.calls).toBe(1);
  });

  it('close(grace) still answers a query in flight', async () => {
    srv = await startListeners();
    srv.handler.slowMs = 150;
    const pending = udpExchange(srv.port, makeQuery('slow.example', { id: 99 }));
    await poll('the query in the handler', () => srv?.handler.active === 1);
    const closing = srv.close(2000);
    srv = undefined;
    expect(decode(await pending).id).toBe(99);
    await closing;
  });
});
