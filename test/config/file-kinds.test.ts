/** Only regular files under a size limit are read as configs: a FIFO or a device never hangs or floods the loader. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, loadConfigFile } from '../../src/config/load.js';
import { type RunningServer, startServer } from '../../src/core/server.js';
import { CW_REGIONAL, cloudwatch, oneVpc } from '../helpers/configs.js';
import { addresses, query } from '../helpers/dns-client.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pldns-kinds-'));
});
afterEach(() => {
  delete process.env.PRIVATELINK_DNS_MAX_CONFIG_BYTES;
  rmSync(dir, { recursive: true, force: true });
});

function problemOf(path: string) {
  try {
    loadConfigFile(path);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems[0];
    throw e;
  }
  throw new Error('loaded');
}

describe('config files', () => {
  it('a FIFO is refused at once, without blocking in open()', () => {
    const fifo = join(dir, 'config.yaml');
    execFileSync('mkfifo', [fifo]);
    expect(problemOf(fifo)).toMatchObject({ code: 'config.not-a-file', file: fifo, line: 1, col: 1 });
  });

  it('a symlink to a device is refused (it would never end)', () => {
    const link = join(dir, 'config.yaml');
    symlinkSync('/dev/zero', link);
    expect(problemOf(link).code).toBe('config.not-a-file');
  });

  it('a directory is refused as unreadable', () => {
    expect(problemOf(dir).code).toBe('config.unreadable');
  });

  it('a file over the size limit is refused, and the limit is configurable', () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, stringify(oneVpc([cloudwatch()])));
    expect(loadConfigFile(file).config.vpcs).toHaveLength(1);
    process.env.PRIVATELINK_DNS_MAX_CONFIG_BYTES = '64';
    const p = problemOf(file);
    expect(p.code).toBe('config.too-large');
    expect(p.message).toMatch(/over the limit of 64/);
  });

  it('a symlink to a regular file is read (ConfigMap volumes)', () => {
    const file = join(dir, 'real.yaml');
    writeFileSync(file, stringify(oneVpc([cloudwatch()])));
    const link = join(dir, 'config.yaml');
    symlinkSync(file, link);
    expect(loadConfigFile(link).config.vpcs).toHaveLength(1);
  });
});

describe('a running server whose config becomes a FIFO', () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('rejects the reload and keeps answering', async () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, stringify(oneVpc([cloudwatch()], { upstreams: ['127.0.0.1:9'] })));
    server = await startServer({
      config: file,
      listen: '127.0.0.1:0',
      logger: pino({ level: 'silent' }),
      watch: false,
    });
    unlinkSync(file);
    execFileSync('mkfifo', [file]);
    const r = await server.reload();
    expect(r.ok).toBe(false);
    expect(r.ok ? null : r.problems[0].code).toBe('config.not-a-file');
    expect(addresses(await query(server.udp.port, CW_REGIONAL)).sort()).toEqual([
      '10.0.1.23',
      '10.0.2.23',
      '10.0.3.23',
    ]);
  });
});
