/**
 * The admin API over HTTP: its routes, its 4xx errors, bearer tokens, the metrics exposition
 * (parsed by a Prometheus text parser), resolve explanations and reload.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startAdmin } from '../../src/admin/server.js';
import { parseConfigObject } from '../../src/config/load.js';
import { startServer } from '../../src/core/server.js';
import { HealthState } from '../../src/health/state.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { isLoopback } from '../../src/net/loopback.js';
import { buildCatalog } from '../../src/privatelink/catalog.js';
import { CW_ID, CW_REGIONAL, cloudwatch, cwZonal, oneVpc, VPC_ID } from '../helpers/configs.js';
import { query, queryTcp } from '../helpers/dns-client.js';
import { type AdminHarness, call, startHarness } from './harness.js';

const CW_PRIVATE = 'monitoring.us-east-2.amazonaws.com';
const silent = pino({ level: 'silent' });

let h: AdminHarness;
beforeAll(async () => {
  h = await startHarness(oneVpc([cloudwatch()]));
});
afterAll(async () => h?.close());

describe('liveness, readiness and endpoints', () => {
  it('GET /healthz and /readyz', async () => {
    expect(await h.api('GET', '/healthz')).toMatchObject({ status: 200, json: { status: 'ok' } });
    expect(await h.api('GET', '/readyz')).toMatchObject({ status: 200, json: { ready: true } });
  });

  it('GET /v1/endpoints lists names, interfaces, health and why', async () => {
    const r = await h.api('GET', '/v1/endpoints');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(r.json.impairedAzs).toEqual({ admin: [], config: [] });
    expect(r.json.endpoints).toHaveLength(1);
    const ep = r.json.endpoints[0];
    expect(ep).toMatchObject({
      id: CW_ID,
      vpcId: VPC_ID,
      service: 'com.amazonaws.us-east-2.monitoring',
      whenAllUnhealthy: 'fail-open',
      healthyInterfaces: 3,
      names: {
        regional: CW_REGIONAL,
        zonal: { 'us-east-2a': cwZonal('us-east-2a') },
        private: [CW_PRIVATE],
      },
    });
    expect(ep.interfaces[1]).toEqual({
      eniId: expect.stringMatching(/^eni-/),
      subnetId: 'subnet-0bbb',
      az: 'us-east-2b',
      ipv4: '10.0.2.23',
      ipv6: null,
      healthy: true,
      source: 'static',
      reason: 'static: healthy',
      override: null,
      healthCheck: null,
      probe: null,
    });
  });

  it('GET /v1/azs lists every AZ', async () => {
    const r = await h.api('GET', '/v1/azs');
    expect(r.json.azs.map((a: { az: string; impaired: boolean }) => [a.az, a.impaired])).toEqual([
      ['us-east-2a', false],
      ['us-east-2b', false],
      ['us-east-2c', false],
    ]);
  });
});

describe('errors name the problem', () => {
  const cases: [string, string, unknown, Record<string, string> | undefined, number, string, RegExp][] = [
    ['GET', '/nope', undefined, undefined, 404, 'not_found', /no such resource: \/nope/],
    ['DELETE', '/v1/azs/us-east-2a', undefined, undefined, 405, 'method_not_allowed', /use PUT/],
    ['POST', '/v1/endpoints', undefined, undefined, 405, 'method_not_allowed', /use GET/],
    ['PUT', '/v1/azs/us-east-2a', '{"impaired": tru', undefined, 400, 'bad_json', /not valid JSON/],
    ['PUT', '/v1/azs/us-east-2a', '', undefined, 400, 'bad_json', /empty/],
    ['PUT', '/v1/azs/us-east-2a', {}, undefined, 400, 'bad_body', /missing field "impaired"/],
    ['PUT', '/v1/azs/us-east-2a', [true], undefined, 400, 'bad_body', /JSON object/],
    [
      'PUT',
      '/v1/azs/us-east-2a',
      { impaired: 'yes' },
      undefined,
      400,
      'bad_body',
      /"impaired" must be true or false/,
    ],
    [
      'PUT',
      '/v1/azs/us-east-2a',
      { impaired: true, x: 1 },
      undefined,
      400,
      'bad_body',
      /unknown field\(s\) "x"/,
    ],
    [
      'PUT',
      '/v1/azs/us-east-2a',
      'impaired=true',
      { 'content-type': 'application/x-www-form-urlencoded' },
      415,
      'unsupported_media_type',
      /send JSON/,
    ],
    [
      'PUT',
      '/v1/azs/us-east-2d',
      { impaired: true },
      undefined,
      404,
      'unknown_az',
      /no interface is in AZ us-east-2d/,
    ],
    [
      'PUT',
      '/v1/endpoints/vpce-0000000000000000f/interfaces/us-east-2a',
      { healthy: false },
      undefined,
      404,
      'unknown_endpoint',
      new RegExp(`no endpoint vpce-0000000000000000f \\(known: ${CW_ID}\\)`),
    ],
    [
      'PUT',
      `/v1/endpoints/${CW_ID}/interfaces/us-east-2d`,
      { healthy: false },
      undefined,
      404,
      'unknown_interface',
      /has no interface in us-east-2d \(it has us-east-2a, us-east-2b, us-east-2c\)/,
    ],
    [
      'PUT',
      `/v1/endpoints/${CW_ID}/interfaces/us-east-2a`,
      { healthy: 'auto' },
      undefined,
      400,
      'bad_body',
      /"healthy" must be true, false or null/,
    ],
    [
      'GET',
      '/v1/endpoints/vpce-0000000000000000f',
      undefined,
      undefined,
      404,
      'unknown_endpoint',
      /no endpoint/,
    ],
    ['GET', '/v1/resolve', undefined, undefined, 400, 'bad_query', /give the name/],
    ['GET', '/v1/resolve?name=a..b', undefined, undefined, 400, 'bad_query', /not a valid DNS name/],
    [
      'GET',
      '/v1/resolve?name=x.com&type=BOGUS',
      undefined,
      undefined,
      400,
      'bad_query',
      /not a DNS record type/,
    ],
    [
      'GET',
      '/v1/resolve?name=x.com&client=somewhere',
      undefined,
      undefined,
      400,
      'bad_query',
      /not an IP address/,
    ],
    [
      'GET',
      '/v1/resolve?name=x.com&view=1',
      undefined,
      undefined,
      400,
      'bad_query',
      /unknown parameter "view"/,
    ],
  ];
  it.each(cases)('%s %s → %i', async (method, path, body, headers, status, code, message) => {
    const r = await h.api(method, path, body, headers);
    expect(r.status).toBe(status);
    expect(r.json.error.code).toBe(code);
    expect(r.json.error.message).toMatch(message);
  });

  it('405 carries an Allow header', async () => {
    const r = await h.api('DELETE', '/v1/azs/us-east-2a');
    expect(r.headers.get('allow')).toBe('PUT');
  });

  it('rejects bodies over 64 KiB with 413', async () => {
    const r = await h.api('PUT', '/v1/azs/us-east-2a', { impaired: true, pad: 'x'.repeat(70_000) });
    expect(r.status).toBe(413);
    expect(r.json.error.code).toBe('body_too_large');
  });

  it('a failed change leaves health untouched', async () => {
    await h.api('PUT', '/v1/azs/us-east-2a', { impaired: 'yes' });
    expect(h.srv.health.impairedAzs().admin).toEqual([]);
  });
});

describe('metrics', () => {
  it('GET /metrics is valid Prometheus text with queries, rcodes, latency and interface health', async () => {
    await query(h.dns, CW_REGIONAL);
    await queryTcp(h.dns, CW_PRIVATE, { type: 'AAAA' });
    await query(h.dns, 'example.com');
    await h.api('PUT', '/v1/azs/us-east-2b', { impaired: true });
    try {
      const r = await h.api('GET', '/metrics');
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const families = parsePrometheusTextFormat(r.text);
      const fam = (name: string) => {
        const f = families.find((x) => x.name === name);
        if (!f) throw new Error(`missing ${name}`);
        return f;
      };
      const q = fam('privatelink_dns_queries_total');
      expect(q.type).toBe('COUNTER');
      expect(q.metrics).toEqual(
        expect.arrayContaining([
          { labels: { type: 'A', transport: 'udp', source: 'local' }, value: expect.any(String) },
          { labels: { type: 'AAAA', transport: 'tcp', source: 'local' }, value: '1' },
          { labels: { type: 'A', transport: 'udp', source: 'forward' }, value: '1' },
        ]),
      );
      const rc = fam('privatelink_dns_responses_total');
      expect(rc.metrics).toContainEqual({ labels: { rcode: 'NOERROR' }, value: expect.any(String) });
      const lat = fam('privatelink_dns_request_duration_seconds');
      expect(lat.type).toBe('HISTOGRAM');
      const sample = lat.metrics[0];
      const buckets = Object.entries(sample.buckets ?? {})
        .map(([le, v]) => [le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), Number(v)] as const)
        .sort((a, b) => a[0] - b[0]);
      // Cumulative: never decreasing, +Inf equals the count.
      for (let i = 1; i < buckets.length; i++)
        expect(buckets[i][1]).toBeGreaterThanOrEqual(buckets[i - 1][1]);
      expect(buckets.at(-1)).toEqual([Number.POSITIVE_INFINITY, Number(sample.count)]);
      expect(Number(sample.count)).toBeGreaterThanOrEqual(3);
      expect(Number(sample.sum)).toBeGreaterThan(0);
      const health = fam('privatelink_dns_interface_healthy');
      expect(health.type).toBe('GAUGE');
      expect(health.metrics).toEqual([
        { labels: { endpoint: CW_ID, az: 'us-east-2a', address: '10.0.1.23' }, value: '1' },
        { labels: { endpoint: CW_ID, az: 'us-east-2b', address: '10.0.2.23' }, value: '0' },
        { labels: { endpoint: CW_ID, az: 'us-east-2c', address: '10.0.3.23' }, value: '1' },
      ]);
    } finally {
      await h.api('PUT', '/v1/azs/us-east-2b', { impaired: false });
    }
  });
});

describe('GET /v1/resolve', () => {
  it('explains a regional answer and the interfaces left out', async () => {
    await h.api('PUT', '/v1/azs/us-east-2a', { impaired: true });
    try {
      const r = await h.api('GET', `/v1/resolve?name=${CW_REGIONAL.toUpperCase()}.&type=A&client=127.0.0.1`);
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({
        question: { name: CW_REGIONAL, type: 'A', client: '127.0.0.1' },
        client: { allowed: true, view: VPC_ID },
        outcome: 'local',
        rcode: 'NOERROR',
        match: { endpoint: CW_ID, form: 'regional', name: CW_REGIONAL, wildcard: false },
        whenAllUnhealthy: 'fail-open',
      });
      expect(r.json.answer.map((a: { data: string }) => a.data).sort()).toEqual(['10.0.2.23', '10.0.3.23']);
      expect(r.json.answer[0]).toMatchObject({ name: CW_REGIONAL, type: 'A', ttl: 60 });
      expect(r.json.leftOut).toEqual([
        expect.objectContaining({
          az: 'us-east-2a',
          addresses: ['10.0.1.23'],
          reason: 'AZ us-east-2a impaired (admin)',
        }),
      ]);
      expect(r.json.explanation.join('\n')).toMatch(
        /left out us-east-2a \(10\.0\.1\.23\): AZ us-east-2a impaired/,
      );

      const z = await h.api('GET', `/v1/resolve?name=${cwZonal('us-east-2a')}`);
      expect(z.json.match).toMatchObject({ form: 'zonal', az: 'us-east-2a' });
      expect(z.json.answer.map((a: { data: string }) => a.data)).toEqual(['10.0.1.23']);
      expect(z.json.leftOut).toEqual([]);
      expect(z.json.explanation.join('\n')).toMatch(/zonal names never fail over/);
    } finally {
      await h.api('PUT', '/v1/azs/us-east-2a', { impaired: false });
    }
  });

  it('says "forwarded" for names it does not own and for private names outside the VPC', async () => {
    const f = await h.api('GET', '/v1/resolve?name=example.com');
    expect(f.json).toMatchObject({ outcome: 'forwarded', rcode: null, match: null, answer: [] });
    const out = await h.api('GET', `/v1/resolve?name=${CW_PRIVATE}&client=192.168.7.7`);
    expect(out.json).toMatchObject({ outcome: 'forwarded', client: { allowed: true, view: null } });
    expect(out.json.explanation.join('\n')).toMatch(new RegExp(`private to ${VPC_ID}`));
    const inside = await h.api('GET', `/v1/resolve?name=${CW_PRIVATE}&client=10.0.9.9`);
    expect(inside.json).toMatchObject({ outcome: 'local', match: { form: 'private' } });
  });

  it('shows refused clients, NODATA and NXDOMAIN', async () => {
    const refused = await h.api('GET', `/v1/resolve?name=${CW_PRIVATE}&client=203.0.113.9`);
    expect(refused.json).toMatchObject({ outcome: 'refused', rcode: 'REFUSED', client: { allowed: false } });
    const nodata = await h.api('GET', `/v1/resolve?name=${CW_PRIVATE}&type=AAAA`);
    expect(nodata.json).toMatchObject({ outcome: 'local', rcode: 'NOERROR', answer: [] });
    expect(nodata.json.authority).toEqual([
      expect.objectContaining({ name: CW_PRIVATE, type: 'SOA', ttl: 900 }),
    ]);
    const nx = await h.api('GET', `/v1/resolve?name=foo.${CW_PRIVATE}`);
    expect(nx.json).toMatchObject({ rcode: 'NXDOMAIN', match: { zone: CW_PRIVATE, endpoint: null } });
  });

  it('says SERVFAIL or fail-open when no interface is healthy', async () => {
    for (const az of ['us-east-2a', 'us-east-2b', 'us-east-2c'])
      await h.api('PUT', `/v1/azs/${az}`, { impaired: true });
    try {
      const r = await h.api('GET', `/v1/resolve?name=${CW_PRIVATE}`);
      expect(r.json.answer).toHaveLength(3);
      expect(r.json.explanation.join('\n')).toMatch(/failing open/);
    } finally {
      for (const az of ['us-east-2a', 'us-east-2b', 'us-east-2c'])
        await h.api('PUT', `/v1/azs/${az}`, { impaired: false });
    }
  });
});

describe('POST /v1/reload', () => {
  it('answers 200 with the result, and 422 with the problems of an invalid config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pldns-reload-'));
    const file = join(dir, 'endpoints.yaml');
    writeFileSync(file, stringify(oneVpc([cloudwatch()])));
    const r = await startHarness(file);
    try {
      expect(await r.api('POST', '/v1/reload')).toMatchObject({ status: 200, json: { ok: true } });
      writeFileSync(file, stringify(oneVpc([cloudwatch()], { ttl: -5 })));
      const bad = await r.api('POST', '/v1/reload');
      expect(bad.status).toBe(422);
      expect(bad.json.error.code).toBe('invalid_config');
      expect(bad.json.error.problems.length).toBeGreaterThan(0);
      expect(bad.json.error.problems[0]).toMatchObject({ file, path: 'ttl' });
      // The previous config keeps serving.
      expect((await query(r.dns, CW_REGIONAL)).rcode).toBe('NOERROR');
    } finally {
      await r.close();
    }
  });
});

describe('tokens and addresses', () => {
  const ctx = () => {
    const health = new HealthState();
    const { config } = parseConfigObject(oneVpc([cloudwatch()]));
    const catalog = buildCatalog(config, health);
    health.adopt(catalog.healthEntries);
    return {
      health,
      metrics: new Metrics(),
      catalog: () => catalog,
      config: () => config,
      reload: async () => ({ ok: true as const, changed: false }),
      ready: () => true,
    };
  };

  it('refuses a non-loopback address without a token', async () => {
    await expect(startAdmin({ listen: '0.0.0.0:0', logger: silent, ctx: ctx() })).rejects.toThrow(
      /0\.0\.0\.0:0 would be reachable from other hosts: give --admin-token/,
    );
    await expect(startAdmin({ listen: '[::]:0', token: '', logger: silent, ctx: ctx() })).rejects.toThrow(
      /admin-token/,
    );
    await expect(
      startServer({
        config: oneVpc([cloudwatch()]),
        listen: '127.0.0.1:0',
        admin: '0.0.0.0:0',
        upstreams: ['127.0.0.1:9'],
        logger: silent,
      }),
    ).rejects.toThrow(/admin-token/);
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1', '192.168.1.1', 'example.com'].some(isLoopback)).toBe(false);
  });

  it('with a token, requires Authorization: Bearer except on /healthz and /readyz', async () => {
    const admin = await startAdmin({ listen: '127.0.0.1:0', token: 's3cret', logger: silent, ctx: ctx() });
    const base = `http://127.0.0.1:${admin.address.port}`;
    try {
      const none = await call(base, 'GET', '/v1/endpoints');
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      expect(none.json.error).toMatchObject({ code: 'unauthorized', message: /Authorization: Bearer/ });
      const wrong = await call(
        base,
        'PUT',
        '/v1/azs/us-east-2a',
        { impaired: true },
        { authorization: 'Bearer nope' },
      );
      expect(wrong.status).toBe(401);
      expect(wrong.json.error.message).toMatch(/wrong/);
      const metrics = await call(base, 'GET', '/metrics');
      expect(metrics.status).toBe(401);
      const right = await call(
        base,
        'PUT',
        '/v1/azs/us-east-2a',
        { impaired: true },
        { authorization: 'Bearer s3cret' },
      );
      expect(right.status).toBe(200);
      expect(right.json.impaired).toBe(true);
      expect((await call(base, 'GET', '/healthz')).status).toBe(200);
      expect((await call(base, 'GET', '/readyz')).status).toBe(200);
    } finally {
      await admin.close();
    }
  });

  it('reports a busy port', async () => {
    const first = await startAdmin({ listen: '127.0.0.1:0', logger: silent, ctx: ctx() });
    try {
      await expect(
        startAdmin({ listen: `127.0.0.1:${first.address.port}`, logger: silent, ctx: ctx() }),
      ).rejects.toThrow(/cannot listen on 127\.0\.0\.1:\d+: address already in use/);
    } finally {
      await first.close();
    }
  });

  it('/readyz answers 503 when the server is not ready', async () => {
    const admin = await startAdmin({
      listen: '127.0.0.1:0',
      logger: silent,
      ctx: { ...ctx(), ready: () => false },
    });
    try {
      const r = await call(base(admin.address.port), 'GET', '/readyz');
      expect(r).toMatchObject({ status: 503, json: { ready: false } });
    } finally {
      await admin.close();
    }
  });
});

function base(port: number): string {
  return `http://127.0.0.1:${port}`;
}

describe('interface health gauge without probes', () => {
  it('is on /metrics when the server runs no Prober', async () => {
    const r = await startHarness(oneVpc([cloudwatch()]), { probes: false });
    try {
      await r.api('PUT', '/v1/azs/us-east-2c', { impaired: true });
      const families = parsePrometheusTextFormat((await r.api('GET', '/metrics')).text);
      const g = families.find((f) => f.name === 'privatelink_dns_interface_healthy');
      expect(g?.metrics.map((m) => [m.labels?.az, m.value])).toEqual([
        ['us-east-2a', '1'],
        ['us-east-2b', '1'],
        ['us-east-2c', '0'],
      ]);
    } finally {
      await r.close();
    }
  });
});
