/**
 * Metrics: plain counters on the per-query path (an array increment costs nanoseconds), turned
 * into Prometheus metrics only when scraped. One instance per server (no global registry).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { RcodeName, typeName } from '../dns/constants.js';
import type { AnswerSource, Transport } from '../resolve/types.js';

const SOURCES: AnswerSource[] = ['local', 'cache', 'forward', 'access', 'error'];
const TRANSPORTS: Transport[] = ['udp', 'tcp'];
/** Latency buckets in seconds. */
export const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];
const TRACKED_TYPES = [1, 2, 5, 6, 12, 15, 16, 28, 33, 65, 255];

export class Metrics {
  readonly registry = new Registry();
  /** queries[transport][source][typeIndex] */
  private readonly queries = new Float64Array(
    TRANSPORTS.length * SOURCES.length * (TRACKED_TYPES.length + 1),
  );
  private readonly rcodes = new Float64Array(24);
  private readonly latency = new Float64Array(LATENCY_BUCKETS.length + 1);
  private latencySum = 0;
  private latencyCount = 0;
  private readonly typeIndex = new Map<number, number>(TRACKED_TYPES.map((t, i) => [t, i]));
  /** Named plain counters that other components bump (upstream errors, drops, …). */
  readonly counters = new Map<string, { help: string; labels: string[]; values: Map<string, number> }>();

  constructor() {
    const self = this;
    new Counter({
      name: 'privatelink_dns_queries_total',
      help: 'Queries answered, by query type, transport and answer source',
      labelNames: ['type', 'transport', 'source'],
      registers: [this.registry],
      collect() {
        this.reset();
        const nt = TRACKED_TYPES.length + 1;
        for (let t = 0; t < TRANSPORTS.length; t++)
          for (let s = 0; s < SOURCES.length; s++)
            for (let k = 0; k < nt; k++) {
              const v = self.queries[(t * SOURCES.length + s) * nt + k];
              if (v > 0) {
                const type = k < TRACKED_TYPES.length ? typeName(TRACKED_TYPES[k]) : 'other';
                this.inc({ type, transport: TRANSPORTS[t], source: SOURCES[s] }, v);
              }
            }
      },
    });
    new Counter({
      name: 'privatelink_dns_responses_total',
      help: 'Responses sent, by rcode',
      labelNames: ['rcode'],
      registers: [this.registry],
      collect() {
        this.reset();
        self.rcodes.forEach((v, rc) => {
          if (v > 0) this.inc({ rcode: RcodeName[rc] ?? String(rc) }, v);
        });
      },
    });
    const hist = new Histogram({
      name: 'privatelink_dns_request_duration_seconds',
      help: 'Time from receiving a query to sending its response',
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
    // Expose our own buckets through the histogram's collect hook.
    (hist as unknown as { collect: () => void }).collect = () => {
      hist.reset();
      const h = hist as unknown as { hashMap: Record<string, unknown> };
      let cumulative = 0;
      const bucketValues: Record<number, number> = {};
      LATENCY_BUCKETS.forEach((b, i) => {
        cumulative += self.latency[i];
        bucketValues[b] = self.latency[i];
      });
      h.hashMap = {
        '': { labels: {}, bucketValues, sum: self.latencySum, count: self.latencyCount },
      };
      void cumulative;
    };
  }

  /** Counts one answered query; `seconds` is its latency. */
  query(qtype: number, transport: Transport, source: AnswerSource, rcode: number, seconds: number): void {
    const nt = TRACKED_TYPES.length + 1;
    const k = this.typeIndex.get(qtype) ?? TRACKED_TYPES.length;
    const t = transport === 'udp' ? 0 : 1;
    const s = SOURCES.indexOf(source);
    this.queries[(t * SOURCES.length + s) * nt + k]++;
    this.rcodes[rcode < 24 ? rcode : 23]++;
    let b = 0;
    while (b < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[b]) b++;
    this.latency[b]++;
    this.latencySum += seconds;
    this.latencyCount++;
  }

  /** Defines (once) and bumps a labelled counter exposed as `privatelink_dns_<name>_total`. */
  inc(name: string, help: string, labels: Record<string, string> = {}, by = 1): void {
    let c = this.counters.get(name);
    if (!c) {
      c = { help, labels: Object.keys(labels), values: new Map() };
      this.counters.set(name, c);
      const entry = c;
      new Counter({
        name: `privatelink_dns_${name}_total`,
        help,
        labelNames: entry.labels,
        registers: [this.registry],
        collect() {
          this.reset();
          for (const [k, v] of entry.values) this.inc(JSON.parse(k), v);
        },
      });
    }
    const key = JSON.stringify(labels);
    c.values.set(key, (c.values.get(key) ?? 0) + by);
  }

  /** Registers a gauge whose value is read at scrape time. */
  gauge(
    name: string,
    help: string,
    labelNames: string[],
    read: () => Iterable<[Record<string, string>, number]>,
  ): void {
    new Gauge({
      name: `privatelink_dns_${name}`,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [l, v] of read()) this.set(l, v);
      },
    });
  }

  /** Value of a counter made with {@link inc} (tests, soak). */
  value(name: string, labels: Record<string, string> = {}): number {
    return this.counters.get(name)?.values.get(JSON.stringify(labels)) ?? 0;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
