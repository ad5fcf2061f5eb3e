/**
 * Sends a query to a group of upstreams: policy order, per-try timeout inside one overall
 * deadline, failover on timeout / SERVFAIL / REFUSED, UDP then TCP on TC, EDNS fallback,
 * passive health with background probes, coalescing of identical queries in flight and a cap on
 * queries in flight.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { EdeCode, Rcode, RRType } from '../dns/constants.js';
import { type Ede, Flag, HEADER_SIZE, type Query, type ScannedMessage, scanMessage } from '../dns/wire.js';
import type { Metrics } from '../metrics/metrics.js';
import { Deadlines } from './deadlines.js';
import { UpstreamTimeoutError } from './errors.js';
import type { UpstreamGroup } from './groups.js';
import { buildUpstreamQuery, withoutEdns } from './query.js';
import { RandomIds } from './random.js';
import { TcpExchange } from './tcp.js';
import { type DropReason, UdpExchange, type UdpWaiter } from './udp.js';
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
  readonly deadlines = new Deadlines();
  private readonly ids = new RandomIds();
  readonly udp: UdpExchange;
  readonly tcp: TcpExchange;
  private readonly inFlight = new Map<string, Job>();
  /** Resolutions in flight (after coalescing). */
  active = 0;
  closed = false;
  readonly log: Logger;

  constructor(readonly opts: UpstreamResolverOptions) {
    this.settings = opts.settings;
    this.log = opts.logger;
    const onDrop = (reason: DropReason, from: string) => {
      opts.metrics.inc('upstream_replies_dropped', { reason });
      if (this.log.isLevelEnabled('debug')) this.log.debug({ reason, from }, 'dropped an upstream reply');
    };
    this.udp = new UdpExchange({ deadlines: this.deadlines, ids: this.ids, onDrop, poolSize: opts.poolSize });
    this.tcp = new TcpExchange({ deadlines: this.deadlines, ids: this.ids, onDrop });
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
      this.opts.metrics.inc('upstream_coalesced');
      return existing.promise;
    }
    if (this.closed) return Promise.resolve(fail('closed'));
    if (this.active >= this.settings.maxInFlight) {
      this.opts.metrics.inc('upstream_overflow');
      return Promise.resolve(fail('busy'));
    }
    const order = this.order(req.group);
    if (order.length === 0) return Promise.resolve(fail('no-upstreams'));
    let job: Job;
    try {
      job = new Job(this, key, req, order);
    } catch (e) {
      return Promise.reject(e);
    }
    this.active++;
    this.inFlight.set(key, job);
    job.start();
    return job.promise;
  }

  /** Called by a job once, with its outcome, before its promise resolves. */
  done(job: Job): void {
    this.active--;
    if (this.inFlight.get(job.key) === job) this.inFlight.delete(job.key);
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

  failed(up: Upstream, reason: FailureReason): void {
    this.opts.metrics.inc('upstream_failures', {
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

  succeeded(up: Upstream): void {
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
    this.opts.metrics.inc('upstream_probes', {
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

/**
 * One resolution: the upstreams in policy order, tried one after the other inside the overall
 * deadline; per upstream, UDP (or TCP), TCP again on TC, without EDNS after FORMERR/NOTIMP to
 * EDNS. A plain object driven by exchange callbacks (no promise per try): it is the UDP waiter.
 */
class Job implements UdpWaiter {
  readonly promise: Promise<Outcome>;
  private resolveOutcome!: (o: Outcome) => void;
  private rejectOutcome!: (e: unknown) => void;
  private settled = false;
  private readonly allDown: boolean;
  private readonly deadline: number;
  private readonly ednsQuery: Buffer;
  private readonly qend: number;
  /** Index in `order` of the upstream being tried. */
  private index = -1;
  private up!: Upstream;
  private t0 = 0;
  private step = 0;
  private edns = true;
  private tcp = false;
  private query!: Buffer;
  private last: FailureReason = 'timeout';

  constructor(
    private readonly r: UpstreamResolver,
    readonly key: string,
    private readonly req: UpstreamRequest,
    private readonly order: Upstream[],
  ) {
    this.promise = new Promise<Outcome>((resolve, reject) => {
      this.resolveOutcome = resolve;
      this.rejectOutcome = reject;
    });
    this.allDown = order.length === 1 && order[0].down;
    this.deadline = r.deadlines.now() + r.settings.deadlineMs;
    this.qend = req.q.questionEnd;
    this.ednsQuery = buildUpstreamQuery(req.msg, req.q, {
      do: req.dnssecOk,
      token: r.opts.token,
      hops: req.hops,
    });
  }

  start(): void {
    try {
      this.next();
    } catch (e) {
      this.crash(e);
    }
  }

  /** Moves on to the next upstream, or finishes when there is none or the deadline passed. */
  private next(): void {
    const r = this.r;
    const now = r.deadlines.now();
    if (++this.index >= this.order.length || now >= this.deadline) {
      if (this.allDown) this.finish(fail('all-down'));
      else this.finish(fail(this.last === 'timeout' ? 'timeout' : 'all-failed'));
      return;
    }
    const up = this.order[this.index];
    this.up = up;
    this.t0 = now;
    this.step = 0;
    this.edns = up.noEdnsUntil <= now;
    this.query = this.edns ? this.ednsQuery : withoutEdns(this.ednsQuery, this.qend);
    this.tcp = this.req.tcp;
    this.attempt();
  }

  private attempt(): void {
    const r = this.r;
    if (this.step++ >= 4) {
      this.failed('malformed');
      return;
    }
    const timeout = Math.min(r.settings.attemptTimeoutMs, this.deadline - r.deadlines.now());
    if (timeout <= 0) {
      this.failed('timeout');
      return;
    }
    const up = this.up;
    r.opts.metrics.inc('upstream_queries', {
      upstream: up.key,
      transport: this.tcp ? 'tcp' : 'udp',
    });
    if (this.tcp) {
      r.tcp.exchange(up, this.query, this.qend, timeout).then(
        (reply) => this.onReply(reply),
        (e: Error) => this.onError(e),
      );
    } else r.udp.send(up, this.query, this.qend, timeout, this);
  }

  onError(e: Error): void {
    try {
      if (this.r.closed) {
        this.finish(fail('closed'));
        return;
      }
      this.failed(e instanceof UpstreamTimeoutError ? 'timeout' : 'network');
    } catch (err) {
      this.crash(err);
    }
  }

  onReply(reply: Buffer): void {
    try {
      this.reply(reply);
    } catch (err) {
      this.crash(err);
    }
  }

  private reply(reply: Buffer): void {
    const r = this.r;
    if (r.closed) {
      this.finish(fail('closed'));
      return;
    }
    const qend = this.qend;
    const scan = scanMessage(reply);
    if (!scan || scan.questionEnd !== qend) {
      this.failed('malformed');
      return;
    }
    if (!this.tcp && scan.flags & Flag.TC) {
      this.tcp = true;
      this.attempt();
      return;
    }
    if (this.edns && scan.opt < 0 && (scan.rcode === Rcode.FORMERR || scan.rcode === Rcode.NOTIMP)) {
      this.up.noEdnsUntil = r.deadlines.now() + NO_EDNS_MS;
      r.log.info({ upstream: this.up.key }, 'upstream does not speak EDNS; asking it without');
      this.edns = false;
      this.query = withoutEdns(this.ednsQuery, qend);
      this.attempt();
      return;
    }
    if (scan.rcode === Rcode.SERVFAIL) {
      this.failed('servfail');
      return;
    }
    if (scan.rcode === Rcode.REFUSED) {
      this.failed('refused');
      return;
    }
    const up = this.up;
    const ms = r.deadlines.now() - this.t0;
    r.succeeded(up);
    r.opts.metrics.observe('upstream_duration_seconds', { upstream: up.key }, ms / 1000);
    if (r.log.isLevelEnabled('debug')) {
      r.log.debug(
        { upstream: up.key, ms: Math.round(ms * 10) / 10, rcode: scan.rcode, qname: this.req.q.qname },
        'upstream answered',
      );
    }
    this.finish({ ok: true, reply, scan, upstream: up, ms });
  }

  /** This upstream failed: count it and try the next one. */
  private failed(reason: FailureReason): void {
    const r = this.r;
    if (r.closed) {
      this.finish(fail('closed'));
      return;
    }
    this.last = reason;
    r.failed(this.up, reason);
    if (r.log.isLevelEnabled('debug')) {
      r.log.debug({ upstream: this.up.key, reason, qname: this.req.q.qname }, 'upstream failed');
    }
    this.next();
  }

  private finish(o: Outcome): void {
    if (this.settled) return;
    this.settled = true;
    this.r.done(this);
    this.resolveOutcome(o);
  }

  /** A bug below: the promise rejects (the engine answers SERVFAIL and logs it). */
  private crash(e: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.r.done(this);
    this.rejectOutcome(e);
  }
}

function fail(reason: FailReason): Outcome {
  return { ok: false, reason, ede: EDE[reason] };
}
