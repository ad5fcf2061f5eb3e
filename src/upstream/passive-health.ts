/**
 * Passive health of upstreams: an upstream is marked down after `maxFails` failed tries in a
 * row, and probed in the background (the root NS over UDP, backing off from
 * {@link PROBE_MIN_MS} to {@link PROBE_MAX_MS}) until it answers; one good answer, to a probe or
 * to a query, marks it up again.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { HEADER_SIZE, Rcode, RRType } from '../dns/constants.js';
import type { Metrics } from '../metrics/metrics.js';
import type { UdpExchange } from './udp.js';
import type { FailureReason, Upstream } from './upstream.js';

/** First probe delay of a down upstream; doubles up to {@link PROBE_MAX_MS}. */
export const PROBE_MIN_MS = 250;
export const PROBE_MAX_MS = 5_000;

const PROBE_QUERY = Buffer.from([0, 0, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, RRType.NS, 0, 1]);

export interface PassiveHealthOptions {
  settings: () => Config['forwarder'];
  /** Probes go out through the resolver's UDP exchange. */
  udp: UdpExchange;
  metrics: Metrics;
  log: Logger;
}

export class PassiveHealth {
  private closed = false;

  constructor(private readonly o: PassiveHealthOptions) {}

  failed(up: Upstream, reason: FailureReason): void {
    this.o.metrics.inc('upstream_failures', {
      upstream: up.key,
      reason,
    });
    up.fails++;
    if (!up.down && up.fails >= this.o.settings().maxFails) {
      up.down = true;
      this.o.log.warn({ upstream: up.key, fails: up.fails, reason }, 'upstream marked down');
      this.scheduleProbe(up, PROBE_MIN_MS);
    }
  }

  succeeded(up: Upstream): void {
    up.fails = 0;
    if (up.down) {
      up.down = false;
      this.stopProbe(up);
      this.o.log.info({ upstream: up.key }, 'upstream is up again');
    }
  }

  stopProbe(u: Upstream): void {
    if (u.probeTimer) clearTimeout(u.probeTimer);
    u.probeTimer = null;
  }

  /** Stops every probe of `upstreams`; no new probe starts after this. */
  close(upstreams: Iterable<Upstream>): void {
    this.closed = true;
    for (const u of upstreams) this.stopProbe(u);
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
    this.o.metrics.inc('upstream_probes', {
      upstream: up.key,
    });
    try {
      const reply = await this.o.udp.exchange(
        up,
        Buffer.from(PROBE_QUERY),
        HEADER_SIZE + 5,
        this.o.settings().attemptTimeoutMs,
      );
      const rcode = reply[3] & 0xf;
      return rcode === Rcode.NOERROR || rcode === Rcode.NXDOMAIN;
    } catch {
      return false;
    }
  }
}
