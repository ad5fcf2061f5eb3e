/**
 * Sends a query to a group of upstreams: policy order, per-try timeout inside one overall
 * deadline, failover on timeout / SERVFAIL / REFUSED, UDP then TCP on TC, EDNS fallback,
 * passive health with background probes, coalescing of identical queries in flight and a cap on
 * queries in flight.
 */
import type { Logger } from 'pino';
import { Histogram } from 'prom-client';
import type { Config } from '../config/schema.js';
import { EdeCode, Rcode, RRType } from '../dns/constants.js';
import { type Ede, Flag, HEADER_SIZE, type Query, type ScannedMessage, scanMessage } from '../dns/wire.js';
import { LATENCY_BUCKETS, type Metrics } from '../metrics/metrics.js';
import { Deadlines } from './deadlines.js';
import { UpstreamTimeoutError } from './errors.js';
import type { UpstreamGroup } from './groups.js';
import { buildUpstreamQuery, withoutEdns } from './query.js';
import { RandomIds } from './random.js';
import { TcpExchange } from './tcp.js';
import { type DropReason, UdpExchange } from './udp.js';
import type { FailureReason, Upstream } from './upstream.js';

export type ForwarderSettings = Config['forwarder'];

/** How long an upstream that answered FORMERR/NOTIMP to EDNS is asked without it. */
export const NO_EDNS_MS = 10 * 60_000;
/** First probe delay of a down upstream; doubles up to {@link PROBE_MAX_MS}. */
export const PROBE_MIN_MS = 250;
export const PROBE_MAX_MS = 5_000;

/** A query to resolve upstream. */
export interface UpstreamRequest {
  /** The client's message and its parsed query (question bytes are sent as asked). */
  msg: Buffer;
  q: Query;
  /** Start over TCP (the client asked over TCP). */
  tcp: boolean;
  /** DO bit to send. */
  dnssecOk: boolean;
  /** Loop-marker tokens to carry on (see query.ts). */
  hops: Buffer | null;
  group: UpstreamGroup;
}

export type Outcome =
  | {
      ok: true;
      reply: Buffer;
      scan: ScannedMessage;
      upstream: Upstream;
      ms: number;
      /** Set once the reply went into the cache (coalesced queries share the outcome). */
      cached?: boolean;
    }
  | { ok: false; reason: FailReason; ede: Ede };

/** Why a forwarded query got SERVFAIL. */
export type FailReason = 'timeout' | 'all-failed' | 'all-down' | 'busy' | 'no-upstreams' | 'closed';

const EDE: Record<FailReason, Ede> = {
  timeout: { code: EdeCode.NO_REACHABLE_AUTHORITY, text: 'upstream timed out' },
  'all-failed': { code: EdeCode.NO_REACHABLE_AUTHORITY, text: 'every upstream failed' },
  'all-down': { code: EdeCode.NO_REACHABLE_AUTHORITY, text: 'all upstreams are down' },
  busy: { code: EdeCode.OTHER, text: 'too many upstream queries in flight' },
  'no-upstreams': { code: EdeCode.NO_REACHABLE_AUTHORITY, text: 'no upstream configured' },
  closed: { code: EdeCode.OTHER, text: 'server shutting down' },
};

/** The Extended DNS Error sent with a SERVFAIL for `reason`. */
export function edeFor(reason: FailReason): Ede {
  return EDE[reason];
}

type TryResult = { ok: true; reply: Buffer; scan: ScannedMessage } | { ok: false; reason: FailureReason };

export interface UpstreamResolverOptions {
  settings: ForwarderSettings;
  logger: Logger;
  metrics: Metrics;
  /** Our loop-marker token. */
  token: Buffer;
  /** UDP sockets per family. @default 16 */
  poolSize?: number;
}

const PROBE_QUERY = Buffer.from([0, 0, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, RRType.NS, 0, 1]);

export class UpstreamResolver {
  settings: ForwarderSettings;
  private readonly deadlines = new Deadlines();
  private readonly ids = new RandomIds();
  private readonly udp: UdpExchange;
  private readonly tcp: TcpExchange;
  private readonly inFlight = new Map<string, Promise<Outcome>>();
  /** Resolutions in flight (after coalescing). */
  active = 0;
  private closed = false;
  private readonly latency: Histogram<'upstream'>;
  private readonly log: Logger;

  constructor(private readonly opts: UpstreamResolverOptions) {
    this.settings = opts.settings;
    this.log = opts.logger;
    const onDrop = (reason: DropReason, from: string) => {
      opts.metrics.inc('upstream_replies_dropped', 'Upstream replies dropped (spoofing checks)', { reason });
      if (this.log.isLevelEnabled('debug')) this.log.debug({ reason, from }, 'dropped an upstream reply');
    };
    this.udp = new UdpExchange({ deadlines: this.deadlines, ids: this.ids, onDrop, poolSize: opts.poolSize });
    this.tcp = new TcpExchange({ deadlines: this.deadlines, ids: this.ids, onDrop });
    const name = 'privatelink_dns_upstream_duration_seconds';
    this.latency =
      (opts.metrics.registry.getSingleMetric(name) as Histogram<'upstream'> | undefined) ??
      new Histogram({
        name,
        help: 'Time from sending a query upstream to accepting its answer, per upstream',
        labelNames: ['upstream'],
        buckets: LATENCY_BUCKETS,
        registers: [opts.metrics.registry],
      });
  }

  /** Upstream queries waiting for a reply right now (UDP and TCP). */
  get pending(): number {
    return this.udp.inFlight + this.tcp.inFlight;
  }

  /** Local UDP ports in use (tests). */
  udpPorts(): number[] {
    return this.udp.ports();
  }

  /**
   * Resolves a request; identical requests in flight (same `key`) share one upstream query.
   * Never rejects.
   */
  resolve(key: string, req: UpstreamRequest): Promise<Outcome> {
    const existing = this.inFlight.get(key);
    if (existing) {
      this.opts.metrics.inc('upstream_coalesced', 'Queries answered by an identical query in flight');
      return existing;
    }
    if (this.closed) return Promise.resolve(fail('closed'));
    if (this.active >= this.settings.maxInFlight) {
      this.opts.metrics.inc('upstream_overflow', 'Queries refused because maxInFlight was reached');
      return Promise.resolve(fail('busy'));
    }
    this.active++;
    const p = this.run(req).finally(() => {
      this.active--;
      this.inFlight.delete(key);
    });
    this.inFlight.set(key, p);
    return p;
  }

  /** Stops probes and fails every query in flight. */
  close(groups: Iterable<UpstreamGroup>): void {
    this.closed = true;
    for (const g of groups) for (const u of g.upstreams) this.stopProbe(u);
    this.udp.close();
    this.tcp.close();
    this.deadlines.clear();
  }

  stopProbe(u: Upstream): void {
    if (u.probeTimer) clearTimeout(u.probeTimer);
    u.probeTimer = null;
  }

  private async run(req: UpstreamRequest): Promise<Outcome> {
    const order = this.order(req.group);
    if (order.length === 0) return fail('no-upstreams');
    const allDown = order.length === 1 && order[0].down;
    const now = this.deadlines.now;
    const start = now();
    const deadline = start + this.settings.deadlineMs;
    const query = buildUpstreamQuery(req.msg, req.q, {
      do: req.dnssecOk,
      token: this.opts.token,
      hops: req.hops,
    });
    let last: FailureReason = 'timeout';
    for (let i = 0; i < order.length; i++) {
      const up = order[i];
      const t0 = now();
      if (t0 >= deadline) break;
      const r = await this.tryOne(up, req, query, deadline);
      if (this.closed) return fail('closed');
      const ms = now() - t0;
      if (r.ok) {
        this.succeeded(up);
        this.latency.observe({ upstream: up.key }, ms / 1000);
        if (this.log.isLevelEnabled('debug')) {
          this.log.debug(
            { upstream: up.key, ms: Math.round(ms * 10) / 10, rcode: r.scan.rcode, qname: req.q.qname },
            'upstream answered',
          );
        }
        return { ok: true, reply: r.reply, scan: r.scan, upstream: up, ms };
      }
      last = r.reason;
      this.failed(up, r.reason);
      if (this.log.isLevelEnabled('debug')) {
        this.log.debug({ upstream: up.key, reason: r.reason, qname: req.q.qname }, 'upstream failed');
      }
    }
    if (allDown) return fail('all-down');
    return fail(last === 'timeout' ? 'timeout' : 'all-failed');
  }

  /** One upstream: UDP (or TCP), TCP again on TC, without EDNS after FORMERR/NOTIMP to EDNS. */
  private async tryOne(
    up: Upstream,
    req: UpstreamRequest,
    ednsQuery: Buffer,
    deadline: number,
  ): Promise<TryResult> {
    const qend = req.q.questionEnd;
    const now = this.deadlines.now;
    let edns = up.noEdnsUntil <= now();
    let query = edns ? ednsQuery : withoutEdns(ednsQuery, qend);
    let tcp = req.tcp;
    for (let step = 0; step < 4; step++) {
      const timeout = Math.min(this.settings.attemptTimeoutMs, deadline - now());
      if (timeout <= 0) return { ok: false, reason: 'timeout' };
      this.opts.metrics.inc('upstream_queries', 'Queries sent to upstreams', {
        upstream: up.key,
        transport: tcp ? 'tcp' : 'udp',
      });
      let reply: Buffer;
      try {
        reply = await (tcp ? this.tcp : this.udp).exchange(up, query, qend, timeout);
      } catch (e) {
        return { ok: false, reason: e instanceof UpstreamTimeoutError ? 'timeout' : 'network' };
      }
      const scan = scanMessage(reply);
      if (!scan || scan.questionEnd !== qend) return { ok: false, reason: 'malformed' };
      if (!tcp && scan.flags & Flag.TC) {
        tcp = true;
        continue;
      }
      if (edns && scan.opt < 0 && (scan.rcode === Rcode.FORMERR || scan.rcode === Rcode.NOTIMP)) {
        up.noEdnsUntil = now() + NO_EDNS_MS;
        this.log.info({ upstream: up.key }, 'upstream does not speak EDNS; asking it without');
        edns = false;
        query = withoutEdns(ednsQuery, qend);
        continue;
      }
      if (scan.rcode === Rcode.SERVFAIL) return { ok: false, reason: 'servfail' };
      if (scan.rcode === Rcode.REFUSED) return { ok: false, reason: 'refused' };
      return { ok: true, reply, scan };
    }
    return { ok: false, reason: 'malformed' };
  }

  /** The upstreams to try, in policy order: those up; when none is up, one of them anyway. */
  private order(g: UpstreamGroup): Upstream[] {
    const all = g.upstreams;
    const n = all.length;
    if (n === 0) return [];
    let start = 0;
    const policy = this.settings.policy;
    let list: Upstream[];
    if (policy === 'random') {
      list = all.slice();
      for (let i = n - 1; i > 0; i--) {
        const j = this.ids.below(i + 1);
        const t = list[i];
        list[i] = list[j];
        list[j] = t;
      }
    } else {
      if (policy === 'round_robin') {
        start = g.next % n;
        g.next = (g.next + 1) % n;
      }
      list = [];
      for (let i = 0; i < n; i++) list.push(all[(start + i) % n]);
    }
    const up: Upstream[] = [];
    let fallback: Upstream | null = null;
    for (const u of list) {
      if (u.isSelf) continue;
      if (!u.down) up.push(u);
      else if (!fallback) fallback = u;
    }
    if (up.length === 0 && fallback) up.push(fallback);
    return up;
  }

  private failed(up: Upstream, reason: FailureReason): void {
    this.opts.metrics.inc('upstream_failures', 'Failed tries at an upstream, by reason', {
      upstream: up.key,
      reason,
    });
    up.fails++;
    if (!up.down && up.fails >= this.settings.maxFails) {
      up.down = true;
      this.log.warn({ upstream: up.key, fails: up.fails, reason }, 'upstream marked down');
      this.scheduleProbe(up, PROBE_MIN_MS);
    }
  }

  private succeeded(up: Upstream): void {
    up.fails = 0;
    if (up.down) {
      up.down = false;
      this.stopProbe(up);
      this.log.info({ upstream: up.key }, 'upstream is up again');
    }
  }

  private scheduleProbe(up: Upstream, delay: number): void {
    if (this.closed || up.probeTimer) return;
    up.probeTimer = setTimeout(() => {
      up.probeTimer = null;
      if (!up.down || this.closed) return;
      this.probe(up).then((ok) => {
        if (ok) this.succeeded(up);
        else if (up.down) this.scheduleProbe(up, Math.min(delay * 2, PROBE_MAX_MS));
      });
    }, delay);
    up.probeTimer.unref();
  }

  /** Asks the root NS; any NOERROR/NXDOMAIN answer means the upstream is back. */
  private async probe(up: Upstream): Promise<boolean> {
    this.opts.metrics.inc('upstream_probes', 'Health probes sent to upstreams that are down', {
      upstream: up.key,
    });
    try {
      const reply = await this.udp.exchange(
        up,
        Buffer.from(PROBE_QUERY),
        HEADER_SIZE + 5,
        this.settings.attemptTimeoutMs,
      );
      const rcode = reply[3] & 0xf;
      return rcode === Rcode.NOERROR || rcode === Rcode.NXDOMAIN;
    } catch {
      return false;
    }
  }
}

function fail(reason: FailReason): Outcome {
  return { ok: false, reason, ede: EDE[reason] };
}
