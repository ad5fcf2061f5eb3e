/**
 * glibc's stub resolver (getaddrinfo through `getent`) against the server on port 53, inside a
 * network namespace this test creates (CI runs as root). getaddrinfo asks A and AAAA in parallel:
 * a NODATA answer to the AAAA half must not fail the lookup.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const NS = `pldns-glibc-${process.pid}`;
const children: ChildProcess[] = [];
let dir = '';

const inNs = (cmd: string, args: string[]) =>
  execFileSync('ip', ['netns', 'exec', NS, cmd, ...args], { encoding: 'utf8', timeout: 10_000 });

/** getent's exit status and output (2 = not found). */
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

// A fake upstream for the namespace: every A query → 192.0.2.1, AAAA → NODATA, nx.* → NXDOMAIN.
const FAKE_UPSTREAM = `
const dgram = require('node:dgram');
const pkt = require('dns-packet');
const s = dgram.createSocket('udp4');
s.on('message', (m, r) => {
  const q = pkt.decode(m);
  const name = q.questions[0].name;
  const nx = name.startsWith('nx.');
  const answers = !nx && q.questions[0].type === 'A' ? [{ type: 'A', name, ttl: 60, data: '192.0.2.1' }] : [];
  s.send(pkt.encode({ type: 'response', id: q.id, flags: 0x8180 | (nx ? 3 : 0), questions: q.questions, answers }), r.port, r.address);
});
s.bind(5300, '127.0.0.1', () => console.log('upstream ready'));
`;

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('this test needs root (ip netns); CI runs as root');
  execFileSync('ip', ['netns', 'add', NS]);
  execFileSync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  // getaddrinfo's AI_ADDRCONFIG ignores loopback: give the namespace one address per family
  // (documentation ranges, on a veth pair whose both ends stay inside the namespace).
  execFileSync('ip', ['-n', NS, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb']);
  execFileSync('ip', ['-n', NS, 'addr', 'add', '192.0.2.100/24', 'dev', 'va']);
  execFileSync('ip', ['-n', NS, 'addr', 'add', '2001:db8::100/64', 'dev', 'va', 'nodad']);
  execFileSync('ip', ['-n', NS, 'link', 'set', 'va', 'up']);
  execFileSync('ip', ['-n', NS, 'link', 'set', 'vb', 'up']);
  mkdirSync(`/etc/netns/${NS}`, { recursive: true });
  writeFileSync(`/etc/netns/${NS}/resolv.conf`, 'nameserver 127.0.0.1\noptions timeout:2 attempts:1\n');
  dir = mkdtempSync(join(tmpdir(), 'pldns-glibc-'));
  const up = spawn('ip', ['netns', 'exec', NS, process.execPath, '-e', FAKE_UPSTREAM], { cwd: ROOT });
  children.push(up);
  await waitForLine(up, /upstream ready/);
  const srv = spawn(
    'ip',
    [
      'netns',
      'exec',
      NS,
      process.execPath,
      join(ROOT, 'bin/privatelink-dns'),
      'serve',
      '--listen',
      '127.0.0.1:53',
      '--upstream',
      '127.0.0.1:5300',
      '--admin',
      'off',
    ],
    { cwd: ROOT },
  );
  children.push(srv);
  await waitForLine(srv, /listening on 127\.0\.0\.1:53/);
});

afterAll(() => {
  for (const c of children) c.kill('SIGTERM');
  try {
    execFileSync('ip', ['netns', 'delete', NS]);
  } catch {
    // already gone
  }
  rmSync(`/etc/netns/${NS}`, { recursive: true, force: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('glibc getaddrinfo', () => {
  it('resolves the private DNS name to every interface (A answer, AAAA NODATA)', () => {
    const r = getent('ahosts', 'monitoring.us-east-2.amazonaws.com');
    expect(r.status).toBe(0);
    const addrs = [
      ...new Set(
        r.out
          .trim()
          .split('\n')
          .map((l) => l.split(/\s+/)[0]),
      ),
    ].sort();
    expect(addrs).toEqual(['10.0.1.23', '10.0.2.23', '10.0.3.23']);
  });

  it('resolves a zonal name and a dual-stack name with both families', () => {
    const z = getent(
      'ahostsv4',
      'vpce-099deb00b40f00e22-lj2wisx3-us-east-2b.monitoring.us-east-2.vpce.amazonaws.com',
    );
    expect(z.out.trim().split('\n')[0].split(/\s+/)[0]).toBe('10.0.2.23');
    const d = getent('ahosts', 'ssm.us-east-2.amazonaws.com');
    const addrs = new Set(
      d.out
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[0]),
    );
    expect(addrs).toEqual(new Set(['10.0.1.60', '10.0.2.60', '2600:1f16:1:a01::60', '2600:1f16:1:a02::60']));
  });

  it('resolves forwarded names and reports missing ones as not found', () => {
    const f = getent('ahostsv4', 'app.example.test');
    expect(f.status).toBe(0);
    expect(f.out).toMatch(/^192\.0\.2\.1\s/);
    expect(getent('ahosts', 'nothere.monitoring.us-east-2.amazonaws.com').status).toBe(2);
    expect(getent('ahosts', 'nx.example.test').status).toBe(2);
  });
});
