/**
 * The cap on bytes held for TCP queries over all connections (tcpMaxPendingBytes), and what the
 * engine keeps of a long query while it is being answered.
 */
import * as dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { parseQuery, type Query } from '../../src/dns/query.js';
import { compactQuery } from '../../src/server/compact.js';
import { LOOP_OPTION_CODE } from '../../src/upstream/query.js';
import { decode, makeQuery } from '../helpers/dns-client.js';
import { poll } from '../helpers/poll.js';
import { frame, type Listeners, rawConnect, startListeners } from './harness.js';

let srv: Listeners | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

function padded(name: string, id: number, padding: number, extra: { code: number; data: Buffer }[] = []) {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: 'A' }],
    additionals: [
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: 1232,
        flags: 0,
        options: [...extra, { code: 12, data: Buffer.alloc(padding) }],
      } as unknown as dnsPacket.Answer,
    ],
  });
}

describe('tcpMaxPendingBytes', () => {
  it('closes the connection whose data would go over the cap; the others are answered', async () => {
    srv = await startListeners({ tcpMaxPendingBytes: 100_000, tcpIdleTimeoutMs: 5000 });
    srv.handler.slowMs = 2000;
    const a = await rawConnect(srv.port);
    // 40 KiB pending (a slow answer) on one connection…
    a.sock.write(frame(padded('slow.example', 1, 40_000)));
    await poll('the first query pending', () => srv?.tcp.inFlight() === 1);
    const b = await rawConnect(srv.port);
    b.sock.write(frame(padded('slow.example', 2, 40_000)));
    await poll('the second query pending', () => srv?.tcp.inFlight() === 2);
    // …then one more 40 KiB goes over 100,000 bytes.
    const c = await rawConnect(srv.port);
    c.sock.write(frame(padded('slow.example', 3, 40_000)));
    await c.closed;
    expect(srv.metrics.value('tcp_connections_closed', { reason: 'memory' })).toBe(1);
    const [ra] = await a.waitAnswers(1);
    expect(decode(ra).id).toBe(1);
    // Once answered, the bytes are free again.
    await poll('nothing pending', () => srv?.tcp.inFlight() === 0);
    const d = await rawConnect(srv.port);
    d.sock.write(frame(makeQuery('a.example', { id: 4 })));
    expect(decode((await d.waitAnswers(1))[0]).id).toBe(4);
    for (const x of [a, b, d]) x.sock.destroy();
  });
});

describe('compactQuery', () => {
  it('keeps the header, the question and the options that mean something, not the padding', () => {
    const marker = { code: LOOP_OPTION_CODE, data: Buffer.alloc(8, 7) };
    const msg = padded('Big.Example.org', 77, 60_000, [marker]);
    const q = parseQuery(msg) as Query;
    const c = compactQuery(msg, q);
    expect(c.msg.length).toBe(q.questionEnd);
    expect(c.msg.buffer).not.toBe(msg.buffer);
    expect(c.q.edns?.options.length).toBe(12);
    expect(c.q.edns?.options.readUInt16BE(0)).toBe(LOOP_OPTION_CODE);
    expect(c.q.edns?.options.buffer).not.toBe(msg.buffer);
    const d = dnsPacket.decode(c.msg);
    expect(d.id).toBe(77);
    expect(d.questions?.[0].name).toBe('Big.Example.org');
    expect(d.additionals ?? []).toEqual([]);
  });
});
