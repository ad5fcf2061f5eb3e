/**
 * The module's wait for /readyz, without a container engine: a stand-in admin API on loopback and
 * the host Testcontainers would report given to the strategy. A host that cannot reach a port that
 * 127.0.0.1 reaches fails at once with the one-line fix; a server that comes up late is waited for.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_PORT, ReadyzWaitStrategy, unreachableHostMessage } from '../../src/testcontainers/index.js';

type Args = Parameters<ReadyzWaitStrategy['waitUntilReady']>;
const servers: http.Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** An admin API stand-in on 127.0.0.1 only: /readyz answers `status`. */
async function admin(status: number, port = 0): Promise<number> {
  const s = http.createServer((req, res) => {
    res.statusCode = req.url === '/readyz' ? status : 404;
    res.end();
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(port, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

/** A free loopback port (nothing listens on it afterwards). */
async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

function wait(host: string, port: number, timeoutMs = 10_000): Promise<void> {
  const bound = {
    getBinding: (p: number) => {
      expect(p).toBe(ADMIN_PORT);
      return port;
    },
  };
  return new ReadyzWaitStrategy(async () => host)
    .withStartupTimeout(timeoutMs)
    .waitUntilReady({} as Args[0], bound as unknown as Args[1]);
}

describe('ReadyzWaitStrategy', () => {
  it('resolves once /readyz answers 200 at the host', async () => {
    await expect(wait('127.0.0.1', await admin(200))).resolves.toBeUndefined();
  });

  it('waits for a server that starts listening late', async () => {
    const port = await freePort();
    const late = setTimeout(() => void admin(200, port), 1200);
    try {
      await expect(wait('127.0.0.1', port)).resolves.toBeUndefined();
    } finally {
      clearTimeout(late);
    }
  });

  it('fails at once, naming TESTCONTAINERS_HOST_OVERRIDE, when only 127.0.0.1 reaches the port', async () => {
    // 127.0.0.2: a host address nothing listens on (the server is bound to 127.0.0.1 only).
    const port = await admin(200);
    const err = await wait('127.0.0.2', port, 60_000).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(unreachableHostMessage('127.0.0.2', port));
    expect((err as Error).message).toMatch(/set TESTCONTAINERS_HOST_OVERRIDE=127\.0\.0\.1$/);
    expect((err as Error).message).not.toContain('\n');
  });

  it('keeps waiting while /readyz answers another status, then times out', async () => {
    const port = await admin(503);
    await expect(wait('127.0.0.1', port, 1500)).rejects.toThrow(
      `privatelink-dns: /readyz on 127.0.0.1:${port} did not answer 200 in 1500 ms`,
    );
  });

  it('does not blame the host while the server is not ready on 127.0.0.1 either', async () => {
    const port = await admin(503);
    await expect(wait('127.0.0.2', port, 1500)).rejects.toThrow(/did not answer 200 in 1500 ms$/);
  });
});
