/**
 * import → describe round trips for every endpoint kind, on AWS CLI JSON shaped like AWS's
 * published output (test/fixtures/aws/kinds-us-east-1): a cross-Region S3 endpoint, IAM
 * (region-less), a resource endpoint, a service-network endpoint with two resources, an S3
 * gateway endpoint and an S3 interface endpoint with inbound-only private DNS.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as describeCli } from '../../src/cli/describe.js';
import { run as importCli } from '../../src/cli/import.js';
import { parseConfigText } from '../../src/config/load.js';
import { HealthState } from '../../src/health/state.js';
import { buildCatalog } from '../../src/privatelink/catalog.js';
import { describeVpcEndpointAssociations, describeVpcEndpoints } from '../../src/privatelink/describe.js';
import { importFromAws } from '../../src/privatelink/import.js';
import { memIo } from '../helpers/mem-io.js';

const SET = join(import.meta.dirname, '..', 'fixtures', 'aws', 'kinds-us-east-1');
const file = (name: string) => join(SET, `${name}.json`);
const json = (name: string) => JSON.parse(readFileSync(file(name), 'utf8'));
// biome-ignore lint/suspicious/noExplicitAny: AWS CLI JSON
type Aws = any;

const importAll = (withAssociations = true) =>
  importFromAws({
    endpoints: json('endpoints'),
    networkInterfaces: json('network-interfaces'),
    subnets: json('subnets'),
    vpcs: json('vpcs'),
    associations: withAssociations ? json('associations') : undefined,
  });

const idOf = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

describe('import of every endpoint kind', () => {
  const res = importAll();
  const { config } = parseConfigText(res.yaml, 'imported.yaml');

  it('keeps every endpoint with its kind, Region and DNS options', () => {
    const described = new Map(describeVpcEndpoints(config).VpcEndpoints.map((e) => [e.VpcEndpointId, e]));
    const aws: Aws[] = json('endpoints').VpcEndpoints;
    expect([...described.keys()]).toEqual(aws.map((e) => e.VpcEndpointId));
    for (const a of aws) {
      const d = described.get(a.VpcEndpointId)!;
      const at = a.VpcEndpointId;
      expect(d.VpcEndpointType, at).toBe(a.VpcEndpointType);
      expect(d.DnsEntries, at).toEqual(a.DnsEntries ?? []);
      expect(d.ServiceName, at).toBe(a.ServiceName);
      expect(d.ServiceRegion, at).toBe(a.ServiceRegion);
      expect(d.IpAddressType.toLowerCase(), at).toBe((a.IpAddressType ?? 'ipv4').toLowerCase());
      expect(d.PrivateDnsEnabled, at).toBe(a.PrivateDnsEnabled);
      expect(d.DnsOptions.PrivateDnsOnlyForInboundResolverEndpoint, at).toBe(
        a.DnsOptions?.PrivateDnsOnlyForInboundResolverEndpoint,
      );
      expect(d.DnsOptions.PrivateDnsPreference, at).toBe(a.DnsOptions?.PrivateDnsPreference);
      expect([...d.SubnetIds].sort(), at).toEqual([...a.SubnetIds].sort());
      expect([...d.NetworkInterfaceIds].sort(), at).toEqual([...a.NetworkInterfaceIds].sort());
      if (a.ResourceConfigurationArn)
        expect(idOf(d.ResourceConfigurationArn!)).toBe(idOf(a.ResourceConfigurationArn));
      if (a.ServiceNetworkArn) expect(idOf(d.ServiceNetworkArn!)).toBe(idOf(a.ServiceNetworkArn));
    }
  });

  it('gives back the associations: the resource names, their hosted zone and custom domain names', () => {
    const described = describeVpcEndpointAssociations(config).VpcEndpointAssociations;
    const aws: Aws[] = json('associations').VpcEndpointAssociations;
    expect(described.map((d) => [d.VpcEndpointId, d.DnsEntry])).toEqual(
      aws.map((a) => [a.VpcEndpointId, a.DnsEntry]),
    );
    expect(described.map((d) => d.PrivateDnsEntry?.DnsName)).toEqual(
      aws.map((a) => a.PrivateDnsEntry?.DnsName),
    );
    expect(described.map((d) => idOf(d.AssociatedResourceArn))).toEqual(
      aws.map((a) => idOf(a.AssociatedResourceArn)),
    );
    expect(described.map((d) => d.ServiceNetworkArn && idOf(d.ServiceNetworkArn))).toEqual(
      aws.map((a) => a.ServiceNetworkArn && idOf(a.ServiceNetworkArn)),
    );
  });

  it('writes the new fields and notes what the JSON cannot say', () => {
    const eps = config.vpcs[0].endpoints;
    expect(config.vpcs[0].region).toBe('us-east-1');
    expect(eps[0]).toMatchObject({ service: 'com.amazonaws.us-west-2.s3', serviceRegion: 'us-west-2' });
    expect(eps[1].serviceRegion).toBeUndefined();
    expect(eps[2]).toMatchObject({
      type: 'resource',
      resourceConfigurationId: 'rcfg-07129f3acded87625',
      customDomainName: 'db.example.internal',
      privateDnsPreference: 'VERIFIED_DOMAINS_ONLY',
    });
    expect(eps[3].resources?.map((r) => r.associationId)).toEqual([
      'snra-08ab290695bf1e2f5',
      'snra-06dd45332f4d40737',
    ]);
    expect(eps[4]).toMatchObject({ type: 'gateway', service: 'com.amazonaws.us-east-1.s3', interfaces: [] });
    expect(eps[5].privateDnsOnlyForInboundResolverEndpoint).toBe(true);
    expect(res.notes).toEqual([
      expect.stringMatching(
        /vpce-0e1a2b3c4d5e6f703 answers its private names only through a Resolver inbound endpoint: add .* inboundResolverCidrs/,
      ),
    ]);
  });

  it('answers the imported names like AWS would', () => {
    const catalog = buildCatalog(config, new HealthState());
    const inVpc = catalog.viewFor('10.0.9.9');
    const hit = (name: string, view = inVpc) => {
      const r = catalog.lookup(name, view);
      return r?.kind === 'name' ? r.owned.endpoint.interfaces.map((i) => i.ipv4) : r?.kind;
    };
    expect(hit('vpce-0c1a2b3c4d5e6f701-x1r2g3n4-us-east-1b.s3.us-west-2.vpce.amazonaws.com')).toEqual([
      '10.0.1.71',
      '10.0.2.71',
    ]);
    expect(hit('iam.amazonaws.com')).toEqual(['10.0.1.72', '10.0.2.72']);
    expect(hit('db.example.internal')).toEqual(['10.0.1.73', '10.0.2.73']);
    expect(
      hit(
        'vpce-0057aabf75896925f-snra-06dd45332f4d40737.rcfg-02068184d728a2883.4232ccc.vpc-lattice-rsc.us-east-1.on.aws',
        null,
      ),
    ).toEqual(['10.0.1.210', '10.0.2.40']);
    // Inbound-only S3: no inboundResolverCidrs imported, so the VPC gets the public answer.
    expect(hit('s3.us-east-1.amazonaws.com')).toBeUndefined();
  });

  it('imports a resource endpoint without --associations under the default label, with a note', () => {
    const r = importAll(false);
    const { config: c } = parseConfigText(r.yaml);
    expect(c.vpcs[0].endpoints[3].resources).toEqual([]);
    expect(r.notes).toContain(
      'vpce-019b90d6f16d4f958: no --associations given; its name uses the label 4232ccc',
    );
    expect(describeVpcEndpointAssociations(c).VpcEndpointAssociations[0].DnsEntry.DnsName).toBe(
      'vpce-019b90d6f16d4f958.rcfg-07129f3acded87625.4232ccc.vpc-lattice-rsc.us-east-1.on.aws',
    );
  });

  it('round-trips through the CLI: import --associations, then describe --associations with notes', async () => {
    const m = memIo();
    const args = [
      '--endpoints',
      file('endpoints'),
      '--network-interfaces',
      file('network-interfaces'),
      '--subnets',
      file('subnets'),
      '--vpcs',
      file('vpcs'),
      '--associations',
      file('associations'),
    ];
    expect(await importCli(args, m.io)).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'pldns-kinds-import-'));
    try {
      const cfg = join(dir, 'endpoints.yaml');
      writeFileSync(cfg, m.stdout());
      const d = memIo();
      expect(await describeCli(['--config', cfg, '--associations'], d.io)).toBe(0);
      const out = JSON.parse(d.stdout());
      expect(out.VpcEndpointAssociations.map((a: Aws) => a.DnsEntry)).toEqual(
        json('associations').VpcEndpointAssociations.map((a: Aws) => a.DnsEntry),
      );
      // The undocumented choices are named on stderr.
      expect(d.stderr()).toMatch(
        /note: unconfirmed \(vpce-0c1a2b3c4d5e6f701\): cross-Region names keep the 8-character suffix/,
      );
      expect(d.stderr()).toMatch(
        /note: unconfirmed \(vpce-0d1a2b3c4d5e6f702\): region-less services use their home Region/,
      );
      expect(d.stderr()).toMatch(
        /note: unconfirmed \(vpce-019b90d6f16d4f958, vpce-0057aabf75896925f\): the label before vpc-lattice-rsc/,
      );
      expect(d.stderr()).toMatch(/placeholder account 000000000000/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
