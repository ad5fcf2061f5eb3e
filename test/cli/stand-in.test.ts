/**
 * The "local stand-ins for interface addresses" recipe of docs/troubleshooting.md, run inside a
 * network namespace of its own: the loopback interface gets 10.0.1.23, a fake service listens there,
 * and a client that resolves the zonal name through the server reaches the fake service.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'privatelink-dns');
const NS = `pldns-uxsi-${process.pid}`;
const ZONAL = 'vpce-099deb00b40f00e22-lj2wisx3-us-east-2a.monitoring.us-east-2.vpce.amazonaws.com';
const children: ChildProcess[] = [];

const inNs = (args: string[]) =>
  spawn('ip', ['netns', 'exec', NS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
const until = (c: ChildProcess, re: RegExp) =>
  new Promise<void>((resolve, reject) => {
    let out = '';
    c.stdout?.on('data', (d) => {
      out += d;
      if (re.test(out)) resolve();
    });
    c.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('this test needs root (ip netns); CI runs as root');
  execFileSync('ip', ['netns', 'add', NS]);
  execFileSync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  // The recipe: the interface address of the bundled config's us-east-2a ENI on an interface
  // (lo here: this kernel has no dummy module; the page gives both).
  execFileSync('ip', ['-n', NS, 'addr', 'add', '10.0.1.23/32', 'dev', 'lo']);
  const fake = inNs([
    process.execPath,
    '-e',
    "require('node:http').createServer((q, r) => r.end('stand-in for monitoring')).listen(8080, '10.0.1.23', () => console.log('ready'))",
  ]);
  children.push(fake);
  await until(fake, /ready/);
  const server = inNs([
    process.execPath,
    BIN,
    'serve',
    '-c',
    join(ROOT, 'config', 'endpoints.yaml'),
    '--listen',
    '127.0.0.1:1053',
    '--admin',
    'off',
    '--upstream',
    '127.0.0.1:9',
  ]);
  children.push(server);
  await until(server, /listening on 127\.0\.0\.1:1053/);
}, 60_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  try {
    execFileSync('ip', ['netns', 'delete', NS]);
  } catch {
    // already gone
  }
});

describe('local stand-ins for interface addresses', () => {
  it('a client resolving through the server reaches the fake service on the interface address', () => {
    const client = `
      const { Resolver } = require('node:dns').promises;
      const r = new Resolver();
      r.setServers(['127.0.0.1:1053']);
      r.resolve4('${ZONAL}').then(([ip]) =>
        fetch('http://' + ip + ':8080/').then((res) => res.text()).then((body) => console.log(ip, body)));
    `;
    const out = execFileSync('ip', ['netns', 'exec', NS, process.execPath, '-e', client], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(out).toBe('10.0.1.23 stand-in for monitoring\n');
  });
});
