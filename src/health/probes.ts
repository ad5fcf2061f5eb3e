/**
 * Active health checks: one probe loop per interface that has a `healthCheck` in the config.
 *
 * A probe counts consecutive results. `unhealthyThreshold` failures in a row give the interface
 * an unhealthy probe verdict, `healthyThreshold` successes a healthy one; until the first verdict
 * the interface keeps its static health (`healthy:` in the config). The verdict goes into
 * {@link HealthState}, where an admin override or an impaired AZ still wins over it.
 *
 * {@link Prober.update} is called with every new catalog: probes of interfaces whose check is
 * unchanged keep running with their counters and verdict; changed checks restart their counting
 * (the last verdict stays until the new check reaches a threshold); removed checks are stopped
 * and their verdict dropped, so the interface falls back to its static health.
 *
 * The Prober also exports the interface health gauge (`privatelink_dns_interface_healthy`).
 */
import type { Logger } from 'pino';
import type { HealthCheckConfig } from '../config/schema.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Catalog, InterfaceInfo } from '../privatelink/catalog.js';
import { checkLabel, describeCheck, type ProbeFn, type ProbeOutcome, runCheck } from './checks.js';
import type { HealthState } from './state.js';

/** Runs `fn` after `ms` milliseconds; returns a function that cancels it. */
export type Scheduler = (fn: () => void, ms: number) => () => void;

/** Options of {@link Prober}, for tests and embedding. */
export interface ProberOptions {
  /** Runs one round of a check. @default runCheck (real TCP/HTTP/DNS checks) */
  probe?: ProbeFn;
  /** Schedules the next round. @default setTimeout, unref'd (probes never keep the process alive) */
  schedule?: Scheduler;
  /** Milliseconds clock used to keep the interval between round starts. @default performance.now */
  now?: () => number;
}

/** What a probe has seen so far (the admin API shows it next to the interface's health). */
export interface ProbeStatus {
  /** "tcp 127.0.0.1:4566" */
  check: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  /** Rounds completed since this probe started. */
  rounds: number;
  /** Current streaks: at most one of them is non-zero. */
  consecutiveSuccesses: number;
  consecutiveFailures: number;
  /** The probe's verdict, or null before either threshold was first reached. */
  verdict: 'healthy' | 'unhealthy' | null;
  last: { ok: boolean; detail: string; at: string } | null;
}

const defaultSchedule: Scheduler = (fn, ms) => {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
};

function fingerprint(c: HealthCheckConfig): string {
  return JSON.stringify([
    c.tcp,
    c.http,
    c.dns,
    c.intervalSeconds,
    c.timeoutSeconds,
    c.healthyThreshold,
    c.unhealthyThreshold,
  ]);
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

class Probe {
  readonly fingerprint: string;
  readonly label: string;
  private rounds = 0;
  private successes = 0;
  private failures = 0;
  private verdict: boolean | null = null;
  private last: ProbeStatus['last'] = null;
  private cancel: (() => void) | null = null;
  private stopped = false;

  constructor(
    readonly key: string,
    readonly check: HealthCheckConfig,
    private readonly owner: Prober,
  ) {
    this.fingerprint = fingerprint(check);
    this.label = checkLabel(check);
  }

  start(): void {
    this.cancel = this.owner.opts.schedule(() => void this.round(), 0);
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
    this.cancel = null;
  }

  status(): ProbeStatus {
    const c = this.check;
    return {
      check: this.label,
      intervalSeconds: c.intervalSeconds,
      timeoutSeconds: c.timeoutSeconds,
      healthyThreshold: c.healthyThreshold,
      unhealthyThreshold: c.unhealthyThreshold,
      rounds: this.rounds,
      consecutiveSuccesses: this.successes,
      consecutiveFailures: this.failures,
      verdict: this.verdict === null ? null : this.verdict ? 'healthy' : 'unhealthy',
      last: this.last,
    };
  }

  private async round(): Promise<void> {
    this.cancel = null;
    if (this.stopped) return;
    const started = this.owner.opts.now();
    let outcome: ProbeOutcome;
    try {
      outcome = await this.owner.opts.probe(this.check);
    } catch (e) {
      outcome = { ok: false, detail: e instanceof Error ? e.message : String(e) };
    }
    if (this.stopped) return;
    this.record(outcome);
    const elapsed = this.owner.opts.now() - started;
    const delay = Math.max(0, this.check.intervalSeconds * 1000 - elapsed);
    this.cancel = this.owner.opts.schedule(() => void this.round(), delay);
  }

  private record(o: ProbeOutcome): void {
    this.rounds++;
    this.last = { ok: o.ok, detail: o.detail, at: new Date().toISOString() };
    this.owner.counted(describeCheck(this.check).kind, o.ok);
    if (o.ok) {
      this.successes++;
      this.failures = 0;
    } else {
      this.failures++;
      this.successes = 0;
    }
    this.owner.log.debug(
      { key: this.key, check: this.label, ok: o.ok, detail: o.detail },
      `probe ${this.key} ${this.label}: ${o.detail}`,
    );
    if (o.ok && this.successes >= this.check.healthyThreshold && this.verdict !== true) {
      this.verdict = true;
      const why = `${this.label}: ${o.detail} (${plural(this.successes, 'success', 'successes')} in a row)`;
      this.owner.health.setProbe(this.key, true, why);
    } else if (!o.ok && this.failures >= this.check.unhealthyThreshold && this.verdict !== false) {
      this.verdict = false;
      const why = `${this.label}: ${o.detail} (${plural(this.failures, 'failure', 'failures')} in a row)`;
      this.owner.health.setProbe(this.key, false, why);
    }
  }
}

/** Runs the health checks of one server's interfaces. */
export class Prober {
  /** @internal */
  readonly opts: Required<ProberOptions>;
  private readonly probes = new Map<string, Probe>();
  private catalog: Catalog | null = null;
  private closed = false;

  constructor(
    /** @internal */
    readonly health: HealthState,
    /** @internal */
    readonly log: Logger,
    private readonly metrics: Metrics,
    opts: ProberOptions = {},
  ) {
    this.opts = {
      probe: opts.probe ?? runCheck,
      schedule: opts.schedule ?? defaultSchedule,
      now: opts.now ?? (() => performance.now()),
    };
    registerHealthGauge(metrics, health, () => this.catalog);
  }

  /**
   * Starts probes for the catalog's interfaces that have a `healthCheck`, keeps unchanged ones
   * running with their state, and stops the rest.
   */
  update(catalog: Catalog): void {
    if (this.closed) return;
    this.catalog = catalog;
    const wanted = new Map<string, { healthCheck: HealthCheckConfig }>();
    for (const ep of catalog.endpoints) {
      for (const itf of ep.interfaces) {
        if (itf.healthCheck)
          wanted.set(itf.healthKey, itf as InterfaceInfo & { healthCheck: HealthCheckConfig });
      }
    }
    // Health checks of private hosted zone records (failover, weighted, multivalue).
    for (const c of catalog.recordChecks ?? []) wanted.set(c.healthKey, c);
    for (const [key, p] of this.probes) {
      const w = wanted.get(key);
      if (w && fingerprint(w.healthCheck) === p.fingerprint) continue;
      p.stop();
      this.probes.delete(key);
      if (!w) {
        this.health.clearProbe(key);
        this.log.info({ key, check: p.label }, `health check of ${key} removed`);
      }
    }
    for (const [key, itf] of wanted) {
      if (this.probes.has(key)) continue;
      const p = new Probe(key, itf.healthCheck, this);
      this.probes.set(key, p);
      this.log.info(
        { key, check: p.label, intervalSeconds: itf.healthCheck.intervalSeconds },
        `health check of ${key}: ${p.label} every ${itf.healthCheck.intervalSeconds}s`,
      );
      p.start();
    }
  }

  /** What the probe of an interface (by health key) has seen, or undefined when it has none. */
  status(key: string): ProbeStatus | undefined {
    return this.probes.get(key)?.status();
  }

  /** Health keys that have a running probe. */
  keys(): string[] {
    return [...this.probes.keys()];
  }

  /** Stops every probe; later updates are ignored. */
  close(): void {
    this.closed = true;
    for (const p of this.probes.values()) p.stop();
    this.probes.clear();
  }

  /** @internal */
  counted(kind: string, ok: boolean): void {
    this.metrics.inc('health_checks', {
      kind,
      result: ok ? 'success' : 'failure',
    });
  }
}

/**
 * Registers `privatelink_dns_interface_healthy{endpoint, az, address}` (1 healthy, 0 unhealthy,
 * one series per address) on `metrics`, read at scrape time; a second call replaces the reader
 * (the Prober and the admin API both supply it).
 */
export function registerHealthGauge(
  metrics: Metrics,
  health: HealthState,
  catalog: () => Catalog | null,
): void {
  metrics.gauge('interface_healthy', function* () {
    const c = catalog();
    if (!c) return;
    for (const ep of c.endpoints) {
      for (const itf of ep.interfaces) {
        const v = health.isHealthy(itf.healthKey) ? 1 : 0;
        for (const address of [itf.ipv4, itf.ipv6]) {
          if (address) yield [{ endpoint: ep.id, az: itf.az, address }, v] as const;
        }
      }
    }
  });
}
