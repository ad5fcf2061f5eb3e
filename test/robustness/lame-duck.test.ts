/**
 * Lame duck: on close (SIGTERM in the CLI), /readyz turns 503 at once while queries are still
 * answered for the lame-duck period; then the listeners close. Without one, close is immediate.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/core/server.js';
import { CW_REGIONAL, cloudwatch, oneVpc } from '../helpers/configs.js';
import { addresses, query } from '../helpers/dns-client.js';
import { poll } from '../helpers/poll.js';

const ROOT = join(import.meta.dirname, '..', '..');
const ALL = ['10.0.1.23', '10.0.2.23', '10.0.3.23'];

const tcpOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

describe('startServer lameDuckMs', () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('is not ready at once but answers until the lame duck is over, then closes', async () => {
    server = await startServer({
      config: oneVpc([cloudwatch()], { upstreams: ['127.0.0.1:9'] }),
      listen: '127.0.0.1:0',
      admin: '127.0.0.1:0',
      logger: pino({ level: 'silent' }),
      watch: false,
      lameDuckMs: 1500,
    });
    const s = server;
    const readyz = () => fetch(`http://127.0.0.1:${s.admin!.port}/readyz`).then((r) => r.status);
    expect(await readyz()).toBe(200);
    let done = false;
    const closing = s.close().then(() => {
      done = true;
    });
    expect(await readyz()).toBe(503);
    // Still answering, over UDP and TCP, while not ready.
    expect(addresses(await query(s.udp.port, CW_REGIONAL)).sort()).toEqual(ALL);
    expect(await tcpOpen(s.tcp.port)).toBe(true);
    expect(done).toBe(false);
    await closing;
    expect(await tcpOpen(s.tcp.port)).toBe(false);
  });

  it('close({ lameDuckMs: 0 }) skips it', async () => {
    server = await startServer({
      config: oneVpc([cloudwatch()], { upstreams: ['127.0.0.1:9'] }),
      listen: '127.0.0.1:0',
      logger: pino({ level: 'silent' }),
      watch: false,
      lameDuckMs: 60_000,
    });
    const port = server.tcp.port;
    await server.close({ lameDuckMs: 0 });
    expect(await tcpOpen(port)).toBe(false);
  });
});

describe('serve --lame-duck', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    child = undefined;
  });

  const start = (args: string[]) => {
    let out = '';
    const c = spawn(
      process.execPath,
      [
        join(ROOT, 'bin', 'privatelink-dns'),
        'serve',
        '--listen',
        '127.0.0.1:0',
        '--admin',
        'off',
        '--upstream',
        '127.0.0.1:9',
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    c.stdout?.on('data', (d) => {
      out += d;
    });
    c.stderr?.on('data', (d) => {
      out += d;
    });
    child = c;
    return { c, out: () => out };
  };
  const exit = (c: ChildProcess) => new Promise<number | null>((r) => c.once('exit', (code) => r(code)));

  it('waits on SIGTERM (logged), not on SIGINT, and exits 0 both times', async () => {
    for (const [sig, waits] of [
      ['SIGTERM', true],
      ['SIGINT', false],
    ] as const) {
      const { c, out } = start(['--lame-duck', '300ms']);
      await poll(
        () => `listening:\n${out()}`,
        () => out().includes('listening on'),
      );
      const exited = exit(c);
      c.kill(sig);
      expect(await exited).toBe(0);
      expect(out().includes('lame duck')).toBe(waits);
    }
  });

  it('refuses a bad duration with exit 2', async () => {
    const { c, out } = start(['--lame-duck', 'soon']);
    expect(await exit(c)).toBe(2);
    expect(out()).toMatch(/--lame-duck must be a duration/);
  });
});
