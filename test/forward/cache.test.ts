/** The cache of forwarded answers, with injected time. */
import * as dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { scanMessage } from '../../src/dns/relay.js';
import { HealthState } from '../../src/health/state.js';
import { buildCatalog } from '../../src/privatelink/catalog.js';
import { cacheTtl } from '../../src/resolve/cache.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { addresses, config, type Harness, makeHarness, rcodeOf } from './util.js';

let up: FakeUpstream;
let h: Harness | undefined;
let started: FakeUpstream[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  await Promise.all(started.map((u) => u.close()));
  started = [];
});

async function setup(cache?: ConfigInput['cache'], extra: ConfigInput = {}) {
  up = await startFakeUpstream();
  started.push(up);
  h = makeHarness({
    upstreams: [up.hostPort],
    config: { ...(cache === undefined ? {} : { cache }), ...extra },
  });
  return h;
}
const ttls = (p: dnsPacket.Packet) =>
  [...(p.answers ?? []), ...(p.authorities ?? [])].map((a) => (a as { ttl?: number }).ttl);

describe('cache', () => {
  it('answers a repeated query from the cache with the TTL counted down', async () => {
    const h = await setup();
    await h.ask('a.example.test', 'A');
    h.clock.ms += 100_000;
    const { pkt, ctx } = await h.ask('a.example.test', 'A', { id: 99 });
    expect(ctx.source).toBe('cache');
    expect(pkt.id).toBe(99);
    expect(addresses(pkt)).toEqual(['192.0.2.1']);
    expect(ttls(pkt)).toEqual([200]);
    expect(up.count()).toBe(1);
    expect(h.metrics.value('cache_hits')).toBe(1);
    expect(h.metrics.value('cache_misses')).toBe(1);
    expect(await h.metrics.text()).toMatch(/privatelink_dns_cache_entries 1/);
  });

  it('forgets an answer when its TTL runs out', async () => {
    const h = await setup();
    await h.ask('a.example.test', 'A');
    h.clock.ms += 299_000;
    expect((await h.ask('a.example.test', 'A')).ctx.source).toBe('cache');
    h.clock.ms += 2_000;
    expect((await h.ask('a.example.test', 'A')).ctx.source).toBe('forward');
    expect(up.count()).toBe(2);
  });

  it('keys on the name case-insensitively and keeps the client letter case', async () => {
    const h = await setup();
    await h.ask('a.example.test', 'A');
    const { pkt, ctx } = await h.ask('A.EXAMPLE.test', 'A');
    expect(ctx.source).toBe('cache');
    expect(pkt.questions?.[0].name).toBe('A.EXAMPLE.test');
  });

  it('keys on type and on the DO bit', async () => {
    const h = await setup();
    await h.ask('a.example.test', 'A');
    await h.ask('a.example.test', 'AAAA');
    await h.ask('a.example.test', 'A', { do: true });
    expect(up.count()).toBe(3);
    expect((await h.ask('a.example.test', 'A', { do: true })).ctx.source).toBe('cache');
  });

  it('caches NXDOMAIN for min(SOA TTL, SOA MINIMUM)', async () => {
    const h = await setup();
    await h.ask('nx.example.test', 'A');
    h.clock.ms += 59_000;
    const hit = await h.ask('nx.example.test', 'A');
    expect(hit.ctx.source).toBe('cache');
    expect(rcodeOf(hit.pkt)).toBe('NXDOMAIN');
    h.clock.ms += 2_000;
    expect((await h.ask('nx.example.test', 'A')).ctx.source).toBe('forward');
  });

  it('caps negative caching at negativeTtl', async () => {
    const h = await setup({ negativeTtl: 10 });
    await h.ask('nodata.example.test', 'MX');
    h.clock.ms += 9_000;
    expect((await h.ask('nodata.example.test', 'MX')).ctx.source).toBe('cache');
    h.clock.ms += 2_000;
    expect((await h.ask('nodata.example.test', 'MX')).ctx.source).toBe('forward');
  });

  it('does not cache a negative answer without an SOA, nor SERVFAIL', async () => {
    const h = await setup();
    await h.ask('nosoa.example.test', 'A');
    await h.ask('nosoa.example.test', 'A');
    expect(up.count()).toBe(2);
    up.behaviour = 'servfail';
    await h.ask('b.example.test', 'A');
    await h.ask('b.example.test', 'A');
    expect(up.queries.filter((q) => q.packet.questions?.[0].name === 'b.example.test')).toHaveLength(2);
    expect(h.fwd.cacheSize()).toBe(0);
  });

  it('does not cache truncated answers', () => {
    const reply = dnsPacket.encode({
      id: 1,
      type: 'response',
      flags: dnsPacket.TRUNCATED_RESPONSE,
      questions: [{ name: 'a.test', type: 'A', class: 'IN' }],
      answers: [{ type: 'A', name: 'a.test', ttl: 300, data: '192.0.2.1' }],
    });
    const s = config().cache;
    if (s === false) throw new Error('cache on by default');
    expect(cacheTtl(reply, scanMessage(reply)!, s)).toBe(0);
    reply.writeUInt16BE(0x8000, 2);
    expect(cacheTtl(reply, scanMessage(reply)!, s)).toBe(300);
  });

  it('clamps TTLs to [minTtl, maxTtl]', async () => {
    const h = await setup({ minTtl: 30, maxTtl: 100 });
    await h.ask('ttl5.example.test', 'A');
    await h.ask('a.example.test', 'A');
    h.clock.ms += 20_000;
    expect((await h.ask('ttl5.example.test', 'A')).ctx.source).toBe('cache');
    h.clock.ms += 81_000;
    expect((await h.ask('a.example.test', 'A')).ctx.source).toBe('forward');
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const h = await setup({ maxEntries: 2 });
    await h.ask('a.example.test', 'A');
    await h.ask('b.example.test', 'A');
    await h.ask('a.example.test', 'A'); // a is now the most recent
    await h.ask('c.example.test', 'A'); // evicts b
    expect(h.fwd.cacheSize()).toBe(2);
    expect((await h.ask('a.example.test', 'A')).ctx.source).toBe('cache');
    expect((await h.ask('b.example.test', 'A')).ctx.source).toBe('forward');
  });

  it('is off with cache: false', async () => {
    const h = await setup(false);
    await h.ask('a.example.test', 'A');
    await h.ask('a.example.test', 'A');
    expect(up.count()).toBe(2);
  });

  it('clears the names the new config owns on reload, and keeps the rest', async () => {
    const h = await setup();
    const api = 'abc123defg.execute-api.us-east-2.amazonaws.com';
    await h.ask(api, 'A');
    await h.ask('a.example.test', 'A');
    expect(h.fwd.cacheSize()).toBe(2);
    const next = config({
      vpcs: [
        {
          id: 'vpc-0a1b2c3d4e5f60718',
          region: 'us-east-2',
          cidrs: ['127.0.0.0/8'],
          subnets: [{ id: 'subnet-0a1a2a3a4a5a6a7a8', az: 'us-east-2a', ipv4Cidr: '10.0.1.0/24' }],
          endpoints: [
            {
              service: 'com.amazonaws.us-east-2.execute-api',
              interfaces: [{ subnet: 'subnet-0a1a2a3a4a5a6a7a8', ipv4: '10.0.1.5' }],
            },
          ],
        },
      ],
    });
    h.catalog = buildCatalog(next, new HealthState());
    h.fwd.reload(next, [up.hostPort]);
    expect(h.fwd.cacheSize()).toBe(1);
    expect((await h.ask('a.example.test', 'A')).ctx.source).toBe('cache');
  });

  it('clears everything when the upstreams change on reload', async () => {
    const h = await setup();
    await h.ask('a.example.test', 'A');
    const other = await startFakeUpstream();
    try {
      h.fwd.reload(config(), [other.hostPort]);
      expect(h.fwd.cacheSize()).toBe(0);
      await h.ask('a.example.test', 'A');
      expect(other.count()).toBe(1);
    } finally {
      await h.close();
      await other.close();
    }
  });
});
