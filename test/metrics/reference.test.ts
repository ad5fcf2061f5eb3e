import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../src/metrics/catalog.js';
import { metricsReferencePath, metricsReferenceText } from '../../src/metrics/reference.js';

describe('docs/reference/metrics.md', () => {
  it('is current (run `npm run docs:reference` after changing src/metrics/catalog.ts)', () => {
    expect(readFileSync(metricsReferencePath(), 'utf8'), 'run npm run docs:reference').toBe(
      metricsReferenceText(),
    );
  });

  it('has one row per metric of the catalog', () => {
    const rows = metricsReferenceText()
      .split('\n')
      .filter((l) => l.startsWith('| `privatelink_dns_'));
    expect(rows).toHaveLength(METRICS.length);
    expect(rows).toContain(
      '| `privatelink_dns_tcp_connections_closed_total` | counter | `reason` (idle, slow, memory) | TCP connections closed by the server, by reason (memory: the pending-bytes cap over all connections) |',
    );
  });
});
