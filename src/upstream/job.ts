/**
 * One resolution of a forwarded query: the upstreams in policy order, tried one after the other
 * inside the overall deadline; per upstream, UDP (or TCP), TCP again on TC, without EDNS after
 * FORMERR/NOTIMP to EDNS. The job reaches its collaborators through {@link JobHost} only.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { EdeCode, Flag, Rcode, RcodeName } from '../dns/constants.js';
import type { Query } from '../dns/query.js';
import { type ScannedMessage, scanMessage } from '../dns/relay.js';
import type { Ede } from '../dns/response.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Deadlines, Timed } from './deadlines.js';
import { UpstreamTimeoutError } from './errors.js';
import type { UpstreamGroup } from './groups.js';
import { buildUpstreamQuery, withoutEdns } from './query.js';
import type { TcpExchange } from './tcp.js';
import type { UdpExchange, UdpPending, UdpWaiter } from './udp.js';
import { type FailureReason, seriesOf, type Upstream } from './upstream.js';

export type ForwarderSettings = Config['forwarder'];

/** How long an upstream that answered FORMERR/NOTIMP to EDNS is asked without it. */
export const NO_EDNS_MS = 10 * 60_000;

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

/** What a job needs from the resolver that runs it. */
export interface JobHost {
  /** The forwarder settings in effect (read per query: a reload changes them). */
  readonly settings: ForwarderSettings;
  /** True once the resolver is closing: jobs finish with `closed`. */
  readonly closed: boolean;
  /** Our loop-marker token. */
  readonly token: Buffer;
  readonly deadlines: Deadlines;
  readonly udp: UdpExchange;
  readonly tcp: TcpExchange;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** A try at `up` failed (passive health counts it). */
  failed(up: Upstream, reason: FailureReason): void;
  /** `up` answered in `ms` (passive health and the latency histogram). */
  answered(up: Upstream, ms: number): void;
  /** Called once per job, with its outcome settled, before its promise resolves. */
  done(job: Job): void;
}

/**
 * Retransmission of the last upstream's UDP query every `attemptTimeoutMs` until the deadline
 * (the same ID from the same socket, so a slow answer to the first copy still counts).
 *
 * A settled one stays in the {@link Deadlines} heap until its time comes (lazy deletion), so
 * {@link cancel} lets go of the job and the query in flight at once: otherwise every answered
 * job, its request, query and outcome (the reply and its scan) would be kept alive for
 * `attemptTimeoutMs` after the answer, long enough to reach the old generation at the answer rate.
 */
class Retransmit implements Timed {
  settled = false;
  constructor(
    public job: Job | null,
    public pending: UdpPending | null,
    public deadline: number,
  ) {}
  cancel(): void {
    this.settled = true;
    this.job = null;
    this.pending = null;
  }
  expire(): void {
    this.job?.retransmit(this);
  }
}

/** A plain object driven by exchange callbacks (no promise per try): it is the UDP waiter. */
export class Job implements UdpWaiter {
  readonly promise: Promise<Outcome>;
  private resolveOutcome!: (o: Outcome) => void;
  private rejectOutcome!: (e: unknown) => void;
  private settled = false;
  /** Every upstream of the group was down when the job started (one is tried anyway). */
  private readonly downAtStart: boolean;
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
  /** The retransmission due next, if any. */
  private retry: Retransmit | null = null;

  constructor(
    private readonly r: JobHost,
    readonly key: string,
    private readonly req: UpstreamRequest,
    private readonly order: Upstream[],
  ) {
    this.promise = new Promise<Outcome>((resolve, reject) => {
      this.resolveOutcome = resolve;
      this.rejectOutcome = reject;
    });
    this.downAtStart = order.length === 1 && order[0].down;
    this.deadline = r.deadlines.now() + r.settings.deadlineMs;
    this.qend = req.q.questionEnd;
    this.ednsQuery = buildUpstreamQuery(req.msg, req.q, {
      do: req.dnssecOk,
      token: r.token,
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
      const noAnswer = this.last === 'timeout' || this.last === 'network';
      if (noAnswer && this.downAtStart && this.groupDown()) this.finish(fail('all-down'));
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
    this.stopRetry();
    if (this.step++ >= 4) {
      this.failed('malformed');
      return;
    }
    const now = r.deadlines.now();
    const remaining = this.deadline - now;
    const every = r.settings.attemptTimeoutMs;
    // The last upstream to try waits for the rest of the deadline (its UDP query sent again
    // every attemptTimeoutMs): a slow single upstream is answered if it answers in time.
    const lastUp = this.index === this.order.length - 1;
    const timeout = lastUp ? remaining : Math.min(every, remaining);
    if (timeout <= 0) {
      this.failed('timeout');
      return;
    }
    const up = this.up;
    const series = seriesOf(up, r.metrics);
    if (this.tcp) series.tcp.value++;
    else series.udp.value++;
    if (this.tcp) {
      r.tcp.exchange(up, this.query, this.qend, timeout).then(
        (reply) => this.onReply(reply),
        (e: Error) => this.onError(e),
      );
    } else {
      const p = r.udp.send(up, this.query, this.qend, timeout, this);
      if (p !== null && lastUp && remaining > every) {
        const t = new Retransmit(this, p, now + every);
        this.retry = t;
        r.deadlines.add(t);
      }
    }
  }

  /** A retransmission fell due: send the query again if it is still the one in flight. */
  retransmit(t: Retransmit): void {
    const r = this.r;
    const pending = t.pending;
    if (this.settled || this.retry !== t || r.closed || pending === null) return;
    t.cancel();
    this.retry = null;
    if (!r.udp.resend(pending)) return;
    seriesOf(this.up, r.metrics).udp.value++;
    const next = r.deadlines.now() + r.settings.attemptTimeoutMs;
    if (next < this.deadline) {
      const again = new Retransmit(this, pending, next);
      this.retry = again;
      r.deadlines.add(again);
    }
  }

  /**
   * Every upstream of the name's group (other than this server itself) is still marked down:
   * "all upstreams are down" is said only when this holds at the start and at the end and the
   * last try got no answer (a SERVFAIL or REFUSED is an answer).
   */
  private groupDown(): boolean {
    let any = false;
    for (const u of this.req.group.upstreams) {
      if (u.isSelf) continue;
      if (!u.down) return false;
      any = true;
    }
    return any;
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
    r.answered(up, ms);
    if (r.log.isLevelEnabled('debug')) {
      r.log.debug(
        {
          upstream: up.key,
          ms: Math.round(ms * 10) / 10,
          rcode: RcodeName[scan.rcode] ?? String(scan.rcode),
          qname: this.req.q.qname,
        },
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

  private stopRetry(): void {
    if (this.retry) {
      this.retry.cancel();
      this.retry = null;
    }
  }

  private finish(o: Outcome): void {
    if (this.settled) return;
    this.settled = true;
    this.stopRetry();
    this.r.done(this);
    this.resolveOutcome(o);
  }

  /** A bug below: the promise rejects (the engine answers SERVFAIL and logs it). */
  private crash(e: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.stopRetry();
    this.r.done(this);
    this.rejectOutcome(e);
  }
}

export function fail(reason: FailReason): Outcome {
  return { ok: false, reason, ede: EDE[reason] };
}
