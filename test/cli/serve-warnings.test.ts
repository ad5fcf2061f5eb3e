/**
 * `serve` logs the services and Regions its shipped lists do not know once it has started, one
 * process or a cluster: the single server keeps only its catalog, not the config's endpoints,
 * and reads them for the warnings as the config arrives.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { cloudwatch, oneVpc } from '../helpers/configs.js';
import { poll } from '../helpers/poll.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'pldns-serve-warnings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = join(dir, 'endpoints.yaml');
writeFileSync(
  config,
  stringify(
    oneVpc([
      cloudwatch(),
      cloudwatch({
        id: 'vpce-0aaaaaaaaaaaaaaa1',
        service: 'com.amazonaws.us-east-2.monitorin',
        privateDnsEnabled: false,
        interfaces: [{ subnet: 'subnet-0aaa', ipv4: '10.0.1.99' }],
      }),
    ]),
  ),
);

describe('serve warns about unknown services once started', () => {
  it.each([['1'], ['2']])('--workers %s', { timeout: 40_000 }, async (workers) => {
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'bin', 'privatelink-dns'),
        'serve',
        '-c',
        config,
        '--listen',
        '127.0.0.1:0',
        '--upstream',
        '127.0.0.1:9',
        '--admin',
        'off',
        '--workers',
        workers,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    try {
      const line = await poll(
        () => `the warning:\n${out}`,
        () => out.split('\n').find((l) => l.includes('config.unknown-service')),
        15_000,
      );
      expect(out).toMatch(/listening on 127\.0\.0\.1:\d+/);
      const w = JSON.parse(line);
      expect(w).toMatchObject({ level: 40, code: 'config.unknown-service' });
      expect(w.msg).toContain('com.amazonaws.us-east-2.monitorin');
      expect(w.path).toContain('endpoints[1]');
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    }
  });
});
