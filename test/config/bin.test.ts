import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Runs the built command line (npm test builds dist/ before vitest runs).
const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'privatelink-dns');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmpdir() });

describe('bin/privatelink-dns validate, describe, import', () => {
  it('validates the bundled config and reports problems with FILE:LINE:COL', () => {
    const ok = cli('validate');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/config\/endpoints\.yaml: valid \(1 VPC, 3 endpoints\)/);

    const dir = mkdtempSync(join(tmpdir(), 'pldns-bin-'));
    try {
      const file = join(dir, 'e.yaml');
      writeFileSync(file, 'ttl: 60\nttll: 5\n');
      const bad = cli('validate', '--config', file);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain(`${file}:2:1  ttll  unknown field "ttll"; did you mean "ttl"?`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('describes the bundled config from any working directory', () => {
    const r = cli('describe');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.VpcEndpoints[0].DnsEntries[0]).toEqual({
      DnsName: 'vpce-099deb00b40f00e22-lj2wisx3.monitoring.us-east-2.vpce.amazonaws.com',
      HostedZoneId: 'ZC8PG0KIFKBRI',
    });
  });

  it('imports AWS CLI JSON', () => {
    const fix = join(ROOT, 'test', 'fixtures', 'aws', 'mx-central-1');
    const r = cli(
      'import',
      '--endpoints',
      join(fix, 'endpoints.json'),
      '--network-interfaces',
      join(fix, 'network-interfaces.json'),
      '--subnets',
      join(fix, 'subnets.json'),
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('dnsSuffix: 8hq2mz0d');
    const unknown = cli('import', '--bogus');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
  });
});
