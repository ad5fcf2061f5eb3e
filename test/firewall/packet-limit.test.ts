/**
 * resolverLimits.packetsPerSecondPerInterface: queries per client address over the limit are
 * dropped unanswered and counted, never logged. Count-based: a fake clock for the exact figures,
 * and a burst against a real server where answers + drops = queries sent.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { explain } from '../../src/admin/resolve.js';
import { parseConfigObject } from '../../src/config/load.js';
import { type RunningServer, startServer } from '../../src/core/server.js';
import { HealthState } from '../../src/health/state.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { buildCatalog } from '../../src/privatelink/catalog.js';
import { RateLimiter } from '../../src/resolve/rate-limit.js';
import { cloudwatch, oneVpc } from '../helpers/configs.js';
import { makeQuery } from '../helpers/dns-client.js';

const silent = pino({ level: 'silent' });

describe('the limiter against a steady stream (fake clock)', () => {
  it.each([
    [1024, 3000, 1], // 3,000 queries/s for 1 s: the 1,024 of the full bucket + 1,024 refilled
    [1024, 3000, 2],
    [1024, 500, 2], // under the limit: nothing dropped
    [10, 100, 3],
  ])('limit %i, %i queries/s for %i s', (pps, rate, seconds) => {
    let now = 0;
    const l = new RateLimiter({ queriesPerSecond: pps, burst: pps, action: 'drop' }, 1000, () => now);
    const total = rate * seconds;
    let passed = 0;
    for (let i = 0; i < total; i++) {
      now = (i * 1000) / rate;
      if (l.allow('10.0.1.5')) passed++;
    }
    const expected = Math.min(total, pps + Math.floor((pps * (total - 1)) / rate));
    expect(Math.abs(passed - expected)).toBeLessThanOrEqual(1);
    expect(l.throttled('10.0.1.5')).toBe(rate > pps);
    expect(l.throttled('10.0.1.6')).toBe(false); // per client address
  });
});

describe('/v1/resolve says when a client is throttled', () => {
  it('adds throttled: true and a sentence', () => {
    const { config } = parseConfigObject(oneVpc([cloudwatch()]));
    const catalog = buildCatalog(config, new HealthState());
    const ctx = {
      health: new HealthState(),
      metrics: new Metrics(),
      catalog: () => catalog,
      config: () => config,
      reload: async () => ({ ok: true as const, changed: false }),
      ready: () => true,
      throttled: (c: string) => c === '127.0.0.9',
    };
    const ex = explain(ctx, new URLSearchParams({ name: 'www.example.org', client: '127.0.0.9' }));
    expect(ex.throttled).toBe(true);
    expect(ex.explanation.join(' ')).toMatch(/over resolverLimits\.packetsPerSecondPerInterface/);
    const calm = explain(ctx, new URLSearchParams({ name: 'www.example.org', client: '127.0.0.1' }));
    expect(calm.throttled).toBeUndefined();
  });
});

describe('a burst against the server', () => {
  let srv: RunningServer;
  afterAll(async () => srv?.close());

  it('answers + drops = queries sent; drops are counted, not answered, not logged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pps-'));
    const log = join(dir, 'q.log');
    srv = await startServer({
      config: oneVpc([cloudwatch()], {
        resolverLimits: { packetsPerSecondPerInterface: 10 },
        queryLogs: { destination: log },
      }),
      listen: '127.0.0.1:0',
      upstreams: ['127.0.0.1:9'], // never used: only owned names are asked
      logger: silent,
      watch: false,
    });
    const sent = 200;
    const sock = createSocket('udp4');
    const ids = new Set<number>();
    sock.on('message', (m) => ids.add(m.readUInt16BE(0)));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    for (let i = 0; i < sent; i++) {
      sock.send(makeQuery('monitoring.us-east-2.amazonaws.com', { id: i + 1 }), srv.udp.port, '127.0.0.1');
    }
    // Wait until every query was either answered or dropped (counted).
    const dropped = () => srv.metrics.total('resolver_limit_dropped');
    for (let i = 0; i < 200 && ids.size + dropped() < sent; i++) await new Promise((r) => setTimeout(r, 25));
    sock.close();
    expect(ids.size + dropped()).toBe(sent);
    expect(dropped()).toBeGreaterThan(0);
    expect(ids.size).toBeGreaterThanOrEqual(10); // the full bucket at least
    await srv.close();
    const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(ids.size); // dropped queries are never logged
  });
});
