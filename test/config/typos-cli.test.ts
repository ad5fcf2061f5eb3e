/** `validate` on the typos a new user makes: exact messages, exit codes, nothing on stdout for errors. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/validate.js';
import { SERVICE_LIST_DATE } from '../../src/privatelink/service-list.js';
import { memIo } from '../helpers/mem-io.js';

const dir = mkdtempSync(join(tmpdir(), 'pldns-typos-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(text: string): string {
  const f = join(dir, `c${n++}.yaml`);
  writeFileSync(f, text);
  return f;
}

const vpc = (region: string, az: string, service: string, extra = '') => `vpcs:
  - id: vpc-0a1b2c3d4e5f60718
    region: ${region}
    subnets:
      - { id: subnet-0aaa, az: ${az}, ipv4Cidr: 10.0.1.0/24 }
    endpoints:
      - service: ${service}
${extra}        interfaces:
          - { subnet: subnet-0aaa, ipv4: 10.0.1.5 }
`;

async function validate(f: string) {
  const m = memIo();
  const code = await run(['-c', f], m.io);
  return { code, stdout: m.stdout(), stderr: m.stderr() };
}

describe('typos in services, Regions and AZs', () => {
  it('an unknown service is a warning with a did-you-mean; the config stays valid', async () => {
    const f = file(vpc('eu-west-1', 'eu-west-1a', 'com.amazonaws.eu-west-1.sqss'));
    expect(await validate(f)).toEqual({
      code: 0,
      stdout: `${f}: valid (1 VPC, 1 endpoint; 1 warning)\n`,
      stderr: `${f}:7:18  vpcs[0].endpoints[0].service  warning: com.amazonaws.eu-west-1.sqss is not in the list of services that support PrivateLink (as of ${SERVICE_LIST_DATE}); did you mean com.amazonaws.eu-west-1.sqs?\n`,
    });
  });

  it('secretmanager → secretsmanager', async () => {
    const f = file(vpc('eu-west-1', 'eu-west-1a', 'com.amazonaws.eu-west-1.secretmanager'));
    const r = await validate(f);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `${f}:7:18  vpcs[0].endpoints[0].service  warning: com.amazonaws.eu-west-1.secretmanager is not in the list of services that support PrivateLink (as of ${SERVICE_LIST_DATE}); did you mean com.amazonaws.eu-west-1.secretsmanager?\n`,
    );
  });

  it('a malformed Region is named as such and not echoed back as the fix', async () => {
    const f = file(vpc('eu-west-01', 'eu-west-01a', 'com.amazonaws.eu-west-01.sqs'));
    const r = await validate(f);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `${f}:3:13  vpcs[0].region  "eu-west-01" is not a Region name (Regions look like us-east-2); did you mean eu-west-1?\n1 problem in ${f}\n`,
    );
  });

  it('a malformed Region in a service name says so before the Region mismatch', async () => {
    const f = file(vpc('eu-west-1', 'eu-west-1a', 'com.amazonaws.eu-west-01.sqs'));
    const r = await validate(f);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `${f}:7:18  vpcs[0].endpoints[0].service  "eu-west-01" is not a Region name (did you mean eu-west-1?); service com.amazonaws.eu-west-01.sqs is in eu-west-01 but VPC vpc-0a1b2c3d4e5f60718 is in eu-west-1; an endpoint to an AWS service is created in the service's region (use com.amazonaws.eu-west-1.sqs)\n1 problem in ${f}\n`,
    );
  });

  it('an AZ id is recognised as an AZ id', async () => {
    const f = file(vpc('eu-west-1', 'euw1-az2', 'com.amazonaws.eu-west-1.sqs'));
    const r = await validate(f);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `${f}:5:32  vpcs[0].subnets[0].az  "euw1-az2" is an AZ id, not an AZ name: write the AZ name the subnet shows in your account (aws ec2 describe-availability-zones --zone-ids euw1-az2 prints it), such as eu-west-1a\n1 problem in ${f}\n`,
    );
  });

  it("a schema error in an endpoint does not hide that endpoint's rule problems", async () => {
    const f = file(
      vpc('eu-west-1', 'eu-west-1a', 'com.amazonaws.us-east-2.sqs', '        privateDnsEnabled: "yes"\n'),
    );
    const r = await validate(f);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      [
        `${f}:7:18  vpcs[0].endpoints[0].service  service com.amazonaws.us-east-2.sqs is in us-east-2 but VPC vpc-0a1b2c3d4e5f60718 is in eu-west-1; an endpoint to an AWS service is created in the service's region (use com.amazonaws.eu-west-1.sqs)`,
        `${f}:8:28  vpcs[0].endpoints[0].privateDnsEnabled  expected boolean`,
        `2 problems in ${f}`,
        '',
      ].join('\n'),
    );
  });
});

describe('YAML syntax errors in plain words, at the place to fix', () => {
  const cases: [string, string, string][] = [
    [
      'ttl: 60\nvpcs:\n  - id: vpc-1\n    region: "us-east-2\n',
      '4:13',
      'the quoted value opened here with " is never closed; add the closing "',
    ],
    [
      'ttl: 60\nvpcs:\n  - id: vpc-1\n     region: us-east-2\n',
      '4:6',
      'this key starts at column 6 but the key above it (line 3) at column 5; keys of one mapping line up',
    ],
    ['ttl: 60\nttl: 70\n', '2:1', 'the key ttl is given twice in this mapping (first at line 1); keep one'],
    ['ttl: 60\nvpcs:\n\t- id: x\n', '3:1', 'a tab indents this line; YAML indents with spaces only'],
    [
      'vpcs:\n  - id: vpc-1\n    subnets: [a, b\n',
      '3:14',
      'the list opened here with [ is never closed; add the ]',
    ],
  ];
  for (const [text, at, message] of cases)
    it(message, async () => {
      const f = file(text);
      expect(await validate(f)).toEqual({
        code: 1,
        stdout: '',
        stderr: `${f}:${at}  (top)  YAML: ${message}\n1 problem in ${f}\n`,
      });
    });
});
