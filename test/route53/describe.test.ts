/** `describe --hosted-zones`: Route 53's list-resource-record-sets JSON per zone, aliases with AliasTarget. */
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/describe.js';
import { parseConfigObject } from '../../src/config/load.js';
import { HealthState } from '../../src/health/state.js';
import { buildCatalog } from '../../src/privatelink/catalog.js';
import { describeHostedZones } from '../../src/route53/describe.js';
import { memIo } from '../helpers/mem-io.js';
import { centralized, SPOKE_A, SQS_REGIONAL } from './fixture.js';

const EXAMPLE = 'examples/centralized-endpoints/config.yaml';

describe('describeHostedZones', () => {
  const { config } = parseConfigObject(centralized());
  const zones = describeHostedZones(config, buildCatalog(config, new HealthState()));

  it('prints an apex alias to an endpoint with the vpce zone id of its region', () => {
    const sqs = zones[0];
    expect(sqs.HostedZone).toMatchObject({
      Id: '/hostedzone/Z0SQSHUB0000000000001',
      Name: 'sqs.us-east-2.amazonaws.com.',
      Config: { PrivateZone: true },
      ResourceRecordSetCount: 3,
    });
    expect(sqs.ResourceRecordSets).toEqual([
      {
        Name: 'sqs.us-east-2.amazonaws.com.',
        Type: 'A',
        AliasTarget: {
          HostedZoneId: 'ZC8PG0KIFKBRI',
          DNSName: `${SQS_REGIONAL}.`,
          EvaluateTargetHealth: true,
        },
      },
      {
        Name: 'sqs.us-east-2.amazonaws.com.',
        Type: 'NS',
        TTL: 172800,
        ResourceRecords: [
          { Value: 'ns-1536.awsdns-00.co.uk.' },
          { Value: 'ns-0.awsdns-00.com.' },
          { Value: 'ns-1024.awsdns-00.org.' },
          { Value: 'ns-512.awsdns-00.net.' },
        ],
      },
      {
        Name: 'sqs.us-east-2.amazonaws.com.',
        Type: 'SOA',
        TTL: 900,
        ResourceRecords: [
          { Value: 'ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400' },
        ],
      },
    ]);
  });

  it('prints values, wildcards as \\052, routing policies, health checks and aliases to records', () => {
    const corp = zones[1];
    const byName = (n: string) => corp.ResourceRecordSets.filter((r) => r.Name === n);
    expect(byName('\\052.apps.corp.internal.')).toEqual([
      { Name: '\\052.apps.corp.internal.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '10.0.6.1' }] },
    ]);
    expect(byName('w.corp.internal.').map((r) => [r.SetIdentifier, r.Weight])).toEqual([
      ['blue', 3],
      ['green', 1],
      ['grey', 0],
    ]);
    const fh = byName('fh.corp.internal.');
    // Within a name and type, by set identifier: backup, main.
    expect(fh.map((r) => [r.SetIdentifier, r.Failover])).toEqual([
      ['backup', 'SECONDARY'],
      ['main', 'PRIMARY'],
    ]);
    expect(fh.find((r) => r.Failover === 'PRIMARY')?.HealthCheckId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(byName('alias2.corp.internal.')).toEqual([
      {
        Name: 'alias2.corp.internal.',
        Type: 'A',
        AliasTarget: {
          HostedZoneId: corp.HostedZone.Id.slice('/hostedzone/'.length),
          DNSName: 'alias-api.corp.internal.',
          EvaluateTargetHealth: false,
        },
      },
    ]);
    expect(corp.VPCs).toContainEqual({ VPCRegion: 'us-east-2', VPCId: SPOKE_A });
    // Route 53's order: by name with its labels reversed, then type.
    const names = corp.ResourceRecordSets.map((r) => r.Name);
    expect(names[0]).toBe('corp.internal.');
    expect(names.indexOf('api.corp.internal.')).toBeLessThan(names.indexOf('www.corp.internal.'));
    expect(names.indexOf('x.y.deep.corp.internal.')).toBeGreaterThan(
      names.indexOf('dangling.corp.internal.'),
    );
  });
});

describe('privatelink-dns describe --hosted-zones', () => {
  it('prints every zone of the example', async () => {
    const m = memIo();
    expect(await run(['--config', EXAMPLE, '--hosted-zones'], m.io)).toBe(0);
    const out = JSON.parse(m.stdout());
    expect(out.HostedZones.map((z: { HostedZone: { Name: string } }) => z.HostedZone.Name)).toEqual([
      'sqs.us-east-1.amazonaws.com.',
      's3.us-east-1.amazonaws.com.',
      'corp.internal.',
    ]);
  });

  it('prints exactly list-resource-record-sets for --zone-name', async () => {
    const m = memIo();
    expect(await run(['--config', EXAMPLE, '--zone-name', 's3.us-east-1.amazonaws.com'], m.io)).toBe(0);
    const out = JSON.parse(m.stdout());
    expect(Object.keys(out)).toEqual(['ResourceRecordSets']);
    expect(out.ResourceRecordSets.map((r: { Name: string; Type: string }) => `${r.Name} ${r.Type}`)).toEqual([
      's3.us-east-1.amazonaws.com. A',
      's3.us-east-1.amazonaws.com. NS',
      's3.us-east-1.amazonaws.com. SOA',
      '\\052.s3.us-east-1.amazonaws.com. A',
    ]);
    expect(out.ResourceRecordSets[0].AliasTarget).toEqual({
      HostedZoneId: 'Z7HUB22UULQXV',
      DNSName: '\\052.vpce-0d4e5f60718293a4b-s3h7w9pq.s3.us-east-1.vpce.amazonaws.com.',
      EvaluateTargetHealth: false,
    });
  });

  it('names the known zones when --zone-name matches none', async () => {
    const m = memIo();
    expect(await run(['--config', EXAMPLE, '--zone-name', 'nope.internal'], m.io)).toBe(1);
    expect(m.stderr()).toMatch(
      /no private hosted zone nope\.internal\. .*known: sqs\.us-east-1\.amazonaws\.com\., s3\.us-east-1\.amazonaws\.com\., corp\.internal\./,
    );
  });
});
