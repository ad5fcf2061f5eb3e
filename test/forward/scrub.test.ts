/**
 * Out-of-bailiwick scrubbing of upstream answers: records for names we own, answers off the
 * CNAME chain and authority/additional records of other zones are never relayed or cached;
 * relayed TTLs are capped at the cache's maxTtl.
 */
import * as dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { scanMessage } from '../../src/dns/relay.js';
import { atOrAbove, scrubResponse } from '../../src/dns/scrub.js';
import type { FakeAnswer } from '../helpers/fake-upstream.js';
import { addresses, forwardFixtures, type Harness } from './util.js';

const { fake, harness } = forwardFixtures();

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
/** A private DNS name of the endpoint: ours in the VPC's view only. */
const PRIVATE = 'abc123defg.execute-api.us-east-2.amazonaws.com';

const rr = (r: Record<string, unknown>) => ({ class: 'IN', ttl: 300, ...r }) as dnsPacket.Answer;
const summary = (recs: dnsPacket.Answer[] | undefined) =>
  (recs ?? [])
    .filter((r) => r.type !== 'OPT')
    .map((r) => `${r.name} ${r.type} ${String((r as { data: unknown }).data)}`);

/** What the attack answered for www.example.org: a forged record for our vpce name, amazonaws.com NS. */
function forged(vpceName: string): FakeAnswer {
  return {
    answers: [
      rr({ name: 'www.example.org', type: 'A', data: '192.0.2.1' }),
      rr({ name: vpceName, type: 'A', data: '6.6.6.6' }),
      rr({ name: PRIVATE, type: 'A', data: '6.6.6.7' }),
    ],
    authorities: [
      rr({ name: 'amazonaws.com', type: 'NS', data: 'ns.evil.test' }),
      rr({ name: 'example.org', type: 'NS', data: 'ns1.example.org' }),
    ],
    additionals: [
      rr({ name: 'ns.evil.test', type: 'A', data: '6.6.6.8' }),
      rr({ name: vpceName, type: 'A', data: '6.6.6.9' }),
      rr({ name: 'ns1.example.org', type: 'A', data: '192.0.2.53' }),
    ],
  };
}

function withVpc(answer: (q: dnsPacket.Question) => FakeAnswer, config: ConfigInput = {}) {
  return async (): Promise<Harness> => {
    const up = await fake({ answer });
    return harness({ upstreams: [up.hostPort], config: { vpcs: VPC, ...config } });
  };
}

describe('scrubbing upstream answers', () => {
  it('never relays or caches a forged record for our vpce name or an amazonaws.com NS', async () => {
    let vpceName = '';
    const h = await withVpc(() => forged(vpceName))();
    vpceName = h.catalog.endpoints[0].regionalName;
    expect(vpceName).toMatch(/\.vpce\.amazonaws\.com$/);
    for (const source of ['forward', 'cache']) {
      const { pkt, ctx } = await h.ask('www.example.org', 'A', { edns: true });
      expect(ctx.source).toBe(source);
      expect(summary(pkt.answers)).toEqual(['www.example.org A 192.0.2.1']);
      expect(summary(pkt.authorities)).toEqual(['example.org NS ns1.example.org']);
      expect(summary(pkt.additionals)).toEqual(['ns1.example.org A 192.0.2.53']);
    }
    expect(h.metrics.value('forward_scrubbed')).toBe(5);
  });

  it("drops records for a name only the client's VPC owns for that client, and relays them outside it", async () => {
    const h = await withVpc(() => ({
      answers: [
        rr({ name: 'www.example.org', type: 'CNAME', data: 'edge.example.net' }),
        rr({ name: 'edge.example.net', type: 'A', data: '192.0.2.1' }),
      ],
      additionals: [rr({ name: PRIVATE, type: 'A', data: '6.6.6.7' })],
      authorities: [rr({ name: 'example.net', type: 'NS', data: PRIVATE })],
    }))();
    const view = h.catalog.viewFor('127.0.0.1');
    expect(view).not.toBeNull();
    const inside = await h.ask('www.example.org', 'A', {}, view);
    expect(summary(inside.pkt.answers)).toEqual([
      'www.example.org CNAME edge.example.net',
      'edge.example.net A 192.0.2.1',
    ]);
    expect(summary(inside.pkt.additionals)).toEqual([]);
    const outside = await h.ask('www.example.org', 'A', {}, null);
    expect(outside.ctx.source).toBe('cache');
    expect(summary(outside.pkt.additionals)).toEqual([`${PRIVATE} A 6.6.6.7`]);
  });

  it('relays the answer records along the CNAME chain only, in any order', async () => {
    const h = await withVpc(() => ({
      answers: [
        rr({ name: 'b.example.net', type: 'A', data: '192.0.2.2' }),
        rr({ name: 'unrelated.example.com', type: 'A', data: '6.6.6.6' }),
        rr({ name: 'www.example.org', type: 'CNAME', data: 'b.example.net' }),
      ],
      authorities: [rr({ name: 'example.com', type: 'SOA', data: soaData() })],
    }))();
    const { pkt } = await h.ask('www.example.org', 'A');
    expect(summary(pkt.answers)).toEqual([
      'b.example.net A 192.0.2.2',
      'www.example.org CNAME b.example.net',
    ]);
    expect(pkt.authorities ?? []).toEqual([]);
  });

  it('keeps the SOA of the zone of a negative answer and drops one of another zone', async () => {
    const h = await withVpc(() => ({
      rcode: 'NXDOMAIN',
      authorities: [
        rr({ name: 'example.org', type: 'SOA', data: soaData() }),
        rr({ name: 'evil.test', type: 'SOA', data: soaData() }),
      ],
    }))();
    const { pkt } = await h.ask('nope.example.org', 'A');
    expect((pkt as { rcode?: string }).rcode).toBe('NXDOMAIN');
    expect(pkt.authorities?.map((r) => r.name)).toEqual(['example.org']);
  });

  it("caps relayed TTLs at the cache's maxTtl (86400 with the cache off)", async () => {
    const long = () => ({
      answers: [rr({ name: 'www.example.org', type: 'A', ttl: 604_800, data: '192.0.2.1' })],
    });
    const capped = await withVpc(long, { cache: { maxTtl: 3600 } })();
    const a = await capped.ask('www.example.org', 'A');
    expect(a.pkt.answers?.map((r) => (r as { ttl?: number }).ttl)).toEqual([3600]);
    const off = await withVpc(long, { cache: false })();
    const b = await off.ask('www.example.org', 'A');
    expect(b.pkt.answers?.map((r) => (r as { ttl?: number }).ttl)).toEqual([86_400]);
    expect(addresses(b.pkt)).toEqual(['192.0.2.1']);
  });
});

function soaData() {
  return {
    mname: 'ns.example.org',
    rname: 'hostmaster.example.org',
    serial: 1,
    refresh: 3600,
    retry: 600,
    expire: 86400,
    minimum: 60,
  };
}

describe('scrubResponse', () => {
  /** Labels of a name, then a pointer or the root. */
  const labels = (name: string, ptr?: number) =>
    Buffer.concat([
      ...name
        .split('.')
        .filter(Boolean)
        .map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
      ptr === undefined ? Buffer.from([0]) : Buffer.from([0xc0 | (ptr >> 8), ptr & 0xff]),
    ]);
  const fixed = (type: number, ttl: number, rdlen: number) => {
    const b = Buffer.alloc(10);
    b.writeUInt16BE(type, 0);
    b.writeUInt16BE(1, 2);
    b.writeUInt32BE(ttl, 4);
    b.writeUInt16BE(rdlen, 8);
    return b;
  };

  it('re-encodes kept records whose names pointed into a dropped one', () => {
    // Question www.Example.org. Answer 1, off the chain, owns "CDN.other.test"; the CNAME's
    // target is a pointer to "other.test" inside it, and the A record's owner a pointer to that.
    const header = Buffer.from([0x12, 0x34, 0x81, 0x80, 0, 1, 0, 3, 0, 0, 0, 0]);
    const question = Buffer.concat([labels('www.Example.org'), Buffer.from([0, 1, 0, 1])]);
    const junkAt = header.length + question.length;
    const junk = Buffer.concat([labels('CDN.other.test'), fixed(1, 60, 4), Buffer.from([6, 6, 6, 6])]);
    const otherAt = junkAt + 4; // past the label "CDN"
    const cnameAt = junkAt + junk.length;
    const cname = Buffer.concat([Buffer.from([0xc0, 12]), fixed(5, 300, 2), Buffer.from([0xc0, otherAt])]);
    const targetAt = cnameAt + 2 + 10;
    const aRec = Buffer.concat([Buffer.from([0xc0, targetAt]), fixed(1, 60, 4), Buffer.from([192, 0, 2, 9])]);
    const msg = Buffer.concat([header, question, junk, cname, aRec]);
    const scan = scanMessage(msg);
    expect(scan?.records.map((r) => r.name)).toEqual(['cdn.other.test', 'www.example.org', 'other.test']);
    const out = scrubResponse(msg, scan!, { owned: null, maxTtl: 86_400 });
    expect(out.dropped).toBe(1);
    const d = dnsPacket.decode(out.reply);
    expect(d.id).toBe(0x1234);
    expect(summary(d.answers)).toEqual(['www.Example.org CNAME other.test', 'other.test A 192.0.2.9']);
    expect(out.scan.records.map((r) => r.name)).toEqual(['www.example.org', 'other.test']);
  });

  it('returns the same buffer when there is nothing to scrub', () => {
    const msg = dnsPacket.encode({
      type: 'response',
      id: 1,
      flags: 0x8180,
      questions: [{ name: 'a.example', type: 'A' }],
      answers: [rr({ name: 'a.example', type: 'A', data: '192.0.2.1' })],
      authorities: [rr({ name: 'example', type: 'NS', data: 'ns.example' })],
      additionals: [rr({ name: 'ns.example', type: 'A', data: '192.0.2.53' })],
    });
    const scan = scanMessage(msg)!;
    const out = scrubResponse(msg, scan, { owned: null, maxTtl: 86_400 });
    expect(out.reply).toBe(msg);
    expect(out.scan).toBe(scan);
  });

  it('compares names label by label', () => {
    expect(atOrAbove('example.org', 'www.example.org')).toBe(true);
    expect(atOrAbove('example.org', 'example.org')).toBe(true);
    expect(atOrAbove('', 'example.org')).toBe(true);
    expect(atOrAbove('ample.org', 'www.example.org')).toBe(false);
    expect(atOrAbove('www.example.org', 'example.org')).toBe(false);
  });
});
