/**
 * Health-aware answers over real sockets, driven through the admin API: AZ impairment, interface
 * overrides, round robin over healthy interfaces, fail-open and servfail, probes and impairedAzs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { ConfigInput } from '../../src/config/schema.js';
import { waitFor } from '../health/poll.js';
import { CW_ID, CW_REGIONAL, cloudwatch, cwZonal, oneVpc } from '../helpers/configs.js';
import { addresses, query, queryTcp } from '../helpers/dns-client.js';
import { type AdminHarness, startHarness } from './harness.js';

const CW_PRIVATE = 'monitoring.us-east-2.amazonaws.com';
const CW = ['10.0.1.23', '10.0.2.23', '10.0.3.23'];
const A = '10.0.1.23';

/** First addresses of `n` consecutive answers. */
async function firsts(port: number, name: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(addresses(await query(port, name))[0]);
  return out;
}

function counts(list: string[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const x of list) c[x] = (c[x] ?? 0) + 1;
  return c;
}

describe('AZ impairment and interface overrides', () => {
  let h: AdminHarness;
  beforeAll(async () => {
    h = await startHarness(oneVpc([cloudwatch()]));
  });
  afterAll(async () => h?.close());
  afterEach(async () => {
    await h.api('PUT', '/v1/azs/us-east-2a', { impaired: false });
    for (const az of ['us-east-2a', 'us-east-2b', 'us-east-2c']) {
      await h.api('PUT', `/v1/endpoints/${CW_ID}/interfaces/${az}`, { healthy: null });
    }
  });

  it('impairing an AZ drops its address from regional and private answers on the next query, not from zonal', async () => {
    expect(addresses(await query(h.dns, CW_REGIONAL)).sort()).toEqual(CW);
    const r = await h.api('PUT', '/v1/azs/us-east-2a', { impaired: true });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      az: 'us-east-2a',
      impaired: true,
      adminImpaired: true,
      configImpaired: false,
    });
    expect(r.json.interfaces).toEqual([
      expect.objectContaining({ endpoint: CW_ID, healthy: false, reason: 'AZ us-east-2a impaired (admin)' }),
    ]);
    for (let i = 0; i < 3; i++) {
      expect(addresses(await query(h.dns, CW_REGIONAL)).sort()).toEqual(['10.0.2.23', '10.0.3.23']);
      expect(addresses(await query(h.dns, CW_PRIVATE)).sort()).toEqual(['10.0.2.23', '10.0.3.23']);
      expect(addresses(await queryTcp(h.dns, CW_PRIVATE)).sort()).toEqual(['10.0.2.23', '10.0.3.23']);
    }
    expect(addresses(await query(h.dns, cwZonal('us-east-2a')))).toEqual([A]);

    const back = await h.api('PUT', '/v1/azs/us-east-2a', { impaired: false });
    expect(back.json).toMatchObject({ impaired: false, adminImpaired: false });
    expect(addresses(await query(h.dns, CW_REGIONAL)).sort()).toEqual(CW);
    expect(addresses(await query(h.dns, CW_PRIVATE)).sort()).toEqual(CW);
  });

  it('an interface override wins over AZ impairment; null goes back to automatic', async () => {
    let r = await h.api('PUT', `/v1/endpoints/${CW_ID}/interfaces/us-east-2b`, { healthy: false });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      endpoint: CW_ID,
      az: 'us-east-2b',
      healthy: false,
      source: 'override',
      override: false,
    });
    expect(addresses(await query(h.dns, CW_REGIONAL)).sort()).toEqual(['10.0.1.23', '10.0.3.23']);
    expect(addresses(await query(h.dns, cwZonal('us-east-2b')))).toEqual(['10.0.2.23']);

    await h.api('PUT', '/v1/azs/us-east-2a', { impaired: true });
    r = await h.api('PUT', `/v1/endpoints/${CW_ID}/interfaces/us-east-2a`, { healthy: true });
    expect(r.json).toMatchObject({ healthy: true, source: 'override' });
    expect(addresses(await query(h.dns, CW_REGIONAL)).sort()).toEqual(['10.0.1.23', '10.0.3.23']);

    r = await h.api('PUT', `/v1/endpoints/${CW_ID}/interfaces/us-east-2a`, { healthy: null });
    expect(r.json).toMatchObject({ healthy: false, source: 'az-impaired', override: null });
    expect(addresses(await query(h.dns, CW_REGIONAL))).toEqual(['10.0.3.23']);
  });

  it('rotates which healthy address comes first: over 2N queries each is first N times (±1)', async () => {
    const three = counts(await firsts(h.dns, CW_REGIONAL, 6));
    expect(Object.keys(three).sort()).toEqual(CW);
    for (const n of Object.values(three)) expect(Math.abs(n - 2)).toBeLessThanOrEqual(1);

    await h.api('PUT', '/v1/azs/us-east-2a', { impaired: true });
    const two = counts(await firsts(h.dns, CW_PRIVATE, 4));
    expect(Object.keys(two).sort()).toEqual(['10.0.2.23', '10.0.3.23']);
    for (const n of Object.values(two)) expect(Math.abs(n - 2)).toBeLessThanOrEqual(1);
  });

  it('consecutive answers differ in order and always hold every healthy address', async () => {
    const a = addresses(await query(h.dns, CW_REGIONAL));
    const b = addresses(await query(h.dns, CW_REGIONAL));
    expect(a[0]).not.toBe(b[0]);
    expect([...a].sort()).toEqual(CW);
    expect([...b].sort()).toEqual(CW);
  });
});

describe('when no interface is healthy', () => {
  const allDown = async (h: AdminHarness) => {
    for (const az of ['us-east-2a', 'us-east-2b', 'us-east-2c']) {
      expect((await h.api('PUT', `/v1/azs/${az}`, { impaired: true })).status).toBe(200);
    }
  };

  it('fails open by default: every address is answered', async () => {
    const h = await startHarness(oneVpc([cloudwatch()]));
    try {
      await allDown(h);
      const d = await query(h.dns, CW_REGIONAL);
      expect(d.rcode).toBe('NOERROR');
      expect(addresses(d).sort()).toEqual(CW);
      expect(addresses(await query(h.dns, CW_PRIVATE)).sort()).toEqual(CW);
      const ep = (await h.api('GET', `/v1/endpoints/${CW_ID}`)).json;
      expect(ep).toMatchObject({
        healthyInterfaces: 0,
        answering: 'all interfaces (fail-open: none is healthy)',
      });
    } finally {
      await h.close();
    }
  });

  it('answers SERVFAIL with whenAllUnhealthy: servfail at the top level; zonal names still answer', async () => {
    const h = await startHarness(oneVpc([cloudwatch()], { whenAllUnhealthy: 'servfail' }));
    try {
      expect(addresses(await query(h.dns, CW_REGIONAL)).sort()).toEqual(CW);
      await allDown(h);
      expect((await query(h.dns, CW_REGIONAL)).rcode).toBe('SERVFAIL');
      expect((await query(h.dns, CW_PRIVATE)).rcode).toBe('SERVFAIL');
      expect(addresses(await query(h.dns, cwZonal('us-east-2c')))).toEqual(['10.0.3.23']);
      await h.api('PUT', '/v1/azs/us-east-2c', { impaired: false });
      expect(addresses(await query(h.dns, CW_REGIONAL))).toEqual(['10.0.3.23']);
    } finally {
      await h.close();
    }
  });

  it('the endpoint setting wins over the top-level one', async () => {
    const other = cloudwatch({
      id: 'vpce-0123456789abcdef0',
      dnsSuffix: 'abcd1234',
      service: 'com.amazonaws.us-east-2.logs',
      whenAllUnhealthy: 'fail-open',
    });
    const h = await startHarness(
      oneVpc([cloudwatch(), { ...other, interfaces: [{ subnet: 'subnet-0aaa', ipv4: '10.0.1.40' }] }], {
        whenAllUnhealthy: 'servfail',
      }),
    );
    try {
      await h.api('PUT', '/v1/azs/us-east-2a', { impaired: true });
      expect(addresses(await query(h.dns, 'logs.us-east-2.amazonaws.com'))).toEqual(['10.0.1.40']);
      await allDown(h);
      expect(addresses(await query(h.dns, 'logs.us-east-2.amazonaws.com'))).toEqual(['10.0.1.40']);
      expect((await query(h.dns, CW_PRIVATE)).rcode).toBe('SERVFAIL');
    } finally {
      await h.close();
    }
  });

  it('endpoint servfail wins over top-level fail-open', async () => {
    const h = await startHarness(oneVpc([cloudwatch({ whenAllUnhealthy: 'servfail' })]));
    try {
      await allDown(h);
      expect((await query(h.dns, CW_PRIVATE)).rcode).toBe('SERVFAIL');
    } finally {
      await h.close();
    }
  });
});

describe('impairedAzs in the config and hot reload', () => {
  it('impairs from the config, and a reload lifts it; the admin restore does not lift a config impairment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pldns-admin-'));
    const file = join(dir, 'endpoints.yaml');
    const write = (c: ConfigInput) => writeFileSync(file, stringify(c));
    write(oneVpc([cloudwatch()], { impairedAzs: ['us-east-2b'] }));
    const h = await startHarness(file);
    try {
      expect(addresses(await query(h.dns, CW_REGIONAL)).sort()).toEqual(['10.0.1.23', '10.0.3.23']);
      const r = await h.api('PUT', '/v1/azs/us-east-2b', { impaired: false });
      expect(r.json).toMatchObject({ impaired: true, adminImpaired: false, configImpaired: true });
      expect(addresses(await query(h.dns, CW_REGIONAL)).sort()).toEqual(['10.0.1.23', '10.0.3.23']);

      write(oneVpc([cloudwatch()]));
      const reload = await h.api('POST', '/v1/reload');
      expect(reload.status).toBe(200);
      expect(reload.json).toMatchObject({ ok: true });
      expect(addresses(await query(h.dns, CW_REGIONAL)).sort()).toEqual(CW);

      write(oneVpc([cloudwatch()], { impairedAzs: ['us-east-2c'] }));
      await h.api('POST', '/v1/reload');
      expect(addresses(await query(h.dns, CW_PRIVATE)).sort()).toEqual(['10.0.1.23', '10.0.2.23']);
    } finally {
      await h.close();
    }
  });
});

describe('probes in a running server', () => {
  let listener: Server | null = null;
  afterEach(async () => {
    if (listener) await new Promise<void>((r) => listener!.close(() => r()));
    listener = null;
  });
  const listen = (port: number) =>
    new Promise<Server>((resolve, reject) => {
      const s = createServer((c) => c.end());
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve(s));
    });

  it('a TCP check against a closed loopback port makes the interface unhealthy; reopened, healthy again', async () => {
    listener = await listen(0);
    const port = (listener.address() as { port: number }).port;
    await new Promise<void>((r) => listener!.close(() => r()));
    listener = null;
    const check = {
      tcp: `127.0.0.1:${port}`,
      intervalSeconds: 1,
      timeoutSeconds: 1,
      healthyThreshold: 2,
      unhealthyThreshold: 2,
    };
    const h = await startHarness(
      oneVpc([
        cloudwatch({
          interfaces: [
            { subnet: 'subnet-0aaa', ipv4: '10.0.1.23', healthCheck: check },
            { subnet: 'subnet-0bbb', ipv4: '10.0.2.23' },
            { subnet: 'subnet-0ccc', ipv4: '10.0.3.23' },
          ],
        }),
      ]),
    );
    try {
      await waitFor('interface 2a unhealthy', async () => {
        const ep = (await h.api('GET', `/v1/endpoints/${CW_ID}`)).json;
        return ep.interfaces[0].healthy === false;
      });
      const ep = (await h.api('GET', `/v1/endpoints/${CW_ID}`)).json;
      expect(ep.interfaces[0]).toMatchObject({
        source: 'probe',
        reason: `tcp 127.0.0.1:${port}: connection refused (2 failures in a row)`,
        probe: {
          check: `tcp 127.0.0.1:${port}`,
          verdict: 'unhealthy',
          consecutiveFailures: expect.any(Number),
        },
      });
      expect(ep.interfaces[0].probe.consecutiveFailures).toBeGreaterThanOrEqual(2);
      expect(addresses(await query(h.dns, CW_REGIONAL)).sort()).toEqual(['10.0.2.23', '10.0.3.23']);
      expect(addresses(await query(h.dns, cwZonal('us-east-2a')))).toEqual([A]);

      listener = await listen(port);
      await waitFor('interface 2a healthy again', async () => {
        const d = await query(h.dns, CW_REGIONAL);
        return addresses(d).length === 3;
      });
      const again = (await h.api('GET', `/v1/endpoints/${CW_ID}`)).json;
      expect(again.interfaces[0]).toMatchObject({
        healthy: true,
        source: 'probe',
        reason: `tcp 127.0.0.1:${port}: connected (2 successes in a row)`,
      });
    } finally {
      await h.close();
    }
  });
});
