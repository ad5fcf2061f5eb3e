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
import { statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { AdminContext } from '../admin/context.js';
import { type AdminServer, startAdmin } from '../admin/server.js';
import { loadInThread, threadLoading } from '../config/load-thread.js';
import { packConfig } from '../config/packed.js';
import {
  ConfigError,
  type ConfigProblem,
  checkedConfig,
  formatProblem,
  type LoadedConfig,
  loadFailedProblem,
  type ReloadResult,
  UnsettledConfigError,
} from '../config/problems.js';
import type { Config } from '../config/schema.js';
import { type ConfigWatcher, watchConfig } from '../config/watch.js';
import { Prober, type ProbeStatus } from '../health/probes.js';
import { HealthState } from '../health/state.js';
import { memorySamples } from '../metrics/memory.js';
import { Metrics } from '../metrics/metrics.js';
import { buildCatalog, type Catalog, hasHealthChecks, healthEntriesOf } from '../privatelink/catalog.js';
import { readsListFiles } from '../route53/firewall/of-config.js';

export type { ReloadResult } from '../config/problems.js';

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
  /**
   * A reload of the config file (watched change, `SIGHUP`, `POST /v1/reload`) reads it only once
   * it has not changed for this long (ms), and reads it again when it changed while being read:
   * a save written in place (truncate, then write) is never taken half-written or empty.
   * @default 250
   */
  settleMs?: number;
  /**
   * When the catalog is built: `eager` (a server that answers queries) or `on-demand` (the
   * cluster primary, which answers none: built when the admin API or a health check first needs
   * it, so it holds no second copy of what its workers serve). @default 'eager'
   */
  catalog?: 'eager' | 'on-demand';
  /**
   * Once a config's catalog is built, keep its settings but not its endpoints (the catalog holds
   * what answers need; 15 MB of heap with 10,000 endpoints): `config()` then lists every VPC with
   * no endpoints, and `reload` needs a source. For cluster workers, which serve no admin API and
   * get every config from the primary. @default false
   */
  leanConfig?: boolean;
  /** Hooks the admin API's mutating routes await (cluster: every worker applied the change). */
  settled?: () => Promise<void>;
  /** Runs after every reload, before its caller gets the result (cluster: push to workers). */
  afterReload?: () => Promise<void>;
  /** The state of `serve --sync-from-aws`, for `/readyz` and `/v1/sync`. */
  sync?: AdminContext['sync'];
  /**
   * Called with the first config as soon as it is loaded and checked, before the rest of the core
   * is built (the cluster primary starts its workers on it meanwhile).
   */
  onLoaded?: (loaded: LoadedConfig) => void;
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
  /** Starts the admin API on this core's context; null when `listen` is false. */
  startAdmin(listen: false | string | undefined, token?: string): Promise<AdminServer | null>;
  /** Counts in the config and catalog, for start and reload log lines. */
  summary(): Record<string, unknown>;
  /** Stops the watcher and the probes; the admin context reports not ready from now on. */
  close(): void;
}

/**
 * Loads and checks a config. A config checked elsewhere (a cluster worker's) is taken as it is,
 * so a worker never loads the parsers and the schema (about 20 MB per process).
 */
async function loadSource(src: string | object, reload = false): Promise<LoadedConfig> {
  const checked = typeof src === 'object' ? checkedConfig(src) : null;
  if (checked) return checked;
  // Files and texts are parsed and checked in a worker thread (off the event loop; the parse's
  // memory goes with the thread).
  if (typeof src === 'string' && threadLoading()) {
    const inline = src.includes('\n');
    // A start's load is followed by no burst of reloads: its thread goes at once (10–55 MB).
    const req = inline ? { file: '<inline>', text: src } : { file: src };
    return (await loadInThread(req, { linger: reload })) as LoadedConfig;
  }
  const { loadConfigFile, parseConfigObject, parseConfigText } = await import('../config/load.js');
  if (typeof src === 'string') return src.includes('\n') ? parseConfigText(src) : loadConfigFile(src);
  return parseConfigObject(src);
}

/**
 * Waits until the file has gone unchanged (its mtime) for `settleMs`, or `limitMs` has passed, or
 * it is not there (the read that follows reports that).
 */
async function settled(path: string, settleMs: number, limitMs: number): Promise<void> {
  const giveUp = Date.now() + limitMs;
  for (;;) {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(path).mtimeMs;
    } catch {
      return;
    }
    const age = Date.now() - mtimeMs;
    if (age >= settleMs || Date.now() >= giveUp) return;
    // A clock ahead of ours (a network mount) must not make the wait longer than one settle time.
    await sleep(Math.min(settleMs, settleMs - age));
  }
}

/** Creates the core. Rejects with {@link ConfigError} for a bad config. */
export async function createCore(options: CoreOptions): Promise<Core> {
  // The closures below keep `opts` and `origin`, never a config object given inline: a lean core
  // (leanConfig) must be able to drop it.
  const { config: given, ...opts } = options;
  /** The file path or YAML text the config comes from (null: an object). */
  const origin = typeof given === 'string' ? given : null;
  const sourceName = String(given);
  const { logger } = opts;
  const log = logger.child({ component: 'server' });
  const metrics = new Metrics();
  // The process's memory; a server's forwarding adds what its cache and queries in flight hold.
  metrics.gauge('memory_bytes', () => memorySamples());
  const health = new HealthState();
  const steps: ReloadStep[] = [];

  const onDemand = opts.catalog === 'on-demand';
  const isFile = origin !== null && !origin.includes('\n');
  const stateOf = (loaded: LoadedConfig): CoreState => {
    if (!onDemand) {
      const catalog = buildCatalog(loaded.config, health);
      if (!opts.leanConfig) return { loaded, catalog };
      // A lean core tells an unchanged file by the packed JSON of its config (see sameConfig):
      // the loading thread gives it; a file loaded here gets it made. (Configs pushed as objects,
      // a cluster worker's, come only when they changed.)
      const withJson = loaded.json || !isFile ? loaded : { ...loaded, json: packConfig(loaded.config) };
      return { loaded: withoutEndpoints(withJson), catalog };
    }
    let built: Catalog | undefined;
    return {
      loaded,
      get catalog() {
        built ??= buildCatalog(loaded.config, health);
        return built;
      },
    };
  };
  const adopt = (s: CoreState) =>
    health.adopt(onDemand ? healthEntriesOf(s.loaded.config) : s.catalog.healthEntries);
  const probe = (s: CoreState) => {
    // An on-demand catalog is only built for the prober when there is something to probe.
    if (prober && (!onDemand || hasHealthChecks(s.loaded.config) || prober.keys().length > 0))
      prober.update(s.catalog);
  };

  const first = await loadSource(given);
  opts.onLoaded?.(first);
  let state = stateOf(first);
  adopt(state);
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
  probe(state);

  const summary = (): Record<string, unknown> => summarize(state.loaded, onDemand ? null : state.catalog);

  const rejected = (problems: ConfigProblem[]): ReloadResult => {
    metrics.inc('config_reloads', { result: 'failure' });
    log.error(
      { problems: problems.map(formatProblem) },
      'config reload rejected; the previous config keeps serving',
    );
    return { ok: false, problems };
  };
  const problemsOf = (e: unknown): ConfigProblem[] =>
    e instanceof ConfigError ? e.problems : [loadFailedProblem(sourceName, e)];

  const settleMs = opts.settleMs ?? 250;
  /**
   * Loads the config file again; null when its text is what is serving already (a burst of
   * SIGHUPs costs a read and a hash each, not a parse of 10,000 endpoints).
   */
  const readFileConfig = async (): Promise<LoadedConfig | null> => {
    const path = origin as string;
    if (threadLoading()) {
      // Read, compared and checked in a worker thread: answers go on meanwhile.
      return (await loadInThread({ file: path, unchangedDigest: state.loaded.digest, settleMs })) ?? null;
    }
    const load = await import('../config/load.js');
    const text = load.readConfigFile(path, settleMs);
    if (
      state.loaded.digest !== undefined &&
      !readsListFiles(state.loaded.config) && // list files may have changed
      load.textDigest(text) === state.loaded.digest
    )
      return null;
    return load.parseConfigText(text, path);
  };

  const reload = async (source?: string | object): Promise<ReloadResult> => {
    let next: CoreState;
    try {
      let loaded: LoadedConfig;
      if (source === undefined && isFile) {
        // The file, read once it has settled; read again if it changed while it was read.
        const path = origin as string;
        let read: LoadedConfig | null = null;
        for (let attempt = 1; ; attempt++) {
          await settled(path, settleMs, 4 * settleMs);
          try {
            read = await readFileConfig();
            break;
          } catch (e) {
            if (!(e instanceof UnsettledConfigError) || attempt >= 5) throw e;
            log.info({ config: path }, 'config file changed while it was read; reading it again');
          }
        }
        if (!read) {
          log.info({ config: state.loaded.file }, 'config unchanged; nothing to reload');
          return { ok: true, changed: false };
        }
        loaded = read;
      } else {
        loaded = await loadSource(source ?? origin ?? state.loaded.config, true);
      }
      // Same content in other words (a comment, the same object again): nothing changes, and
      // the reload says so; the new digest is kept so that the next read of this text is cheap.
      if (sameConfig(loaded, state.loaded)) {
        state = { ...state, loaded: { ...state.loaded, digest: loaded.digest } };
        log.info({ config: state.loaded.file }, 'config unchanged; nothing to reload');
        return { ok: true, changed: false };
      }
      next = stateOf(loaded);
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
    adopt(next);
    health.setConfigImpaired(next.loaded.config.impairedAzs);
    for (const c of commits) c();
    probe(next);
    metrics.inc('config_reloads', { result: 'success' });
    log.info(summary(), 'config reloaded');
    return { ok: true, changed: true };
  };
  // Reloads run one at a time, in the order asked: loading may wait (the parsers load on first
  // use), and a later reload must never be overtaken by an earlier one.
  // A reload of the file asked for while another one waits its turn is that one: it will read
  // the file as it is then (a burst of saves, SIGHUPs and watch events makes one reload).
  let queue: Promise<unknown> = Promise.resolve();
  let waitingFileReload: Promise<ReloadResult> | null = null;
  const reloadAndSettle = (source?: string | object): Promise<ReloadResult> => {
    if (source === undefined && waitingFileReload) return waitingFileReload;
    const run: Promise<ReloadResult> = queue.then(async () => {
      if (waitingFileReload === run) waitingFileReload = null;
      const r = await reload(source);
      await opts.afterReload?.();
      return r;
    });
    queue = run.catch(() => undefined);
    if (source === undefined) waitingFileReload = run;
    return run;
  };

  let watcher: ConfigWatcher | null = null;
  if (isFile && opts.watch !== false) {
    watcher = watchConfig(origin as string, () => void reloadAndSettle(), {
      settleMs,
      onError: (err) => log.error({ err }, 'config watch failed'),
    });
  }

  let closed = false;
  const probeStatus = (key: string) => prober?.status(key);
  const admin: AdminContext = {
    health,
    metrics,
    catalog: () => state.catalog,
    config: () => state.loaded.config,
    reload: () => reloadAndSettle(),
    ready: () => !closed,
    settled: opts.settled,
    probes: probeStatus,
    firewall: () => state.loaded.firewall ?? null,
    sync: opts.sync,
  };

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
    async startAdmin(listen, token) {
      if (!listen) return null;
      return startAdmin({ listen, token, logger: logger.child({ component: 'admin' }), ctx: admin });
    },
    admin,
    close() {
      closed = true;
      watcher?.close();
      prober?.close();
    },
  };
}

/** A loaded config without its endpoints (see {@link CoreOptions.leanConfig}). */
function withoutEndpoints(l: LoadedConfig): LoadedConfig {
  return { ...l, config: { ...l.config, vpcs: l.config.vpcs.map((v) => ({ ...v, endpoints: [] })) } };
}

function summarize(l: LoadedConfig, c: Catalog | null): Record<string, unknown> {
  let endpoints = 0;
  let interfaces = 0;
  if (c) {
    // A catalog lists every endpoint of a checked config (and a lean config has none).
    endpoints = c.endpoints.length;
    for (const e of c.endpoints) interfaces += e.interfaces.length;
  } else {
    for (const v of l.config.vpcs) {
      endpoints += v.endpoints.length;
      for (const e of v.endpoints) interfaces += e.interfaces.length;
    }
  }
  const out: Record<string, unknown> = { config: l.file, vpcs: l.config.vpcs.length, endpoints, interfaces };
  if (c) out.names = c.publicNames.size + c.views.reduce((n, v) => n + v.names.size + v.wildcards.size, 0);
  return out;
}

/**
 * Whether two checked configs say the same (field order included: a reordered file counts as
 * changed). Configs checked in the loading thread compare by their packed JSON, which a lean core
 * keeps when it drops the endpoints.
 */
function sameConfig(a: LoadedConfig, b: LoadedConfig): boolean {
  if (a.config === b.config) return true;
  if (b.json) {
    const aj = a.json ?? packConfig(a.config);
    return Buffer.from(aj.buffer, aj.byteOffset, aj.byteLength).equals(b.json);
  }
  return JSON.stringify(a.config) === JSON.stringify(b.config);
}
