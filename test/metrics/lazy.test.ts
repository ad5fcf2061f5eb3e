/**
 * prom-client is loaded on the first scrape, not with the metrics (built code, in a process of its
 * own so that nothing else has loaded it): what was counted before that scrape is in it, and the
 * Content-Type is prom-client's.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { METRICS_CONTENT_TYPE } from '../../src/metrics/metrics.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

describe('metrics without prom-client until scraped', () => {
  it('counts from the start and loads prom-client only for the first scrape', () => {
    const url = pathToFileURL(join(ROOT, 'dist/metrics/metrics.js')).href;
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const loaded = () => Object.keys(require.cache).some((k) => k.includes('/prom-client/'));
      const { Metrics } = await import(${JSON.stringify(url)});
      const m = new Metrics();
      for (let i = 0; i < 3; i++) m.query(1, 'udp', 'local', 0, 0.0001);
      m.inc('config_reloads', { result: 'success' });
      const before = loaded();
      const text = await m.text();
      console.log(JSON.stringify({ before, after: loaded(), text, again: (await m.text()) === text }));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.before).toBe(false);
    expect(out.after).toBe(true);
    expect(out.again).toBe(true);
    expect(out.text).toContain('privatelink_dns_queries_total{type="A",transport="udp",source="local"} 3');
    expect(out.text).toContain('privatelink_dns_responses_total{rcode="NOERROR"} 3');
    expect(out.text).toContain('privatelink_dns_request_duration_seconds_count 3');
    expect(out.text).toContain('privatelink_dns_config_reloads_total{result="success"} 1');
  });

  it("gives prom-client's Content-Type", () => {
    expect(METRICS_CONTENT_TYPE).toBe(Registry.PROMETHEUS_CONTENT_TYPE);
  });
});
