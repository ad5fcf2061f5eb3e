/**
 * Table tests of the owned-name catalog through the access + local handlers: the DnsRecordIpType
 * matrix, views, NODATA vs NXDOMAIN, wildcards, SOA/NS at the apex, classes and transfers.
 */
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import {
  CW_REGIONAL,
  cloudwatch,
  cwZonal,
  dualstackEndpoint,
  oneVpc,
  SUBNETS,
  VPC_ID,
} from '../helpers/configs.js';
import { addresses, type Decoded } from '../helpers/dns-client.js';
import { localHarness } from '../helpers/local-answer.js';

const OUTSIDE = '192.168.7.7'; // allowed by default (RFC 1918) but in no VPC

interface Row {
  name: string;
  type?: string;
  qclass?: string;
  client?: string;
  /** 'forward' = not answered locally */
  rcode: string;
  answer?: string[];
  /** Owner of the SOA expected in the authority section. */
  soa?: string;
  /** Answer record types expected (for SOA/NS). */
  answerTypes?: string[];
}

function check(d: Decoded | undefined, row: Row): void {
  if (row.rcode === 'forward') {
    expect(d, `${row.name} should be forwarded`).toBeUndefined();
    return;
  }
  expect(d, `${row.name} should be answered locally`).toBeDefined();
  const r = d!;
  expect(r.rcode).toBe(row.rcode);
  if (row.answer) expect(addresses(r).sort()).toEqual([...row.answer].sort());
  if (row.answerTypes) expect((r.answers ?? []).map((a) => a.type)).toEqual(row.answerTypes);
  if (row.soa) {
    expect(r.authorities?.map((a) => [a.type, a.name])).toEqual([['SOA', row.soa]]);
    expect(r.answers ?? []).toEqual([]);
  } else if (row.rcode === 'NOERROR' && !row.answerTypes) {
    expect(r.authorities ?? []).toEqual([]);
  }
}

const CW = ['10.0.1.23', '10.0.2.23', '10.0.3.23'];
const VPCE_ZONE = 'us-east-2.vpce.amazonaws.com';
const CW_ZONE = 'monitoring.us-east-2.amazonaws.com';

describe('CloudWatch endpoint (ipv4, private DNS on)', () => {
  const h = localHarness(oneVpc([cloudwatch()]));
  const rows: Row[] = [
    { name: CW_REGIONAL, rcode: 'NOERROR', answer: CW },
    { name: CW_REGIONAL, client: OUTSIDE, rcode: 'NOERROR', answer: CW },
    { name: CW_REGIONAL, type: 'AAAA', rcode: 'NOERROR', soa: VPCE_ZONE },
    { name: CW_REGIONAL, type: 'MX', rcode: 'NOERROR', soa: VPCE_ZONE },
    { name: CW_REGIONAL, type: 'ANY', rcode: 'NOERROR', answer: CW },
    { name: cwZonal('us-east-2b'), rcode: 'NOERROR', answer: ['10.0.2.23'] },
    { name: cwZonal('us-east-2c'), client: OUTSIDE, rcode: 'NOERROR', answer: ['10.0.3.23'] },
    { name: cwZonal('us-east-2b'), type: 'TXT', rcode: 'NOERROR', soa: VPCE_ZONE },
    { name: CW_ZONE, rcode: 'NOERROR', answer: CW },
    { name: 'MONITORING.us-east-2.AmazonAWS.com', rcode: 'NOERROR', answer: CW },
    { name: `${CW_ZONE}.`, rcode: 'NOERROR', answer: CW },
    { name: CW_ZONE, client: '::1', rcode: 'NOERROR', answer: CW },
    { name: CW_ZONE, client: '10.0.200.9', rcode: 'NOERROR', answer: CW },
    { name: CW_ZONE, client: OUTSIDE, rcode: 'forward' },
    { name: CW_ZONE, type: 'AAAA', rcode: 'NOERROR', soa: CW_ZONE },
    { name: CW_ZONE, type: 'TXT', rcode: 'NOERROR', soa: CW_ZONE },
    { name: CW_ZONE, type: 'SOA', rcode: 'NOERROR', answerTypes: ['SOA'] },
    { name: CW_ZONE, type: 'NS', rcode: 'NOERROR', answerTypes: ['NS', 'NS', 'NS', 'NS'] },
    { name: `foo.${CW_ZONE}`, rcode: 'NXDOMAIN', soa: CW_ZONE },
    { name: `a.b.${CW_ZONE}`, type: 'AAAA', rcode: 'NXDOMAIN', soa: CW_ZONE },
    { name: `foo.${CW_ZONE}`, client: OUTSIDE, rcode: 'forward' },
    { name: 'us-east-2.amazonaws.com', rcode: 'forward' },
    { name: 'example.com', rcode: 'forward' },
    { name: 'vpce-0123456789abcdef0-abcdefgh.monitoring.us-east-2.vpce.amazonaws.com', rcode: 'forward' },
    { name: `x.${CW_REGIONAL}`, rcode: 'forward' },
    { name: CW_REGIONAL, qclass: 'CH', rcode: 'REFUSED' },
    { name: CW_ZONE, type: 'AXFR', rcode: 'REFUSED' },
    { name: CW_ZONE, type: 'IXFR', rcode: 'REFUSED' },
    // Other classes are never forwarded, owned name or not (CHAOS version.bind and the like).
    { name: 'example.com', qclass: 'CH', rcode: 'REFUSED' },
  ];
  it.each(rows)('$name $type $qclass from $client → $rcode', (row) => {
    check(h.ask(row.name, { type: row.type, class: row.qclass, client: row.client }), row);
  });

  it('keeps the question exactly as asked (letter case)', () => {
    const d = h.ask('MONITORING.us-east-2.AmazonAWS.com')!;
    expect(d.questions?.[0].name).toBe('MONITORING.us-east-2.AmazonAWS.com');
    expect(d.answers?.[0].name).toBe('MONITORING.us-east-2.AmazonAWS.com');
  });

  it('answers with TTL 60 and the configured ttl', () => {
    expect(h.ask(CW_REGIONAL)!.answers?.map((a) => (a as { ttl?: number }).ttl)).toEqual([60, 60, 60]);
    const h2 = localHarness(oneVpc([cloudwatch()], { ttl: 5 }));
    expect(h2.ask(CW_ZONE)!.answers?.map((a) => (a as { ttl?: number }).ttl)).toEqual([5, 5, 5]);
  });

  it('uses the Route 53 private hosted zone SOA', () => {
    const soa = h.ask(CW_ZONE, { type: 'AAAA' })!.authorities![0] as unknown as {
      ttl: number;
      data: Record<string, unknown>;
    };
    expect(soa.ttl).toBe(900);
    expect(soa.data).toMatchObject({
      mname: 'ns-1536.awsdns-00.co.uk',
      rname: 'awsdns-hostmaster.amazon.com',
      serial: 1,
      refresh: 7200,
      retry: 900,
      expire: 1209600,
      minimum: 86400,
    });
  });

  it('sets flags like Route 53 Resolver: AA clear, RA set, RD and CD copied, AD clear', () => {
    const d = h.ask(CW_ZONE, { rd: true, cd: true })!;
    expect(d.flag_aa).toBe(false);
    expect((d as unknown as { flag_ra: boolean }).flag_ra).toBe(true);
    expect((d as unknown as { flag_rd: boolean }).flag_rd).toBe(true);
    expect((d as unknown as { flag_cd: boolean }).flag_cd).toBe(true);
    expect((d as unknown as { flag_ad: boolean }).flag_ad).toBe(false);
    const d2 = h.ask(CW_ZONE, { rd: false })!;
    expect((d2 as unknown as { flag_rd: boolean }).flag_rd).toBe(false);
    expect((d2 as unknown as { flag_cd: boolean }).flag_cd).toBe(false);
  });

  it('returns our OPT (1232) to EDNS queries and none otherwise', () => {
    const d = h.ask(CW_ZONE, { edns: 4096, dnssecOk: true })!;
    const opt = d.additionals?.find((a) => a.type === 'OPT') as unknown as {
      udpPayloadSize: number;
      flags: number;
    };
    expect(opt.udpPayloadSize).toBe(1232);
    expect(opt.flags & 0x8000).toBe(0x8000);
    expect(h.ask(CW_ZONE)!.additionals ?? []).toEqual([]);
  });
});

describe('private DNS off', () => {
  it('forwards the private name but still answers the vpce names', () => {
    const h = localHarness(oneVpc([cloudwatch({ privateDnsEnabled: false })]));
    check(h.ask(CW_ZONE), { name: CW_ZONE, rcode: 'forward' });
    check(h.ask(CW_REGIONAL), { name: CW_REGIONAL, rcode: 'NOERROR', answer: CW });
  });
});

describe('DnsRecordIpType matrix (dualstack endpoint)', () => {
  const regional = 'vpce-0d3c1f2e4b5a69788-q7w8e9r0.ssm.us-east-2.vpce.amazonaws.com';
  const zonal = 'vpce-0d3c1f2e4b5a69788-q7w8e9r0-us-east-2a.ssm.us-east-2.vpce.amazonaws.com';
  const names = { private: 'ssm.us-east-2.amazonaws.com', regional, zonal };
  const V4 = {
    private: ['10.0.1.60', '10.0.2.60'],
    regional: ['10.0.1.60', '10.0.2.60'],
    zonal: ['10.0.1.60'],
  };
  const V6 = {
    private: ['2600:1f16:1:a01::60', '2600:1f16:1:a02::60'],
    regional: ['2600:1f16:1:a01::60', '2600:1f16:1:a02::60'],
    zonal: ['2600:1f16:1:a01::60'],
  };
  // [recordIpType, form, has A, has AAAA] — privatelink-dns.md §2
  const matrix: [string, keyof typeof names, boolean, boolean][] = [
    ['ipv4', 'private', true, false],
    ['ipv4', 'regional', true, false],
    ['ipv4', 'zonal', true, false],
    ['ipv6', 'private', false, true],
    ['ipv6', 'regional', false, true],
    ['ipv6', 'zonal', false, true],
    ['dualstack', 'private', true, true],
    ['dualstack', 'regional', true, true],
    ['dualstack', 'zonal', true, true],
    ['service-defined', 'private', true, false],
    ['service-defined', 'regional', true, true],
    ['service-defined', 'zonal', true, true],
  ];
  it.each(matrix)('%s: %s name has A=%s AAAA=%s', (t, form, hasA, hasAAAA) => {
    const h = localHarness(oneVpc([dualstackEndpoint(t as 'ipv4')]));
    const zone = form === 'private' ? names.private : 'us-east-2.vpce.amazonaws.com';
    const a = h.ask(names[form], { type: 'A' })!;
    const aaaa = h.ask(names[form], { type: 'AAAA' })!;
    if (hasA) check(a, { name: '', rcode: 'NOERROR', answer: V4[form] });
    else check(a, { name: '', rcode: 'NOERROR', soa: zone });
    if (hasAAAA) check(aaaa, { name: '', rcode: 'NOERROR', answer: V6[form] });
    else check(aaaa, { name: '', rcode: 'NOERROR', soa: zone });
    // The second private name of SSM (api.aws) behaves the same.
    if (form === 'private') {
      const b = h.ask('ssm.us-east-2.api.aws', { type: hasA ? 'A' : 'AAAA' })!;
      expect(addresses(b).sort()).toEqual((hasA ? V4 : V6).private);
    }
  });

  it('ANY returns both families on a dualstack name', () => {
    const h = localHarness(oneVpc([dualstackEndpoint('dualstack')]));
    const d = h.ask(regional, { type: 'ANY' })!;
    expect(addresses(d).sort()).toEqual([...V4.regional, ...V6.regional].sort());
  });
});

describe('S3 wildcards', () => {
  const s3: ConfigInput = oneVpc([
    {
      id: 'vpce-0a0b0c0d0e0f01234',
      dnsSuffix: 'abcd1234',
      service: 'com.amazonaws.us-east-2.s3',
      interfaces: [
        { subnet: 'subnet-0aaa', ipv4: '10.0.1.40' },
        { subnet: 'subnet-0bbb', ipv4: '10.0.2.40' },
      ],
    },
  ]);
  const h = localHarness(s3);
  const S3 = ['10.0.1.40', '10.0.2.40'];
  const Z = 'vpce-0a0b0c0d0e0f01234-abcd1234';
  const rows: Row[] = [
    { name: 's3.us-east-2.amazonaws.com', rcode: 'NOERROR', answer: S3 },
    { name: 'my-bucket.s3.us-east-2.amazonaws.com', rcode: 'NOERROR', answer: S3 },
    { name: 'a.b.s3.us-east-2.amazonaws.com', rcode: 'NOERROR', answer: S3 },
    {
      name: 'my-bucket.s3.us-east-2.amazonaws.com',
      type: 'AAAA',
      rcode: 'NOERROR',
      soa: 's3.us-east-2.amazonaws.com',
    },
    { name: 'my-bucket.s3.us-east-2.amazonaws.com', client: OUTSIDE, rcode: 'forward' },
    { name: 'x.s3-control.us-east-2.amazonaws.com', rcode: 'NOERROR', answer: S3 },
    { name: 'x.s3-accesspoint.us-east-2.amazonaws.com', rcode: 'NOERROR', answer: S3 },
    { name: `${Z}.s3.us-east-2.vpce.amazonaws.com`, rcode: 'NOERROR', answer: S3 },
    { name: `bucket.${Z}.s3.us-east-2.vpce.amazonaws.com`, client: OUTSIDE, rcode: 'NOERROR', answer: S3 },
    { name: `accesspoint.${Z}.s3.us-east-2.vpce.amazonaws.com`, rcode: 'NOERROR', answer: S3 },
    {
      name: `bucket.${Z}-us-east-2b.s3.us-east-2.vpce.amazonaws.com`,
      rcode: 'NOERROR',
      answer: ['10.0.2.40'],
    },
    {
      name: `bucket.${Z}.s3.us-east-2.vpce.amazonaws.com`,
      type: 'AAAA',
      rcode: 'NOERROR',
      soa: 'us-east-2.vpce.amazonaws.com',
    },
  ];
  it.each(rows)('$name $type from $client → $rcode', (row) => {
    check(h.ask(row.name, { type: row.type, client: row.client }), row);
  });

  it('a wildcard-only private name: apex is NODATA, sub-names answer', () => {
    const h2 = localHarness(
      oneVpc([
        cloudwatch({
          service: 'com.amazonaws.us-east-2.execute-api',
          privateDnsNames: ['*.execute-api.us-east-2.amazonaws.com'],
        }),
      ]),
    );
    check(h2.ask('execute-api.us-east-2.amazonaws.com'), {
      name: '',
      rcode: 'NOERROR',
      soa: 'execute-api.us-east-2.amazonaws.com',
    });
    check(h2.ask('abc123.execute-api.us-east-2.amazonaws.com'), { name: '', rcode: 'NOERROR', answer: CW });
  });
});

describe('views', () => {
  it('a client sees the private names of the VPC whose cidrs hold it (longest prefix wins)', () => {
    const cfg: ConfigInput = {
      vpcs: [
        {
          id: VPC_ID,
          region: 'us-east-2',
          cidrs: ['127.0.0.0/8'],
          subnets: SUBNETS,
          endpoints: [cloudwatch()],
        },
        {
          id: 'vpc-0ffffffffffffffff',
          region: 'us-east-2',
          cidrs: ['127.0.0.2/32'],
          subnets: [{ id: 'subnet-0ddd', az: 'us-east-2a', ipv4Cidr: '10.9.1.0/24' }],
          endpoints: [
            cloudwatch({
              id: 'vpce-0eeeeeeeeeeeeeeee',
              interfaces: [{ subnet: 'subnet-0ddd', ipv4: '10.9.1.99' }],
            }),
          ],
        },
      ],
    };
    const h = localHarness(cfg);
    expect(addresses(h.ask(CW_ZONE, { client: '127.0.0.1' })!).sort()).toEqual(CW);
    expect(addresses(h.ask(CW_ZONE, { client: '127.0.0.2' })!)).toEqual(['10.9.1.99']);
  });

  it('refuses clients outside allowedClients', () => {
    const h = localHarness(oneVpc([cloudwatch()], { allowedClients: ['127.0.0.1/32'] }));
    expect(h.ask(CW_REGIONAL, { client: '127.0.0.1' })!.rcode).toBe('NOERROR');
    expect(h.ask(CW_REGIONAL, { client: '127.0.0.9' })!.rcode).toBe('REFUSED');
    expect(h.ask('example.com', { client: '127.0.0.9' })!.rcode).toBe('REFUSED');
  });
});
