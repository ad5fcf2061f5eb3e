import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { exportedName, METRICS } from '../../src/metrics/catalog.js';
import { Metrics } from '../../src/metrics/metrics.js';

async function families(m: Metrics) {
  return parsePrometheusTextFormat(await m.text());
}

describe('the metrics catalog', () => {
  it('declares each metric once, with help text and snake_case names', () => {
    const names = METRICS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    for (const d of METRICS) {
      expect(d.name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(d.help.length).toBeGreaterThan(10);
      if (d.type === 'counter') expect(d.name).not.toMatch(/_total$/);
    }
  });

  it('every metric is on the first scrape, with the type the table gives', async () => {
    const fams = await families(new Metrics());
    for (const d of METRICS) {
      const f = fams.find((x) => x.name === exportedName(d));
      expect(f, exportedName(d)).toBeDefined();
      expect(f?.type).toBe(d.type.toUpperCase());
      expect(f?.help).toBe(d.help);
    }
  });

  it('label-less counters start at 0, finite label sets are pre-created at 0', async () => {
    const fams = await families(new Metrics());
    const fam = (name: string) => fams.find((x) => x.name === name);
    expect(fam('privatelink_dns_cache_hits_total')?.metrics).toEqual([{ value: '0' }]);
    expect(fam('privatelink_dns_config_reloads_total')?.metrics).toEqual([
      { labels: { result: 'success' }, value: '0' },
      { labels: { result: 'failure' }, value: '0' },
    ]);
    expect(fam('privatelink_dns_tcp_connections_closed_total')?.metrics).toHaveLength(3);
    expect(fam('privatelink_dns_queries_total')?.metrics).toHaveLength(12 * 2 * 6); // types × transports × sources (local, cache, forward, access, error, firewall)
    expect(fam('privatelink_dns_responses_total')?.metrics).toContainEqual({
      labels: { rcode: 'SERVFAIL' },
      value: '0',
    });
    // Open label values (an upstream) appear once counted.
    expect(fam('privatelink_dns_upstream_failures_total')?.metrics).toEqual([]);
    expect(fam('privatelink_dns_cache_entries')?.metrics).toEqual([{ value: '0' }]);
  });
});

describe('Metrics', () => {
  it('counts by label values, including values the table does not list', async () => {
    const m = new Metrics();
    m.inc('forward_servfail', { reason: 'timeout' });
    m.inc('forward_servfail', { reason: 'timeout' }, 2);
    m.inc('upstream_failures', { upstream: '127.0.0.1:53', reason: 'refused' });
    m.inc('upstream_failures', { reason: 'refused', upstream: '127.0.0.2:53' });
    m.inc('malformed_queries', { reason: 'something-new' });
    m.inc('cache_misses');
    expect(m.value('forward_servfail', { reason: 'timeout' })).toBe(3);
    expect(m.value('forward_servfail', { reason: 'busy' })).toBe(0);
    expect(m.value('upstream_failures', { upstream: '127.0.0.2:53', reason: 'refused' })).toBe(1);
    expect(m.value('cache_misses')).toBe(1);
    expect(m.total('upstream_failures')).toBe(2);
    expect(m.total('malformed_queries')).toBe(1);
    const text = await m.text();
    expect(text).toContain('privatelink_dns_forward_servfail_total{reason="timeout"} 3');
    expect(text).toContain(
      'privatelink_dns_upstream_failures_total{upstream="127.0.0.1:53",reason="refused"} 1',
    );
    expect(text).toContain('privatelink_dns_malformed_queries_total{reason="something-new"} 1');
    expect(text).toContain('privatelink_dns_cache_misses_total 1');
  });

  it('a gauge reads its latest reader; a second supply replaces the first', async () => {
    const m = new Metrics();
    m.gauge('cache_entries', () => 3);
    m.gauge('cache_entries', () => 5);
    m.gauge('upstream_up', () => [[{ upstream: '127.0.0.1:53' }, 1] as const]);
    const text = await m.text();
    expect(text).toContain('privatelink_dns_cache_entries 5');
    expect(text.match(/# TYPE privatelink_dns_cache_entries gauge/g)).toHaveLength(1);
    expect(text).toContain('privatelink_dns_upstream_up{upstream="127.0.0.1:53"} 1');
  });

  it('histograms are cumulative, per label set', async () => {
    const m = new Metrics();
    m.observe('upstream_duration_seconds', { upstream: '127.0.0.1:53' }, 0.002);
    m.observe('upstream_duration_seconds', { upstream: '127.0.0.1:53' }, 0.2);
    m.observe('upstream_duration_seconds', { upstream: '127.0.0.1:53' }, 9);
    m.query(1, 'udp', 'local', 0, 0.0003);
    const text = await m.text();
    const up = (le: string) => {
      const head = `privatelink_dns_upstream_duration_seconds_bucket{le="${le}",upstream="127.0.0.1:53"} `;
      const line = text.split('\n').find((l) => l.startsWith(head));
      return line === undefined ? undefined : Number(line.slice(head.length));
    };
    expect([up('0.0025'), up('0.25'), up('2.5'), up('+Inf')]).toEqual([1, 2, 2, 3]);
    expect(text).toContain('privatelink_dns_upstream_duration_seconds_count{upstream="127.0.0.1:53"} 3');
    expect(text).toContain('privatelink_dns_upstream_duration_seconds_sum{upstream="127.0.0.1:53"} 9.202');
    expect(text).toContain('privatelink_dns_request_duration_seconds_bucket{le="0.0005"} 1');
    expect(text).toContain('privatelink_dns_request_duration_seconds_count 1');
    expect(text).toContain('privatelink_dns_queries_total{type="A",transport="udp",source="local"} 1');
    expect(text).toContain('privatelink_dns_responses_total{rcode="NOERROR"} 1');
  });

  it('servers in one process keep their own counts', async () => {
    const a = new Metrics();
    const b = new Metrics();
    a.inc('forward_loops');
    expect(a.value('forward_loops')).toBe(1);
    expect(b.value('forward_loops')).toBe(0);
  });
});
