/**
 * The admin API against web pages and floods: DNS rebinding (Host), CSRF (Origin and
 * Content-Type on requests that change state), no CORS, a connection cap, and a 413 for a chunked
 * body over the limit instead of a dropped connection.
 */
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CONNECTIONS } from '../../src/admin/server.js';
import { cloudwatch, oneVpc } from '../helpers/configs.js';
import { poll } from '../helpers/poll.js';
import { type AdminHarness, startHarness } from './harness.js';

let h: AdminHarness;
let port = 0;
beforeAll(async () => {
  h = await startHarness(oneVpc([cloudwatch()]));
  port = h.srv.admin!.port;
});
afterAll(async () => {
  delete process.env.PRIVATELINK_DNS_ADMIN_ALLOWED_HOSTS;
  await h?.close();
});

/** A raw request, so that Host can be anything (fetch will not send a foreign one). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string | string[],
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    if (Array.isArray(body)) for (const b of body) req.write(b);
    else if (body !== undefined) req.write(body);
    req.end();
  });
}
const codeOf = (text: string) => (JSON.parse(text) as { error: { code: string } }).error.code;

describe('DNS rebinding: Host must be this API (no token)', () => {
  it.each(['evil.example', `evil.example:${port}`, 'attacker.test:8053'])(
    'Host %s is refused',
    async (host) => {
      const r = await raw('GET', '/v1/endpoints', { host });
      expect(r.status).toBe(403);
      expect(codeOf(r.text)).toBe('forbidden_host');
    },
  );

  it.each(['localhost', '127.0.0.1', 'app.localhost', '[::1]'])('Host %s:PORT is served', async (name) => {
    const r = await raw('GET', '/v1/endpoints', { host: `${name}:${port}` });
    expect(r.status).toBe(200);
  });

  it('PRIVATELINK_DNS_ADMIN_ALLOWED_HOSTS allows more names (read at start)', async () => {
    process.env.PRIVATELINK_DNS_ADMIN_ALLOWED_HOSTS = 'dns.internal, other.internal';
    const h2 = await startHarness(oneVpc([cloudwatch()]));
    try {
      const p = h2.srv.admin!.port;
      const get = (host: string) =>
        new Promise<number>((resolve, reject) => {
          request(
            { host: '127.0.0.1', port: p, path: '/v1/endpoints', headers: { host }, agent: false },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          )
            .on('error', reject)
            .end();
        });
      expect(await get(`dns.internal:${p}`)).toBe(200);
      expect(await get(`evil.example:${p}`)).toBe(403);
    } finally {
      delete process.env.PRIVATELINK_DNS_ADMIN_ALLOWED_HOSTS;
      await h2.close();
    }
  });
});

describe('CSRF: requests that change state', () => {
  const json = { 'content-type': 'application/json' };
  it('with a foreign Origin are refused, and nothing changes', async () => {
    const r = await raw(
      'PUT',
      '/v1/azs/us-east-2a',
      { ...json, origin: 'http://evil.example' },
      '{"impaired":true}',
    );
    expect(r.status).toBe(403);
    expect(codeOf(r.text)).toBe('forbidden_origin');
    expect(h.srv.health.impairedAzs().admin).toEqual([]);
  });

  it('without Content-Type: application/json are refused (what a form or a no-cors fetch sends)', async () => {
    const kinds: Record<string, string>[] = [
      {},
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/x-www-form-urlencoded' },
    ];
    for (const headers of kinds) {
      const r = await raw('POST', '/v1/reload', headers);
      expect(r.status).toBe(415);
      expect(codeOf(r.text)).toBe('unsupported_media_type');
    }
  });

  it('from a tool (JSON, no Origin or a loopback one) are served', async () => {
    expect((await raw('POST', '/v1/reload', json)).status).toBe(200);
    expect((await raw('POST', '/v1/reload', { ...json, origin: `http://localhost:${port}` })).status).toBe(
      200,
    );
  });

  it('never get CORS headers', async () => {
    const r = await raw('GET', '/v1/endpoints', { origin: 'http://evil.example' });
    const cors = Object.keys(r.headers).filter((k) => k.startsWith('access-control-'));
    expect(cors).toEqual([]);
    const pre = await raw('OPTIONS', '/v1/reload', {
      origin: 'http://evil.example',
      'access-control-request-method': 'POST',
    });
    expect(Object.keys(pre.headers).filter((k) => k.startsWith('access-control-'))).toEqual([]);
  });
});

describe('limits', () => {
  it('a chunked body over the limit gets 413, not a dropped connection', async () => {
    const chunk = `"${'x'.repeat(16_000)}"`;
    const r = await raw(
      'PUT',
      '/v1/azs/us-east-2a',
      { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      ['{"impaired":true,"pad":[', ...Array.from({ length: 8 }, (_, i) => (i ? `,${chunk}` : chunk)), ']}'],
    );
    expect(r.status).toBe(413);
    expect(codeOf(r.text)).toBe('body_too_large');
  });

  it(`closes connections beyond ${MAX_CONNECTIONS} at once and keeps serving`, async () => {
    const socks: Socket[] = [];
    let closed = 0;
    try {
      for (let i = 0; i < MAX_CONNECTIONS + 20; i++) {
        const s = connect(port, '127.0.0.1');
        s.on('error', () => undefined);
        s.on('close', () => {
          closed++;
        });
        socks.push(s);
      }
      await poll(
        () => `the 20 connections over the cap to be closed (closed ${closed})`,
        () => closed >= 20,
      );
      expect(closed).toBeLessThanOrEqual(21);
    } finally {
      for (const s of socks) s.destroy();
    }
    // Once they are gone, a new connection is served again.
    await poll(
      'the API to serve a new connection',
      async () => (await raw('GET', '/healthz', {})).status === 200,
    );
  }, 30_000);
});
