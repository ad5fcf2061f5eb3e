/**
 * The core: config, catalog, interface health, probes, reload and the admin context, built once
 * per server and answering nothing itself. A single server adds listeners and the handler chain
 * to it (server.ts); the cluster primary runs the core and the admin API only, and pushes every
 * change to its workers.
 *
 * A reload loads and checks the new config, builds its catalog (a pure function), then asks each
 * registered {@link ReloadStep} to prepare for it. Only when every step has accepted is anything
 * changed: the state is swapped, the catalog's interfaces are adopted by the health state, the
 * prober follows, and each step commits. All of that is synchronous, so no query sees a mix.
 */
import type { Logger } from 'pino';
import type { AdminContext } from '../admin/context.js';
import {
  ConfigError,
  type ConfigProblem,
  formatProblem,
  type LoadedConfig,
  loadConfigFile,
  loadFailedProblem,
  parseConfigObject,
  parseConfigText,
  type ReloadResult,
} from '../config/load.js';
import type { Config } from '../config/schema.js';
import { type ConfigWatcher, watchConfig } from '../config/watch.js';
import { Prober, type ProbeStatus } from '../health/probes.js';
import { HealthState } from '../health/state.js';
import { Metrics } from '../metrics/metrics.js';
import { buildCatalog, type Catalog } from '../privatelink/catalog.js';

export type { ReloadResult } from '../config/load.js';

/** What queries and the admin API read, swapped as one object on reload. */
export interface CoreState {
  loaded: LoadedConfig;
  catalog: Catalog;
}

/**
 * A part of the server that follows reloads (the forwarder, the access table). `prepare` checks
 * the next state and returns what commits it; it throws (a {@link ConfigError} names the
 * problems) to reject the reload, and must change nothing until its commit runs.
 */
export interface ReloadStep {
  prepare(next: CoreState): (() => void) | undefined;
}

export interface CoreOptions {
  /** A config file path, YAML text (anything containing a newline), or an object of that shape. */
  config: string | object;
  logger: Logger;
  /** Run the configured health checks (cluster workers leave them to the primary). @default true */
  probes?: boolean;
  /** Reload when the config file changes (file configs only). @default true for files */
  watch?: boolean;
  /** Hooks the admin API's mutating routes await (cluster: every worker applied the change). */
  settled?: () => Promise<void>;
  /** Runs after every reload, before its caller gets the result (cluster: push to workers). */
  afterReload?: () => Promise<void>;
}

export interface Core {
  readonly logger: Logger;
  readonly health: HealthState;
  readonly metrics: Metrics;
  /** The state queries are answered from right now. */
  state(): CoreState;
  catalog(): Catalog;
  config(): Config;
  /** Adds a step every later reload goes through (in the order added). */
  addStep(step: ReloadStep): void;
  /** Re-reads the config (files) or takes `source`, and swaps it in; an invalid one is rejected. */
  reload(source?: string | object): Promise<ReloadResult>;
  /** What the health check of an interface has seen (undefined without a check). */
  probeStatus(key: string): ProbeStatus | undefined;
  /** What the admin API works on (built once). */
  readonly admin: AdminContext;
  /** Counts in the config and catalog, for start and reload log lines. */
  summary(): Record<string, unknown>;
  /** Stops the watcher and the probes; the admin context reports not ready from now on. */
  close(): void;
}

function loadSource(src: string | object): LoadedConfig {
  if (typeof src === 'string') return src.includes('\n') ? parseConfigText(src) : loadConfigFile(src);
  return parseConfigObject(src);
}

/** Creates the core. Throws {@link ConfigError} for a bad config. */
export function createCore(opts: CoreOptions): Core {
  const { logger } = opts;
  const log = logger.child({ component: 'server' });
  const metrics = new Metrics();
  const health = new HealthState();
  const steps: ReloadStep[] = [];

  const first = loadSource(opts.config);
  let state: CoreState = { loaded: first, catalog: buildCatalog(first.config, health) };
  health.adopt(state.catalog.healthEntries);
  health.setConfigImpaired(first.config.impairedAzs);
  const healthLog = logger.child({ component: 'health' });
  health.onTransition((t) =>
    healthLog.info(
      { endpoint: t.endpointId, az: t.az, healthy: t.healthy, reason: t.reason },
      `interface ${t.endpointId} ${t.az} ${t.healthy ? 'healthy' : 'unhealthy'}: ${t.reason}`,
    ),
  );
  const prober =
    opts.probes === false ? null : new Prober(health, logger.child({ component: 'probe' }), metrics);
  prober?.update(state.catalog);

  const summary = (): Record<string, unknown> => summarize(state.loaded, state.catalog);

  const rejected = (problems: ConfigProblem[]): ReloadResult => {
    metrics.inc('config_reloads', { result: 'failure' });
    log.error(
      { problems: problems.map(formatProblem) },
      'config reload rejected; the previous config keeps serving',
    );
    return { ok: false, problems };
  };
  const problemsOf = (e: unknown): ConfigProblem[] =>
    e instanceof ConfigError ? e.problems : [loadFailedProblem(String(opts.config), e)];

  const reload = async (source?: string | object): Promise<ReloadResult> => {
    let next: CoreState;
    try {
      const loaded = loadSource(
        source ?? (typeof opts.config === 'string' ? opts.config : state.loaded.config),
      );
      next = { loaded, catalog: buildCatalog(loaded.config, health) };
    } catch (e) {
      return rejected(problemsOf(e));
    }
    const commits: (() => void)[] = [];
    try {
      for (const s of steps) {
        const c = s.prepare(next);
        if (c) commits.push(c);
      }
    } catch (e) {
      return rejected(problemsOf(e));
    }
    state = next;
    health.adopt(next.catalog.healthEntries);
    health.setConfigImpaired(next.loaded.config.impairedAzs);
    for (const c of commits) c();
    prober?.update(next.catalog);
    metrics.inc('config_reloads', { result: 'success' });
    log.info(summary(), 'config reloaded');
    return { ok: true, changed: true };
  };
  const reloadAndSettle = async (source?: string | object): Promise<ReloadResult> => {
    const r = await reload(source);
    await opts.afterReload?.();
    return r;
  };

  let watcher: ConfigWatcher | null = null;
  const isFile = typeof opts.config === 'string' && !opts.config.includes('\n');
  if (isFile && opts.watch !== false) {
    watcher = watchConfig(opts.config as string, () => void reloadAndSettle(), {
      onError: (err) => log.error({ err }, 'config watch failed'),
    });
  }

  let closed = false;
  const probeStatus = (key: string) => prober?.status(key);
  return {
    logger,
    health,
    metrics,
    state: () => state,
    catalog: () => state.catalog,
    config: () => state.loaded.config,
    addStep: (s) => void steps.push(s),
    reload: reloadAndSettle,
    probeStatus,
    summary,
    admin: {
      health,
      metrics,
      catalog: () => state.catalog,
      config: () => state.loaded.config,
      reload: () => reloadAndSettle(),
      ready: () => !closed,
      settled: opts.settled,
      probes: probeStatus,
    },
    close() {
      closed = true;
      watcher?.close();
      prober?.close();
    },
  };
}

function summarize(l: LoadedConfig, c: Catalog): Record<string, unknown> {
  return {
    config: l.file,
    vpcs: l.config.vpcs.length,
    endpoints: c.endpoints.length,
    interfaces: c.endpoints.reduce((n, e) => n + e.interfaces.length, 0),
    names: c.publicNames.size + c.views.reduce((n, v) => n + v.names.size + v.wildcards.size, 0),
  };
}
