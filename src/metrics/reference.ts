/** docs/reference/metrics.md, generated from the metrics catalog (`npm run docs:reference`). */
import { fileURLToPath } from 'node:url';
import { exportedName, LATENCY_BUCKETS, METRIC_PREFIX, METRICS, type MetricDef } from './catalog.js';

/** Where the generated file lives in the repository. */
export function metricsReferencePath(): string {
  return fileURLToPath(new URL('../../docs/reference/metrics.md', import.meta.url));
}

function cell(s: string): string {
  return s.replaceAll('|', '\\|');
}

function labels(def: MetricDef): string {
  return Object.entries(def.labels)
    .map(([name, values]) => (values ? `\`${name}\` (${values.join(', ')})` : `\`${name}\``))
    .join(', ');
}

/** The text of docs/reference/metrics.md. */
export function metricsReferenceText(): string {
  const rows = (METRICS as readonly MetricDef[]).map(
    (d) => `| \`${exportedName(d)}\` | ${d.type} | ${cell(labels(d))} | ${cell(d.help)} |`,
  );
  return [
    '# Metrics reference',
    '',
    '<!-- Generated from src/metrics/catalog.ts by `npm run docs:reference`; do not edit. -->',
    '',
    `\`GET /metrics\` on the admin API, Prometheus text format 0.0.4. Every name starts with \`${METRIC_PREFIX}\`.`,
    '',
    'Every metric is there from the first scrape. A label with its values listed has a fixed set of',
    'values, and each combination is exported at 0 until it counts (a value outside the list, if one',
    'ever occurs, is counted too). A label without a list (an upstream, an endpoint) takes open',
    'values: its series appear once they have something to show.',
    '',
    '| metric | type | labels | help |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    `Histogram buckets (seconds): ${LATENCY_BUCKETS.join(', ')}.`,
    '',
  ].join('\n');
}
