import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/validate.js';
import { defaultConfigPath } from '../../src/config/paths.js';
import { memIo } from '../helpers/mem-io.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('privatelink-dns validate', () => {
  it('accepts the bundled config (the default)', async () => {
    const m = memIo();
    expect(await run([], m.io)).toBe(0);
    expect(m.stdout()).toBe(`${defaultConfigPath()}: valid (1 VPC, 3 endpoints)\n`);
  });

  it('prints every problem as FILE:LINE:COL  path  message and exits 1', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pldns-validate-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      `ttl: 60
vpcs:
  - id: vpc-0a1b2c3d4e5f60718
    region: us-east-2
    enableDnsSupport: false
    subnets:
      - { id: subnet-0aaa, az: us-east-2a, ipv4Cidr: 10.0.1.0/24 }
    endpoints:
      - service: com.amazonaws.us-east-2.monitoring
        privateDnsEnabled: true
        interfaces:
          - { subnet: subnet-0aaa, ipv4: 10.0.9.5 }
          - { subnet: subnet-0bbb, ipv4: 10.0.2.5, ipv6: "2600::1" }
`,
    );
    const m = memIo();
    expect(await run(['--config', file], m.io)).toBe(1);
    expect(m.stdout()).toBe('');
    expect(m.stderr().split('\n')).toEqual([
      `${file}:10:28  vpcs[0].endpoints[0].privateDnsEnabled  private DNS needs enableDnsSupport and enableDnsHostnames on VPC vpc-0a1b2c3d4e5f60718, but enableDnsSupport is false; set them to true or set privateDnsEnabled: false`,
      `${file}:12:42  vpcs[0].endpoints[0].interfaces[0].ipv4  interface 10.0.9.5 is outside subnet subnet-0aaa (10.0.1.0/24); pick an address inside it`,
      `${file}:13:23  vpcs[0].endpoints[0].interfaces[1].subnet  subnet subnet-0bbb is not in VPC vpc-0a1b2c3d4e5f60718; use one of its subnets (subnet-0aaa)`,
      `${file}:13:58  vpcs[0].endpoints[0].interfaces[1].ipv6  ipAddressType ipv4 interfaces have no IPv6 address; remove ipv6 or use ipAddressType dualstack`,
      `4 problems in ${file}`,
      '',
    ]);
  });

  it('takes the file as a positional argument too', async () => {
    const m = memIo();
    expect(await run(['-q', defaultConfigPath()], m.io)).toBe(0);
    expect(m.stdout()).toBe('');
  });

  it('rejects an unknown flag with one line and exit 2', async () => {
    const m = memIo();
    expect(await run(['--strict'], m.io)).toBe(2);
    expect(m.stderr()).toMatch(/^privatelink-dns validate: .*--strict.*\n$/);
  });
});
