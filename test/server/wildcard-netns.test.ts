/**
 * A wildcard UDP listen (`--listen 0.0.0.0`) on a host with several addresses: the reply leaves
 * from the address the query was sent to (one socket per local address), also for an address
 * added while the server runs. Runs `serve` and a client inside a network namespace of its own
 * whose loopback holds 192.0.2.10 and 192.0.2.11 as well (later .12); needs root and `ip`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poll } from '../helpers/poll.js';

const ROOT = join(import.meta.dirname, '..', '..');
const NS = `pldns-wild-${process.pid}`;
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

let child: ChildProcess | undefined;
let out = '';

beforeAll(() => {
  ip('netns', 'add', NS);
  ip('-n', NS, 'link', 'set', 'lo', 'up');
  ip('-n', NS, 'addr', 'add', '192.0.2.10/32', 'dev', 'lo');
  ip('-n', NS, 'addr', 'add', '192.0.2.11/32', 'dev', 'lo');
});

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  try {
    ip('netns', 'delete', NS);
  } catch {
    // already gone
  }
});

/**
 * From inside the namespace: a query from `from` to `to`:PORT over an unconnected socket; the
 * address the reply came from.
 */
function replySource(from: string, to: string, port: number): string {
  const script = `
    const dgram = require('node:dgram');
    const s = dgram.createSocket('udp4');
    const q = Buffer.from('123401000001000000000000076578616d706c65036f72670000010001', 'hex');
    const t = setTimeout(() => { console.log('timeout'); process.exit(0); }, 3000);
    s.on('message', (m, r) => { clearTimeout(t); console.log(r.address); process.exit(0); });
    s.bind(0, '${from}', () => s.send(q, ${port}, '${to}'));`;
  return execFileSync('ip', ['netns', 'exec', NS, process.execPath, '-e', script], {
    encoding: 'utf8',
  }).trim();
}

describe('UDP with a wildcard listen address', () => {
  it('answers from the address asked, on every local address, and follows a new one', async () => {
    child = spawn(
      'ip',
      [
        'netns',
        'exec',
        NS,
        process.execPath,
        join(ROOT, 'bin', 'privatelink-dns'),
        'serve',
        '--listen',
        '0.0.0.0:0',
        '--admin',
        'off',
        '--upstream',
        '127.0.0.1:9',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d) => {
      out += d;
    });
    child.stderr?.on('data', (d) => {
      out += d;
    });
    await poll(
      () => `listening:\n${out}`,
      () => /"udp":"0\.0\.0\.0:(\d+)"/.test(out),
      20_000,
    );
    const port = Number(/"udp":"0\.0\.0\.0:(\d+)"/.exec(out)![1]);
    // From .10 to .11: a wildcard socket would answer from .10 (the route to a local address
    // uses that address as the source), and the client would see the wrong source.
    expect(replySource('192.0.2.10', '192.0.2.11', port)).toBe('192.0.2.11');
    expect(replySource('192.0.2.11', '192.0.2.10', port)).toBe('192.0.2.10');
    expect(replySource('127.0.0.1', '127.0.0.1', port)).toBe('127.0.0.1');
    // An address added while running gets its socket at the next refresh (5 s).
    ip('-n', NS, 'addr', 'add', '192.0.2.12/32', 'dev', 'lo');
    await poll(
      () => `an answer from 192.0.2.12:\n${out}`,
      () => replySource('192.0.2.10', '192.0.2.12', port) === '192.0.2.12',
      20_000,
    );
    expect(child.exitCode).toBeNull();
  }, 60_000);
});
