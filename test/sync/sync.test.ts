import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { run as importCli } from '../../src/cli/import.js';
import { run as syncCli } from '../../src/cli/sync.js';
import { parseConfigText } from '../../src/config/load.js';
import { createClients, readAws } from '../../src/sync/aws.js';
import { type FakeAws, type FakeAwsData, fakeAwsEnv, startFakeAws } from '../helpers/fake-aws.js';
import { memIo } from '../helpers/mem-io.js';
import { emulatorData, KINDS_VPC, kindsData, us2Data, VPC } from './fixtures.js';

const saved = { ...process.env };
beforeAll(() => {
  for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
  Object.assign(process.env, fakeAwsEnv());
});
afterAll(() => {
  process.env = saved;
});

let fake: FakeAws | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function sync(args: string[]) {
  const m = memIo();
  const code = await syncCli(args, m.io);
  return { code, stdout: m.stdout(), stderr: m.stderr() };
}

/** `import` of the same data, given as the AWS CLI's JSON files (one private hosted zone at most). */
async function importOf(data: FakeAwsData) {
  const dir = mkdtempSync(join(tmpdir(), 'pldns-sync-'));
  const put = (name: string, doc: unknown) => {
    writeFileSync(join(dir, name), JSON.stringify(doc));
    return join(dir, name);
  };
  const args = [
    '--endpoints',
    put('e.json', { VpcEndpoints: data.endpoints }),
    '--network-interfaces',
    put('n.json', { NetworkInterfaces: data.networkInterfaces }),
    '--subnets',
    put('s.json', { Subnets: data.subnets }),
    '--vpcs',
    put('v.json', { Vpcs: data.vpcs }),
  ];
  if (data.associations)
    args.push('--associations', put('a.json', { VpcEndpointAssociations: data.associations }));
  const [zone] = data.zones;
  // The private hosted zone, as list-resource-record-sets and get-hosted-zone JSON.
  if (zone)
    args.push(
      '--route53-records',
      put('r.json', { ResourceRecordSets: zone.recordSets }),
      '--hosted-zone',
      put('z.json', zone.hostedZone),
    );
  const m = memIo();
  try {
    const code = await importCli(args, m.io);
    return { code, stdout: m.stdout(), stderr: m.stderr() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The YAML without its comment lines (where it came from and when). */
const body = (yaml: string) =>
  yaml
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n');

describe('sync from the EC2 API (real SDK clients, fake API on loopback)', () => {
  it('writes the config import writes from the same data, across pages and a throttled first call', async () => {
    const data = us2Data();
    fake = await startFakeAws(data, { pageSize: 2, throttleFirst: true });
    const r = await sync(['--region', 'us-east-2', '--endpoint-url', fake.url]);
    expect(r.stderr).not.toContain('privatelink-dns sync:');
    expect(r.code).toBe(0);

    const m = await importOf(data);
    expect(m.code, m.stderr).toBe(0);
    expect(data.zones).toHaveLength(1);
    expect(body(r.stdout)).toBe(body(m.stdout));
    expect(parse(r.stdout)).toEqual(parse(m.stdout));

    // It is a valid config, with the VPC's DNS attributes from DescribeVpcAttribute.
    const { config } = parseConfigText(r.stdout, 'synced.yaml');
    expect(config.vpcs.map((v) => v.id)).toEqual([VPC]);
    expect(config.vpcs[0].enableDnsHostnames).toBe(true);
    expect(config.vpcs[0].endpoints.length).toBeGreaterThanOrEqual(4);
    // With the private hosted zone of the VPC, which the server then serves.
    expect(config.privateHostedZones.map((z) => `${z.name} ${z.vpcs.join(',')}`)).toEqual([
      `corp.internal ${VPC}`,
    ]);
    expect(config.privateHostedZones[0].records.length).toBeGreaterThan(0);

    // Header: where from and when.
    const header = r.stdout.split('\n').slice(0, 2).join('\n');
    expect(header).toMatch(
      /^# Imported by "privatelink-dns sync" from the EC2 and Route 53 APIs: \d+ endpoints in 1 VPC\./,
    );
    expect(header).toMatch(
      /# Read at \d{4}-\d\d-\d\dT[\d:.]+Z from Region us-east-2, endpoint http:\/\/127\.0\.0\.1:\d+\./,
    );

    // Every page was read: each list call was made more than once, the first call was retried.
    expect(fake.calls[0]).toBe('ec2:DescribeVpcEndpoints');
    expect(fake.calls[1]).toBe('ec2:DescribeVpcEndpoints');
    expect(fake.calls.filter((c) => c === 'ec2:DescribeVpcEndpoints').length).toBeGreaterThan(2);
    expect(fake.calls.filter((c) => c === 'route53:ListResourceRecordSets').length).toBeGreaterThan(1);
    // Only read-only calls.
    expect(new Set(fake.calls)).toEqual(
      new Set([
        'ec2:DescribeVpcEndpoints',
        'ec2:DescribeVpcs',
        'ec2:DescribeSubnets',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeVpcAttribute',
        'route53:ListHostedZonesByVPC',
        'route53:GetHostedZone',
        'route53:ListResourceRecordSets',
      ]),
    );
    // Signed with the environment's key (the SDK's default chain), never the secret itself.
    expect(fake.authorizations.every((a) => a.includes('Credential=AKIAFAKEFAKEFAKEFAKE/'))).toBe(true);
    expect(r.stdout + r.stderr).not.toContain(process.env.AWS_SECRET_ACCESS_KEY);
  });

  it('reads every page of the private hosted zones (ListHostedZonesByVPC, GetHostedZone, ListResourceRecordSets)', async () => {
    const data = us2Data();
    data.zones.push({
      ...data.zones[0],
      hostedZone: {
        ...data.zones[0].hostedZone,
        HostedZone: {
          ...(data.zones[0].hostedZone.HostedZone as object),
          Id: '/hostedzone/Z9SECOND',
          Name: 'b.internal.',
        },
      },
      recordSets: [{ Name: 'x.b.internal.', Type: 'A', TTL: 5, ResourceRecords: [{ Value: '10.20.1.1' }] }],
    });
    data.zones.push({
      ...data.zones[1],
      hostedZone: {
        ...data.zones[1].hostedZone,
        HostedZone: { Id: '/hostedzone/Z9THIRD', Name: 'c.internal.' },
      },
    });
    fake = await startFakeAws(data, { pageSize: 2 });
    const clients = createClients({ endpointUrl: fake.url, region: 'us-east-2' });
    try {
      const snap = await readAws({ endpointUrl: fake.url, region: 'us-east-2' }, clients);
      expect(snap.zones.map((z) => (z.hostedZone.HostedZone as { Id: string }).Id).sort()).toEqual([
        '/hostedzone/Z0123456789ABCDEFGHIJ',
        '/hostedzone/Z9SECOND',
        '/hostedzone/Z9THIRD',
      ]);
      const first = snap.zones.find(
        (z) => (z.hostedZone.HostedZone as { Name: string }).Name === 'corp.internal.',
      )!;
      expect(first.recordSets.map((r) => `${r.Name} ${r.Type} ${r.SetIdentifier ?? ''}`)).toEqual(
        data.zones[0].recordSets.map((r) => `${r.Name} ${r.Type} ${r.SetIdentifier ?? ''}`),
      );
      expect(first.hostedZone.VPCs).toEqual([{ VPCRegion: 'us-east-2', VPCId: VPC }]);
      expect(fake.calls.filter((c) => c === 'route53:ListHostedZonesByVPC')).toHaveLength(2);
    } finally {
      clients.close();
    }
  });

  it('--vpc-id limits the read to that VPC; an unknown VPC is one line and exit 1', async () => {
    fake = await startFakeAws(us2Data());
    const ok = await sync(['--vpc-id', VPC, '--endpoint-url', fake.url, '--no-hosted-zones']);
    expect(ok.code).toBe(0);
    expect(fake.calls.some((c) => c.startsWith('route53:'))).toBe(false);
    const bad = await sync(['--vpc-id', 'vpc-0123456789abcdef0', '--endpoint-url', fake.url]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /^privatelink-dns sync: unknown VPC vpc-0123456789abcdef0 in us-east-2 at http:\/\/127\.0\.0\.1:\d+ \(check --vpc-id and --region\)\n$/,
    );
  });

  it('access denied names the IAM action that is missing', async () => {
    fake = await startFakeAws(us2Data());
    fake.deny.add('ec2:DescribeNetworkInterfaces');
    const r = await sync(['--endpoint-url', fake.url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^privatelink-dns sync: access denied for ec2:DescribeNetworkInterfaces at http:\/\/127\.0\.0\.1:\d+: the credentials' IAM policy must allow ec2:DescribeNetworkInterfaces \(the README lists the minimal policy\)\n$/,
    );
    fake.deny.clear();
    fake.deny.add('route53:ListHostedZonesByVPC');
    const r2 = await sync(['--endpoint-url', fake.url]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('access denied for route53:ListHostedZonesByVPC');
  });

  it('missing credentials: says which chain was tried, and never calls the API', async () => {
    fake = await startFakeAws(us2Data());
    const key = process.env.AWS_ACCESS_KEY_ID;
    const secret = process.env.AWS_SECRET_ACCESS_KEY;
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    try {
      const r = await sync(['--endpoint-url', fake.url]);
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n')).toHaveLength(2);
      expect(r.stderr).toMatch(
        /^privatelink-dns sync: no AWS credentials found; tried the environment \(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY\), the shared files/,
      );
      expect(r.stderr).toContain('EC2 instance metadata');
      expect(fake.calls).toEqual([]);
    } finally {
      process.env.AWS_ACCESS_KEY_ID = key;
      process.env.AWS_SECRET_ACCESS_KEY = secret;
    }
  });

  it('--profile takes the keys of that profile from the shared credentials file', async () => {
    fake = await startFakeAws(us2Data());
    const dir = mkdtempSync(join(tmpdir(), 'pldns-profile-'));
    writeFileSync(
      join(dir, 'credentials'),
      '[ci]\naws_access_key_id = AKIAPROFILEPROFILE01\naws_secret_access_key = profile/secret/000000000000000000000000\n',
    );
    writeFileSync(join(dir, 'config'), '[profile ci]\nregion = us-east-2\n');
    const env = { file: process.env.AWS_SHARED_CREDENTIALS_FILE, config: process.env.AWS_CONFIG_FILE };
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    try {
      const r = await sync(['--profile', 'ci', '--endpoint-url', fake.url, '--no-hosted-zones']);
      expect(r.code, r.stderr).toBe(0);
      expect(fake.authorizations.length).toBeGreaterThan(0);
      expect(fake.authorizations.every((a) => a.includes('Credential=AKIAPROFILEPROFILE01/'))).toBe(true);
      const bad = await sync(['--profile', 'nope', '--endpoint-url', fake.url]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^privatelink-dns sync: no AWS credentials for profile "nope": .*\n$/);
    } finally {
      process.env.AWS_SHARED_CREDENTIALS_FILE = env.file;
      process.env.AWS_CONFIG_FILE = env.config;
    }
  });

  it('an API that is not there: one line naming the endpoint', async () => {
    fake = await startFakeAws(us2Data());
    fake.mode = 'down';
    const r = await sync(['--endpoint-url', fake.url]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`ec2:DescribeVpcEndpoints at ${fake.url}`);
  });

  it('-o writes atomically: a failed sync leaves the old file as it was and no temporary file', async () => {
    fake = await startFakeAws(us2Data());
    const dir = mkdtempSync(join(tmpdir(), 'pldns-sync-o-'));
    const out = join(dir, 'endpoints.yaml');
    writeFileSync(out, 'old: true\n');
    fake.deny.add('ec2:DescribeSubnets');
    const bad = await sync(['--endpoint-url', fake.url, '-o', out]);
    expect(bad.code).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe('old: true\n');
    fake.deny.clear();
    const good = await sync(['--endpoint-url', fake.url, '-o', out]);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toBe('');
    expect(good.stderr).toMatch(/wrote .*endpoints\.yaml: \d+ interface endpoints/);
    parseConfigText(readFileSync(out, 'utf8'), out);
    expect(readdirSync(dir)).toEqual(['endpoints.yaml']);
    // A directory that cannot take the file: one line, exit 1.
    const r = await sync(['--endpoint-url', fake.url, '-o', join(dir, 'no', 'such', 'dir.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot write .*dir\.yaml: ENOENT/);
  });

  it('usage errors exit 2', async () => {
    expect((await sync(['--vpc-id', 'nope'])).code).toBe(2);
    expect((await sync(['--endpoint-url', 'ftp://x'])).code).toBe(2);
    expect((await sync(['--client-cidrs', '10.0.0.0/99'])).code).toBe(2);
    expect((await sync(['--bogus'])).code).toBe(2);
  });
});

describe('sync from LocalStack / moto shaped answers', () => {
  it('makes names and addresses AWS-shaped, says what it changed, and writes a valid config', async () => {
    fake = await startFakeAws(emulatorData(), { pageSize: 1 });
    const r = await sync(['--region', 'us-east-1', '--endpoint-url', fake.url]);
    expect(r.code, r.stderr).toBe(0);
    const { config } = parseConfigText(r.stdout, 'emulated.yaml');
    const [sqs, ssm] = config.vpcs[0].endpoints;
    expect(sqs.dnsSuffix).toBe('w8hx3kq2');
    expect(sqs.privateDnsEnabled).toBe(true);
    expect(sqs.interfaces.map((i) => i.subnet)).toEqual([
      'subnet-0aa0000000000001a',
      'subnet-0aa0000000000002b',
    ]);
    // The out-of-subnet address replaced by one inside 10.0.1.0/24 (not a reserved one); the good one kept.
    const a = sqs.interfaces[0].ipv4!;
    expect(a.startsWith('10.0.1.')).toBe(true);
    expect(Number(a.split('.')[3])).toBeGreaterThanOrEqual(4);
    expect(Number(a.split('.')[3])).toBeLessThanOrEqual(254);
    expect(sqs.interfaces[1].ipv4).toBe('10.0.2.44');
    // An endpoint without interfaces got one per subnet.
    expect(ssm.interfaces).toHaveLength(1);
    expect(ssm.interfaces[0].ipv4?.startsWith('10.0.1.')).toBe(true);
    // Stderr and the YAML comments say what changed.
    expect(r.stderr).toContain(
      'changed: vpce-1a2b3c4d5e6f70809: DnsEntries vpce-1a2b3c4d5e6f70809-w8hx3kq2.com.amazonaws.us-east-1.sqs are not AWS-shaped; named it vpce-1a2b3c4d5e6f70809-w8hx3kq2.sqs.us-east-1.vpce.amazonaws.com with 2 zonal names and its default private DNS names',
    );
    expect(r.stderr).toContain(
      'changed: eni-0bb0000000000001a of vpce-1a2b3c4d5e6f70809: address 10.96.32.7 is outside its subnet 10.0.1.0/24; generated 10.0.1.',
    );
    // The gateway endpoint is kept, with no DNS names of its own.
    const gw = config.vpcs[0].endpoints.find((e) => e.id === 'vpce-3c4d5e6f708091011');
    expect(gw?.type).toBe('gateway');
    expect(r.stdout).toContain('# Changed to look like AWS');
    expect(r.stdout).toContain(
      '#   eni-0bb0000000000001a of vpce-1a2b3c4d5e6f70809: address 10.96.32.7 is outside',
    );
    // The same data twice gives the same config (generated addresses are deterministic).
    const again = await sync(['--region', 'us-east-1', '--endpoint-url', fake.url]);
    expect(body(again.stdout)).toBe(body(r.stdout));
  });
});

describe('sync of resource and service-network endpoints (DescribeVpcEndpointAssociations)', () => {
  const RSC = 'vpce-019b90d6f16d4f958';
  const SN = 'vpce-0057aabf75896925f';
  const ASSOC = 'ec2:DescribeVpcEndpointAssociations';
  /** Another account's association, which a filter on the synced endpoints leaves out. */
  const foreign = {
    Id: 'vpce-rsc-asc-0ffffffffffffffff',
    VpcEndpointId: 'vpce-0ffffffffffffffff',
    AssociatedResourceAccessibility: 'Accessible',
    DnsEntry: {
      DnsName: 'vpce-0ffffffffffffffff.rcfg-0ffffffffffffffff.4232ccc.vpc-lattice-rsc.us-east-1.on.aws',
      HostedZoneId: 'Z08285483B41F6ASEM5U1',
    },
  };

  it('writes what import --associations writes, reading every page for the synced endpoints only', async () => {
    const data = kindsData();
    fake = await startFakeAws({ ...data, associations: [...data.associations!, foreign] }, { pageSize: 1 });
    const r = await sync(['--region', 'us-east-1', '--endpoint-url', fake.url]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('warning:');
    const m = await importOf(data);
    expect(m.code, m.stderr).toBe(0);
    expect(body(r.stdout)).toBe(body(m.stdout));
    // Without the associations the config would differ: they are what names the resources.
    const without = await importOf({ ...data, associations: undefined });
    expect(body(without.stdout)).not.toBe(body(r.stdout));

    const { config } = parseConfigText(r.stdout, 'synced.yaml');
    expect(config.vpcs.map((v) => v.id)).toEqual([KINDS_VPC]);
    const eps = new Map(config.vpcs[0].endpoints.map((e) => [e.id, e]));
    expect(eps.get(RSC)).toMatchObject({ type: 'resource', customDomainName: 'db.example.internal' });
    expect(eps.get(SN)?.resources?.map((x) => x.associationId)).toEqual([
      'snra-08ab290695bf1e2f5',
      'snra-06dd45332f4d40737',
    ]);
    // Three associations of the synced endpoints at one per page: three calls, the foreign one
    // filtered out by the API (vpc-endpoint-id), not fetched.
    expect(fake.calls.filter((c) => c === ASSOC)).toHaveLength(3);
    const clients = createClients({ endpointUrl: fake.url, region: 'us-east-1' });
    try {
      const snap = await readAws({ endpointUrl: fake.url, region: 'us-east-1' }, clients);
      expect(snap.ec2.associations?.map((a) => a.Id)).toEqual(data.associations!.map((a) => a.Id));
      expect(snap.warnings).toEqual([]);
    } finally {
      clients.close();
    }
  });

  it('is retried when throttled, like every other call', async () => {
    fake = await startFakeAws(kindsData(), { pageSize: 10 });
    fake.throttleNext.add(ASSOC);
    const r = await sync(['--region', 'us-east-1', '--endpoint-url', fake.url]);
    expect(r.code, r.stderr).toBe(0);
    expect(fake.throttleNext.size).toBe(0);
    expect(fake.calls.filter((c) => c === ASSOC)).toHaveLength(2);
    expect(r.stdout).toContain('customDomainName: db.example.internal');
  });

  it('access denied on that call alone: a warning, and the config import writes without --associations', async () => {
    const data = kindsData();
    fake = await startFakeAws(data);
    fake.deny.add(ASSOC);
    const r = await sync(['--region', 'us-east-1', '--endpoint-url', fake.url]);
    expect(r.code, r.stderr).toBe(0);
    const warning = `access denied for ${ASSOC} at ${fake.url}: ${RSC}, ${SN} are imported without DescribeVpcEndpointAssociations (default resource DNS label, no custom domain names, no service-network resources); allow ${ASSOC} in the credentials' IAM policy`;
    expect(r.stderr).toContain(`warning: ${warning}\n`);
    expect(r.stdout).toContain(`# Warning: ${warning}\n`);
    const without = await importOf({ ...data, associations: undefined });
    expect(body(r.stdout)).toBe(body(without.stdout));
    parseConfigText(r.stdout, 'synced.yaml');
    // Every other call is still an error when denied.
    fake.deny.add('ec2:DescribeSubnets');
    const bad = await sync(['--region', 'us-east-1', '--endpoint-url', fake.url]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('access denied for ec2:DescribeSubnets');
  });

  it.each([
    ['InvalidAction', 'InvalidAction'],
    ['LocalStack', 'InternalFailure'],
  ] as const)(
    'an emulator without the call (%s) is read as no associations, with a warning',
    async (style, code) => {
      const data = kindsData();
      fake = await startFakeAws(data, { unsupportedAs: style });
      fake.unsupported.add('DescribeVpcEndpointAssociations');
      const r = await sync(['--region', 'us-east-1', '--endpoint-url', fake.url]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(
        `warning: ${ASSOC} is not implemented at ${fake.url} (${code}): ${RSC}, ${SN} are imported without DescribeVpcEndpointAssociations`,
      );
      // Not retried: one call.
      expect(fake.calls.filter((c) => c === ASSOC)).toHaveLength(1);
      const without = await importOf({ ...data, associations: undefined });
      expect(body(r.stdout)).toBe(body(without.stdout));
    },
  );

  it('an API that fails the call otherwise fails the sync', async () => {
    fake = await startFakeAws(kindsData());
    fake.broken.add(ASSOC);
    const r = await sync(['--region', 'us-east-1', '--endpoint-url', fake.url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `privatelink-dns sync: ${ASSOC} at ${fake.url} failed: InternalError: An internal error has occurred\n`,
    );
    // Retried by the SDK before giving up.
    expect(fake.calls.filter((c) => c === ASSOC).length).toBeGreaterThan(1);
  });
});
