/**
 * Metrics: plain numbers on the per-query path (an array increment costs nanoseconds), turned
 * into Prometheus text only when scraped. One instance per server (no global registry).
 *
 * Every metric of {@link METRICS} is registered when the instance is made, so every series with
 * finite label values exists, at 0, from the first scrape.
 *
 * prom-client, which only formats the text, is loaded on the first scrape (`text()`): a server
 * that is never scraped does not carry it (about 4 MB of RSS). The counts themselves are kept
 * here from the start, so the first scrape shows every query answered before it.
 */
import type { Registry } from 'prom-client';
import { parseType, RcodeName } from '../dns/constants.js';
import type { AnswerSource, Transport } from '../resolve/types.js';
import {
  type CounterName,
  exportedName,
  type GaugeName,
  type HistogramName,
  LATENCY_BUCKETS,
  type LabelsOf,
  type LabelValues,
  METRICS,
  type MetricDef,
  type MetricRow,
  QUERY_TYPE_LABELS,
} from './catalog.js';

export { LATENCY_BUCKETS } from './catalog.js';

const SOURCES: readonly AnswerSource[] = METRICS[0].labels.source;
const TRANSPORTS: readonly Transport[] = METRICS[0].labels.transport;
/** Query types counted by name (the last label, `other`, takes the rest). */
const TRACKED_TYPES = QUERY_TYPE_LABELS.slice(0, -1).map((t) => parseType(t) as number);
const NT = TRACKED_TYPES.length + 1;

/** Separates label values in a series key (a byte that label values here never hold). */
const SEP = '\u0001';

type Labels = Record<string, string>;

/** Arguments of {@link Metrics.inc} after the name: the labels (none for a label-less counter), then `by`. */
export type IncArgs<N extends CounterName> = keyof MetricRow<N>['labels'] extends never
  ? [labels?: Record<string, never>, by?: number]
  : [labels: LabelsOf<N>, by?: number];

/** What a component supplies for a gauge: a number, or one value per label set. */
export type GaugeReader<N extends GaugeName> = keyof MetricRow<N>['labels'] extends never
  ? () => number
  : () => Iterable<readonly [LabelsOf<N>, number]>;

/** One series of a counter; a hot path may keep it and add to `value` directly ({@link Metrics.counter}). */
export interface CounterSeries {
  readonly labels: Labels;
  value: number;
}

interface Counter {
  names: readonly string[];
  /** The value of a label-less counter. */
  plain: number;
  /** Series by their joined label values. */
  series: Map<string, CounterSeries>;
}

/** One series of a histogram; a hot path may keep it ({@link Metrics.histogram}, {@link observeInto}). */
export interface HistogramSeries {
  readonly labels: Labels;
  /** Upper bounds of the buckets (seconds). */
  readonly bounds: readonly number[];
  /** Per-bucket (not cumulative) counts; the last one is above every bound. */
  buckets: Float64Array;
  sum: number;
  count: number;
}

interface Hist {
  names: readonly string[];
  bounds: readonly number[];
  series: Map<string, HistogramSeries>;
}

/** One exported sample, as the prom-client registry formats it. */
interface Sample {
  metricName?: string;
  labels: Labels | Record<string, string | number>;
  sharedLabels?: Labels;
  value: number;
}

/** The key of a label set: its values in the catalog's label order. */
function keyOf(names: readonly string[], labels: Labels): string {
  if (names.length === 1) return labels[names[0]];
  let key = labels[names[0]];
  for (let i = 1; i < names.length; i++) key += SEP + labels[names[i]];
  return key;
}

/** Every combination of the finite label values (none when a label is open). */
function combinations(labels: Readonly<Record<string, LabelValues>>): Labels[] {
  let out: Labels[] = [{}];
  for (const [name, values] of Object.entries(labels)) {
    if (values === null) return [];
    out = out.flatMap((l) => values.map((v) => ({ ...l, [name]: v })));
  }
  return out;
}

/** The Content-Type of `text()` (prom-client's `Registry.PROMETHEUS_CONTENT_TYPE`). */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** prom-client, once loaded (shared by every instance). */
let promClient: Promise<typeof import('prom-client')> | undefined;

export class Metrics {
  /** The Content-Type of `text()`. */
  readonly contentType = METRICS_CONTENT_TYPE;
  /** The registry, made on the first scrape from {@link Metrics.defs}. */
  private registry: Registry | undefined;
  /** Every metric with the function that makes its samples, registered in this order. */
  private readonly defs: [MetricDef, () => Sample[]][] = [];
  /** queries[transport][source][typeIndex] */
  private readonly queries = new Float64Array(TRANSPORTS.length * SOURCES.length * NT);
  private readonly rcodes = new Float64Array(24);
  private readonly latency = new Float64Array(LATENCY_BUCKETS.length + 1);
  private latencySum = 0;
  private latencyCount = 0;
  private readonly typeIndex = new Map<number, number>(TRACKED_TYPES.map((t, i) => [t, i]));
  private readonly counters = new Map<string, Counter>();
  private readonly histograms = new Map<string, Hist>();
  private readonly readers = new Map<string, () => unknown>();

  constructor() {
    for (const def of METRICS as readonly MetricDef[]) {
      if (def.perQuery) continue;
      const names = Object.keys(def.labels);
      if (def.type === 'counter') {
        const c: Counter = { names, plain: 0, series: new Map() };
        if (names.length)
          for (const l of combinations(def.labels)) c.series.set(keyOf(names, l), { labels: l, value: 0 });
        this.counters.set(def.name, c);
        this.register(def, () =>
          names.length
            ? [...c.series.values()].map((s) => ({ labels: s.labels, value: s.value }))
            : [{ labels: {}, value: c.plain }],
        );
      } else if (def.type === 'histogram') {
        const h: Hist = { names, bounds: def.buckets ?? LATENCY_BUCKETS, series: new Map() };
        this.histograms.set(def.name, h);
        this.register(def, () => [...h.series.values()].flatMap((s) => histogramSamples(def, h.bounds, s)));
      } else {
        this.register(def, () => this.readGauge(def.name, names.length === 0));
      }
    }
    this.register(METRICS[0], () => this.querySamples());
    this.register(METRICS[1], () => {
      const out: Sample[] = [];
      this.rcodes.forEach((v, rc) => {
        const name = RcodeName[rc];
        if (name !== undefined || v > 0) out.push({ labels: { rcode: name ?? String(rc) }, value: v });
      });
      return out;
    });
    const requestDuration = METRICS[2];
    this.register(requestDuration, () =>
      histogramSamples(requestDuration, LATENCY_BUCKETS, {
        labels: {},
        bounds: LATENCY_BUCKETS,
        buckets: this.latency,
        sum: this.latencySum,
        count: this.latencyCount,
      }),
    );
  }

  /** Counts one answered query; `seconds` is its latency. */
  query(qtype: number, transport: Transport, source: AnswerSource, rcode: number, seconds: number): void {
    const k = this.typeIndex.get(qtype) ?? TRACKED_TYPES.length;
    const t = transport === 'udp' ? 0 : 1;
    const s = SOURCES.indexOf(source);
    this.queries[(t * SOURCES.length + s) * NT + k]++;
    this.rcodes[rcode < 24 ? rcode : 23]++;
    let b = 0;
    while (b < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[b]) b++;
    this.latency[b]++;
    this.latencySum += seconds;
    this.latencyCount++;
  }

  /** Adds `by` (default 1) to a counter of the catalog: `inc('forward_servfail', { reason })`. */
  inc<N extends CounterName>(name: N, ...args: IncArgs<N>): void {
    const c = this.counters.get(name) as Counter;
    const by = args[1] ?? 1;
    if (c.names.length === 0) {
      c.plain += by;
      return;
    }
    const labels = args[0] as Labels;
    const key = keyOf(c.names, labels);
    const s = c.series.get(key);
    if (s) s.value += by;
    else {
      const own: Labels = {};
      for (const n of c.names) own[n] = labels[n];
      c.series.set(key, { labels: own, value: by });
    }
  }

  /**
   * The series of a counter for one label set, created at 0 if new: a hot path keeps it and adds
   * to its `value` (no label lookup per count). `inc` with the same labels adds to the same series.
   */
  counter<N extends CounterName>(
    name: N,
    ...labels: keyof MetricRow<N>['labels'] extends never ? [] : [labels: LabelsOf<N>]
  ): CounterSeries {
    const c = this.counters.get(name) as Counter;
    if (c.names.length === 0) throw new Error(`counter ${name} has no labels: use inc()`);
    const l = labels[0] as Labels;
    const key = keyOf(c.names, l);
    let s = c.series.get(key);
    if (!s) {
      const own: Labels = {};
      for (const n of c.names) own[n] = l[n];
      s = { labels: own, value: 0 };
      c.series.set(key, s);
    }
    return s;
  }

  /** The series of a histogram for one label set (kept by a hot path; see {@link observeInto}). */
  histogram<N extends HistogramName>(name: N, labels: LabelsOf<N>): HistogramSeries {
    const h = this.histograms.get(name) as Hist;
    const key = keyOf(h.names, labels as Labels);
    let s = h.series.get(key);
    if (!s) {
      const own: Labels = {};
      for (const n of h.names) own[n] = (labels as Labels)[n];
      s = { labels: own, bounds: h.bounds, buckets: new Float64Array(h.bounds.length + 1), sum: 0, count: 0 };
      h.series.set(key, s);
    }
    return s;
  }

  /** Records one observation (in seconds) in a histogram of the catalog. */
  observe<N extends HistogramName>(name: N, labels: LabelsOf<N>, seconds: number): void {
    observeInto(this.histogram(name, labels), seconds);
  }

  /**
   * Supplies the read function of a gauge of the catalog, called at scrape time. A later call
   * replaces the reader (reloads, several components of one server): the gauge is registered once.
   */
  gauge<N extends GaugeName>(name: N, read: GaugeReader<N>): void {
    this.readers.set(name, read);
  }

  /** Value of one series of a counter (tests, soak); 0 when it has not counted. */
  value<N extends CounterName>(
    name: N,
    ...labels: keyof MetricRow<N>['labels'] extends never ? [] : [labels: LabelsOf<N>]
  ): number {
    const c = this.counters.get(name) as Counter;
    if (c.names.length === 0) return c.plain;
    return c.series.get(keyOf(c.names, labels[0] as Labels))?.value ?? 0;
  }

  /** Sum of every series of a counter. */
  total(name: CounterName): number {
    const c = this.counters.get(name) as Counter;
    let sum = c.plain;
    for (const s of c.series.values()) sum += s.value;
    return sum;
  }

  /** The Prometheus text of every metric (loads prom-client on the first call). */
  async text(): Promise<string> {
    if (!this.registry) {
      promClient ??= import('prom-client');
      const { Registry } = await promClient;
      if (!this.registry) {
        const registry = new Registry();
        for (const [def, collect] of this.defs) addToRegistry(registry, def, collect);
        this.registry = registry;
      }
    }
    return this.registry.metrics();
  }

  /** Registers one catalog metric whose samples `collect` makes at scrape time. */
  private register(def: MetricDef, collect: () => Sample[]): void {
    this.defs.push([def, collect]);
  }

  private readGauge(name: string, plain: boolean): Sample[] {
    const read = this.readers.get(name);
    if (plain) return [{ labels: {}, value: read ? (read() as number) : 0 }];
    if (!read) return [];
    const out: Sample[] = [];
    for (const [labels, value] of read() as Iterable<[Labels, number]>) out.push({ labels, value });
    return out;
  }

  private querySamples(): Sample[] {
    const out: Sample[] = [];
    for (let t = 0; t < TRANSPORTS.length; t++)
      for (let s = 0; s < SOURCES.length; s++)
        for (let k = 0; k < NT; k++) {
          const value = this.queries[(t * SOURCES.length + s) * NT + k];
          out.push({
            labels: { type: QUERY_TYPE_LABELS[k], transport: TRANSPORTS[t], source: SOURCES[s] },
            value,
          });
        }
    return out;
  }
}

/**
 * Records one observation (in seconds) in a histogram series from {@link Metrics.histogram}.
 */
export function observeInto(s: HistogramSeries, seconds: number): void {
  const bounds = s.bounds;
  let b = 0;
  while (b < bounds.length && seconds > bounds[b]) b++;
  s.buckets[b]++;
  s.sum += seconds;
  s.count++;
}

/** The `_bucket` (cumulative), `_sum` and `_count` samples of one histogram series. */
function histogramSamples(def: MetricDef, bounds: readonly number[], s: HistogramSeries): Sample[] {
  const name = exportedName(def);
  const out: Sample[] = [];
  let acc = 0;
  for (let i = 0; i < bounds.length; i++) {
    acc += s.buckets[i];
    out.push({ metricName: `${name}_bucket`, labels: { le: bounds[i] }, sharedLabels: s.labels, value: acc });
  }
  out.push(
    { metricName: `${name}_bucket`, labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count },
    { metricName: `${name}_sum`, labels: {}, sharedLabels: s.labels, value: s.sum },
    { metricName: `${name}_count`, labels: {}, sharedLabels: s.labels, value: s.count },
  );
  return out;
}

/** Registers one catalog metric, whose samples `collect` makes at scrape time, in a prom-client registry. */
function addToRegistry(registry: Registry, def: MetricDef, collect: () => Sample[]): void {
  const name = exportedName(def);
  const { help, type } = def;
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: collect() }),
    reset: () => {},
  };
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
}
