/** Real checks against loopback listeners, and a real Prober following a listener going away and back. */
import { createSocket, type Socket } from 'node:dgram';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigObject } from '../../src/config/load.js';
import { checkLabel, dnsCheck, httpCheck, tcpCheck } from '../../src/health/checks.js';
import { Prober } from '../../src/health/probes.js';
import { HealthState, healthKey } from '../../src/health/state.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { buildCatalog } from '../../src/privatelink/catalog.js';
import { CW_ID, cloudwatch, oneVpc } from '../helpers/configs.js';
import { waitFor } from './poll.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function listenTcp(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer((s) => s.end());
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}
const portOf = (s: Server) => (s.address() as { port: number }).port;
const closeTcp = (s: Server) => new Promise<void>((r) => s.close(() => r()));

/** A UDP socket answering every query with the given rcode (or not at all with null). */
function fakeDns(rcode: number | null): Promise<Socket> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    sock.on('message', (m, r) => {
      if (rcode === null) return;
      const out = Buffer.from(m);
      out[2] |= 0x80;
      out[3] = (out[3] & 0xf0) | rcode;
      sock.send(out, r.port, r.address);
    });
    sock.bind(0, '127.0.0.1', () => resolve(sock));
  });
}

describe('tcp check', () => {
  it('is healthy when the port accepts and says "connection refused" when it does not', async () => {
    const srv = await listenTcp();
    const port = portOf(srv);
    expect(await tcpCheck(`127.0.0.1:${port}`, 2)).toEqual({ ok: true, detail: 'connected' });
    await closeTcp(srv);
    expect(await tcpCheck(`127.0.0.1:${port}`, 2)).toEqual({ ok: false, detail: 'connection refused' });
  });

  it('needs a port', async () => {
    const r = await tcpCheck('127.0.0.1', 1);
    expect(r.ok).toBe(false);
    expect(r.detail).toContain('HOST:PORT');
  });
});

describe('http check', () => {
  it('counts 2xx/3xx as healthy and reports the status otherwise', async () => {
    let status = 200;
    const srv = createHttpServer((_req, res) => {
      res.statusCode = status;
      res.end('x');
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => srv.close(() => r())));
    const url = `http://127.0.0.1:${(srv.address() as { port: number }).port}/health`;
    expect(await httpCheck(url, 2)).toEqual({ ok: true, detail: 'HTTP 200' });
    status = 302;
    expect(await httpCheck(url, 2)).toEqual({ ok: true, detail: 'HTTP 302' });
    status = 503;
    expect(await httpCheck(url, 2)).toEqual({ ok: false, detail: 'HTTP 503' });
  });

  it('reports a refused connection', async () => {
    const srv = await listenTcp();
    const port = portOf(srv);
    await closeTcp(srv);
    expect(await httpCheck(`http://127.0.0.1:${port}/`, 2)).toEqual({
      ok: false,
      detail: 'connection refused',
    });
  });
});

describe('dns check', () => {
  it('is healthy on an answer, unhealthy on SERVFAIL or silence', async () => {
    const good = await fakeDns(0);
    const bad = await fakeDns(2);
    const mute = await fakeDns(null);
    cleanups.push(() => {
      good.close();
      bad.close();
      mute.close();
    });
    expect(await dnsCheck(`127.0.0.1:${good.address().port}`, 2)).toEqual({
      ok: true,
      detail: 'answered NOERROR',
    });
    expect(await dnsCheck(`127.0.0.1:${bad.address().port}`, 2)).toEqual({
      ok: false,
      detail: 'answered SERVFAIL',
    });
    expect(await dnsCheck(`127.0.0.1:${mute.address().port}`, 0.2)).toEqual({
      ok: false,
      detail: 'no answer within 0.2s',
    });
  });

  it('labels checks the way logs show them', () => {
    const base = { intervalSeconds: 1, timeoutSeconds: 1, healthyThreshold: 1, unhealthyThreshold: 1 };
    expect(checkLabel({ ...base, dns: '::1' })).toBe('dns [::1]:53');
    expect(checkLabel({ ...base, tcp: '127.0.0.1:4566' })).toBe('tcp 127.0.0.1:4566');
    expect(checkLabel({ ...base, http: 'http://127.0.0.1:4566/health' })).toBe(
      'http http://127.0.0.1:4566/health',
    );
  });
});

describe('Prober with a real TCP check', () => {
  it('marks the interface unhealthy when the listener closes and healthy when it comes back', async () => {
    let srv: Server | null = await listenTcp();
    const port = portOf(srv);
    cleanups.push(async () => {
      if (srv) await closeTcp(srv);
    });
    const check = {
      tcp: `127.0.0.1:${port}`,
      intervalSeconds: 1,
      timeoutSeconds: 1,
      healthyThreshold: 2,
      unhealthyThreshold: 2,
    };
    const config = parseConfigObject(
      oneVpc([
        cloudwatch({
          interfaces: [
            { subnet: 'subnet-0aaa', ipv4: '10.0.1.23', healthCheck: check },
            { subnet: 'subnet-0bbb', ipv4: '10.0.2.23' },
          ],
        }),
      ]),
    ).config;
    const health = new HealthState();
    const prober = new Prober(health, pino({ level: 'silent' }), new Metrics());
    cleanups.push(() => prober.close());
    const catalog = buildCatalog(config, health);
    health.adopt(catalog.healthEntries);
    prober.update(catalog);
    const key = healthKey(CW_ID, 'us-east-2a');

    await waitFor('first healthy verdict', () => prober.status(key)?.verdict === 'healthy');
    expect(health.view(key)).toMatchObject({ healthy: true, source: 'probe' });

    await closeTcp(srv);
    srv = null;
    await waitFor('unhealthy', () => !health.isHealthy(key));
    expect(health.view(key).reason).toBe(`tcp 127.0.0.1:${port}: connection refused (2 failures in a row)`);
    expect(prober.status(key)).toMatchObject({ consecutiveFailures: 2, verdict: 'unhealthy' });

    srv = await listenTcp(port);
    await waitFor('healthy again', () => health.isHealthy(key));
    expect(health.view(key).reason).toBe(`tcp 127.0.0.1:${port}: connected (2 successes in a row)`);
  });
});
