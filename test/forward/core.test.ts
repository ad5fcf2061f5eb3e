/** Core forwarding: relay as is, client ID/question restored, EDNS per hop, TC → TCP, timeouts. */
import * as dnsPacket from 'dns-packet';
import { describe, expect, it, vi } from 'vitest';
import { RandomIds } from '../../src/upstream/random.js';
import { fakeClock } from '../helpers/clock.js';
import { poll } from '../helpers/poll.js';
import { addresses, edeOf, forwardFixtures, type Harness, optOf, rcodeOf } from './util.js';

const { fake, harness } = forwardFixtures();
let h: Harness | undefined;

describe('forwarding core', () => {
  it('relays the answer with the client ID and question bytes (letter case kept)', async () => {
    const up = await fake();
    h = harness({ upstreams: [up.hostPort] });
    // The query ID source draws 0x1234 (a random draw could be the client's ID, once in 65,536).
    const ids = vi.spyOn(RandomIds.prototype, 'next16').mockReturnValue(0x1234);
    const { raw, pkt, ctx } = await h
      .ask('WwW.ExAmple.TEST', 'A', { id: 0xbeef })
      .finally(() => ids.mockRestore());
    expect(pkt.id).toBe(0xbeef);
    expect(pkt.type).toBe('response');
    expect(rcodeOf(pkt)).toBe('NOERROR');
    expect(pkt.questions?.[0].name).toBe('WwW.ExAmple.TEST');
    expect(raw.subarray(12, ctx.q.questionEnd)).toEqual(ctx.msg.subarray(12, ctx.q.questionEnd));
    expect(addresses(pkt)).toEqual(['192.0.2.1']);
    expect(ctx.source).toBe('forward');
    expect(up.count()).toBe(1);
    // The upstream saw a different ID, the one drawn for it, and the client got its own back.
    expect(up.queries[0].packet.id).toBe(0x1234);
    expect(up.queries[0].packet.id).not.toBe(pkt.id);
  });

  it('relays NXDOMAIN with its authority section', async () => {
    const up = await fake();
    h = harness({ upstreams: [up.hostPort] });
    const { pkt } = await h.ask('nx.example.test', 'A');
    expect(rcodeOf(pkt)).toBe('NXDOMAIN');
    expect(pkt.authorities?.map((a) => a.type)).toEqual(['SOA']);
  });

  it('sends its own OPT upstream (1232, DO copied, no client options) and gives the client ours', async () => {
    const up = await fake();
    h = harness({ upstreams: [up.hostPort] });
    const cookie = { code: 10, data: Buffer.from('0123456789abcdef', 'hex') };
    const { pkt } = await h.ask('a.example.test', 'A', { do: true, udpSize: 4096, options: [cookie] });
    const sent = optOf(up.queries[0].packet) as unknown as {
      udpPayloadSize: number;
      flags: number;
      options: { code: number }[];
    };
    expect(sent.udpPayloadSize).toBe(1232);
    expect(sent.flags & dnsPacket.DNSSEC_OK).toBe(dnsPacket.DNSSEC_OK);
    expect(sent.options.map((o) => o.code)).not.toContain(10);
    // The client gets our OPT, not the upstream's (which carried NSID).
    const got = optOf(pkt) as unknown as { udpPayloadSize: number; options: { code: number }[] };
    expect(got.udpPayloadSize).toBe(1232);
    expect(got.options.map((o) => o.code)).not.toContain(3);
  });

  it('gives no OPT to a client that sent none, but still uses EDNS upstream', async () => {
    const up = await fake();
    h = harness({ upstreams: [up.hostPort] });
    const { pkt } = await h.ask('a.example.test', 'A');
    expect(optOf(pkt)).toBeUndefined();
    const sent = optOf(up.queries[0].packet) as unknown as { flags: number };
    expect(sent).toBeDefined();
    expect(sent.flags & dnsPacket.DNSSEC_OK).toBe(0);
  });

  it('answers SERVFAIL with an EDE when the upstream does not answer', async () => {
    const up = await fake({ behaviour: 'dead' });
    const clock = fakeClock();
    h = harness({ upstreams: [up.hostPort] });
    const pending = h.ask('a.example.test', 'A', { edns: true });
    await poll('the query at the upstream', () => up.count() === 1);
    // The only upstream is asked again after the attempt timeout (1000 ms), then the
    // harness's deadline (2000 ms) passes.
    await clock.advance(1000);
    await poll('the retransmission', () => up.count() === 2);
    await clock.advance(1000);
    const { pkt } = await pending;
    expect(rcodeOf(pkt)).toBe('SERVFAIL');
    expect(edeOf(pkt)?.[0]).toBe(22);
    expect(edeOf(pkt)?.[1]).toMatch(/timed out/);
  });

  it('retries over TCP when the UDP answer has TC', async () => {
    const up = await fake({ behaviour: 'truncate' });
    h = harness({ upstreams: [up.hostPort] });
    const { pkt } = await h.ask('a.example.test', 'A', { transport: 'udp', edns: true });
    expect(rcodeOf(pkt)).toBe('NOERROR');
    expect(pkt.flags! & dnsPacket.TRUNCATED_RESPONSE).toBe(0);
    expect(addresses(pkt)).toEqual(['192.0.2.1']);
    expect(up.count('udp')).toBe(1);
    expect(up.count('tcp')).toBe(1);
  });

  it('forwards over TCP when the client asked over TCP', async () => {
    const up = await fake();
    h = harness({ upstreams: [up.hostPort] });
    const { pkt } = await h.ask('a.example.test', 'A', { transport: 'tcp' });
    expect(addresses(pkt)).toEqual(['192.0.2.1']);
    expect(up.count('tcp')).toBe(1);
    expect(up.count('udp')).toBe(0);
  });

  it("truncates by whole RRsets with TC for the client's UDP size, in full over TCP", async () => {
    const up = await fake({ behaviour: 'truncate' });
    h = harness({ upstreams: [up.hostPort] });
    const udp = await h.ask('big.example.test', 'A', { transport: 'udp' });
    expect(udp.raw.length).toBeLessThanOrEqual(512);
    expect(udp.pkt.flags! & dnsPacket.TRUNCATED_RESPONSE).toBe(dnsPacket.TRUNCATED_RESPONSE);
    expect(udp.pkt.answers).toEqual([]);
    const tcp = await h.ask('big.example.test', 'A', { transport: 'tcp' });
    expect(tcp.pkt.flags! & dnsPacket.TRUNCATED_RESPONSE).toBe(0);
    expect(tcp.pkt.answers).toHaveLength(60);
  });

  it('sends every query upstream with a fresh random ID, never the client one', async () => {
    const up = await fake();
    h = harness({ upstreams: [up.hostPort], config: { cache: false } });
    for (let i = 0; i < 20; i++) await h.ask(`n${i}.example.test`, 'A', { id: 7 });
    const ids = new Set(up.queries.map((q) => q.packet.id));
    expect(ids.has(7)).toBe(false);
    expect(ids.size).toBeGreaterThan(15);
  });
});
