/**
 * Sends a query to a group of upstreams: coalescing of identical queries in flight, a cap on
 * queries in flight, and per query a {@link Job} (policy order from policy.ts, per-try timeout
 * inside one overall deadline, failover on timeout / SERVFAIL / REFUSED, UDP then TCP on TC,
 * EDNS fallback) whose failures and answers feed the passive health of passive-health.ts.
 */
import type { Logger } from 'pino';
import { type Metrics, observeInto } from '../metrics/metrics.js';
import { Deadlines } from './deadlines.js';
import type { UpstreamGroup } from './groups.js';
import {
  type ForwarderSettings,
  fail,
  Job,
  type JobHost,
  type Outcome,
  type UpstreamRequest,
} from './job.js';
import { PassiveHealth } from './passive-health.js';
import { orderUpstreams } from './policy.js';
import { RandomIds } from './random.js';
import { TcpExchange } from './tcp.js';
import { type DropReason, UdpExchange } from './udp.js';
import { seriesOf, type Upstream } from './upstream.js';

export interface UpstreamResolverOptions {
  settings: ForwarderSettings;
  logger: Logger;
  metrics: Metrics;
  /** Our loop-marker token. */
  token: Buffer;
  /** UDP sockets per upstream. @default 16 */
  poolSize?: number;
}

export class UpstreamResolver {
  /** The forwarder settings in effect; a reload assigns new ones. */
  settings: ForwarderSettings;
  private readonly deadlines = new Deadlines();
  private readonly ids = new RandomIds();
  private readonly udp: UdpExchange;
  private readonly tcp: TcpExchange;
  private readonly health: PassiveHealth;
  private readonly inFlight = new Map<string, Job>();
  /** Resolutions in flight (after coalescing). */
  private active = 0;
  private closed = false;
  private readonly host: JobHost;

  constructor(private readonly opts: UpstreamResolverOptions) {
    this.settings = opts.settings;
    const log = opts.logger;
    const { metrics } = opts;
    const onDrop = (reason: DropReason, from: string) => {
      metrics.inc('upstream_replies_dropped', { reason });
      if (log.isLevelEnabled('debug')) log.debug({ reason, from }, 'dropped an upstream reply');
    };
    this.udp = new UdpExchange({ deadlines: this.deadlines, ids: this.ids, onDrop, poolSize: opts.poolSize });
    this.tcp = new TcpExchange({ deadlines: this.deadlines, ids: this.ids, onDrop });
    this.health = new PassiveHealth({ settings: () => this.settings, udp: this.udp, metrics, log });
    const self = this;
    const health = this.health;
    this.host = {
      get settings() {
        return self.settings;
      },
      get closed() {
        return self.closed;
      },
      token: opts.token,
      deadlines: this.deadlines,
      udp: this.udp,
      tcp: this.tcp,
      metrics,
      log,
      failed: (up, reason) => health.failed(up, reason),
      answered: (up, ms) => {
        health.succeeded(up);
        observeInto(seriesOf(up, metrics).duration, ms / 1000);
      },
      done: (job) => {
        this.active--;
        if (this.inFlight.get(job.key) === job) this.inFlight.delete(job.key);
      },
    };
  }

  /** Upstream queries waiting for a reply right now (UDP and TCP). */
  get pending(): number {
    return this.udp.inFlight + this.tcp.inFlight;
  }

  /** TCP connections to upstreams: open now, and opened since the start (tests, diagnostics). */
  tcpConnections(): { open: number; opened: number } {
    return { open: this.tcp.connections(), opened: this.tcp.opened };
  }

  /** Local UDP ports in use (tests). */
  udpPorts(): number[] {
    return this.udp.ports();
  }

  /** Local and remote addresses of the UDP sockets in use (tests, diagnostics). */
  udpSockets(): { address: string; port: number; remote: string }[] {
    return this.udp.locals();
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
    const order = orderUpstreams(req.group, this.settings.policy, this.ids);
    if (order.length === 0) return Promise.resolve(fail('no-upstreams'));
    let job: Job;
    try {
      job = new Job(this.host, key, req, order);
    } catch (e) {
      return Promise.reject(e);
    }
    this.active++;
    this.inFlight.set(key, job);
    job.start();
    return job.promise;
  }

  /** Stops probes and fails every query in flight. */
  close(groups: Iterable<UpstreamGroup>): void {
    this.closed = true;
    const ups: Upstream[] = [];
    for (const g of groups) ups.push(...g.upstreams);
    this.health.close(ups);
    this.udp.close();
    this.tcp.close();
    this.deadlines.clear();
  }

  /** Stops the background probe of an upstream that is no longer used and closes its sockets. */
  stopProbe(u: Upstream): void {
    this.health.stopProbe(u);
    this.udp.release(u);
    this.tcp.release(u);
  }
}
