/** Which config validate, describe and serve use without --config, run from a temporary folder. */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBin } from '../helpers/run-bin.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BUNDLED = join(ROOT, 'config', 'endpoints.yaml');
const BIN = join(ROOT, 'bin', 'privatelink-dns');
const base = mkdtempSync(join(tmpdir(), 'pldns-discover-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
/** A fresh folder, with ./privatelink-dns.yaml when asked. */
function folder(withLocal: boolean): string {
  const d = join(base, `d${n++}`);
  mkdirSync(d);
  if (withLocal) copyFileSync(BUNDLED, join(d, 'privatelink-dns.yaml'));
  return d;
}
const env = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH, ...extra });
const NOTICE = `no --config, $PRIVATELINK_DNS_CONFIG or ./privatelink-dns.yaml: using the bundled example ${BUNDLED}`;

describe('config discovery', () => {
  it('validate uses ./privatelink-dns.yaml when it is there, and says nothing more', async () => {
    const d = folder(true);
    expect(await runBin(['validate'], { cwd: d, env: env() })).toEqual({
      code: 0,
      stdout: `${join(d, 'privatelink-dns.yaml')}: valid (1 VPC, 3 endpoints)\n`,
      stderr: '',
    });
  });

  it('falls back to the bundled example and says so in one line', async () => {
    const d = folder(false);
    expect(await runBin(['validate'], { cwd: d, env: env() })).toEqual({
      code: 0,
      stdout: `${BUNDLED}: valid (1 VPC, 3 endpoints)\n`,
      stderr: `privatelink-dns validate: ${NOTICE}\n`,
    });
    const r = await runBin(['describe'], { cwd: d, env: env() });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`privatelink-dns describe: ${NOTICE}\n`);
    expect(JSON.parse(r.stdout).VpcEndpoints).toHaveLength(3);
  });

  it('$PRIVATELINK_DNS_CONFIG wins over ./privatelink-dns.yaml, and -c over both', async () => {
    const d = folder(true);
    const other = join(d, 'other.yaml');
    copyFileSync(BUNDLED, other);
    expect(await runBin(['validate'], { cwd: d, env: env({ PRIVATELINK_DNS_CONFIG: other }) })).toEqual({
      code: 0,
      stdout: `${other}: valid (1 VPC, 3 endpoints)\n`,
      stderr: '',
    });
    const third = join(d, 'third.yaml');
    copyFileSync(BUNDLED, third);
    expect(
      await runBin(['validate', '-c', third], { cwd: d, env: env({ PRIVATELINK_DNS_CONFIG: other }) }),
    ).toEqual({ code: 0, stdout: `${third}: valid (1 VPC, 3 endpoints)\n`, stderr: '' });
  });

  it('a missing $PRIVATELINK_DNS_CONFIG is an error, not a silent fallback', async () => {
    const d = folder(true);
    const gone = join(d, 'gone.yaml');
    expect(await runBin(['validate'], { cwd: d, env: env({ PRIVATELINK_DNS_CONFIG: gone }) })).toEqual({
      code: 1,
      stdout: '',
      stderr: `${gone}:1:1  (top)  cannot read the config: no such file\n1 problem in ${gone}\n`,
    });
  });

  it.each([true, false])(
    'serve with ./privatelink-dns.yaml present: %s',
    async (withLocal) => {
      const d = folder(withLocal);
      const child = spawn(
        process.execPath,
        [BIN, 'serve', '--listen', '127.0.0.1:0', '--admin', 'off', '--upstream', '127.0.0.1:9'],
        { cwd: d, env: env(), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      const lines = await new Promise<Record<string, unknown>[]>((resolve, reject) => {
        child.stdout.on('data', (chunk) => {
          out += chunk;
          if (out.includes('listening on'))
            resolve(
              out
                .split('\n')
                .filter(Boolean)
                .map((l) => JSON.parse(l)),
            );
        });
        child.on('exit', (c) => reject(new Error(`exited ${c}: ${out}`)));
      });
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      await exited;
      if (withLocal) {
        expect(lines.map((l) => l.msg)).toEqual([expect.stringMatching(/^listening on /)]);
        expect(lines[0].config).toBe(join(d, 'privatelink-dns.yaml'));
      } else {
        expect(lines.map((l) => l.msg)).toEqual([NOTICE, expect.stringMatching(/^listening on /)]);
        expect(lines[1].config).toBe(BUNDLED);
      }
    },
    30_000,
  );
});
