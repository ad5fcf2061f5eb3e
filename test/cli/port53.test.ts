/**
 * The busy-port-53 recipe of docs/troubleshooting.md, run: inside a network namespace of its
 * own, a stand-in for systemd-resolved's stub listens on 127.0.0.53:53 (UDP and TCP); `serve
 * --listen 0.0.0.0:53` must fail naming it, its process, and the troubleshooting page.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'privatelink-dns');
const NS = `pldns-ux53-${process.pid}`;
let stub: ChildProcess;

const STUB = `
const dgram = require('node:dgram');
const net = require('node:net');
const u = dgram.createSocket('udp4');
u.bind(53, '127.0.0.53', () => {
  net.createServer().listen(53, '127.0.0.53', () => process.stdout.write('ready\\n'));
});
`;

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('this test needs root (ip netns); CI runs as root');
  execFileSync('ip', ['netns', 'add', NS]);
  execFileSync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  stub = spawn('ip', ['netns', 'exec', NS, process.execPath, '-e', STUB], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    stub.stdout?.on('data', (d) => String(d).includes('ready') && resolve());
    stub.on('exit', (c) => reject(new Error(`stub exited ${c}`)));
  });
}, 30_000);

afterAll(() => {
  stub?.kill('SIGKILL');
  try {
    execFileSync('ip', ['netns', 'delete', NS]);
  } catch {
    // already gone
  }
});

function serveInNs(listen: string): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(
      'ip',
      [
        'netns',
        'exec',
        NS,
        process.execPath,
        BIN,
        'serve',
        '-c',
        join(ROOT, 'config', 'endpoints.yaml'),
        '--listen',
        listen,
        '--admin',
        'off',
        '--upstream',
        '127.0.0.1:9',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 },
    );
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('port 53 is busy', () => {
  it.each(['0.0.0.0:53', '127.0.0.53:53'])('--listen %s names the stub that holds it', (listen) => {
    // The stub is node (its pid is the one `ip netns exec` became).
    const r = serveInNs(listen);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `privatelink-dns: cannot listen on ${listen}: address already in use; held by systemd-resolved's stub listener on 127.0.0.53:53 (udp, tcp; node, pid ${stub.pid}); port 53 is usually held by systemd-resolved's stub (127.0.0.53), dnsmasq or a container runtime: see docs/troubleshooting.md#port-53-is-busy\n`,
    );
  });

  it('a free address on port 53 next to the stub serves (the recipe: listen on another loopback address)', async () => {
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        NS,
        process.execPath,
        BIN,
        'serve',
        '-c',
        join(ROOT, 'config', 'endpoints.yaml'),
        '--listen',
        '127.0.0.1:53',
        '--admin',
        'off',
        '--upstream',
        '127.0.0.1:9',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', () => {
        const m = /"msg":"(listening on [^"]*)"/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on('exit', (c) => reject(new Error(`exited ${c}: ${out}`)));
    });
    expect(line).toBe('listening on 127.0.0.1:53 (udp+tcp)');
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    await exited;
  }, 30_000);
});
