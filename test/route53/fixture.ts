/** A hub VPC with endpoints (private DNS off) and two spokes that see the hub through private hosted zones. */
import type { ConfigInput } from '../../src/config/schema.js';
import type { Decoded } from '../helpers/dns-client.js';

export const HUB = 'vpc-0a1b2c3d4e5f60718';
export const SPOKE_A = 'vpc-0aaaaaaaaaaaaaaa1';
export const SPOKE_B = 'vpc-0bbbbbbbbbbbbbbb2';
/** Client addresses inside each VPC, and one in none (allowed by default, RFC 1918). */
export const IN_HUB = '10.0.9.9';
export const IN_A = '10.10.0.5';
export const IN_B = '10.20.0.5';
export const OUTSIDE = '192.168.7.7';

export const SQS_ID = 'vpce-0c1a2b3c4d5e6f708';
export const SQS_REGIONAL = `${SQS_ID}-abcd1234.sqs.us-east-2.vpce.amazonaws.com`;
export const sqsZonal = (az: string) => `${SQS_ID}-abcd1234-${az}.sqs.us-east-2.vpce.amazonaws.com`;
export const SQS_ADDRS = ['10.0.1.40', '10.0.2.40', '10.0.3.40'];

const SUBNETS = [
  { id: 'subnet-0aaa', az: 'us-east-2a', ipv4Cidr: '10.0.1.0/24' },
  { id: 'subnet-0bbb', az: 'us-east-2b', ipv4Cidr: '10.0.2.0/24' },
  { id: 'subnet-0ccc', az: 'us-east-2c', ipv4Cidr: '10.0.3.0/24' },
];

type Zone = NonNullable<ConfigInput['privateHostedZones']>[number];
type Rec = Zone['records'] extends (infer R)[] | undefined ? R : never;

export const CORP_RECORDS: Rec[] = [
  { name: 'api.corp.internal', type: 'A', ttl: 300, values: ['10.0.5.10', '10.0.5.11'] },
  { name: 'www.corp.internal', type: 'CNAME', ttl: 300, values: ['api.corp.internal'] },
  { name: '*.apps.corp.internal', type: 'A', ttl: 60, values: ['10.0.6.1'] },
  { name: 'special.apps.corp.internal', type: 'TXT', values: ['"not the wildcard"'] },
  { name: 'corp.internal', type: 'MX', values: ['10 mail.corp.internal'] },
  { name: 'mail.corp.internal', type: 'A', values: ['10.0.5.25'] },
  { name: 'x.y.deep.corp.internal', type: 'A', values: ['10.0.7.1'] },
  { name: 'txt.corp.internal', type: 'TXT', ttl: 120, values: ['"v=spf1 -all"', '"two" "strings"'] },
  { name: '_sip._tcp.corp.internal', type: 'SRV', values: ['10 5 5060 mail.corp.internal'] },
  { name: 'caa.corp.internal', type: 'CAA', values: ['0 issue "amazon.com"'] },
  { name: 'ext.corp.internal', type: 'CNAME', ttl: 30, values: ['public.example.com'] },
  { name: 'dangling.corp.internal', type: 'CNAME', values: ['missing.corp.internal'] },
  { name: 'to-sqs.corp.internal', type: 'CNAME', values: ['sqs.us-east-2.amazonaws.com'] },
  { name: 'shadowed.acme.corp.internal', type: 'A', values: ['10.0.8.8'] },
  { name: 'alias-api.corp.internal', type: 'A', aliasTarget: { dnsName: 'api.corp.internal' } },
  { name: 'alias2.corp.internal', type: 'A', aliasTarget: { dnsName: 'alias-api.corp.internal.' } },
  { name: 'zonal-a.corp.internal', type: 'A', aliasTarget: { dnsName: sqsZonal('us-east-2a') } },
  { name: 'sub.corp.internal', type: 'NS', values: ['ns1.elsewhere.example'] },
  // Weighted: blue 3, green 1, grey 0.
  { name: 'w.corp.internal', type: 'A', values: ['10.9.0.1'], setIdentifier: 'blue', weight: 3 },
  { name: 'w.corp.internal', type: 'A', values: ['10.9.0.2'], setIdentifier: 'green', weight: 1 },
  { name: 'w.corp.internal', type: 'A', values: ['10.9.0.3'], setIdentifier: 'grey', weight: 0 },
  // Weighted with an alias that follows its target's health.
  {
    name: 'wa.corp.internal',
    type: 'A',
    setIdentifier: 'hub-a',
    weight: 1,
    aliasTarget: { dnsName: sqsZonal('us-east-2a'), evaluateTargetHealth: true },
  },
  { name: 'wa.corp.internal', type: 'A', ttl: 60, values: ['10.9.6.1'], setIdentifier: 'local', weight: 1 },
  // All weights 0: equal chances.
  { name: 'w0.corp.internal', type: 'A', values: ['10.9.1.1'], setIdentifier: 'a', weight: 0 },
  { name: 'w0.corp.internal', type: 'A', values: ['10.9.1.2'], setIdentifier: 'b', weight: 0 },
  // Failover on the hub endpoint's us-east-2a interface (evaluateTargetHealth).
  {
    name: 'fo.corp.internal',
    type: 'A',
    setIdentifier: 'primary',
    failover: 'PRIMARY',
    aliasTarget: { dnsName: sqsZonal('us-east-2a'), evaluateTargetHealth: true },
  },
  {
    name: 'fo.corp.internal',
    type: 'A',
    ttl: 60,
    values: ['10.9.9.9'],
    setIdentifier: 'dr',
    failover: 'SECONDARY',
  },
  // Failover with a health check of the record itself.
  {
    name: 'fh.corp.internal',
    type: 'A',
    ttl: 60,
    values: ['10.9.8.1'],
    setIdentifier: 'main',
    failover: 'PRIMARY',
    healthCheck: { tcp: '127.0.0.1:9', intervalSeconds: 3600 },
  },
  {
    name: 'fh.corp.internal',
    type: 'A',
    ttl: 60,
    values: ['10.9.8.2'],
    setIdentifier: 'backup',
    failover: 'SECONDARY',
  },
  // Multivalue: ten records, one value each.
  ...Array.from({ length: 10 }, (_, i) => ({
    name: 'mv.corp.internal',
    type: 'A' as const,
    ttl: 60,
    values: [`10.9.7.${i + 1}`],
    setIdentifier: `m${i + 1}`,
    multiValueAnswer: true,
    ...(i < 2 ? { healthCheck: { tcp: '127.0.0.1:9', intervalSeconds: 3600 } } : {}),
  })),
];

export function centralized(over: Partial<ConfigInput> = {}): ConfigInput {
  return {
    vpcs: [
      {
        id: HUB,
        region: 'us-east-2',
        cidrs: ['10.0.0.0/16'],
        subnets: SUBNETS,
        endpoints: [
          {
            id: SQS_ID,
            dnsSuffix: 'abcd1234',
            service: 'com.amazonaws.us-east-2.sqs',
            privateDnsEnabled: false,
            interfaces: [
              { subnet: 'subnet-0aaa', ipv4: SQS_ADDRS[0] },
              { subnet: 'subnet-0bbb', ipv4: SQS_ADDRS[1] },
              { subnet: 'subnet-0ccc', ipv4: SQS_ADDRS[2] },
            ],
          },
        ],
      },
      { id: SPOKE_A, region: 'us-east-2', cidrs: ['10.10.0.0/16'] },
      { id: SPOKE_B, region: 'us-east-2', cidrs: ['10.20.0.0/16'] },
    ],
    privateHostedZones: [
      {
        name: 'sqs.us-east-2.amazonaws.com',
        id: 'Z0SQSHUB0000000000001',
        vpcs: [HUB, SPOKE_A, SPOKE_B],
        records: [
          {
            name: 'sqs.us-east-2.amazonaws.com',
            type: 'A',
            aliasTarget: { dnsName: SQS_REGIONAL, evaluateTargetHealth: true },
          },
        ],
      },
      { name: 'corp.internal.', vpcs: [SPOKE_A, SPOKE_B], records: CORP_RECORDS },
      {
        name: 'acme.corp.internal',
        vpcs: [SPOKE_A],
        records: [{ name: 'www.acme.corp.internal', type: 'A', values: ['10.0.8.1'] }],
      },
      {
        name: '0.10.in-addr.arpa',
        vpcs: [SPOKE_A],
        records: [{ name: '10.5.0.10.in-addr.arpa', type: 'PTR', values: ['api.corp.internal'] }],
      },
    ],
    ...over,
  };
}

/** A record in zone-file style: "name TTL TYPE data". */
export function rr(a: NonNullable<Decoded['answers']>[number]): string {
  // biome-ignore lint/suspicious/noExplicitAny: dns-packet's record union
  const x = a as any;
  const d = x.data;
  let data: string;
  switch (a.type) {
    case 'MX':
      data = `${d.preference} ${d.exchange}`;
      break;
    case 'SRV':
      data = `${d.priority} ${d.weight} ${d.port} ${d.target}`;
      break;
    case 'SOA':
      data = `${d.mname} ${d.rname} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
      break;
    case 'TXT':
      data = (d as Buffer[]).map((b) => JSON.stringify(b.toString())).join(' ');
      break;
    case 'CAA':
      data = `${d.flags} ${d.tag} "${d.value}"`;
      break;
    default:
      data = String(d);
  }
  return `${a.name} ${x.ttl} ${a.type} ${data}`;
}
