/**
 * One upstream resolver: its address, passive health (CoreDNS style: down after `maxFails`
 * consecutive failures, probed until it answers) and what we learnt about it (no EDNS).
 */
import { isIP } from 'node:net';
import type { CounterSeries, HistogramSeries, Metrics } from '../metrics/metrics.js';
import { formatHostPort, parseHostPort } from '../net/host-port.js';
import { BadUpstreamError } from './errors.js';

/** Why one try at an upstream failed (also the `reason` label of the failure metric). */
export type FailureReason = 'timeout' | 'network' | 'servfail' | 'refused' | 'malformed';

/** Parses HOST, HOST:PORT, IPV6 or [IPV6]:PORT (default port 53). Hosts must be IP addresses. */
export function parseUpstream(text: string): { address: string; port: number; family: 4 | 6 } {
  let hp: { host: string; port: number };
  try {
    hp = parseHostPort(text, 53);
  } catch (e) {
    throw new BadUpstreamError(text, (e as Error).message);
  }
  const fam = isIP(hp.host);
  if (fam === 0) throw new BadUpstreamError(text, `"${hp.host}" is not an IP address`);
  if (hp.port === 0) throw new BadUpstreamError(text, 'port 0 is not a port one can send to');
  return { address: hp.host, port: hp.port, family: fam as 4 | 6 };
}

/** The metric series of one upstream, kept on it so that a query looks up no labels. */
export interface UpstreamSeries {
  readonly metrics: Metrics;
  /** `upstream_queries_total{transport="udp"}` and `{transport="tcp"}`. */
  readonly udp: CounterSeries;
  readonly tcp: CounterSeries;
  /** `upstream_duration_seconds`. */
  readonly duration: HistogramSeries;
}

/** The series of `up` in `metrics` (made on first use; a server of its own gets its own). */
export function seriesOf(up: Upstream, metrics: Metrics): UpstreamSeries {
  const s = up.series;
  if (s !== null && s.metrics === metrics) return s;
  const upstream = up.key;
  const made: UpstreamSeries = {
    metrics,
    udp: metrics.counter('upstream_queries', { upstream, transport: 'udp' }),
    tcp: metrics.counter('upstream_queries', { upstream, transport: 'tcp' }),
    duration: metrics.histogram('upstream_duration_seconds', { upstream }),
  };
  up.series = made;
  return made;
}

export class Upstream {
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
  /** "127.0.0.1:53" / "[::1]:53": the metric label and log field. */
  readonly key: string;
  /** Consecutive failures. */
  fails = 0;
  /** Marked down: skipped while another upstream is up, probed in the background. */
  down = false;
  /** Until this time (ms, monotonic) queries go without EDNS (it answered FORMERR/NOTIMP to EDNS). */
  noEdnsUntil = 0;
  /** The background probe timer while down. */
  probeTimer: NodeJS.Timeout | null = null;
  /** Set when the upstream turned out to be one of our own listen sockets. */
  isSelf = false;
  /** Its metric series ({@link seriesOf}). */
  series: UpstreamSeries | null = null;

  constructor(text: string) {
    const p = parseUpstream(text);
    this.address = p.address;
    this.port = p.port;
    this.family = p.family;
    this.key = formatHostPort({ host: p.address, port: p.port });
  }
}
