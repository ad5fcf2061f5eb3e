/**
 * Route 53 private hosted zone answers, in zone-file style: each row is a question from a client
 * in one of the VPC views and the whole expected response (rcode, answer, authority), decoded by
 * dns-packet. Covers records, NODATA / NXDOMAIN, empty non-terminals, wildcards against existing
 * names, overlapping zones (no fall-back), CNAME chains, aliases (to endpoints, records and
 * aliases), reverse zones and views.
 */
import { describe, expect, it } from 'vitest';
import { localHarness } from '../helpers/local-answer.js';
import {
  centralized,
  IN_A,
  IN_B,
  IN_HUB,
  OUTSIDE,
  rr,
  SPOKE_A,
  SQS_ADDRS,
  SQS_REGIONAL,
  sqsZonal,
} from './fixture.js';

const SOA = 'ns-1536.awsdns-00.co.uk awsdns-hostmaster.amazon.com 1 7200 900 1209600 86400';
const soa = (zone: string) => `${zone} 900 SOA ${SOA}`;

interface Row {
  qname: string;
  qtype?: string;
  client: string;
  /** 'forward': not ours for this client, the chain passes it on. */
  rcode: string;
  answer?: string[];
  authority?: string[];
  /** Answers compared in order (chains) rather than as a set. */
  ordered?: boolean;
}

const sqs = (name: string, ttl = 60) => SQS_ADDRS.map((a) => `${name} ${ttl} A ${a}`);

const rows: Row[] = [
  // Records, TTL as given or 300.
  {
    qname: 'api.corp.internal',
    client: IN_A,
    rcode: 'NOERROR',
    answer: ['api.corp.internal 300 A 10.0.5.10', 'api.corp.internal 300 A 10.0.5.11'],
  },
  {
    qname: 'mail.corp.internal',
    client: IN_B,
    rcode: 'NOERROR',
    answer: ['mail.corp.internal 300 A 10.0.5.25'],
  },
  {
    qname: 'corp.internal',
    qtype: 'MX',
    client: IN_A,
    rcode: 'NOERROR',
    answer: ['corp.internal 300 MX 10 mail.corp.internal'],
  },
  {
    qname: 'txt.corp.internal',
    qtype: 'TXT',
    client: IN_A,
    rcode: 'NOERROR',
    answer: ['txt.corp.internal 120 TXT "v=spf1 -all"', 'txt.corp.internal 120 TXT "two" "strings"'],
  },
  {
    qname: '_sip._tcp.corp.internal',
    qtype: 'SRV',
    client: IN_A,
    rcode: 'NOERROR',
    answer: ['_sip._tcp.corp.internal 300 SRV 10 5 5060 mail.corp.internal'],
  },
  {
    qname: 'caa.corp.internal',
    qtype: 'CAA',
    client: IN_A,
    rcode: 'NOERROR',
    answer: ['caa.corp.internal 300 CAA 0 issue "amazon.com"'],
  },
  {
    qname: 'sub.corp.internal',
    qtype: 'NS',
    client: IN_A,
    rcode: 'NOERROR',
    answer: ['sub.corp.internal 300 NS ns1.elsewhere.example'],
  },
  // Apex SOA and NS without being declared.
  { qname: 'corp.internal', qtype: 'SOA', client: IN_A, rcode: 'NOERROR', answer: [soa('corp.internal')] },
  {
    qname: 'corp.internal',
    qtype: 'NS',
    client: IN_A,
    rcode: 'NOERROR',
    answer: [
      'corp.internal 172800 NS ns-1536.awsdns-00.co.uk',
      'corp.internal 172800 NS ns-0.awsdns-00.com',
      'corp.internal 172800 NS ns-1024.awsdns-00.org',
      'corp.internal 172800 NS ns-512.awsdns-00.net',
    ],
  },
  // NODATA, NXDOMAIN, empty non-terminals.
  {
    qname: 'api.corp.internal',
    qtype: 'AAAA',
    client: IN_A,
    rcode: 'NOERROR',
    authority: [soa('corp.internal')],
  },
  { qname: 'corp.internal', qtype: 'A', client: IN_A, rcode: 'NOERROR', authority: [soa('corp.internal')] },
  { qname: 'nope.corp.internal', client: IN_A, rcode: 'NXDOMAIN', authority: [soa('corp.internal')] },
  { qname: 'y.deep.corp.internal', client: IN_A, rcode: 'NOERROR', authority: [soa('corp.internal')] },
  {
    qname: 'deep.corp.internal',
    qtype: 'TXT',
    client: IN_A,
    rcode: 'NOERROR',
    authority: [soa('corp.internal')],
  },
  { qname: 'z.y.deep.corp.internal', client: IN_A, rcode: 'NXDOMAIN', authority: [soa('corp.internal')] },
  {
    qname: 'x.y.deep.corp.internal',
    client: IN_A,
    rcode: 'NOERROR',
    answer: ['x.y.deep.corp.internal 300 A 10.0.7.1'],
  },
  // Wildcards: any depth below, unless a more specific name exists.
  {
    qname: 'web.apps.corp.internal',
    client: IN_A,
    rcode: 'NOERROR',
    answer: ['web.apps.corp.internal 60 A 10.0.6.1'],
  },
  {
    qname: 'a.b.apps.corp.internal',
    client: IN_A,
    rcode: 'NOERROR',
    answer: ['a.b.apps.corp.internal 60 A 10.0.6.1'],
  },
  {
    qname: 'WEB.Apps.corp.internal',
    client: IN_A,
    rcode: 'NOERROR',
    answer: ['WEB.Apps.corp.internal 60 A 10.0.6.1'],
  },
  { qname: 'special.apps.corp.internal', client: IN_A, rcode: 'NOERROR', authority: [soa('corp.internal')] },
  {
    qname: 'special.apps.corp.internal',
    qtype: 'TXT',
    client: IN_A,
    rcode: 'NOERROR',
    answer: ['special.apps.corp.internal 300 TXT "not the wildcard"'],
  },
  {
    qname: 'x.special.apps.corp.internal',
    client: IN_A,
    rcode: 'NXDOMAIN',
    authority: [soa('corp.internal')],
  },
  { qname: 'apps.corp.internal', client: IN_A, rcode: 'NOERROR', authority: [soa('corp.internal')] },
  {
    qname: 'web.apps.corp.internal',
    qtype: 'AAAA',
    client: IN_A,
    rcode: 'NOERROR',
    authority: [soa('corp.internal')],
  },
  // CNAME chains followed within our names; NXDOMAIN at the end of a chain keeps the chain.
  {
    qname: 'www.corp.internal',
    client: IN_A,
    rcode: 'NOERROR',
    ordered: true,
    answer: [
      'www.corp.internal 300 CNAME api.corp.internal',
      'api.corp.internal 300 A 10.0.5.10',
      'api.corp.internal 300 A 10.0.5.11',
    ],
  },
  {
    qname: 'www.corp.internal',
    qtype: 'CNAME',
    client: IN_A,
    rcode: 'NOERROR',
    answer: ['www.corp.internal 300 CNAME api.corp.internal'],
  },
  {
    qname: 'www.corp.internal',
    qtype: 'AAAA',
    client: IN_A,
    rcode: 'NOERROR',
    answer: ['www.corp.internal 300 CNAME api.corp.internal'],
    authority: [soa('corp.internal')],
  },
  {
    qname: 'dangling.corp.internal',
    client: IN_A,
    rcode: 'NXDOMAIN',
    answer: ['dangling.corp.internal 300 CNAME missing.corp.internal'],
    authority: [soa('corp.internal')],
  },
  // A CNAME into another zone of the view: that zone's alias to the hub endpoint.
  {
    qname: 'to-sqs.corp.internal',
    client: IN_A,
    rcode: 'NOERROR',
    ordered: false,
    answer: [
      'to-sqs.corp.internal 300 CNAME sqs.us-east-2.amazonaws.com',
      ...sqs('sqs.us-east-2.amazonaws.com'),
    ],
  },
  // Aliases: the target's records under the queried name, the target's TTL, never a CNAME.
  {
    qname: 'sqs.us-east-2.amazonaws.com',
    client: IN_A,
    rcode: 'NOERROR',
    answer: sqs('sqs.us-east-2.amazonaws.com'),
  },
  {
    qname: 'sqs.us-east-2.amazonaws.com',
    client: IN_HUB,
    rcode: 'NOERROR',
    answer: sqs('sqs.us-east-2.amazonaws.com'),
  },
  {
    qname: 'sqs.us-east-2.amazonaws.com',
    qtype: 'AAAA',
    client: IN_B,
    rcode: 'NOERROR',
    authority: [soa('sqs.us-east-2.amazonaws.com')],
  },
  {
    qname: 'foo.sqs.us-east-2.amazonaws.com',
    client: IN_B,
    rcode: 'NXDOMAIN',
    authority: [soa('sqs.us-east-2.amazonaws.com')],
  },
  {
    qname: 'alias-api.corp.internal',
    client: IN_A,
    rcode: 'NOERROR',
    answer: ['alias-api.corp.internal 300 A 10.0.5.10', 'alias-api.corp.internal 300 A 10.0.5.11'],
  },
  {
    qname: 'alias2.corp.internal',
    client: IN_B,
    rcode: 'NOERROR',
    answer: ['alias2.corp.internal 300 A 10.0.5.10', 'alias2.corp.internal 300 A 10.0.5.11'],
  },
  {
    qname: 'zonal-a.corp.internal',
    client: IN_A,
    rcode: 'NOERROR',
    answer: ['zonal-a.corp.internal 60 A 10.0.1.40'],
  },
  // Overlapping zones: the most specific one decides, with no fall-back to the parent zone.
  {
    qname: 'www.acme.corp.internal',
    client: IN_A,
    rcode: 'NOERROR',
    answer: ['www.acme.corp.internal 300 A 10.0.8.1'],
  },
  {
    qname: 'shadowed.acme.corp.internal',
    client: IN_A,
    rcode: 'NXDOMAIN',
    authority: [soa('acme.corp.internal')],
  },
  // Spoke B is not associated with acme.corp.internal: corp.internal answers there.
  {
    qname: 'shadowed.acme.corp.internal',
    client: IN_B,
    rcode: 'NOERROR',
    answer: ['shadowed.acme.corp.internal 300 A 10.0.8.8'],
  },
  { qname: 'www.acme.corp.internal', client: IN_B, rcode: 'NXDOMAIN', authority: [soa('corp.internal')] },
  // Reverse zones.
  {
    qname: '10.5.0.10.in-addr.arpa',
    qtype: 'PTR',
    client: IN_A,
    rcode: 'NOERROR',
    answer: ['10.5.0.10.in-addr.arpa 300 PTR api.corp.internal'],
  },
  {
    qname: '11.5.0.10.in-addr.arpa',
    qtype: 'PTR',
    client: IN_A,
    rcode: 'NXDOMAIN',
    authority: [soa('0.10.in-addr.arpa')],
  },
  { qname: '10.5.0.10.in-addr.arpa', qtype: 'PTR', client: IN_B, rcode: 'forward' },
  // Views: outside every associated VPC the names are forwarded; the hub does not see corp.internal.
  { qname: 'api.corp.internal', client: OUTSIDE, rcode: 'forward' },
  { qname: 'sqs.us-east-2.amazonaws.com', client: OUTSIDE, rcode: 'forward' },
  { qname: 'api.corp.internal', client: IN_HUB, rcode: 'forward' },
  // The hub endpoint's own regional name stays public.
  { qname: SQS_REGIONAL, client: OUTSIDE, rcode: 'NOERROR', answer: sqs(SQS_REGIONAL) },
  // A CNAME to a public name, without a forwarder here: the chain as far as it is ours.
  {
    qname: 'ext.corp.internal',
    client: IN_A,
    rcode: 'NOERROR',
    answer: ['ext.corp.internal 30 CNAME public.example.com'],
  },
];

describe('private hosted zone answers', () => {
  const h = localHarness(centralized());
  for (const row of rows) {
    const q = `${row.qname} ${row.qtype ?? 'A'} from ${row.client}`;
    it(q, () => {
      const d = h.ask(row.qname, { type: row.qtype ?? 'A', client: row.client, edns: 1232 });
      if (row.rcode === 'forward') {
        expect(d, `${q} should be forwarded`).toBeUndefined();
        return;
      }
      expect(d, `${q} should be answered locally`).toBeDefined();
      expect(d!.rcode).toBe(row.rcode);
      const answer = (d!.answers ?? []).map(rr);
      if (row.ordered) expect(answer).toEqual(row.answer ?? []);
      else expect([...answer].sort()).toEqual([...(row.answer ?? [])].sort());
      expect((d!.authorities ?? []).map(rr)).toEqual(row.authority ?? []);
    });
  }

  it('a zonal alias answers the zonal name only, the regional one follows AZ health', () => {
    h.health.setAzImpaired('us-east-2a', true);
    try {
      const z = h.ask('zonal-a.corp.internal', { client: IN_A })!;
      expect(z.answers?.map(rr)).toEqual(['zonal-a.corp.internal 60 A 10.0.1.40']);
      const r = h.ask('sqs.us-east-2.amazonaws.com', { client: IN_A })!;
      expect(r.answers?.map(rr).sort()).toEqual(sqs('sqs.us-east-2.amazonaws.com').slice(1).sort());
    } finally {
      h.health.setAzImpaired('us-east-2a', false);
    }
    expect(h.ask('sqs.us-east-2.amazonaws.com', { client: IN_A })!.answers).toHaveLength(3);
  });

  it('the private zone has no effect on the zonal names of the endpoint', () => {
    const d = h.ask(sqsZonal('us-east-2b'), { client: IN_A })!;
    expect(d.answers?.map(rr)).toEqual([`${sqsZonal('us-east-2b')} 60 A 10.0.2.40`]);
  });
});

describe('declared apex SOA and NS', () => {
  const c = centralized();
  c.privateHostedZones!.push({
    name: 'own.internal',
    vpcs: [c.vpcs![1].id],
    records: [
      {
        name: 'own.internal',
        type: 'SOA',
        ttl: 120,
        values: ['ns1.own.internal. admin.own.internal. 42 3600 600 86400 30'],
      },
      { name: 'own.internal', type: 'NS', ttl: 3600, values: ['ns1.own.internal.', 'ns2.own.internal.'] },
      { name: 'ns1.own.internal', type: 'A', values: ['10.1.1.1'] },
    ],
  });
  const h = localHarness(c);
  const ownSoa = 'own.internal 120 SOA ns1.own.internal admin.own.internal 42 3600 600 86400 30';

  it('answer SOA and NS queries at the apex and sign negative answers with the declared SOA', () => {
    expect(h.ask('own.internal', { type: 'SOA', client: IN_A })!.answers?.map(rr)).toEqual([ownSoa]);
    expect(h.ask('own.internal', { type: 'NS', client: IN_A })!.answers?.map(rr).sort()).toEqual([
      'own.internal 3600 NS ns1.own.internal',
      'own.internal 3600 NS ns2.own.internal',
    ]);
    const nx = h.ask('nope.own.internal', { client: IN_A })!;
    expect(nx.rcode).toBe('NXDOMAIN');
    expect(nx.authorities?.map(rr)).toEqual([ownSoa]);
  });
});

describe('a VPC with a Resolver inbound endpoint', () => {
  // Spoke A's on-premises range, which reaches the VPC through a Resolver inbound endpoint: its
  // clients get a view of their own, and the VPC's private hosted zones answer in it too.
  const ON_PREMISES = '172.16.0.0/16';
  const c = centralized();
  const spokeA = c.vpcs!.find((v) => v.id === SPOKE_A)!;
  spokeA.inboundResolverCidrs = [ON_PREMISES];
  const h = localHarness(c);

  it('answers the zones of the VPC to inbound-endpoint clients as to the VPC’s own', () => {
    const own = h.ask('api.corp.internal', { client: IN_A })!;
    const inbound = h.ask('api.corp.internal', { client: '172.16.4.4' })!;
    expect(inbound.rcode).toBe('NOERROR');
    expect(inbound.answers?.map(rr).sort()).toEqual(own.answers?.map(rr).sort());
    expect(inbound.answers?.length).toBeGreaterThan(0);
    // And a missing name is this zone's NXDOMAIN, not a forward.
    expect(h.ask('nope.corp.internal', { client: '172.16.4.4' })!.rcode).toBe('NXDOMAIN');
  });
});
