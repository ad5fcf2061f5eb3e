/**
 * Every metric the server exports, declared once: its name (without the `privatelink_dns_`
 * prefix, and for counters without the `_total` suffix), type, help text and labels. A label
 * with a list of values has a finite set of values: each combination is exported at 0 from the
 * first scrape. A label given as `null` takes open values (an upstream, an endpoint id): its
 * series appear once counted.
 *
 * Call sites name a metric from this table (`metrics.inc('forward_servfail', { reason })`) and
 * TypeScript checks the name and label keys; the help text lives only here, and
 * docs/reference/metrics.md is generated from this table (`npm run docs:reference`).
 */

/** Prefix of every exported metric name. */
export const METRIC_PREFIX = 'privatelink_dns_';

/** Latency buckets in seconds (both histograms). */
export const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
] as const;

const TRANSPORT = ['udp', 'tcp'] as const;

/** The query types counted by name in `queries_total`; every other type is `other`. */
export const QUERY_TYPE_LABELS = [
  'A',
  'NS',
  'CNAME',
  'SOA',
  'PTR',
  'MX',
  'TXT',
  'AAAA',
  'SRV',
  'TYPE65',
  'ANY',
  'other',
] as const;

/** Label values: a finite list, or `null` for open values. */
export type LabelValues = readonly string[] | null;

/** One row of the table. */
export interface MetricDef {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly help: string;
  readonly labels: Readonly<Record<string, LabelValues>>;
  /** Bucket upper bounds in seconds (histograms). */
  readonly buckets?: readonly number[];
  /** Set on the metrics that `Metrics.query()` records (not `inc` / `observe`). */
  readonly perQuery?: true;
}

export const METRICS = [
  {
    name: 'queries',
    type: 'counter',
    help: 'Queries answered, by query type, transport and answer source',
    labels: {
      type: QUERY_TYPE_LABELS,
      transport: TRANSPORT,
      source: ['local', 'cache', 'forward', 'access', 'error', 'firewall'],
    },
    perQuery: true,
  },
  {
    name: 'responses',
    type: 'counter',
    help: 'Responses sent, by rcode',
    labels: { rcode: ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'BADVERS'] },
    perQuery: true,
  },
  {
    name: 'request_duration_seconds',
    type: 'histogram',
    help: 'Time from receiving a query to sending its response',
    labels: {},
    buckets: LATENCY_BUCKETS,
    perQuery: true,
  },
  {
    name: 'interface_healthy',
    type: 'gauge',
    help: 'Interface health as answers see it (1 healthy, 0 unhealthy), by endpoint, AZ and address',
    labels: { endpoint: null, az: null, address: null },
  },
  {
    name: 'health_checks',
    type: 'counter',
    help: 'Health check rounds, by kind and result',
    labels: { kind: ['tcp', 'http', 'dns'], result: ['success', 'failure'] },
  },
  {
    name: 'config_reloads',
    type: 'counter',
    help: 'Config reloads, by result',
    labels: { result: ['success', 'failure'] },
  },
  {
    name: 'aws_sync_polls',
    type: 'counter',
    help: 'Reads of the EC2 and Route 53 APIs by serve --sync-from-aws, by result (changed: swapped in; unchanged; failure: the last good config keeps serving)',
    labels: { result: ['changed', 'unchanged', 'failure'] },
  },
  {
    name: 'aws_sync_last_success_timestamp_seconds',
    type: 'gauge',
    help: 'When serve --sync-from-aws last read the APIs successfully (Unix time; 0 before the first)',
    labels: {},
  },
  {
    name: 'upstream_queries',
    type: 'counter',
    help: 'Queries sent to upstreams',
    labels: { upstream: null, transport: TRANSPORT },
  },
  {
    name: 'upstream_failures',
    type: 'counter',
    help: 'Failed tries at an upstream, by reason',
    labels: { upstream: null, reason: ['timeout', 'network', 'servfail', 'refused', 'malformed'] },
  },
  {
    name: 'upstream_duration_seconds',
    type: 'histogram',
    help: 'Time from sending a query upstream to accepting its answer, per upstream',
    labels: { upstream: null },
    buckets: LATENCY_BUCKETS,
  },
  {
    name: 'upstream_up',
    type: 'gauge',
    help: 'Whether an upstream is considered up (1) or down (0)',
    labels: { upstream: null },
  },
  {
    name: 'upstream_probes',
    type: 'counter',
    help: 'Health probes sent to upstreams that are down',
    labels: { upstream: null },
  },
  {
    name: 'upstream_replies_dropped',
    type: 'counter',
    help: 'Upstream replies dropped (spoofing checks)',
    labels: { reason: ['unknown-id', 'wrong-source', 'wrong-question', 'malformed'] },
  },
  {
    name: 'upstream_coalesced',
    type: 'counter',
    help: 'Queries answered by an identical query in flight',
    labels: {},
  },
  {
    name: 'upstream_overflow',
    type: 'counter',
    help: 'Queries refused because maxInFlight was reached',
    labels: {},
  },
  {
    name: 'forward_servfail',
    type: 'counter',
    help: 'Forwarded queries answered SERVFAIL, by reason',
    labels: { reason: ['timeout', 'all-failed', 'all-down', 'busy', 'no-upstreams', 'closed'] },
  },
  {
    name: 'forward_loops',
    type: 'counter',
    help: 'Queries that came back to us round a forwarding loop',
    labels: {},
  },
  {
    name: 'forward_scrubbed',
    type: 'counter',
    help: 'Records left out of upstream answers: off the CNAME chain, outside the zone of the answer, or for names we own',
    labels: {},
  },
  {
    name: 'cache_hits',
    type: 'counter',
    help: 'Queries answered from the cache',
    labels: {},
  },
  {
    name: 'cache_misses',
    type: 'counter',
    help: 'Queries the cache could not answer',
    labels: {},
  },
  {
    name: 'cache_entries',
    type: 'gauge',
    help: 'Answers in the forwarding cache',
    labels: {},
  },
  {
    name: 'memory_bytes',
    type: 'gauge',
    help: 'Memory of this process by part: rss, V8 heap used and total, external and array buffers (process.memoryUsage), the forwarding cache as counted against cache.maxBytes, forwarded queries in flight (estimated)',
    labels: {
      part: ['rss', 'heap_used', 'heap_total', 'external', 'array_buffers', 'cache', 'in_flight'],
    },
  },
  {
    name: 'refused_clients',
    type: 'counter',
    help: 'Queries refused because the client is not allowed',
    labels: { transport: TRANSPORT },
  },
  {
    name: 'rate_limited',
    type: 'counter',
    help: 'UDP queries over the per-client rate limit, by action',
    labels: { action: ['refuse', 'drop', 'slip'] },
  },
  {
    name: 'firewall_matches',
    type: 'counter',
    help: 'Queries a DNS Firewall rule matched, by rule group, rule and action',
    labels: { rule_group: null, rule: null, action: ['ALLOW', 'ALERT', 'BLOCK'] },
  },
  {
    name: 'firewall_unavailable',
    type: 'counter',
    help: 'Queries of VPCs with rule groups while the firewall is unavailable, by fail mode',
    labels: { mode: ['fail-open', 'fail-closed'] },
  },
  {
    name: 'resolver_limit_dropped',
    type: 'counter',
    help: 'Queries dropped over resolverLimits.packetsPerSecondPerInterface (per client address)',
    labels: { transport: TRANSPORT },
  },
  {
    name: 'query_log_lines',
    type: 'counter',
    help: 'Query log lines written',
    labels: {},
  },
  {
    name: 'query_log_dropped',
    type: 'counter',
    help: 'Query log lines dropped because the destination was too slow (buffer full) or failed',
    labels: { reason: ['buffer-full', 'write-error'] },
  },
  {
    name: 'malformed_queries',
    type: 'counter',
    help: 'Queries that did not parse or are not taken (signed: TSIG), by reason',
    labels: {
      reason: [
        'short-header',
        'is-response',
        'not-query',
        'bad-qdcount',
        'bad-question',
        'bad-record',
        'bad-opt',
        'bad-edns-version',
        'trailing-garbage',
        'signed',
      ],
    },
  },
  {
    name: 'tcp_connections_rejected',
    type: 'counter',
    help: 'TCP connections refused by the connection limit',
    labels: {},
  },
  {
    name: 'tcp_connections_closed',
    type: 'counter',
    help: 'TCP connections closed by the server, by reason (memory: the pending-bytes cap over all connections)',
    labels: { reason: ['idle', 'slow', 'memory'] },
  },
] as const satisfies readonly MetricDef[];

type Row = (typeof METRICS)[number];
/** The row of metric `N`. */
export type MetricRow<N extends MetricName> = Extract<Row, { name: N }>;

/** Every metric name in the table. */
export type MetricName = Row['name'];
/** The names of type `T` that components feed themselves (not those `Metrics.query` counts). */
type BumpedBy<T extends Row['type']> =
  Extract<Row, { type: T }> extends infer R
    ? R extends { perQuery: true }
      ? never
      : R extends { name: infer N }
        ? N
        : never
    : never;
/** Counters that components bump with `Metrics.inc`. */
export type CounterName = BumpedBy<'counter'>;
/** Gauges whose values components supply with `Metrics.gauge`. */
export type GaugeName = Extract<Row, { type: 'gauge' }>['name'];
/** Histograms that components feed with `Metrics.observe`. */
export type HistogramName = BumpedBy<'histogram'>;

/** The label set of metric `N`: every label key of its row, each a string. */
export type LabelsOf<N extends MetricName> = { readonly [K in keyof MetricRow<N>['labels']]: string };

/** The name a metric is exported under. */
export function exportedName(def: Pick<MetricDef, 'name' | 'type'>): string {
  return `${METRIC_PREFIX}${def.name}${def.type === 'counter' ? '_total' : ''}`;
}
