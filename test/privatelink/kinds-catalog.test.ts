/**
 * Table tests of the newer endpoint kinds through the access + local handlers, decoded with
 * dns-packet: cross-Region, region-less, resource and service-network endpoints, inbound-only
 * private DNS and unverified endpoint-service names; every name form × record type.
 */
import { describe, expect, it } from 'vitest';
import { addresses, type Decoded } from '../helpers/dns-client.js';
import {
  IAM_REGIONAL,
  INBOUND_CLIENT,
  kindsVpc,
  OUTSIDE_CLIENT,
  RSC_NAME,
  S3_IN_REGIONAL,
  SN_NAME_1,
  SN_NAME_2,
  XR_S3_REGIONAL,
  xrS3Zonal,
} from '../helpers/kinds-configs.js';
import { localHarness } from '../helpers/local-answer.js';

interface Row {
  name: string;
  type?: string;
  client?: string;
  rcode: string;
  answer?: string[];
  soa?: string;
}

function check(d: Decoded | undefined, row: Row): void {
  if (row.rcode === 'forward') {
    expect(d, `${row.name} should be forwarded`).toBeUndefined();
    return;
  }
  expect(d, `${row.name} should be answered locally`).toBeDefined();
  expect(d!.rcode).toBe(row.rcode);
  if (row.answer) expect(addresses(d!).sort()).toEqual([...row.answer].sort());
  if (row.soa) {
    expect(d!.authorities?.map((a) => [a.type, a.name])).toEqual([['SOA', row.soa]]);
    expect(d!.answers ?? []).toEqual([]);
  }
}

const XR = ['10.0.1.71', '10.0.2.71'];
const IAM = ['10.0.1.72', '10.0.2.72'];
const RSC4 = ['10.0.1.73', '10.0.2.73'];
const RSC6 = ['2600:1f16:1:a01::73', '2600:1f16:1:a02::73'];
const SN = ['10.0.1.74', '10.0.3.74'];
const S3IN = ['10.0.1.75', '10.0.2.75'];
const RSC_ZONE = 'vpc-lattice-rsc.us-east-2.on.aws';

describe('cross-Region, region-less, resource and service-network endpoints', () => {
  const h = localHarness(kindsVpc());
  const rows: Row[] = [
    // Cross-Region S3 (VPC us-east-2, service us-west-2): the service Region in every name.
    { name: XR_S3_REGIONAL, rcode: 'NOERROR', answer: XR },
    { name: XR_S3_REGIONAL, client: OUTSIDE_CLIENT, rcode: 'NOERROR', answer: XR },
    { name: XR_S3_REGIONAL, type: 'AAAA', rcode: 'NOERROR', soa: 'us-west-2.vpce.amazonaws.com' },
    { name: xrS3Zonal('us-east-2a'), rcode: 'NOERROR', answer: ['10.0.1.71'] },
    { name: xrS3Zonal('us-east-2b'), rcode: 'NOERROR', answer: ['10.0.2.71'] },
    { name: xrS3Zonal('us-east-2c'), rcode: 'forward' },
    { name: `bucket.${XR_S3_REGIONAL}`, rcode: 'NOERROR', answer: XR },
    { name: 's3.us-west-2.amazonaws.com', rcode: 'NOERROR', answer: XR },
    { name: 'my-bucket.s3.us-west-2.amazonaws.com', rcode: 'NOERROR', answer: XR },
    { name: 's3.us-west-2.amazonaws.com', type: 'AAAA', rcode: 'NOERROR', soa: 's3.us-west-2.amazonaws.com' },
    { name: 's3.us-west-2.amazonaws.com', client: OUTSIDE_CLIENT, rcode: 'forward' },
    // Region-less IAM through a cross-Region endpoint to us-east-1.
    { name: IAM_REGIONAL, rcode: 'NOERROR', answer: IAM },
    {
      name: IAM_REGIONAL.replace('-i4m5n6o7.', '-i4m5n6o7-us-east-2b.'),
      rcode: 'NOERROR',
      answer: ['10.0.2.72'],
    },
    { name: 'iam.amazonaws.com', rcode: 'NOERROR', answer: IAM },
    { name: 'iam.amazonaws.com', type: 'AAAA', rcode: 'NOERROR', soa: 'iam.amazonaws.com' },
    { name: 'x.iam.amazonaws.com', rcode: 'NXDOMAIN', soa: 'iam.amazonaws.com' },
    { name: 'iam.amazonaws.com', client: OUTSIDE_CLIENT, rcode: 'forward' },
    // Resource endpoint (dual-stack): every interface, both families, public.
    { name: RSC_NAME, rcode: 'NOERROR', answer: RSC4 },
    { name: RSC_NAME, type: 'AAAA', rcode: 'NOERROR', answer: RSC6 },
    { name: RSC_NAME, type: 'ANY', rcode: 'NOERROR', answer: [...RSC4, ...RSC6] },
    { name: RSC_NAME, type: 'TXT', rcode: 'NOERROR', soa: RSC_ZONE },
    { name: RSC_NAME, client: OUTSIDE_CLIENT, rcode: 'NOERROR', answer: RSC4 },
    { name: RSC_NAME.replace('4232ccc', '9999zzz'), rcode: 'forward' },
    // Its verified custom domain name: a private DNS name.
    { name: 'db.example.internal', rcode: 'NOERROR', answer: RSC4 },
    { name: 'db.example.internal', type: 'AAAA', rcode: 'NOERROR', answer: RSC6 },
    { name: 'db.example.internal', client: OUTSIDE_CLIENT, rcode: 'forward' },
    // Service network: one name per resource association.
    { name: SN_NAME_1, rcode: 'NOERROR', answer: SN },
    { name: SN_NAME_2, rcode: 'NOERROR', answer: SN },
    { name: SN_NAME_2, type: 'AAAA', rcode: 'NOERROR', soa: RSC_ZONE },
    // Unverified custom domain under VERIFIED_DOMAINS_ONLY: no private zone, forwarded.
    { name: 'cache.example.internal', rcode: 'forward' },
    // Gateway endpoints own no names.
    { name: 's3.us-east-2.amazonaws.com', rcode: 'forward' },
    // Inbound-only S3: VPC clients get the public answer, inbound-resolver clients the interfaces.
    { name: 'my-bucket.s3.us-east-2.amazonaws.com', rcode: 'forward' },
    { name: 'my-bucket.s3.us-east-2.amazonaws.com', client: INBOUND_CLIENT, rcode: 'NOERROR', answer: S3IN },
    { name: 's3.us-east-2.amazonaws.com', client: INBOUND_CLIENT, rcode: 'NOERROR', answer: S3IN },
    { name: S3_IN_REGIONAL, rcode: 'NOERROR', answer: S3IN },
    // The inbound view sees the other private names too.
    { name: 'iam.amazonaws.com', client: INBOUND_CLIENT, rcode: 'NOERROR', answer: IAM },
    { name: 'db.example.internal', client: INBOUND_CLIENT, rcode: 'NOERROR', answer: RSC4 },
    // Endpoint service name pending verification: forwarded.
    { name: 'api.partner.example.com', rcode: 'forward' },
  ];
  it.each(rows)('$name $type from $client → $rcode', (row) => {
    check(h.ask(row.name, { type: row.type, client: row.client }), row);
  });

  it('fails resource names over like regional names when an AZ is impaired', () => {
    const h2 = localHarness(kindsVpc(undefined, { impairedAzs: ['us-east-2a'] }));
    expect(addresses(h2.ask(RSC_NAME)!)).toEqual(['10.0.2.73']);
    expect(addresses(h2.ask(SN_NAME_1)!)).toEqual(['10.0.3.74']);
  });

  it('answers a custom domain under the preference that lets it', () => {
    const eps = kindsVpc().vpcs![0].endpoints!;
    const sn = eps.find((e) => e.type === 'service-network')!;
    for (const [pref, specified, expectAnswer] of [
      ['ALL_DOMAINS', undefined, true],
      ['VERIFIED_DOMAINS_ONLY', undefined, false],
      ['VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS', ['*.example.internal'], true],
      ['VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS', ['other.example'], false],
      ['SPECIFIED_DOMAINS_ONLY', ['cache.example.internal'], true],
    ] as const) {
      const ep = {
        ...sn,
        privateDnsPreference: pref,
        privateDnsSpecifiedDomains: specified as string[] | undefined,
      };
      const hx = localHarness(kindsVpc(eps.map((e) => (e === sn ? ep : e))));
      const d = hx.ask('cache.example.internal');
      if (expectAnswer) expect(addresses(d!), `${pref}`).toEqual(SN);
      else expect(d, `${pref}`).toBeUndefined();
    }
  });

  it('puts a client in the inbound view when its inbound range is narrower than a VPC range (longest prefix)', () => {
    const c = kindsVpc();
    c.vpcs![0].inboundResolverCidrs = ['127.0.0.5/32']; // inside the VPC's 127.0.0.0/8
    const hx = localHarness(c);
    const name = 'my-bucket.s3.us-east-2.amazonaws.com';
    expect(addresses(hx.ask(name, { client: '127.0.0.5' })!).sort()).toEqual(S3IN);
    expect(hx.ask(name, { client: '127.0.0.6' })).toBeUndefined();
    expect(hx.catalog.viewFor('127.0.0.5')?.inbound).toBe(true);
    expect(hx.catalog.viewFor('127.0.0.6')?.inbound).toBeUndefined();
  });

  it('answers a verified endpoint-service name and none that is pending', () => {
    const eps = kindsVpc().vpcs![0].endpoints!.map((e) =>
      e.privateDnsNameVerification ? { ...e, privateDnsNameVerification: 'verified' as const } : e,
    );
    expect(addresses(localHarness(kindsVpc(eps)).ask('api.partner.example.com')!)).toEqual(['10.0.1.76']);
    expect(h.catalog.withheld?.get('api.partner.example.com')?.reason).toMatch(/pendingVerification/);
  });
});
