/**
 * TCP memory under abuse: 250 connections × 64 pipelined queries padded to 64 KiB, to an upstream
 * that never answers (so every query stays pending), against `serve` in a child process with a
 * small V8 heap. The server keeps only what answering needs of each query and caps the bytes
 * held over all connections, so it stays small, alive and answering.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import * as dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { addresses, query } from '../helpers/dns-client.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { poll } from '../helpers/poll.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CONNECTIONS = 250;
const PER_CONNECTION = 64;

let child: ChildProcess | undefined;
let up: FakeUpstream | undefined;
const socks: Socket[] = [];
afterEach(async () => {
  for (const s of socks) s.destroy();
  socks.length = 0;
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
  await up?.close();
  up = undefined;
});

/** One framed query padded (EDNS padding option) to 65,535 bytes. */
function paddedFrame(i: number): Buffer {
  const bare = dnsPacket.encode({
    type: 'query',
    id: i & 0xffff,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name: `p${i}.example.org`, type: 'A' }],
    additionals: [
      { type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, options: [] } as unknown as dnsPacket.Answer,
    ],
  });
  const pad = 65_535 - bare.length - 4;
  const msg = dnsPacket.encode({
    type: 'query',
    id: i & 0xffff,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name: `p${i}.example.org`, type: 'A' }],
    additionals: [
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: 1232,
        flags: 0,
        options: [{ code: 12, data: Buffer.alloc(pad) }],
      } as unknown as dnsPacket.Answer,
    ],
  });
  expect(msg.length).toBe(65_535);
  const out = Buffer.allocUnsafe(2 + msg.length);
  out.writeUInt16BE(msg.length, 0);
  msg.copy(out, 2);
  return out;
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

describe('TCP memory', () => {
  it('survives 250 connections × 64 pipelined 64 KiB queries with a small heap, and answers after', async () => {
    up = await startFakeUpstream({ behaviour: 'dead' });
    let out = '';
    const c = spawn(
      process.execPath,
      [
        '--max-old-space-size=96',
        join(ROOT, 'bin', 'privatelink-dns'),
        'serve',
        '--listen',
        '127.0.0.1:0',
        '--admin',
        'off',
        '--upstream',
        up.hostPort,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = c;
    c.stdout?.on('data', (d) => {
      out += d;
    });
    c.stderr?.on('data', (d) => {
      out += d;
    });
    await poll(
      () => `listening:\n${out}`,
      () => /"tcp":"127\.0\.0\.1:(\d+)"/.test(out),
      20_000,
    );
    const port = Number(/"tcp":"127\.0\.0\.1:(\d+)"/.exec(out)![1]);
    const frame = paddedFrame(1);
    // Every connection writes its 64 queries (the same 64 KiB buffer, so the client stays small)
    // and is done once they are written or the server closes it.
    const done = await Promise.all(
      Array.from(
        { length: CONNECTIONS },
        () =>
          new Promise<'written' | 'closed'>((resolve) => {
            const s = connect(port, '127.0.0.1');
            socks.push(s);
            let written = 0;
            s.on('error', () => {});
            s.on('close', () => resolve('closed'));
            const more = () => {
              while (written < PER_CONNECTION) {
                written++;
                if (!s.write(frame)) return;
              }
              resolve('written');
            };
            s.on('drain', more);
            s.on('connect', more);
          }),
      ),
    );
    expect(done.length).toBe(CONNECTIONS);
    expect(c.exitCode).toBeNull();
    // Still answering (an endpoint name of the default config, over UDP).
    const res = await query(
      Number(/"udp":"127\.0\.0\.1:(\d+)"/.exec(out)![1]),
      'vpce-099deb00b40f00e22-lj2wisx3.monitoring.us-east-2.vpce.amazonaws.com',
    );
    expect(addresses(res).length).toBeGreaterThan(0);
    expect(c.exitCode).toBeNull();
    const peak = peakRssMb(c.pid!);
    process.stderr.write(`tcp-memory: peak RSS of the server ${peak.toFixed(0)} MB\n`);
    expect(peak).toBeLessThan(256);
  }, 120_000);
});
