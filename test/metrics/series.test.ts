/**
 * Bound series: a hot path keeps the series of one label set and adds to it directly; what it
 * counts is the same series `inc`/`observe` count and the scrape exports.
 */
import { describe, expect, it } from 'vitest';
import { Metrics, observeInto } from '../../src/metrics/metrics.js';
import { seriesOf, Upstream } from '../../src/upstream/upstream.js';

describe('bound metric series', () => {
  it('a counter series is the one inc() adds to and the scrape shows', async () => {
    const m = new Metrics();
    const s = m.counter('upstream_queries', { upstream: '127.0.0.1:53', transport: 'udp' });
    s.value += 2;
    m.inc('upstream_queries', { upstream: '127.0.0.1:53', transport: 'udp' });
    expect(m.value('upstream_queries', { upstream: '127.0.0.1:53', transport: 'udp' })).toBe(3);
    expect(m.counter('upstream_queries', { upstream: '127.0.0.1:53', transport: 'udp' })).toBe(s);
    expect(await m.text()).toContain(
      'privatelink_dns_upstream_queries_total{upstream="127.0.0.1:53",transport="udp"} 3',
    );
  });

  it('a histogram series is the one observe() records into', async () => {
    const m = new Metrics();
    const h = m.histogram('upstream_duration_seconds', { upstream: '127.0.0.1:53' });
    observeInto(h, 0.0001);
    m.observe('upstream_duration_seconds', { upstream: '127.0.0.1:53' }, 0.0002);
    expect(h.count).toBe(2);
    expect(await m.text()).toContain(
      'privatelink_dns_upstream_duration_seconds_count{upstream="127.0.0.1:53"} 2',
    );
  });

  it('an upstream keeps its series per Metrics instance', () => {
    const a = new Metrics();
    const b = new Metrics();
    const up = new Upstream('127.0.0.1:5300');
    const sa = seriesOf(up, a);
    expect(seriesOf(up, a)).toBe(sa);
    sa.tcp.value++;
    const sb = seriesOf(up, b);
    expect(sb).not.toBe(sa);
    sb.udp.value++;
    expect(a.value('upstream_queries', { upstream: '127.0.0.1:5300', transport: 'tcp' })).toBe(1);
    expect(b.value('upstream_queries', { upstream: '127.0.0.1:5300', transport: 'udp' })).toBe(1);
    expect(b.value('upstream_queries', { upstream: '127.0.0.1:5300', transport: 'tcp' })).toBe(0);
  });
});
