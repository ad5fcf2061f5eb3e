/**
 * The module's wait for /readyz, without a container engine: a stand-in admin API on loopback and
 * the host Testcontainers would report given to the strategy. A host that cannot reach a port that
 * 127.0.0.1 reaches fails at once with the one-line fix; a server that comes up late is waited for.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ADMIN_PORT,
  demuxLogs,
  ReadyzWaitStrategy,
  unpublishedMessage,
  unreachableHostMessage,
} from '../../src/testcontainers/index.js';

type Args = Parameters<ReadyzWaitStrategy['waitUntilReady']>;
const servers: http.Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** An admin API stand-in on 127.0.0.1 (or `host`) only: /readyz answers `status`. */
async function admin(status: number, port = 0, host = '127.0.0.1'): Promise<number> {
  const s = http.createServer((req, res) => {
    res.statusCode = req.url === '/readyz' ? status : 404;
    res.end();
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(port, host, r));
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

function wait(host: string, port: number, timeoutMs = 10_000, container: unknown = {}): Promise<void> {
  const bound = {
    getBinding: (p: number) => {
      expect(p).toBe(ADMIN_PORT);
      return port;
    },
  };
  return new ReadyzWaitStrategy(async () => host)
    .withStartupTimeout(timeoutMs)
    .waitUntilReady(container as Args[0], bound as unknown as Args[1]);
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
      `privatelink-dns: /readyz on 127.0.0.1:${port} did not answer 200 in 1500 ms (last try: HTTP 503)`,
    );
  });

  it('does not blame the host while the server is not ready on 127.0.0.1 either', async () => {
    const port = await admin(503);
    await expect(wait('127.0.0.2', port, 1500)).rejects.toThrow(
      /did not answer 200 in 1500 ms \(last try: (ECONNREFUSED|no answer in 5 s)\)$/,
    );
  });

  it('fails at once with its state and last log lines when the container stops before it is ready', async () => {
    const port = await freePort();
    const frame = (stream: number, text: string) => {
      const b = Buffer.from(text);
      const h = Buffer.alloc(8);
      h[0] = stream;
      h.writeUInt32BE(b.length, 4);
      return Buffer.concat([h, b]);
    };
    const container = {
      inspect: async () => ({ State: { Running: false, Status: 'exited', ExitCode: 1 } }),
      logs: async () =>
        Buffer.concat([
          frame(2, 'endpoints.yaml:3:5: vpcs[0].region: unknown Region\n'),
          frame(2, 'not starting\n'),
        ]),
    };
    const t0 = Date.now();
    const err = (await wait('127.0.0.1', port, 60_000, container).catch((e: Error) => e)) as Error;
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(err.message).toBe(
      'privatelink-dns: the container stopped before /readyz answered 200 (exited, exit code 1); its last log lines:\n' +
        'endpoints.yaml:3:5: vpcs[0].region: unknown Region\nnot starting',
    );
  });

  it('keeps waiting while the engine says the container runs', async () => {
    const port = await freePort();
    let asked = 0;
    const container = {
      inspect: async () => {
        asked++;
        return { State: { Running: true, Status: 'running' } };
      },
    };
    const late = setTimeout(() => void admin(200, port), 1200);
    try {
      await expect(wait('127.0.0.1', port, 10_000, container)).resolves.toBeUndefined();
    } finally {
      clearTimeout(late);
    }
    expect(asked).toBeGreaterThan(0);
  });

  it("names the container's own address when the server is ready there but the published port stays silent", async () => {
    // The container's address: 127.0.0.3, where a stand-in answers on the admin port itself.
    await admin(200, ADMIN_PORT, '127.0.0.3');
    const port = await freePort();
    const container = {
      inspect: async () => ({
        State: { Running: true },
        NetworkSettings: { Networks: { 'pldns-test': { IPAddress: '127.0.0.3' } } },
      }),
    };
    const err = (await wait('127.0.0.1', port, 1500, container).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(/did not answer 200 in 1500 ms \(last try: ECONNREFUSED\); /);
    expect(err.message.endsWith(unpublishedMessage('127.0.0.3', '127.0.0.1', port))).toBe(true);
  });
});

describe('demuxLogs', () => {
  it('joins the frames of an engine log stream and passes unframed text through', () => {
    const f = (s: number, t: string) => {
      const h = Buffer.alloc(8);
      h[0] = s;
      h.writeUInt32BE(Buffer.byteLength(t), 4);
      return Buffer.concat([h, Buffer.from(t)]);
    };
    expect(demuxLogs(Buffer.concat([f(1, 'out\n'), f(2, 'err\n')]))).toBe('out\nerr\n');
    expect(demuxLogs(Buffer.from('plain text\n'))).toBe('plain text\n');
  });
});
