/**
 * The composition root: config → catalog + health → handler chain → UDP/TCP listeners (+ admin).
 * Everything is created per server; nothing is global, so several servers can run in one process.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { type AdminServer, startAdmin } from './admin/server.js';
import {
  ConfigError,
  type ConfigProblem,
  formatProblem,
  type LoadedConfig,
  loadConfigFile,
  loadFailedProblem,
  parseConfigObject,
  parseConfigText,
  pathText,
} from './config/load.js';
import type { Config } from './config/schema.js';
import { type ConfigWatcher, watchConfig } from './config/watch.js';
import { Prober, type ProbeStatus } from './health/probes.js';
import { HealthState } from './health/state.js';
import { stdoutLogger } from './log/logger.js';
import { Metrics } from './metrics/metrics.js';
import type { CidrTable } from './net/cidr.js';
import { formatHostPort, parseHostPort } from './net/host-port.js';
import { buildCatalog, type Catalog } from './privatelink/catalog.js';
import { AccessHandler, allowedClientTable } from './resolve/access.js';
import { Chain } from './resolve/chain.js';
import { createForwarding, type Forwarding } from './resolve/forwarding.js';
import { LocalHandler } from './resolve/local.js';
import { RateLimiter } from './resolve/rate-limit.js';
import { QueryEngine } from './server/engine.js';
import { listenTcp, type TcpListener } from './server/tcp.js';
import { listenUdp, type UdpListener } from './server/udp.js';
import { configProblemCode } from './upstream/errors.js';
import { systemUpstreams } from './upstream/resolv-conf.js';

export const DEFAULT_LISTEN = '127.0.0.1:1053';
export const DEFAULT_PORT = 1053;

/** Options of {@link startServer}. */
export interface ServerOptions {
  /**
   * The config: a path to a YAML file, YAML text (anything containing a newline), or an object
   * in the same shape.
   */
  config: string | object;
  /** Where to serve UDP and TCP. Port 0 picks a free port. @default '127.0.0.1:1053' */
  listen?: string | { host: string; port: number };
  /** Upstream resolvers; override the config's. @default config upstreams, else /etc/resolv.conf */
  upstreams?: string[];
  /** Admin API address, or false. @default false */
  admin?: false | string;
  /** Bearer token for the admin API (required when it is bound to a non-loopback address). */
  adminToken?: string;
  /** A pino logger. @default pino at `logLevel` on stdout */
  logger?: Logger;
  /** Used when no logger is given. @default 'info' */
  logLevel?: string;
  /** Reload when the config file changes (file configs only). @default true for files */
  watch?: boolean;
  /** How long close() waits for queries in flight. @default 2000 */
  shutdownGraceMs?: number;
  /** Run the configured health checks (cluster workers leave them to the primary). @default true */
  probes?: boolean;
}

export interface Address {
  address: string;
  port: number;
}

export type ReloadResult = { ok: true; changed: boolean } | { ok: false; problems: ConfigProblem[] };

/** A running server. */
export interface RunningServer {
  udp: Address;
  tcp: Address;
  /** The admin API address, or null when it is off. */
  admin: Address | null;
  /** Re-reads the config (files) and swaps it in atomically; an invalid one is rejected. */
  reload(config?: string | object): Promise<ReloadResult>;
  close(): Promise<void>;
  /** Interface health (read/write), for tests and embedding. */
  readonly health: HealthState;
  readonly metrics: Metrics;
  /** The catalog queries are answered from right now. */
  catalog(): Catalog;
  config(): Config;
  /** What the health check of an interface has seen (undefined without a check). */
  probeStatus(key: string): ProbeStatus | undefined;
}

/** What queries read, swapped as one object on reload. */
interface State {
  loaded: LoadedConfig;
  catalog: Catalog;
  allowed: CidrTable<true>;
}

function loadSource(src: string | object): LoadedConfig {
  if (typeof src === 'string') return src.includes('\n') ? parseConfigText(src) : loadConfigFile(src);
  return parseConfigObject(src);
}

function resolveListen(l: ServerOptions['listen']): { host: string; port: number } {
  if (l === undefined) return parseHostPort(DEFAULT_LISTEN, DEFAULT_PORT);
  if (typeof l === 'string') return parseHostPort(l, DEFAULT_PORT);
  return l;
}

/** Starts a server. Rejects with {@link ConfigError} for a bad config, or the bind error. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const logger = opts.logger ?? stdoutLogger(opts.logLevel ?? 'info');
  const log = logger.child({ component: 'server' });
  const metrics = new Metrics();
  const health = new HealthState();
  const listen = resolveListen(opts.listen);

  const first = loadSource(opts.config);
  health.setConfigImpaired(first.config.impairedAzs);
  let state: State = {
    loaded: first,
    catalog: buildCatalog(first.config, health),
    allowed: allowedClientTable(first.config),
  };
  health.onTransition((t) =>
    logger
      .child({ component: 'health' })
      .info(
        { endpoint: t.endpointId, az: t.az, healthy: t.healthy, reason: t.reason },
        `interface ${t.endpointId} ${t.az} ${t.healthy ? 'healthy' : 'unhealthy'}: ${t.reason}`,
      ),
  );

  const rateLimiter = new RateLimiter(first.config.rateLimit);
  const access = new AccessHandler(() => state, { rateLimiter, metrics });
  const local = new LocalHandler(() => state.catalog);
  let chain = new Chain([access, local]);
  const engine = new QueryEngine({
    chain: () => chain,
    metrics,
    logger: logger.child({ component: 'query' }),
    maxUdpSize: () => state.loaded.config.limits.maxUdpSize,
  });

  let udp: UdpListener | undefined;
  let tcp: TcpListener | undefined;
  let forwarding: Forwarding | undefined;
  let upstreams: string[] = [];
  const self = (): Address[] => (udp ? [{ address: udp.address.address, port: udp.address.port }] : []);
  const pickUpstreams = (config: Config): string[] => {
    if (opts.upstreams?.length) return opts.upstreams;
    if (config.upstreams?.length) return config.upstreams;
    let text = '';
    try {
      text = readFileSync('/etc/resolv.conf', 'utf8');
    } catch {
      log.warn('no upstreams configured and /etc/resolv.conf is unreadable: forwarded queries will fail');
    }
    return systemUpstreams(text, self());
  };

  try {
    // UDP first: with port 0 the TCP listener takes the port UDP got. That TCP port may be taken
    // (e.g. by an outgoing connection's ephemeral port): then try another free UDP port.
    for (let attempt = 1; ; attempt++) {
      udp = await listenUdp(listen.host, listen.port, engine, logger.child({ component: 'udp' }));
      try {
        tcp = await listenTcp(
          listen.host,
          udp.address.port,
          engine,
          logger.child({ component: 'tcp' }),
          metrics,
          () => state.loaded.config.limits,
        );
        break;
      } catch (e) {
        await udp.close();
        udp = undefined;
        if (listen.port !== 0 || attempt >= 10 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      }
    }
    upstreams = pickUpstreams(first.config);
    forwarding = createForwarding({
      config: first.config,
      upstreams,
      logger: logger.child({ component: 'forward' }),
      metrics,
      catalog: () => state.catalog,
      selfAddresses: self,
    });
  } catch (e) {
    await udp?.close();
    await tcp?.close();
    throw e;
  }
  const fwd = forwarding;
  chain = new Chain([access, local, fwd.cache, fwd.forward]);
  const prober =
    opts.probes === false ? null : new Prober(health, logger.child({ component: 'probe' }), metrics);
  prober?.update(state.catalog);

  const rejected = (problems: ConfigProblem[]): ReloadResult => {
    metrics.inc('config_reloads', { result: 'failure' });
    log.error(
      { problems: problems.map(formatProblem) },
      'config reload rejected; the previous config keeps serving',
    );
    return { ok: false, problems };
  };

  const reload = async (source?: string | object): Promise<ReloadResult> => {
    let next: LoadedConfig;
    try {
      next = loadSource(source ?? (typeof opts.config === 'string' ? opts.config : state.loaded.config));
    } catch (e) {
      return rejected(e instanceof ConfigError ? e.problems : [loadFailedProblem(String(opts.config), e)]);
    }
    const prev = state;
    const catalog = buildCatalog(next.config, health);
    // Swapped before the forwarder reloads: it clears cached answers for names this catalog owns.
    // Everything up to the end of the catch below is synchronous, so no query sees a rolled-back state.
    state = { loaded: next, catalog, allowed: allowedClientTable(next.config) };
    try {
      fwd.reload(next.config, pickUpstreams(next.config));
    } catch (e) {
      // An upstream the forwarder refuses (this server itself): reject the whole config.
      state = prev;
      buildCatalog(prev.loaded.config, health); // re-registers the previous static health
      health.retain(prev.catalog.healthKeys);
      return rejected([upstreamProblem(next, e)]);
    }
    health.retain(catalog.healthKeys);
    health.setConfigImpaired(next.config.impairedAzs);
    rateLimiter.configure(next.config.rateLimit);
    prober?.update(catalog);
    metrics.inc('config_reloads', { result: 'success' });
    log.info(summary(next, catalog), 'config reloaded');
    return { ok: true, changed: true };
  };

  const isFile = typeof opts.config === 'string' && !opts.config.includes('\n');
  let watcher: ConfigWatcher | null = null;
  if (isFile && opts.watch !== false) {
    watcher = watchConfig(opts.config as string, () => void reload(), {
      onError: (err) => log.error({ err }, 'config watch failed'),
    });
  }

  const udpAddr = { address: udp.address.address, port: udp.address.port };
  const tcpAddr = { address: tcp.address.address, port: tcp.address.port };
  log.info(
    {
      udp: formatHostPort({ host: udpAddr.address, port: udpAddr.port }),
      tcp: formatHostPort({ host: tcpAddr.address, port: tcpAddr.port }),
      upstreams,
      ...summary(first, state.catalog),
    },
    `listening on ${formatHostPort({ host: udpAddr.address, port: udpAddr.port })} (udp+tcp)`,
  );

  let closing: Promise<void> | undefined;
  const u = udp;
  const t = tcp;
  let admin: AdminServer | null = null;
  if (opts.admin) {
    try {
      admin = await startAdmin({
        listen: opts.admin,
        token: opts.adminToken,
        logger: logger.child({ component: 'admin' }),
        ctx: {
          health,
          metrics,
          catalog: () => state.catalog,
          config: () => state.loaded.config,
          reload,
          ready: () => !closing,
          probes: (key) => prober?.status(key),
        },
      });
    } catch (e) {
      watcher?.close();
      prober?.close();
      await Promise.all([u.close(), t.close(), fwd.close()]);
      throw e;
    }
  }
  return {
    udp: udpAddr,
    tcp: tcpAddr,
    admin: admin?.address ?? null,
    reload,
    health,
    metrics,
    catalog: () => state.catalog,
    config: () => state.loaded.config,
    probeStatus: (key) => prober?.status(key),
    close: () => {
      closing ??= (async () => {
        const grace = opts.shutdownGraceMs ?? 2000;
        watcher?.close();
        prober?.close();
        await admin?.close();
        await Promise.all([u.close(grace), t.close(grace)]);
        await fwd.close();
        log.info('stopped');
      })();
      return closing;
    },
  };
}

/** A problem for an upstream the forwarder refused, placed at that upstream in the config when it is there. */
function upstreamProblem(l: LoadedConfig, e: unknown): ConfigProblem {
  const bad = (e as { upstream?: unknown }).upstream;
  let path: (string | number)[] = [];
  const rules = l.config.forwardingRules;
  for (let i = rules.length - 1; i >= 0; i--) {
    const j = rules[i].upstreams.indexOf(bad as string);
    if (j >= 0) path = ['forwardingRules', i, 'upstreams', j];
  }
  const k = l.config.upstreams?.indexOf(bad as string) ?? -1;
  if (k >= 0) path = ['upstreams', k];
  const pos = l.locate(path);
  return {
    code: configProblemCode(e),
    file: l.file,
    line: pos.line,
    col: pos.col,
    path: pathText(path),
    message: e instanceof Error ? e.message : String(e),
  };
}

function summary(l: LoadedConfig, c: Catalog): Record<string, unknown> {
  return {
    config: l.file,
    vpcs: l.config.vpcs.length,
    endpoints: c.endpoints.length,
    interfaces: c.endpoints.reduce((n, e) => n + e.interfaces.length, 0),
    names: c.publicNames.size + c.views.reduce((n, v) => n + v.names.size + v.wildcards.size, 0),
  };
}
