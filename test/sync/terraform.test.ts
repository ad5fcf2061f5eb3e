import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/import.js';
import { parseConfigText } from '../../src/config/load.js';
import { ImportError } from '../../src/privatelink/import.js';
import { importHostedZone } from '../../src/sync/route53.js';
import { readTerraformState } from '../../src/sync/terraform.js';
import { memIo } from '../helpers/mem-io.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'terraform');
const STATE = join(FIX, 'state.json');
const state = () => JSON.parse(readFileSync(STATE, 'utf8'));

async function importTf(file: string, extra: string[] = []) {
  const m = memIo();
  const code = await run(['--terraform', file, ...extra], m.io);
  return { code, stdout: m.stdout(), stderr: m.stderr() };
}

function tmpJson(doc: unknown): string {
  const f = join(mkdtempSync(join(tmpdir(), 'pldns-tf-')), 'state.json');
  writeFileSync(f, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return f;
}

describe('import --terraform (terraform show -json of a state)', () => {
  it('reads resources and data sources of the root and nested child modules into a valid config', async () => {
    const r = await importTf(STATE);
    expect(r.code, r.stderr).toBe(0);
    const { config } = parseConfigText(r.stdout, 'tf.yaml');
    expect(config.vpcs).toHaveLength(1);
    const vpc = config.vpcs[0];
    expect(vpc.id).toBe('vpc-0f00ba4000000c0de');
    // data.aws_vpc: CIDR and DNS attributes.
    expect(vpc.cidrs[0]).toBe('10.50.0.0/16');
    expect(vpc.enableDnsHostnames).toBe(true);
    // module.network subnets.
    expect(vpc.subnets.map((s) => `${s.id} ${s.az} ${s.ipv4Cidr}`)).toEqual([
      'subnet-0a0000000000000a1 us-west-2a 10.50.1.0/24',
      'subnet-0a0000000000000b2 us-west-2b 10.50.2.0/24',
    ]);
    const byId = new Map(vpc.endpoints.map((e) => [e.id, e]));
    // The Gateway endpoint is skipped.
    expect([...byId.keys()].sort()).toEqual([
      'vpce-0aaaa000000000001',
      'vpce-0bbbb000000000002',
      'vpce-0dddd000000000004',
    ]);
    // subnet_configuration (module.endpoints.module.sqs): addresses as in the state.
    const sqs = byId.get('vpce-0aaaa000000000001')!;
    expect(sqs.dnsSuffix).toBe('ab12cd34');
    expect(sqs.interfaces.map((i) => i.ipv4)).toEqual(['10.50.1.10', '10.50.2.10']);
    // data.aws_network_interface: ids and addresses kept, zonal order from dns_entry.
    const ssm = byId.get('vpce-0bbbb000000000002')!;
    expect(ssm.interfaces.map((i) => `${i.id} ${i.ipv4}`)).toEqual([
      'eni-0ccc00000000000a1 10.50.1.77',
      'eni-0ccc00000000000b2 10.50.2.78',
    ]);
    expect(ssm.privateDnsEnabled).toBe(true);
    // Nothing in the state: generated inside the subnets, never a reserved address, and said so.
    const logs = byId.get('vpce-0dddd000000000004')!;
    const [a, b] = logs.interfaces.map((i) => i.ipv4!);
    expect(a).toMatch(/^10\.50\.1\.(\d+)$/);
    expect(b).toMatch(/^10\.50\.2\.(\d+)$/);
    for (const ip of [a, b]) {
      const last = Number(ip.split('.')[3]);
      expect(last).toBeGreaterThanOrEqual(4);
      expect(last).toBeLessThanOrEqual(254);
    }
    expect(r.stderr).toContain(
      `generated: vpce-0dddd000000000004 in subnet-0a0000000000000a1: IPv4 address ${a} generated (the state does not hold it)`,
    );
    expect(r.stdout).toContain('# Generated, because the state does not hold them:');
    expect(r.stdout).toContain(
      `#   vpce-0dddd000000000004 in subnet-0a0000000000000b2: IPv4 address ${b} generated`,
    );
    expect(r.stdout).toMatch(
      /^# Imported by "privatelink-dns import" from Terraform state: 3 interface endpoints in 1 VPC\.\n# Terraform state .*state\.json \(written by Terraform 1\.9\.8\)\./,
    );
    // Same state, same config.
    expect((await importTf(STATE)).stdout).toBe(r.stdout);
  });

  it('turns aws_route53_zone and aws_route53_record into a private hosted zone', () => {
    const tf = readTerraformState(state());
    expect(tf.zones).toHaveLength(1);
    const { zone } = importHostedZone({
      recordSets: tf.zones[0].recordSets,
      hostedZone: tf.zones[0].hostedZone,
    });
    expect(zone).toEqual({
      name: 'corp.example',
      id: 'Z0CORP0000000000000A',
      vpcs: ['vpc-0f00ba4000000c0de'],
      records: [
        { name: 'api.corp.example', type: 'A', ttl: 60, values: ['10.50.1.40', '10.50.2.40'] },
        { name: 'corp.example', type: 'TXT', ttl: 300, values: ['"owner=platform team"'] },
        {
          name: 'queue.corp.example',
          type: 'A',
          aliasTarget: {
            dnsName: 'vpce-0aaaa000000000001-ab12cd34.sqs.us-west-2.vpce.amazonaws.com',
            evaluateTargetHealth: true,
          },
          setIdentifier: 'primary',
          failover: 'PRIMARY',
        },
      ],
    });
  });

  it('a subnet missing from the state is named with the fix', () => {
    const doc = state();
    doc.values.root_module.child_modules[0].resources.pop(); // module.network.aws_subnet.b
    expect(() => readTerraformState(doc)).toThrow(ImportError);
    try {
      readTerraformState(doc);
    } catch (e) {
      expect((e as ImportError).problems[0]).toBe(
        'module.endpoints.aws_vpc_endpoint.ssm (vpce-0bbbb000000000002): its subnet subnet-0a0000000000000b2 is not in the state; add it, e.g. as a data source: data "aws_subnet" "x" { id = "subnet-0a0000000000000b2" }',
      );
    }
  });

  it('refuses a plan, a raw tfstate, an unsupported format version, non-JSON and other JSON in one line, exit 1', async () => {
    const cases: [string, RegExp][] = [
      [
        join(FIX, 'plan.json'),
        /this is a plan \("terraform show -json PLANFILE"\); its computed values .* are unknown until apply/,
      ],
      [
        tmpJson({ version: 4, terraform_version: '1.9.8', resources: [] }),
        /this is a raw state file \(terraform\.tfstate version 4\); pass the output of "terraform show -json" instead/,
      ],
      [
        tmpJson({ format_version: '2.0', values: { root_module: {} } }),
        /state format_version 2\.0 is not supported \(this version reads 0\.x and 1\.x\)/,
      ],
      [tmpJson('resource "aws_vpc" "x" {}'), /--terraform .*: not JSON \(/],
      [tmpJson({ VpcEndpoints: [] }), /no "format_version"; expected the output of "terraform show -json"/],
      [tmpJson([1, 2]), /not the JSON of "terraform show -json"/],
    ];
    for (const [file, message] of cases) {
      const r = await importTf(file);
      expect(r.code, file).toBe(1);
      expect(r.stderr.trim().split('\n'), file).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
  });

  it('-o writes the file atomically; --terraform with the AWS CLI files is a usage error', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pldns-tf-o-')), 'endpoints.yaml');
    const r = await importTf(STATE, ['-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    parseConfigText(readFileSync(out, 'utf8'), out);
    const bad = await importTf(join(FIX, 'plan.json'), ['-o', out]);
    expect(bad.code).toBe(1);
    parseConfigText(readFileSync(out, 'utf8'), out);
    expect((await importTf(STATE, ['--endpoints', STATE])).code).toBe(2);
  });
});
