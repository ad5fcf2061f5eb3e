/**
 * `serve --workers N`: N worker processes answer queries on the same UDP socket and TCP listener
 * (node:cluster shares them; Node 20's dgram has no reusePort). The primary answers nothing
 * itself: it loads and validates the config, owns interface health (probes, AZ impairment, admin
 * overrides), watches the config file, serves the admin API, and pushes every change to every
 * worker. A push counts as done when every worker has acknowledged it, and the admin API returns
 * only then: after an admin call, every worker answers the same thing.
 *
 * Round robin is per worker: each worker rotates its own counter through every healthy rotation,
 * so each worker's answers are even, and so is the sum (within one rotation per worker).
 */
import cluster, { type Worker } from 'node:cluster';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { type AdminServer, checkAdminExposure } from '../admin/server.js';
import { ConfigError, type LoadedConfig, type ReloadResult } from '../config/problems.js';
import { type Core, createCore } from '../core/core.js';
import { workerMallocEnv } from '../core/malloc.js';
import { type Address, DEFAULT_LISTEN, DEFAULT_PORT } from '../core/server.js';
import {
  capHeapGrowth,
  heapGrowthFlag,
  keepYoungGenerationSmall,
  youngGenerationSized,
} from '../core/young-generation.js';
import type { LogFormat, LogLevel } from '../log/logger.js';
import { formatHostPort, parseHostPort } from '../net/host-port.js';
import { checkForwarding, forwardingProblem } from '../resolve/forward/setup.js';
import {
  type EncodedConfig,
  encodeConfig,
  type FromWorker,
  type HealthEntries,
  isFromWorker,
  type ToWorker,
  type WorkerOptions,
} from './messages.js';

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /** Number of workers (2 or more; one worker is simply {@link startServer}). */
  workers: number;
  /** Path of the config file (watched, re-read on reload). Required: there is no default. */
  config: string;
  /** Where the workers serve UDP and TCP (port 0: a free port, picked once). @default '127.0.0.1:1053' */
  listen?: string;
  /** Upstream resolvers; override the config's. @default config upstreams, else /etc/resolv.conf */
  upstreams?: string[];
  /** Admin API address (served by the primary), or false. @default false */
  admin?: false | string;
  /** Bearer token for the admin API (required off loopback). @default undefined: no token */
  adminToken?: string;
  /** The primary's logger. Required. */
  logger: Logger;
  /** Level of the workers' loggers. @default 'info' */
  logLevel?: LogLevel;
  /** Format of the workers' log lines. @default 'json' */
  logFormat?: LogFormat;
  /** Reload when the config file changes. @default true */
  watch?: boolean;
  /** A reload reads the config file once it has not changed for this long (ms). @default 250 */
  settleMs?: number;
  /** How long close() waits for queries in flight. @default 2000 */
  shutdownGraceMs?: number;
  /** Lame duck: how long the workers keep answering after `/readyz` turned 503. @default 0 */
  lameDuckMs?: number;
  /** Longest wait for every worker to apply a change before the admin call returns anyway. @default 5000 */
  syncTimeoutMs?: number;
  /** Query log destination over the config's (every worker appends to it). */
  queryLog?: string;
}

/** A running cluster: the same surface as a single server, for the CLI. */
export interface RunningCluster {
  udp: Address;
  tcp: Address;
  admin: Address | null;
  /** Re-reads the config and pushes it to every worker; resolves once all applied it. */
  reload(): Promise<ReloadResult>;
  /** Resolves once every worker has applied every change made so far. */
  settled(): Promise<void>;
  /** Process ids of the live workers. */
  workers(): number[];
  /** Tells every worker to reopen its query log file (SIGUSR1 to each). */
  reopenQueryLog(): Promise<void>;
  /** Stops: lame duck (if any), then the workers drain and stop. */
  close(how?: { lameDuckMs?: number }): Promise<void>;
  /** The primary's core (health, config, catalog: the one source of truth). */
  readonly control: Core;
}

/** A port free for both UDP and TCP on `host` right now (for --listen HOST:0). */
async function freePort(host: string): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      s.once('error', reject);
      s.bind(0, host, () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
    const ok = await new Promise<boolean>((resolve) => {
      const t = createServer();
      t.once('error', () => resolve(false));
      t.listen(port, host, () => t.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error(`no free port on ${host}`);
}

/** Backoff of worker restarts. */
export const RESTART_MIN_MS = 1000;
export const RESTART_MAX_MS = 30_000;
const RESTART_RESET_MS = 60_000;

const WORKER_ENTRY = fileURLToPath(new URL('./worker-main.js', import.meta.url));

/** Starts the primary and its workers; resolves once every worker is serving. */
export async function startCluster(opts: ClusterOptions): Promise<RunningCluster> {
  if (!cluster.isPrimary) throw new Error('startCluster runs in the primary process only');
  checkAdminExposure(opts.admin, opts.adminToken || undefined);
  keepYoungGenerationSmall();
  capHeapGrowth();
  const log = opts.logger.child({ component: 'cluster' });
  const syncTimeout = opts.syncTimeoutMs ?? 5000;

  // Workers start at once: their start-up (a Node process, its modules) overlaps the primary's
  // loading and checking of the config, which they receive as soon as it is ready.
  const want = parseHostPort(opts.listen ?? DEFAULT_LISTEN, DEFAULT_PORT);
  if (want.port === 0) want.port = await freePort(want.host);
  const listen = formatHostPort(want);
  const options: WorkerOptions = {
    listen,
    upstreams: opts.upstreams,
    logLevel: opts.logLevel ?? 'info',
    logFormat: opts.logFormat,
    shutdownGraceMs: opts.shutdownGraceMs,
    queryLog: opts.queryLog,
  };

  // The core: config, catalog, health and probes. The primary serves no DNS itself (no listeners,
  // no forwarder): queries go to the workers.
  let pushConfig = false;
  let afterReload: () => Promise<void> = () => Promise.resolve();
  let settledRef: () => Promise<void> = () => Promise.resolve();
  /** A config's bytes for the workers: a config checked in a worker thread arrives as them already. */
  const bytesOf = (loaded: LoadedConfig): EncodedConfig => loaded.json ?? encodeConfig(loaded.config);
  // Workers start on the config as soon as it is checked, while the primary builds the rest of
  // its core (about 150 ms with 10,000 endpoints); the core's health follows once it is ready.
  // (When the load fails, this never resolves and the primary stops its workers.)
  let firstLoaded!: (bytes: EncodedConfig) => void;
  const loadedBytes = new Promise<EncodedConfig>((resolve) => {
    firstLoaded = resolve;
  });
  const coreReady = createCore({
    config: opts.config,
    logger: opts.logger,
    catalog: 'on-demand',
    watch: opts.watch,
    settleMs: opts.settleMs,
    settled: () => settledRef(),
    afterReload: () => afterReload(),
    onLoaded: (loaded) => firstLoaded(bytesOf(loaded)),
  }).then((core) => {
    try {
      // The workers' forwarders refuse upstreams they cannot use or that are this server: so
      // does the primary, at start and on reload, before anything is pushed to them.
      const self = [{ address: want.host, port: want.port }];
      checkForwarding(core.config(), opts.upstreams ?? core.config().upstreams ?? [], self);
      core.addStep({
        prepare(next) {
          const config = next.loaded.config;
          try {
            checkForwarding(config, opts.upstreams ?? config.upstreams ?? [], self);
          } catch (e) {
            throw new ConfigError([forwardingProblem(next.loaded, e)]);
          }
          // Pushed once the core has swapped it in (see afterReload below).
          return () => {
            pushConfig = true;
          };
        },
      });
    } catch (e) {
      core.close();
      throw e;
    }
    return core;
  });
  // Set once coreReady resolved; nothing reads it before (workers get their start after it).
  let control!: Core;

  let seq = 0;
  let closing = false;
  const acked = new Map<Worker, number>();
  const waiters = new Set<() => void>();
  const live = new Set<Worker>();

  /**
   * Sends to a worker without ever throwing or emitting: a worker that died between the check
   * and the write (EPIPE) is handled by its exit handler, never by the primary going down.
   */
  const send = (w: Worker, m: ToWorker) => {
    if (!w.isConnected()) return;
    try {
      w.send(m, (err: Error | null) => {
        if (err && !closing) log.warn({ worker: w.id, err: err.message }, 'could not send to a worker');
      });
    } catch (err) {
      log.warn({ worker: w.id, err: (err as Error).message }, 'could not send to a worker');
    }
  };
  // Restarts of crashed workers back off: 1 s, doubling to 30 s; a worker that stayed up a
  // minute resets it.
  let restartDelay = RESTART_MIN_MS;

  // The config in effect, encoded once for every worker (and re-encoded after a reload).
  let encodedFor: { config: object; bytes: EncodedConfig } | null = null;
  const encoded = (core: Core): EncodedConfig => {
    const config = core.config();
    if (encodedFor?.config !== config) encodedFor = { config, bytes: bytesOf(core.state().loaded) };
    return encodedFor.bytes;
  };
  const snapshot = (core: Core = control): HealthEntries => {
    const out: HealthEntries = [];
    for (const key of core.health.keys()) out.push([key, core.health.isHealthy(key)]);
    return out;
  };
  const broadcast = (m: ToWorker) => {
    for (const w of live) send(w, m);
  };
  const check = () => {
    for (const fn of waiters) fn();
  };

  // Health changes (probes, overrides, AZ impairment) are batched per tick and pushed.
  let pending: Map<string, boolean> | null = null;
  const flush = () => {
    if (!pending) return;
    const health = [...pending];
    pending = null;
    broadcast({ t: 'health', seq: ++seq, health });
  };

  const settled = (): Promise<void> => {
    flush();
    const target = seq;
    const done = () => [...live].every((w) => (acked.get(w) ?? 0) >= target);
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiters.delete(fn);
        log.warn({ seq: target }, 'not every worker confirmed a change in time');
        resolve();
      }, syncTimeout);
      const fn = () => {
        if (!done()) return;
        clearTimeout(timer);
        waiters.delete(fn);
        resolve();
      };
      waiters.add(fn);
    });
  };
  settledRef = settled;

  // Structured clone instead of JSON on the IPC channel: the config of 10,000 endpoints crosses
  // several times faster.
  cluster.setupPrimary({
    exec: WORKER_ENTRY,
    args: [],
    silent: false,
    serialization: 'advanced',
    execArgv: workerExecArgv(),
  });

  /** Forks one worker and resolves once it serves (rejects when it cannot start). */
  const fork = (): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const w = cluster.fork(workerMallocEnv());
      let started = false;
      let startedAt = 0;
      // Errors of the IPC channel are reported through send's callback; this keeps a late one
      // from being an unhandled 'error' event.
      w.on('error', (err) => log.warn({ worker: w.id, err: err.message }, 'worker channel error'));
      w.on('message', (m: FromWorker) => {
        if (!isFromWorker(m)) return;
        if (m.t === 'hello') {
          if (control) {
            // A worker started again later: the config and health of now.
            send(w, { t: 'start', seq, options, config: encoded(control), health: snapshot() });
            return;
          }
          // At start: the config as soon as it is checked, and the core's health once it is ready
          // (the worker applies its messages in order).
          void loadedBytes.then((config) => {
            send(w, { t: 'start', seq, options, config, health: [] } satisfies ToWorker);
            coreReady.then(
              (core) => send(w, { t: 'health', seq, health: snapshot(core) }),
              () => undefined,
            );
          });
        } else if (m.t === 'ready') {
          started = true;
          startedAt = Date.now();
          acked.set(w, m.seq);
          live.add(w);
          check();
          resolve(w);
        } else if (m.t === 'ack') {
          if (m.error) log.error({ worker: w.id, error: m.error }, 'a worker could not apply a change');
          acked.set(w, Math.max(acked.get(w) ?? 0, m.seq));
          check();
        } else if (m.t === 'failed') {
          const err = Object.assign(new Error(m.error), { code: m.code });
          if (!started) reject(err);
        }
      });
      w.on('exit', (code, signal) => {
        live.delete(w);
        acked.delete(w);
        check();
        if (!started) {
          reject(new Error(`worker ${w.id} exited (${signal ?? code}) before serving`));
          return;
        }
        if (closing) return;
        if (Date.now() - startedAt >= RESTART_RESET_MS) restartDelay = RESTART_MIN_MS;
        const delay = restartDelay;
        restartDelay = Math.min(restartDelay * 2, RESTART_MAX_MS);
        log.error({ worker: w.id, code, signal, restartInMs: delay }, 'worker exited; starting a new one');
        setTimeout(() => {
          if (!closing) fork().catch((e) => log.error({ err: e }, 'could not restart a worker'));
        }, delay).unref();
      });
    });

  const stopWorkers = async () => {
    const grace = (opts.shutdownGraceMs ?? 2000) + 3000;
    await Promise.all(
      Object.values(cluster.workers ?? {}).map(
        (w) =>
          new Promise<void>((resolve) => {
            if (!w || w.isDead()) return resolve();
            const timer = setTimeout(() => w.kill('SIGKILL'), grace);
            w.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            if (w.isConnected()) send(w, { t: 'stop' });
            else w.kill('SIGTERM');
          }),
      ),
    );
  };

  const forks = Array.from({ length: opts.workers }, fork);
  try {
    control = await coreReady;
  } catch (e) {
    closing = true;
    for (const f of forks) f.catch(() => undefined);
    await stopWorkers();
    throw e;
  }
  control.health.onTransition((t) => {
    if (!pending) {
      pending = new Map();
      queueMicrotask(flush);
    }
    pending.set(t.key, t.healthy);
  });

  try {
    await Promise.all(forks);
  } catch (e) {
    closing = true;
    await stopWorkers();
    control.close();
    throw e;
  }

  const reload = (): Promise<ReloadResult> => control.reload();
  // Every accepted reload (file watch, SIGHUP, the admin API) goes to every worker; the caller
  // gets its answer once they all applied it.
  afterReload = async () => {
    if (!pushConfig) return;
    pushConfig = false;
    flush();
    broadcast({ t: 'config', seq: ++seq, config: encoded(control), health: snapshot() });
    await settled();
  };
  let admin: AdminServer | null = null;
  try {
    admin = await control.startAdmin(opts.admin, opts.adminToken);
  } catch (e) {
    closing = true;
    await stopWorkers();
    control.close();
    throw e;
  }

  const addr = { address: want.host, port: want.port };
  log.info(
    { udp: listen, tcp: listen, workers: opts.workers },
    `listening on ${listen} (udp+tcp, ${opts.workers} workers)`,
  );

  let closed: Promise<void> | undefined;
  return {
    udp: addr,
    tcp: addr,
    admin: admin?.address ?? null,
    reload,
    settled,
    workers: () => [...live].map((w) => w.process.pid ?? 0),
    reopenQueryLog: async () => {
      for (const w of live) w.process.kill('SIGUSR1');
    },
    control,
    close: (how) => {
      closed ??= (async () => {
        closing = true;
        control.close(); // /readyz answers 503 from here on
        const lameDuck = how?.lameDuckMs ?? opts.lameDuckMs ?? 0;
        if (lameDuck > 0) {
          log.info({ lameDuckMs: lameDuck }, 'lame duck: not ready, workers still answering');
          await new Promise((r) => setTimeout(r, lameDuck));
        }
        await admin?.close();
        await stopWorkers();
        control.close();
      })();
      return closed;
    },
  };
}

/**
 * Young-generation size of the workers (MB per semi-space). V8's default lets each process's
 * young generation grow to 48 MB and keeps it committed; the workers' short-lived objects (a
 * query, its answer, a forwarded exchange) fit in far less. Measured on 10,000 endpoints: about
 * 20 MB less RSS per worker.
 */
export const WORKER_SEMI_SPACE_MB = 2;

/**
 * The Node flags workers start with: the primary's own, plus a small young generation unless the
 * primary's flags or NODE_OPTIONS size it already (the operator's choice wins), plus the old
 * generation's growth cap of PRIVATELINK_DNS_HEAP_GROWTH_PERCENT (see young-generation.ts).
 */
export function workerExecArgv(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const out = youngGenerationSized(execArgv, nodeOptions)
    ? [...execArgv]
    : [...execArgv, `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`];
  const growth = heapGrowthFlag(env);
  if (growth && !out.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a))) out.push(growth);
  return out;
}

/** The worker count for `--workers`: a positive integer, or "auto" (one per available core). */
export function parseWorkers(value: string, cores: number): number | null {
  if (value === 'auto') return Math.max(1, cores);
  if (!/^\d+$/.test(value)) return null;
  const n = Number(value);
  return n >= 1 && n <= 256 ? n : null;
}
