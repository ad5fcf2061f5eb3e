/**
 * The command line as users run it: bin/privatelink-dns (built code) and npm start, with the
 * bundled example config, a fake upstream, port 0, and a clean exit on SIGINT/SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addresses, query, queryTcp } from '../helpers/dns-client.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { poll } from '../helpers/poll.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin/privatelink-dns');
const CW = ['10.0.1.23', '10.0.2.23', '10.0.3.23'];

let up: FakeUpstream;
beforeAll(async () => {
  up = await startFakeUpstream();
});
afterAll(async () => {
  await up?.close();
});

interface Started {
  child: ChildProcess;
  port: number;
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
}

/** Spawns a command, waits for the JSON startup line and returns the port it names. */
function startCli(cmd: string, args: string[], cwd = ROOT): Promise<Started> {
  return new Promise((resolve, reject) => {
    // Own process group, so that `npm start` and the server under it are signalled together.
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const lines: Record<string, unknown>[] = [];
    let out = '';
    let err = '';
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const t = setTimeout(() => reject(new Error(`no startup line; stderr: ${err}`)), 15_000);
    child.stderr!.on('data', (d) => {
      err += d;
    });
    child.stdout!.on('data', (d) => {
      out += d;
      let nl = out.indexOf('\n');
      while (nl >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        nl = out.indexOf('\n');
        if (!line.startsWith('{')) continue;
        const j = JSON.parse(line) as Record<string, unknown>;
        lines.push(j);
        if (typeof j.udp === 'string') {
          clearTimeout(t);
          resolve({ child, port: Number(String(j.udp).split(':').pop()), lines, exited });
        }
      }
    });
    child.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`exited ${code} before listening: ${err}`));
    });
  });
}

describe('bin/privatelink-dns serve', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'serves the bundled config on port 0, logs the port, and exits 0 on %s',
    async (sig) => {
      const s = await startCli(BIN, [
        'serve',
        '--listen',
        '127.0.0.1:0',
        '--upstream',
        up.hostPort,
        '--admin',
        'off',
      ]);
      // Without --config (and no ./privatelink-dns.yaml) it says it uses the bundled example.
      expect(s.lines[0].msg).toMatch(
        /^no --config, \$PRIVATELINK_DNS_CONFIG or \.\/privatelink-dns\.yaml: using the bundled example .*config\/endpoints\.yaml$/,
      );
      expect(s.lines[1].msg).toMatch(/^listening on 127\.0\.0\.1:\d+ \(udp\+tcp\)$/);
      expect(s.lines[1]).toMatchObject({ endpoints: 3, vpcs: 1 });
      expect(addresses(await query(s.port, 'monitoring.us-east-2.amazonaws.com')).sort()).toEqual(CW);
      expect(addresses(await queryTcp(s.port, 'example.org'))).toEqual(['192.0.2.1']);
      s.child.kill(sig);
      expect(await s.exited).toBe(0);
    },
  );

  it('works from another folder (the default config is the package’s own)', async () => {
    const s = await startCli(
      BIN,
      ['serve', '--listen', '127.0.0.1:0', '--upstream', up.hostPort, '--admin', 'off'],
      '/',
    );
    expect(addresses(await query(s.port, 'monitoring.us-east-2.amazonaws.com')).sort()).toEqual(CW);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('npm start passes flags through', async () => {
    const s = await startCli('npm', [
      'start',
      '--silent',
      '--',
      '--listen',
      '127.0.0.1:0',
      '--upstream',
      up.hostPort,
      '--admin',
      'off',
      '--log-level',
      'debug',
    ]);
    const d = await query(s.port, 'vpce-099deb00b40f00e22-lj2wisx3.monitoring.us-east-2.vpce.amazonaws.com');
    expect(addresses(d).sort()).toEqual(CW);
    // debug level: one line per query with client, name, type, rcode, source and duration
    const q = await poll('the query log line', () => s.lines.find((l) => l.msg === 'query'));
    expect(q).toMatchObject({
      name: 'vpce-099deb00b40f00e22-lj2wisx3.monitoring.us-east-2.vpce.amazonaws.com',
      type: 'A',
      rcode: 'NOERROR',
      answeredBy: 'local',
      transport: 'udp',
      client: '127.0.0.1',
    });
    expect(typeof q?.ms).toBe('number');
    // npm itself dies of the signal; the server under it shuts down cleanly and says so.
    process.kill(-s.child.pid!, 'SIGTERM');
    await s.exited;
    await poll(
      () => `the "stopped" line; got ${JSON.stringify(s.lines.map((l) => l.msg))}`,
      () => s.lines.some((l) => l.msg === 'stopped'),
      5000,
    );
    expect(s.lines.map((l) => l.msg)).toContain('stopped');
  });

  it('exits 0 on SIGTERM even when nobody reads its log any more', async () => {
    const s = await startCli(BIN, [
      'serve',
      '--listen',
      '127.0.0.1:0',
      '--upstream',
      up.hostPort,
      '--admin',
      'off',
    ]);
    s.child.stdout!.destroy();
    s.child.stderr!.destroy();
    // Queries log nothing at info, but the shutdown line hits the broken pipe.
    expect(addresses(await query(s.port, 'monitoring.us-east-2.amazonaws.com')).sort()).toEqual(CW);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('a bad flag is one clear line and exit 2', async () => {
    const child = spawn(BIN, ['serve', '--no-such-flag'], { cwd: ROOT });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/no-such-flag/);
  });
});
