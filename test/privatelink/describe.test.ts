import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/describe.js';
import { loadConfigFile, parseConfigText } from '../../src/config/load.js';
import { defaultConfigPath } from '../../src/config/paths.js';
import { describeVpcEndpoints } from '../../src/privatelink/describe.js';
import { memIo } from '../helpers/mem-io.js';

/** privatelink-dns.md §5: `describe-vpc-endpoints --query VpcEndpoints[*].DnsEntries` of the seed. */
const SEED_SAMPLE = [
  {
    DnsName: 'vpce-099deb00b40f00e22-lj2wisx3.monitoring.us-east-2.vpce.amazonaws.com',
    HostedZoneId: 'ZC8PG0KIFKBRI',
  },
  {
    DnsName: 'vpce-099deb00b40f00e22-lj2wisx3-us-east-2c.monitoring.us-east-2.vpce.amazonaws.com',
    HostedZoneId: 'ZC8PG0KIFKBRI',
  },
  {
    DnsName: 'vpce-099deb00b40f00e22-lj2wisx3-us-east-2a.monitoring.us-east-2.vpce.amazonaws.com',
    HostedZoneId: 'ZC8PG0KIFKBRI',
  },
  {
    DnsName: 'vpce-099deb00b40f00e22-lj2wisx3-us-east-2b.monitoring.us-east-2.vpce.amazonaws.com',
    HostedZoneId: 'ZC8PG0KIFKBRI',
  },
  { DnsName: 'monitoring.us-east-2.amazonaws.com', HostedZoneId: 'Z06320943MMOWYG6MAVL9' },
];

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('describeVpcEndpoints', () => {
  it("gives the seed's DnsEntries for the bundled CloudWatch endpoint", () => {
    const { config } = loadConfigFile(defaultConfigPath());
    const out = describeVpcEndpoints(config);
    const cw = out.VpcEndpoints.find((e) => e.VpcEndpointId === 'vpce-099deb00b40f00e22');
    expect(cw?.DnsEntries).toEqual(SEED_SAMPLE);
    expect(cw).toMatchObject({
      VpcEndpointType: 'Interface',
      VpcId: 'vpc-0a1b2c3d4e5f60718',
      ServiceName: 'com.amazonaws.us-east-2.monitoring',
      State: 'available',
      IpAddressType: 'ipv4',
      DnsOptions: { DnsRecordIpType: 'ipv4' },
      PrivateDnsEnabled: true,
    });
    expect(cw?.SubnetIds).toHaveLength(3);
    expect(cw?.NetworkInterfaceIds.every((id) => /^eni-[0-9a-f]{17}$/.test(id))).toBe(true);
  });

  it('derives ids, suffixes and zone ids from the content only: same in any folder', () => {
    const a = describeVpcEndpoints(loadConfigFile(defaultConfigPath()).config);
    dir = mkdtempSync(join(tmpdir(), 'pldns-describe-'));
    const copy = join(dir, 'other-name.yaml');
    copyFileSync(defaultConfigPath(), copy);
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      const b = describeVpcEndpoints(loadConfigFile('other-name.yaml').config);
      expect(b).toEqual(a);
    } finally {
      process.chdir(cwd);
    }
    // The S3 endpoint of the example has no id: it is derived, and stays the same.
    const s3 = a.VpcEndpoints.find((e) => e.ServiceName?.endsWith('.s3'));
    expect(s3?.VpcEndpointId).toMatch(/^vpce-[0-9a-f]{17}$/);
  });

  it('lists S3 endpoint names as wildcards, zonal entries in interface order, then every private name', () => {
    const { config } = parseConfigText(`
hostedZoneIds: { ap-southeast-7: Z0123456789ABCDEFGHIJ }
vpcs:
  - id: vpc-0123456789abcdef0
    region: ap-southeast-7
    subnets:
      - { id: subnet-01, az: ap-southeast-7a, ipv4Cidr: 10.1.1.0/24 }
      - { id: subnet-02, az: ap-southeast-7b, ipv4Cidr: 10.1.2.0/24 }
    endpoints:
      - id: vpce-0123456789abcdef0
        dnsSuffix: abcd1234
        service: com.amazonaws.ap-southeast-7.s3
        privateHostedZoneId: Z99999999999999999999
        privateDnsNames: [s3.ap-southeast-7.amazonaws.com, "*.s3.ap-southeast-7.amazonaws.com"]
        interfaces:
          - { subnet: subnet-02, ipv4: 10.1.2.9 }
          - { subnet: subnet-01, ipv4: 10.1.1.9 }
      - id: vpce-0123456789abcdef1
        dnsSuffix: wxyz9876
        service: com.amazonaws.ap-southeast-7.ecr.dkr
        privateDnsEnabled: false
        interfaces:
          - { subnet: subnet-01, ipv4: 10.1.1.10 }
`);
    const [s3, ecr] = describeVpcEndpoints(config).VpcEndpoints;
    const z = 'Z0123456789ABCDEFGHIJ';
    expect(s3.DnsEntries).toEqual([
      { DnsName: '*.vpce-0123456789abcdef0-abcd1234.s3.ap-southeast-7.vpce.amazonaws.com', HostedZoneId: z },
      {
        DnsName: '*.vpce-0123456789abcdef0-abcd1234-ap-southeast-7b.s3.ap-southeast-7.vpce.amazonaws.com',
        HostedZoneId: z,
      },
      {
        DnsName: '*.vpce-0123456789abcdef0-abcd1234-ap-southeast-7a.s3.ap-southeast-7.vpce.amazonaws.com',
        HostedZoneId: z,
      },
      { DnsName: 's3.ap-southeast-7.amazonaws.com', HostedZoneId: 'Z99999999999999999999' },
      { DnsName: '*.s3.ap-southeast-7.amazonaws.com', HostedZoneId: 'Z99999999999999999999' },
    ]);
    expect(s3.SubnetIds).toEqual(['subnet-02', 'subnet-01']);
    // No private entries when private DNS is off; ecr.dkr becomes dkr.ecr in vpce names.
    expect(ecr.PrivateDnsEnabled).toBe(false);
    expect(ecr.DnsEntries.map((e) => e.DnsName)).toEqual([
      'vpce-0123456789abcdef1-wxyz9876.dkr.ecr.ap-southeast-7.vpce.amazonaws.com',
      'vpce-0123456789abcdef1-wxyz9876-ap-southeast-7a.dkr.ecr.ap-southeast-7.vpce.amazonaws.com',
    ]);
  });
});

describe('privatelink-dns describe', () => {
  it('prints {"VpcEndpoints":[…]} for the bundled config by default', async () => {
    const m = memIo();
    expect(await run([], m.io)).toBe(0);
    const out = JSON.parse(m.stdout());
    expect(out.VpcEndpoints[0].DnsEntries).toEqual(SEED_SAMPLE);
    // The one line that says the bundled example is used (the test runs where there is no
    // ./privatelink-dns.yaml).
    expect(m.stderr()).toBe(
      `privatelink-dns describe: no --config, $PRIVATELINK_DNS_CONFIG or ./privatelink-dns.yaml: using the bundled example ${defaultConfigPath()}\n`,
    );
  });

  it('filters by --vpc-endpoint-ids', async () => {
    const m = memIo();
    expect(
      await run(['--config', defaultConfigPath(), '--vpc-endpoint-ids', 'vpce-0d3c1f2e4b5a69788'], m.io),
    ).toBe(0);
    const out = JSON.parse(m.stdout());
    expect(out.VpcEndpoints.map((e: { VpcEndpointId: string }) => e.VpcEndpointId)).toEqual([
      'vpce-0d3c1f2e4b5a69788',
    ]);
    expect(out.VpcEndpoints[0].DnsOptions.DnsRecordIpType).toBe('dualstack');
  });

  it('rejects an unknown flag with one line and exit 2', async () => {
    const m = memIo();
    expect(await run(['--bogus'], m.io)).toBe(2);
    expect(m.stderr().trim().split('\n')).toHaveLength(1);
    expect(m.stderr()).toMatch(/--bogus/);
  });

  it('prints the problems of an invalid config and exits 1', async () => {
    const m = memIo();
    expect(await run(['--config', '/nonexistent/endpoints.yaml'], m.io)).toBe(1);
    expect(m.stderr()).toBe('/nonexistent/endpoints.yaml:1:1  (top)  cannot read the config: no such file\n');
  });
});
