/** Conditional forwarding rules, owned names kept local, CNAME chains completed from our records. */
import type * as dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { addresses, forwardFixtures, type Harness, rcodeOf } from './util.js';

const { fake, harness } = forwardFixtures();
let h: Harness | undefined;

/** A VPC (clients from 127.0.0.0/8) with an execute-api endpoint: *.execute-api.us-east-2.amazonaws.com. */
const VPC: ConfigInput['vpcs'] = [
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
];
const API = 'abc123defg.execute-api.us-east-2.amazonaws.com';

describe('forwarding rules', () => {
  it('sends a domain to its rule upstreams; the longest matching domain wins', async () => {
    const def = await fake();
    const corp = await fake();
    const dev = await fake();
    h = harness({
      upstreams: [def.hostPort],
      config: {
        cache: false,
        forwardingRules: [
          { domain: 'corp.example', upstreams: [corp.hostPort] },
          { domain: 'dev.corp.example.', upstreams: [dev.hostPort] },
        ],
      },
    });
    await h.ask('host.corp.example', 'A');
    await h.ask('CORP.example', 'A');
    await h.ask('a.b.dev.corp.example', 'A');
    await h.ask('www.example.org', 'A');
    await h.ask('notcorp.example', 'A');
    expect(corp.count()).toBe(2);
    expect(dev.count()).toBe(1);
    expect(def.count()).toBe(2);
  });

  it('sends a rule with no upstreams, or action system, to the default upstreams', async () => {
    const def = await fake();
    const corp = await fake();
    h = harness({
      upstreams: [def.hostPort],
      config: {
        cache: false,
        forwardingRules: [
          { domain: 'corp.example', upstreams: [corp.hostPort] },
          { domain: 'public.corp.example', upstreams: [] },
          { domain: 'sys.corp.example', upstreams: [corp.hostPort], action: 'system' },
        ],
      },
    });
    await h.ask('www.public.corp.example', 'A');
    await h.ask('x.sys.corp.example', 'A');
    expect(def.count()).toBe(2);
    expect(corp.count()).toBe(0);
  });

  it('never sends the names we own upstream', async () => {
    const up = await fake();
    h = harness({ upstreams: [up.hostPort], config: { cache: false, vpcs: VPC } });
    const view = h.catalog.viewFor('127.0.0.1');
    const { pkt, ctx } = await h.ask(API, 'A', {}, view);
    expect(addresses(pkt)).toEqual(['10.0.1.5']);
    expect(ctx.source).toBe('local');
    expect(up.count()).toBe(0);
  });
});

describe('CNAME chain completion', () => {
  const answer = (q: dnsPacket.Question) =>
    q.name.toLowerCase() === 'api.custom.example'
      ? {
          answers: [
            { type: 'CNAME', name: q.name, ttl: 300, data: API },
            { type: 'A', name: API, ttl: 60, data: '203.0.113.9' },
          ] as dnsPacket.Answer[],
        }
      : { rcode: 'NXDOMAIN' };

  it("completes a forwarded CNAME to a name we own in the client's view from our records", async () => {
    const up = await fake({ answer });
    h = harness({ upstreams: [up.hostPort], config: { vpcs: VPC } });
    const view = h.catalog.viewFor('127.0.0.1');
    const { pkt } = await h.ask('api.custom.example', 'A', {}, view);
    expect(rcodeOf(pkt)).toBe('NOERROR');
    expect(pkt.answers?.map((a) => [a.type, a.name, (a as { data: unknown }).data])).toEqual([
      ['CNAME', 'api.custom.example', API],
      ['A', API, '10.0.1.5'],
    ]);
    // From the cache too.
    const again = await h.ask('api.custom.example', 'A', {}, view);
    expect(again.ctx.source).toBe('cache');
    expect(addresses(again.pkt)).toEqual(['10.0.1.5']);
    expect(up.count()).toBe(1);
  });

  it('relays the public answer to a client outside the view', async () => {
    const up = await fake({ answer });
    h = harness({ upstreams: [up.hostPort], config: { vpcs: VPC } });
    const { pkt } = await h.ask('api.custom.example', 'A', {}, null);
    expect(addresses(pkt)).toEqual(['203.0.113.9']);
  });
});
