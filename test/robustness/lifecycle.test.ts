/**
 * Life cycle of the real command (built code, `node --unhandled-rejections=strict`): SIGTERM and
 * SIGINT answer what is in flight and exit 0; a port in use, a missing or unreadable config and a
 * bad flag give a clear message on stderr and a non-zero exit, never a stack trace or a hang.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CW_REGIONAL, cloudwatch, oneVpc } from '../helpers/configs.js';
import { addresses, decode, makeQuery, query, tcpExchange, udpExchange } from '../helpers/dns-client.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { poll } from '../helpers/poll.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin/privatelink-dns');

let up: FakeUpstream;
let dir: string;
let configFile: string;

beforeAll(async () => {
  up = await startFakeUpstream({ delayMs: 400 });
  dir = mkdtempSync(join(tmpdir(), 'pldns-life-'));
  configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, JSON.stringify(oneVpc([cloudwatch()], { upstreams: [up.hostPort] })));
});
afterAll(async () => {
  await up?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function spawnServe(args: string[]): Run {
  const child = spawn(process.execPath, ['--unhandled-rejections=strict', BIN, 'serve', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  // Never hang a test run on a stuck child.
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  void exited.then(() => clearTimeout(killer));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Waits for the startup log line and returns the port it names. */
async function listening(r: Run): Promise<number> {
  const m = await poll(
    () => `the startup line; stderr: ${r.stderr()}`,
    () => (r.child.exitCode !== null ? 'exited' : /"udp":"127\.0\.0\.1:(\d+)"/.exec(r.stdout())),
  );
  if (m === 'exited') throw new Error(`exited early: ${r.stderr()}`);
  return Number(m[1]);
}

const NO_STACK = /^\s+at /m;

describe.each(['SIGTERM', 'SIGINT'] as const)('%s', (signal) => {
  it('answers the queries in flight (UDP and TCP), then exits 0', async () => {
    const r = spawnServe(['--config', configFile, '--listen', '127.0.0.1:0', '--admin', 'off']);
    const port = await listening(r);
    // Traffic first, including malformed messages, under --unhandled-rejections=strict.
    expect(addresses(await query(port, CW_REGIONAL)).length).toBeGreaterThan(0);
    await udpExchange(port, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]), '127.0.0.1', 300).catch(
      () => {},
    );
    up.behaviour = 'slow';
    up.reset();
    try {
      // Forwarded queries the slow upstream answers after 400 ms: still in flight at the signal.
      const udpPending = udpExchange(port, makeQuery('inflight.example.org', { id: 71 }), '127.0.0.1', 5000);
      const tcpPending = tcpExchange(port, makeQuery('inflight-tcp.example.org', { id: 72 }), {
        timeoutMs: 5000,
      });
      // Both have reached the upstream (which holds its answers for 400 ms) when the signal goes.
      await poll('both queries at the upstream', () => {
        const names = up.queries.map((q) => q.packet.questions?.[0].name);
        return names.includes('inflight.example.org') && names.includes('inflight-tcp.example.org');
      });
      r.child.kill(signal);
      const [u, [t]] = await Promise.all([udpPending, tcpPending]);
      expect(decode(u).id).toBe(71);
      expect(addresses(decode(u))).toEqual(['192.0.2.1']);
      expect(decode(t).id).toBe(72);
      expect(addresses(decode(t))).toEqual(['192.0.2.1']);
      expect(await r.exited).toBe(0);
    } finally {
      up.behaviour = 'answer';
    }
    expect(r.stderr()).not.toMatch(NO_STACK);
    expect(r.stdout()).toMatch(/"msg":"stopped"/);
  });
});

describe('start-up failures: one clear message, non-zero exit, no stack trace', () => {
  async function fails(args: string[], pattern: RegExp): Promise<void> {
    const r = spawnServe(args);
    const code = await r.exited;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    const err = r.stderr().trim();
    expect(err).toMatch(pattern);
    expect(err).not.toMatch(NO_STACK);
    expect(err.split('\n').length).toBeLessThanOrEqual(2);
  }

  it('a UDP port already in use', async () => {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const port = sock.address().port;
    try {
      await fails(
        ['--config', configFile, '--listen', `127.0.0.1:${port}`, '--admin', 'off'],
        /^privatelink-dns: cannot listen on 127\.0\.0\.1:\d+: address already in use$/,
      );
    } finally {
      sock.close();
    }
  });

  it('a TCP port already in use', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const a = srv.address();
    const port = typeof a === 'object' && a ? a.port : 0;
    try {
      await fails(
        ['--config', configFile, '--listen', `127.0.0.1:${port}`, '--admin', 'off'],
        /address already in use/,
      );
    } finally {
      srv.close();
    }
  });

  it('a missing config', async () => {
    await fails(
      ['--config', join(dir, 'missing.yaml'), '--admin', 'off'],
      /missing\.yaml.*cannot read the config/,
    );
  });

  it('an unreadable config (a directory)', async () => {
    await fails(['--config', dir, '--admin', 'off'], /cannot read the config/);
  });

  it('a config that is not YAML', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'vpcs: [\n');
    await fails(['--config', bad, '--admin', 'off'], /bad\.yaml:\d+:\d+/);
  });

  it('a bad flag or a bad listen address', async () => {
    await fails(
      ['--bogus'],
      /^privatelink-dns serve: unknown option --bogus \(see privatelink-dns serve --help\)$/,
    );
    await fails(['--config', configFile, '--listen', '127.0.0.1:99999', '--admin', 'off'], /port must be/);
  });
});
