import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { run } from '../../src/cli/import.js';
import { parseConfigText } from '../../src/config/load.js';
import { HealthState } from '../../src/health/state.js';
import { buildCatalog } from '../../src/privatelink/catalog.js';
import { describeVpcEndpoints } from '../../src/privatelink/describe.js';
import { ImportError, importFromAws } from '../../src/privatelink/import.js';
import { memIo } from '../helpers/mem-io.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'aws');
const file = (set: string, name: string) => join(FIX, set, `${name}.json`);
const json = (set: string, name: string) => JSON.parse(readFileSync(file(set, name), 'utf8'));

// biome-ignore lint/suspicious/noExplicitAny: AWS CLI JSON
type AwsEndpoint = any;

function importSet(set: string, withVpcs: boolean) {
  return importFromAws({
    endpoints: json(set, 'endpoints'),
    networkInterfaces: json(set, 'network-interfaces'),
    subnets: json(set, 'subnets'),
    vpcs: withVpcs ? json(set, 'vpcs') : undefined,
  });
}

/** Every interface endpoint of the AWS JSON comes back from describe with the same DNS facts. */
function expectRoundTrip(set: string, yaml: string) {
  const { config } = parseConfigText(yaml, 'imported.yaml');
  const described = new Map(describeVpcEndpoints(config).VpcEndpoints.map((e) => [e.VpcEndpointId, e]));
  const aws: AwsEndpoint[] = json(set, 'endpoints').VpcEndpoints.filter(
    (e: AwsEndpoint) =>
      (e.VpcEndpointType === 'Interface' || e.VpcEndpointType === 'Gateway') && e.State === 'available',
  );
  expect([...described.keys()].sort()).toEqual(aws.map((e) => e.VpcEndpointId).sort());
  for (const a of aws) {
    const d = described.get(a.VpcEndpointId)!;
    expect(d.DnsEntries, a.VpcEndpointId).toEqual(a.DnsEntries);
    expect(d.VpcId).toBe(a.VpcId);
    expect(d.ServiceName).toBe(a.ServiceName);
    expect(d.VpcEndpointType).toBe(a.VpcEndpointType);
    if (a.VpcEndpointType === 'Gateway') continue; // no interfaces, no DNS options
    expect(d.IpAddressType).toBe(a.IpAddressType);
    expect(d.DnsOptions.DnsRecordIpType).toBe(a.DnsOptions.DnsRecordIpType);
    expect(d.PrivateDnsEnabled).toBe(a.PrivateDnsEnabled);
    expect([...d.SubnetIds].sort()).toEqual([...a.SubnetIds].sort());
    expect([...d.NetworkInterfaceIds].sort()).toEqual([...a.NetworkInterfaceIds].sort());
  }
  return config;
}

describe('importFromAws', () => {
  it('round-trips us-east-2 (CloudWatch, S3, SSM dual-stack, ECR, STS IPv6-only) through describe', () => {
    const res = importSet('us-east-2', true);
    expect(res.yaml.endsWith('\n')).toBe(true);
    const config = expectRoundTrip('us-east-2', res.yaml);
    // The gateway endpoint is kept (type: gateway, no DNS names); pending ones are skipped.
    expect(res.notes).toEqual([
      'skipped vpce-0a1b2c3d4e5f60007: its state is pendingAcceptance, so its names do not resolve',
    ]);
    expect(config.vpcs[0].endpoints.find((e) => e.id === 'vpce-0a1b2c3d4e5f60003')).toMatchObject({
      type: 'gateway',
      interfaces: [],
    });
    // VPC CIDRs (associated only) from describe-vpcs, then the client ranges.
    expect(config.vpcs[0].cidrs).toEqual([
      '10.20.0.0/16',
      '100.64.0.0/20',
      '2600:1f16:8a1:ab00::/56',
      '127.0.0.0/8',
      '::1/128',
    ]);
    // Only the subnets of the endpoints' VPC.
    expect(config.vpcs).toHaveLength(1);
    expect(config.vpcs[0].subnets.map((s) => s.id)).not.toContain('subnet-09a8b7c6d5e4f3a21');
  });

  it('answers what the real VPC answers, for the machine that runs it', () => {
    const { config } = parseConfigText(importSet('us-east-2', true).yaml);
    const catalog = buildCatalog(config, new HealthState());
    for (const client of ['127.0.0.1', '::1', '10.20.7.7', '100.64.3.3']) {
      const view = catalog.viewFor(client);
      expect(view, client).not.toBeNull();
      const hit = catalog.lookup('monitoring.us-east-2.amazonaws.com', view);
      expect(hit?.kind).toBe('name');
      if (hit?.kind !== 'name') continue;
      // Addresses from the network interfaces, in AWS's zonal order (2b, 2c, 2a).
      expect(hit.owned.endpoint.interfaces.map((i) => i.ipv4)).toEqual([
        '10.20.2.37',
        '10.20.3.201',
        '10.20.1.15',
      ]);
    }
    expect(catalog.viewFor('192.0.2.1')).toBeNull();
    const sts = catalog.lookup('sts.us-east-2.amazonaws.com', catalog.viewFor('127.0.0.1'));
    expect(sts?.kind === 'name' && sts.owned.aaaa && !sts.owned.a).toBe(true);
    const bucket = catalog.lookup(
      'my-bucket.bucket.vpce-0a1b2c3d4e5f60002-p0o9i8u7.s3.us-east-2.vpce.amazonaws.com',
      null,
    );
    expect(bucket?.kind).toBe('name');
  });

  it('round-trips an endpoint service in a region missing from the zone table, without describe-vpcs', () => {
    const res = importSet('mx-central-1', false);
    const config = expectRoundTrip('mx-central-1', res.yaml);
    expect(config.hostedZoneIds).toEqual({ 'mx-central-1': 'Z09876543MXCENTRAL1AB' });
    // Without describe-vpcs the client ranges are the subnets' ranges.
    expect(config.vpcs[0].cidrs).toEqual(['10.40.0.0/20', '10.40.16.0/20', '127.0.0.0/8', '::1/128']);
    const svc = config.vpcs[0].endpoints[0];
    expect(svc.privateDnsNames).toEqual(['api.partner.example.com']);
    expect(svc.interfaces.map((i) => i.subnet)).toEqual([
      'subnet-0a9b8c7d6e5f40313',
      'subnet-0a9b8c7d6e5f40312',
    ]);
    expect(res.notes).toEqual([]);
  });

  it('keeps DNS attributes given with the VPCs', () => {
    const vpcs = json('us-east-2', 'vpcs');
    vpcs.Vpcs[0].EnableDnsSupport = { Value: true };
    vpcs.Vpcs[0].EnableDnsHostnames = { Value: true };
    const res = importFromAws({
      endpoints: json('us-east-2', 'endpoints'),
      networkInterfaces: json('us-east-2', 'network-interfaces'),
      subnets: json('us-east-2', 'subnets'),
      vpcs,
      clientCidrs: [],
    });
    const doc = parse(res.yaml);
    expect(doc.vpcs[0]).toMatchObject({ enableDnsSupport: true, enableDnsHostnames: true });
    expect(doc.vpcs[0].cidrs).toEqual(['10.20.0.0/16', '100.64.0.0/20', '2600:1f16:8a1:ab00::/56']);
  });

  it('refuses input that misses what DNS depends on, naming it', () => {
    const enis = json('us-east-2', 'network-interfaces');
    enis.NetworkInterfaces = enis.NetworkInterfaces.filter(
      (n: { NetworkInterfaceId: string }) => n.NetworkInterfaceId !== 'eni-0aa1bb2cc3dd4ee03',
    );
    const eps = json('us-east-2', 'endpoints');
    eps.VpcEndpoints[4].DnsEntries = eps.VpcEndpoints[4].DnsEntries.slice(1);
    let err: unknown;
    try {
      importFromAws({ endpoints: eps, networkInterfaces: enis, subnets: json('us-east-2', 'subnets') });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ImportError);
    expect((err as ImportError).problems).toEqual([
      'vpce-0a1b2c3d4e5f60001: network interface eni-0aa1bb2cc3dd4ee03 is not in --network-interfaces',
      'vpce-0a1b2c3d4e5f60005: DnsEntries hold no regional name (vpce-…-<suffix>.dkr.ecr.…); cannot tell its DNS suffix',
    ]);
    expect(() => importFromAws({ endpoints: {}, networkInterfaces: [], subnets: [] })).toThrow(
      /--endpoints: expected \{"VpcEndpoints": \[...\]\}/,
    );
  });
});

describe('privatelink-dns import', () => {
  const args = (set: string) => [
    '--endpoints',
    file(set, 'endpoints'),
    '--network-interfaces',
    file(set, 'network-interfaces'),
    '--subnets',
    file(set, 'subnets'),
  ];

  it('writes the config to stdout and notes to stderr', async () => {
    const m = memIo();
    expect(await run([...args('us-east-2'), '--vpcs', file('us-east-2', 'vpcs')], m.io)).toBe(0);
    expectRoundTrip('us-east-2', m.stdout());
    expect(m.stderr()).toBe(
      'note: skipped vpce-0a1b2c3d4e5f60007: its state is pendingAcceptance, so its names do not resolve\n',
    );
  });

  it('uses --client-cidrs instead of the loopback default', async () => {
    const m = memIo();
    expect(await run([...args('mx-central-1'), '--client-cidrs', '192.168.0.0/16, fd00::/8'], m.io)).toBe(0);
    expect(parse(m.stdout()).vpcs[0].cidrs).toEqual([
      '10.40.0.0/20',
      '10.40.16.0/20',
      '192.168.0.0/16',
      'fd00::/8',
    ]);
  });

  it('exits 2 on usage errors with one line on stderr', async () => {
    for (const argv of [
      ['--endpoints', file('us-east-2', 'endpoints')],
      [...args('us-east-2'), '--format', 'json'],
      [...args('us-east-2'), '--client-cidrs', '10.0.0.0/40'],
    ]) {
      const m = memIo();
      expect(await run(argv, m.io), argv.join(' ')).toBe(2);
      expect(m.stderr().trim().split('\n')).toHaveLength(1);
      expect(m.stdout()).toBe('');
    }
  });

  it('exits 1 when an input file cannot be read', async () => {
    const m = memIo();
    const argv = args('us-east-2');
    argv[1] = '/nonexistent/endpoints.json';
    expect(await run(argv, m.io)).toBe(1);
    expect(m.stderr()).toBe(
      'privatelink-dns import: --endpoints /nonexistent/endpoints.json: no such file\n',
    );
  });
});
