/**
 * Real clients against examples/centralized-endpoints: dig (bound to a spoke's source address),
 * Node's resolver (c-ares) and glibc's getaddrinfo (getent, inside a network namespace this test
 * creates, as a client of spoke A). The spokes reach the hub's interfaces by the public service
 * name, and an impaired AZ of the hub moves the spokes' answers on the next query.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/core/server.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const EXAMPLE = join(ROOT, 'examples/centralized-endpoints/config.yaml');
const SQS = 'sqs.us-east-1.amazonaws.com';
const HUB_SQS = ['10.0.1.40', '10.0.2.40', '10.0.3.40'];
const SPOKE_A = '127.0.0.2';
const SPOKE_B = '127.0.0.3';

const run = promisify(execFile);

describe('dig and Node against the centralized example', () => {
  let srv: RunningServer;
  let up: FakeUpstream;
  const dig = async (from: string, ...args: string[]) =>
    (await run('dig', ['-b', from, '@127.0.0.1', '-p', String(srv.udp.port), '+time=3', '+tries=1', ...args]))
      .stdout;
  const short = async (from: string, name: string) =>
    (await dig(from, '+short', name)).trim().split('\n').filter(Boolean);

  beforeAll(async () => {
    up = await startFakeUpstream();
    srv = await startServer({
      config: EXAMPLE,
      listen: '127.0.0.1:0',
      upstreams: [up.hostPort],
      logger: pino({ level: 'silent' }),
      watch: false,
    });
  });
  afterAll(async () => {
    await srv?.close();
    await up?.close();
  });

  it('gives both spokes the hub interfaces by the public service name', async () => {
    expect((await short(SPOKE_A, SQS)).sort()).toEqual(HUB_SQS);
    expect((await short(SPOKE_B, SQS)).sort()).toEqual(HUB_SQS);
    expect((await short(SPOKE_B, 'my-bucket.s3.us-east-1.amazonaws.com')).sort()).toEqual([
      '10.0.1.50',
      '10.0.2.50',
    ]);
    expect(up.count()).toBe(0);
  });

  it('moves the spokes answers when a hub AZ is impaired, and back', async () => {
    srv.health.setAzImpaired('us-east-1a', true);
    try {
      expect((await short(SPOKE_A, SQS)).sort()).toEqual(HUB_SQS.slice(1));
      expect((await short(SPOKE_B, SQS)).sort()).toEqual(HUB_SQS.slice(1));
    } finally {
      srv.health.setAzImpaired('us-east-1a', false);
    }
    expect((await short(SPOKE_A, SQS)).sort()).toEqual(HUB_SQS);
  });

  it('answers corp.internal in spoke A only; spoke B is forwarded', async () => {
    const a = await dig(SPOKE_A, '+noall', '+answer', 'www.corp.internal');
    expect(a).toMatch(/^www\.corp\.internal\.\s+300\s+IN\s+CNAME\s+api\.corp\.internal\.$/m);
    expect(a).toMatch(/^api\.corp\.internal\.\s+300\s+IN\s+A\s+10\.20\.5\.10$/m);
    const nx = await dig(SPOKE_A, '+noall', '+comments', '+authority', 'nope.corp.internal');
    expect(nx).toMatch(/status: NXDOMAIN/);
    expect(nx).toMatch(/^corp\.internal\.\s+900\s+IN\s+SOA\s+ns-1536\.awsdns-00\.co\.uk\./m);
    expect(await short(SPOKE_B, 'www.corp.internal')).toEqual(['192.0.2.1']);
  });

  it('answers Node (c-ares) bound to a spoke address', async () => {
    const r = new Resolver({ timeout: 3000, tries: 1 });
    r.setServers([`127.0.0.1:${srv.udp.port}`]);
    r.setLocalAddress(SPOKE_A);
    expect((await r.resolve4('api.corp.internal')).sort()).toEqual(['10.20.5.10', '10.20.5.11']);
    expect(await r.resolveMx('corp.internal')).toEqual([{ priority: 10, exchange: 'mail.corp.internal' }]);
    expect((await r.resolve4(SQS)).sort()).toEqual(HUB_SQS);
    await expect(r.resolve6('api.corp.internal')).rejects.toMatchObject({ code: 'ENODATA' });
  });
});

// glibc: the namespace's resolver is 10.20.0.53, an address of the namespace inside spoke A's
// range, so the stub resolver's queries come from spoke A.
const NS = `pldns-central-${process.pid}`;
const children: ChildProcess[] = [];
const inNs = (cmd: string, args: string[]) =>
  execFileSync('ip', ['netns', 'exec', NS, cmd, ...args], { encoding: 'utf8', timeout: 10_000 });

function getent(db: string, name: string): { status: number; out: string } {
  try {
    return { status: 0, out: inNs('getent', [db, name]) };
  } catch (e) {
    const err = e as { status?: number; stdout?: string };
    return { status: err.status ?? -1, out: err.stdout ?? '' };
  }
}

function waitForLine(child: ChildProcess, re: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${re}: ${buf}`)), 15_000);
    const on = (d: Buffer) => {
      buf += d;
      if (re.test(buf)) {
        clearTimeout(t);
        resolve();
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${buf}`)));
  });
}

const addrsOf = (out: string) =>
  [
    ...new Set(
      out
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[0]),
    ),
  ].sort();

describe('glibc getaddrinfo from spoke A', () => {
  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root (ip netns); CI runs as root');
    execFileSync('ip', ['netns', 'add', NS]);
    execFileSync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    execFileSync('ip', ['-n', NS, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb']);
    execFileSync('ip', ['-n', NS, 'addr', 'add', '10.20.0.53/16', 'dev', 'va']);
    execFileSync('ip', ['-n', NS, 'link', 'set', 'va', 'up']);
    execFileSync('ip', ['-n', NS, 'link', 'set', 'vb', 'up']);
    mkdirSync(`/etc/netns/${NS}`, { recursive: true });
    writeFileSync(`/etc/netns/${NS}/resolv.conf`, 'nameserver 10.20.0.53\noptions timeout:2 attempts:1\n');
    const srv = spawn(
      'ip',
      [
        'netns',
        'exec',
        NS,
        process.execPath,
        join(ROOT, 'bin/privatelink-dns'),
        'serve',
        '--config',
        EXAMPLE,
        '--listen',
        '10.20.0.53:53',
        '--admin',
        'off',
      ],
      { cwd: ROOT },
    );
    children.push(srv);
    await waitForLine(srv, /listening on 10\.20\.0\.53:53/);
  });

  afterAll(() => {
    for (const c of children) c.kill('SIGTERM');
    try {
      execFileSync('ip', ['netns', 'delete', NS]);
    } catch {
      // already gone
    }
    rmSync(`/etc/netns/${NS}`, { recursive: true, force: true });
  });

  it('resolves the public service name to the hub interfaces (A answer, AAAA NODATA)', () => {
    const r = getent('ahosts', SQS);
    expect(r.status).toBe(0);
    expect(addrsOf(r.out)).toEqual(HUB_SQS);
  });

  it('follows the CNAME of the team zone to the hub endpoint', () => {
    const r = getent('ahostsv4', 'queue.corp.internal');
    expect(r.status).toBe(0);
    expect(addrsOf(r.out)).toEqual(HUB_SQS);
  });

  it('fails a name the zone does not hold (NXDOMAIN, not forwarded)', () => {
    expect(getent('ahosts', 'nope.corp.internal').status).toBe(2);
  });
});
