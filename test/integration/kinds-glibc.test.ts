/**
 * glibc's stub resolver (getaddrinfo through `getent`) inside a network namespace this test
 * creates (CI runs as root), against the server on port 53 with an endpoint of every newer kind:
 * a cross-Region name, a region-less service's names and a resource endpoint name resolve.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IAM_REGIONAL,
  kindsVpc,
  RSC_NAME,
  SN_NAME_1,
  XR_S3_REGIONAL,
  xrS3Zonal,
} from '../helpers/kinds-configs.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const NS = `pldns-kinds-${process.pid}`;
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
  dir = mkdtempSync(join(tmpdir(), 'pldns-kinds-'));
  const cfg = kindsVpc();
  cfg.vpcs![0].cidrs = ['127.0.0.0/8', '::1/128'];
  // JSON is YAML: the config file is the object as written.
  writeFileSync(join(dir, 'endpoints.yaml'), JSON.stringify(cfg, null, 2));
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
      '--config',
      join(dir, 'endpoints.yaml'),
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

const v4 = (name: string) => {
  const r = getent('ahostsv4', name);
  return {
    status: r.status,
    addrs: [
      ...new Set(
        r.out
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(/\s+/)[0]),
      ),
    ].sort(),
  };
};

describe('glibc getaddrinfo, every endpoint kind', () => {
  it('resolves a cross-Region endpoint (regional, consumer-AZ zonal, service Region private name)', () => {
    expect(v4(XR_S3_REGIONAL)).toEqual({ status: 0, addrs: ['10.0.1.71', '10.0.2.71'] });
    expect(v4(xrS3Zonal('us-east-2a'))).toEqual({ status: 0, addrs: ['10.0.1.71'] });
    expect(v4('bucket.s3.us-west-2.amazonaws.com')).toEqual({ status: 0, addrs: ['10.0.1.71', '10.0.2.71'] });
  });

  it('resolves a region-less service (IAM), A answer with AAAA NODATA', () => {
    expect(v4(IAM_REGIONAL)).toEqual({ status: 0, addrs: ['10.0.1.72', '10.0.2.72'] });
    const both = getent('ahosts', 'iam.amazonaws.com');
    expect(both.status).toBe(0);
    expect(
      [
        ...new Set(
          both.out
            .trim()
            .split('\n')
            .map((l) => l.split(/\s+/)[0]),
        ),
      ].sort(),
    ).toEqual(['10.0.1.72', '10.0.2.72']);
  });

  it('resolves resource and service-network endpoint names (dual-stack for the resource)', () => {
    const both = getent('ahosts', RSC_NAME);
    expect(both.status).toBe(0);
    expect(
      new Set(
        both.out
          .trim()
          .split('\n')
          .map((l) => l.split(/\s+/)[0]),
      ),
    ).toEqual(new Set(['10.0.1.73', '10.0.2.73', '2600:1f16:1:a01::73', '2600:1f16:1:a02::73']));
    expect(v4(SN_NAME_1)).toEqual({ status: 0, addrs: ['10.0.1.74', '10.0.3.74'] });
    expect(v4('db.example.internal')).toEqual({ status: 0, addrs: ['10.0.1.73', '10.0.2.73'] });
  });

  it('forwards what does not answer privately (gateway S3, unverified names) and the upstream answers', () => {
    expect(v4('s3.us-east-2.amazonaws.com')).toEqual({ status: 0, addrs: ['192.0.2.1'] });
    expect(v4('api.partner.example.com')).toEqual({ status: 0, addrs: ['192.0.2.1'] });
  });
});
