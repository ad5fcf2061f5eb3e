/**
 * Start-up failures of `serve` as a user sees them: one line naming the real cause on stderr,
 * exit 1, no stack trace, and no "listening" line for a start that failed.
 */
import { createSocket } from 'node:dgram';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin as run } from '../helpers/run-bin.js';

const runBin = (args: string[]) => run(args, { cwd: dir });

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'pldns-startup-'));
const config = join(dir, 'endpoints.yaml');
copyFileSync(join(ROOT, 'config', 'endpoints.yaml'), config);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let busyTcp: Server;
let busyTcpPort: number;
const busyUdp = createSocket('udp4');
let busyUdpPort: number;

beforeAll(async () => {
  busyTcp = createServer();
  await new Promise<void>((r) => busyTcp.listen(0, '127.0.0.1', r));
  busyTcpPort = (busyTcp.address() as { port: number }).port;
  await new Promise<void>((r) => busyUdp.bind(0, '127.0.0.1', r));
  busyUdpPort = busyUdp.address().port;
});
afterAll(() => {
  busyTcp.close();
  busyUdp.close();
});

const base = ['serve', '-c', config, '--upstream', '127.0.0.1:9'];

describe('serve start-up errors', () => {
  it.each([[[]], [['--workers', '2']]])('a busy admin port is blamed on the admin API %j', async (extra) => {
    const r = await runBin([
      ...base,
      '--listen',
      '127.0.0.1:0',
      '--admin',
      `127.0.0.1:${busyTcpPort}`,
      ...extra,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `privatelink-dns: admin API cannot listen on 127.0.0.1:${busyTcpPort}: address already in use\n`,
    );
    expect(r.stdout).not.toMatch(/listening on/);
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a busy DNS port is blamed on --listen', async () => {
    const r = await runBin([...base, '--listen', `127.0.0.1:${busyUdpPort}`, '--admin', 'off']);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: `privatelink-dns: cannot listen on 127.0.0.1:${busyUdpPort}: address already in use\n`,
    });
  });

  it.each([[[]], [['--workers', '2']]])(
    'an admin API off loopback without a token is refused before anything logs %j',
    async (extra) => {
      const r = await runBin([...base, '--listen', '127.0.0.1:0', '--admin', '0.0.0.0:0', ...extra]);
      expect(r).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'privatelink-dns: admin API on 0.0.0.0:0 would be reachable from other hosts: give --admin-token (or $PRIVATELINK_DNS_ADMIN_TOKEN), or bind it to 127.0.0.1\n',
      });
    },
  );

  it('a bad config: its problems and one summary line, no stack trace', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'ttl: "sixty"\n');
    const r = await runBin(['serve', '-c', bad, '--listen', '127.0.0.1:0', '--admin', 'off']);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: `${bad}:1:6  ttl  expected number\nprivatelink-dns: the config has 1 problem(s); not starting\n`,
    });
  });

  it('a config that cannot be read: one line, no stack trace', async () => {
    const missing = join(dir, 'missing.yaml');
    const r = await runBin(['serve', '-c', missing, '--listen', '127.0.0.1:0', '--admin', 'off']);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: `${missing}:1:1  (top)  cannot read the config: no such file\nprivatelink-dns: the config has 1 problem(s); not starting\n`,
    });
  });
});
