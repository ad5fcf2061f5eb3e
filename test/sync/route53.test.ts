import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { run } from '../../src/cli/import.js';
import type { ImportError } from '../../src/privatelink/import.js';
import { importHostedZone, route53Name } from '../../src/sync/route53.js';
import { memIo } from '../helpers/mem-io.js';
import { internalZone, VPC } from './fixtures.js';

const EXPECTED = {
  name: 'corp.internal',
  id: 'Z0123456789ABCDEFGHIJ',
  vpcs: [VPC],
  records: [
    { name: '*.corp.internal', type: 'A', ttl: 60, values: ['10.20.9.9'] },
    {
      name: 'api.corp.internal',
      type: 'A',
      ttl: 30,
      values: ['10.20.1.10', '10.20.2.10'],
      setIdentifier: 'blue',
      weight: 70,
      healthCheck: 'abcdef01-2345-6789-abcd-ef0123456789',
    },
    {
      name: 'api.corp.internal',
      type: 'A',
      ttl: 30,
      values: ['10.20.3.10'],
      setIdentifier: 'green',
      weight: 30,
    },
    {
      name: 'monitoring.corp.internal',
      type: 'A',
      aliasTarget: {
        dnsName: 'vpce-0a1b2c3d4e5f60001-k3j9x2qa.monitoring.us-east-2.vpce.amazonaws.com',
        evaluateTargetHealth: true,
      },
    },
    { name: 'corp.internal', type: 'TXT', ttl: 300, values: ['"v=spf1 -all"'] },
  ],
};

describe('Route 53 record sets → privateHostedZones', () => {
  it('converts records, aliases and routing policies; leaves out the default apex SOA and NS', () => {
    const z = internalZone();
    const { zone, notes } = importHostedZone({
      recordSets: { ResourceRecordSets: z.recordSets },
      hostedZone: z.hostedZone,
    });
    expect(zone).toEqual(EXPECTED);
    expect(notes).toEqual([]);
  });

  it('keeps an apex SOA or NS that differs from what Route 53 creates, with a note', () => {
    const z = internalZone();
    z.recordSets[1].TTL = 60; // SOA with another TTL
    z.recordSets.push({
      Name: 'corp.internal.',
      Type: 'MX',
      TTL: 300,
      ResourceRecords: [{ Value: '10 mail.corp.internal.' }],
    });
    const { zone, notes } = importHostedZone({ recordSets: z.recordSets, hostedZone: z.hostedZone });
    expect(zone.records.find((r) => r.type === 'SOA')).toEqual({
      name: 'corp.internal',
      type: 'SOA',
      ttl: 60,
      values: ['ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400'],
    });
    expect(zone.records.some((r) => r.type === 'NS')).toBe(false);
    expect(zone.records.find((r) => r.type === 'MX')).toEqual({
      name: 'corp.internal',
      type: 'MX',
      ttl: 300,
      values: ['10 mail.corp.internal.'],
    });
    expect(notes).toEqual([
      'corp.internal SOA: kept, it differs from what Route 53 creates at the apex of a private zone',
    ]);
  });

  it('failover and multivalue records keep their policy; location-based routing is skipped with a note', () => {
    const { zone, notes } = importHostedZone({
      zoneName: 'example.internal.',
      zoneId: 'Z1',
      vpcIds: [VPC],
      recordSets: [
        {
          Name: 'db.example.internal.',
          Type: 'CNAME',
          SetIdentifier: 'p',
          Failover: 'PRIMARY',
          TTL: 10,
          ResourceRecords: [{ Value: 'db-a.example.internal' }],
          HealthCheckId: 'hc-1',
        },
        {
          Name: 'db.example.internal.',
          Type: 'CNAME',
          SetIdentifier: 's',
          Failover: 'SECONDARY',
          TTL: 10,
          ResourceRecords: [{ Value: 'db-b.example.internal' }],
        },
        {
          Name: 'm.example.internal.',
          Type: 'A',
          SetIdentifier: 'm1',
          MultiValueAnswer: true,
          TTL: 10,
          ResourceRecords: [{ Value: '10.0.0.1' }],
        },
        {
          Name: 'near.example.internal.',
          Type: 'A',
          SetIdentifier: 'eu',
          Region: 'eu-west-1',
          TTL: 10,
          ResourceRecords: [{ Value: '10.0.0.2' }],
        },
        { Name: 'x.example.internal.', Type: 'DS', TTL: 10, ResourceRecords: [{ Value: '1 1 1 00' }] },
      ],
    });
    expect(zone.records).toEqual([
      {
        name: 'db.example.internal',
        type: 'CNAME',
        ttl: 10,
        values: ['db-a.example.internal'],
        setIdentifier: 'p',
        failover: 'PRIMARY',
        healthCheck: 'hc-1',
      },
      {
        name: 'db.example.internal',
        type: 'CNAME',
        ttl: 10,
        values: ['db-b.example.internal'],
        setIdentifier: 's',
        failover: 'SECONDARY',
      },
      {
        name: 'm.example.internal',
        type: 'A',
        ttl: 10,
        values: ['10.0.0.1'],
        setIdentifier: 'm1',
        multiValueAnswer: true,
      },
    ]);
    expect(notes).toEqual([
      'skipped near.example.internal A (eu): its routing (Region) depends on where the query comes from, which this server does not emulate',
      'skipped x.example.internal DS: Route 53 does not serve DS records from a private hosted zone',
    ]);
  });

  it('undoes Route 53 octal escapes in names', () => {
    expect(route53Name('\\052.Corp.Internal.')).toBe('*.corp.internal');
    expect(route53Name('a\\100b.example.')).toBe('a@b.example');
  });

  it('refuses what it cannot use, each problem on its own line', () => {
    const bad = (input: Parameters<typeof importHostedZone>[0]) => {
      try {
        importHostedZone(input);
      } catch (e) {
        return (e as ImportError).problems;
      }
      throw new Error('no ImportError');
    };
    expect(bad({ recordSets: { Nope: 1 } })).toEqual([
      '--route53-records: expected {"ResourceRecordSets": [...]} (aws route53 list-resource-record-sets output)',
    ]);
    expect(bad({ recordSets: [] })).toEqual([
      'the zone has no name: pass --zone-name NAME (or --hosted-zone FILE)',
      'the zone has no id: pass --hosted-zone FILE (aws route53 get-hosted-zone output)',
      'the zone is associated with no VPC: pass --vpc-ids ID,... (or --hosted-zone FILE)',
    ]);
    expect(
      bad({
        recordSets: [{ Name: 'a.other.', Type: 'A', TTL: 1, ResourceRecords: [{ Value: '10.0.0.1' }] }],
        zoneName: 'z.internal',
        zoneId: 'Z',
        vpcIds: [VPC],
      }),
    ).toEqual(['a.other A: not inside the zone z.internal']);
    const pub = internalZone().hostedZone;
    (pub.HostedZone.Config as { PrivateZone: boolean }).PrivateZone = false;
    expect(bad({ recordSets: [], hostedZone: pub })[0]).toMatch(/is a public hosted zone/);
  });
});

describe('privatelink-dns import --route53-records', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pldns-r53-'));
  const put = (name: string, doc: unknown) => {
    const f = join(dir, name);
    writeFileSync(f, JSON.stringify(doc));
    return f;
  };
  const z = internalZone();
  const records = put('rr.json', { ResourceRecordSets: z.recordSets });

  it('--zone-name and --vpc-ids, or --hosted-zone, give the same zone', async () => {
    const a = memIo();
    expect(
      await run(['--route53-records', records, '--hosted-zone', put('hz.json', z.hostedZone)], a.io),
    ).toBe(0);
    expect(parse(a.stdout())).toEqual({ privateHostedZones: [EXPECTED] });
    const b = memIo();
    expect(
      await run(
        [
          '--route53-records',
          records,
          '--zone-name',
          'corp.internal',
          '--vpc-ids',
          VPC,
          '--hosted-zone',
          put('hz.json', z.hostedZone),
        ],
        b.io,
      ),
    ).toBe(0);
    expect(b.stdout()).toBe(a.stdout());
    const c = memIo();
    expect(
      await run(['--route53-records', records, '--zone-name', 'corp.internal', '--vpc-ids', VPC], c.io),
    ).toBe(1);
    expect(c.stderr()).toBe(
      'privatelink-dns import: the zone has no id: pass --hosted-zone FILE (aws route53 get-hosted-zone output)\n',
    );
    const d = memIo();
    expect(await run(['--zone-name', 'corp.internal'], d.io)).toBe(2);
    const e = memIo();
    expect(await run(['--route53-records', records, '--vpc-ids', 'vpc-nope'], e.io)).toBe(2);
  });
});
