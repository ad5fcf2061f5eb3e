/** What the admin API reads and changes: handed in by the composition root, never global. */
import type { ReloadResult } from '../config/problems.js';
import type { Config } from '../config/schema.js';
import type { ProbeStatus } from '../health/probes.js';
import type { HealthState } from '../health/state.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Catalog } from '../privatelink/catalog.js';
import type { Firewall } from '../route53/firewall/model.js';

/** The server state the admin API works on. */
export interface AdminContext {
  health: HealthState;
  metrics: Metrics;
  /** The catalog queries are answered from right now. */
  catalog(): Catalog;
  /** The config in effect. */
  config(): Config;
  /** Re-reads the config and swaps it in; an invalid config is rejected with its problems. */
  reload(): Promise<ReloadResult>;
  /** Config loaded and sockets bound (false while shutting down). */
  ready(): boolean;
  /**
   * Resolves once a health change is in effect everywhere queries are answered (every cluster
   * worker); mutating routes await it before they reply.
   */
  settled?(): Promise<void>;
  /** What the probe of an interface (by health key) has seen, when it has one. */
  probes?(key: string): ProbeStatus | undefined;
  /** The DNS Firewall in effect (null without one). */
  firewall?(): Firewall | null;
  /** Whether a client is over `resolverLimits.packetsPerSecondPerInterface` right now. */
  throttled?(client: string): boolean;
  /** The state of `serve --sync-from-aws` (last success, last error, next poll), when it runs. */
  sync?(): { state: string; lastSuccess: string | null; lastError: unknown; nextPoll: string | null };
}
