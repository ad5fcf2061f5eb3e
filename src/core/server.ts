/**
 * The serving part: the core (core.ts) plus the UDP and TCP listeners, the handler chain
 * (access → local → cache → forward) and the admin API. Everything is created per server;
 * nothing is global, so several servers can run in one process.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { AdminContext } from '../admin/context.js';
import { type AdminServer, checkAdminExposure } from '../admin/server.js';
import { ConfigError, type LoadedConfig } from '../config/problems.js';
import type { Config, ConfigInput } from '../config/schema.js';
import type { ProbeStatus } from '../health/probes.js';
import type { HealthState } from '../health/state.js';
import { type LogLevel, stdoutLogger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { formatHostPort, parseHostPort } from '../net/host-port.js';
import type { Catalog } from '../privatelink/catalog.js';
import { type NameInfo, ownedNames } from '../privatelink/owned-names.js';
import { AccessHandler, type AccessState, allowedClientTable } from '../resolve/access.js';
import { Chain } from '../resolve/chain.js';
import { chaseThrough } from '../resolve/chase.js';
import { FirewallHandler } from '../resolve/firewall.js';
import { createForwarding, type Forwarding, forwardingProblem } from '../resolve/forward/setup.js';
import { LocalHandler } from '../resolve/local.js';
import { NoViewNotice } from '../resolve/no-view-notice.js';
import { RateLimiter } from '../resolve/rate-limit.js';
import { firewallOf } from '../route53/firewall/of-config.js';
import { queryLogSettings } from '../route53/query-log/settings.js';
import { QueryLog } from '../route53/query-log/writer.js';
import { QueryEngine } from '../server/engine.js';
import { listenTcp, type TcpListener } from '../server/tcp.js';
import { listenUdp, type UdpListener } from '../server/udp.js';
import { systemUpstreams } from '../upstream/resolv-conf.js';
import { createCore, type ReloadResult } from './core.js';

export type { ConfigInput } from '../config/schema.js';
export type { LogLevel } from '../log/logger.js';
export type { NameInfo } from '../privatelink/owned-names.js';
export type { ReloadResult } from './core.js';

export const DEFAULT_LISTEN = '127.0.0.1:1053';
export const DEFAULT_PORT = 1053;

/** Options of {@link startServer}. */
export interface ServerOptions {
  /**
   * The config: a path to a YAML file, YAML text (anything containing a newline), or an object
   * in the same shape ({@link ConfigInput}: a misspelt field in an inline config fails to
   * compile). Required: there is no default.
   */
  config: string | ConfigInput;
  /** Where to serve UDP and TCP. Port 0 picks a free port. @default '127.0.0.1:1053' */
  listen?: string | { host: string; port: number };
  /** Upstream resolvers; override the config's. @default config upstreams, else /etc/resolv.conf */
  upstreams?: string[];
  /** Admin API address, or false. @default false */
  admin?: false | string;
  /**
   * Bearer token for the admin API (required when it is bound to a non-loopback address).
   * @default undefined: no token (loopback only)
   */
  adminToken?: string;
  /** A pino logger. @default pino at `logLevel` on stdout */
  logger?: Logger;
  /** Used when no logger is given. @default 'info' */
  logLevel?: LogLevel;
  /** Reload when the config file changes (file configs only). @default true for files */
  watch?: boolean;
  /** A reload reads the config file once it has not changed for this long (ms). @default 250 */
  settleMs?: number;
  /** How long close() waits for queries in flight. @default 2000 */
  shutdownGraceMs?: number;
  /**
   * Lame duck: how long close() keeps answering after `/readyz` has turned 503, so that load
   * balancers and Kubernetes stop sending queries before the sockets close (CoreDNS's health
   * `lameduck`). @default 0
   */
  lameDuckMs?: number;
  /** Run the configured health checks (cluster workers leave them to the primary). @default true */
  probes?: boolean;
  /**
   * Log "listening on ADDRESS" once started (false: "worker serving", for cluster workers, whose
   * primary announces the address once). @default true
   */
  announce?: boolean;
  /** Query log destination (`stdout` or a file) over the config's `queryLogs.destination`. */
  queryLog?: string;
  /** The state of `serve --sync-from-aws`, shown by `/readyz` and `/v1/sync`. */
  sync?: AdminContext['sync'];
  /**
   * Keep only the config's settings once its catalog is built, not its endpoints (cluster
   * workers; see `leanConfig` of `createCore`): `config()` then lists VPCs without endpoints and
   * `reload` needs a config. @default false
   */
  leanConfig?: boolean;
  /** Called with the first config once it is loaded and checked (with its endpoints, lean or not). */
  onLoaded?: (loaded: LoadedConfig) => void;
}

export interface Address {
  address: string;
  port: number;
}

/** A running server. */
export interface RunningServer {
  udp: Address;
  tcp: Address;
  /** The admin API address, or null when it is off. */
  admin: Address | null;
  /** Re-reads the config (files) and swaps it in atomically; an invalid one is rejected. */
  reload(config?: string | ConfigInput): Promise<ReloadResult>;
  /** Stops: lame duck (if any), then the listeners drain and close. */
  close(how?: { lameDuckMs?: number }): Promise<void>;
  /** Interface health (read/write), for tests and embedding. */
  readonly health: HealthState;
  readonly metrics: Metrics;
  /**
   * Every name the server owns right now, with its kind (regional, zonal, private), endpoint,
   * VPC (private names) and configured addresses: what tests and embedders should read rather
   * than {@link catalog}'s lookup tables.
   */
  names(): NameInfo[];
  /** The catalog queries are answered from right now (internal tables; prefer {@link names}). */
  catalog(): Catalog;
  config(): Config;
  /** What the health check of an interface has seen (undefined without a check). */
  probeStatus(key: string): ProbeStatus | undefined;
  /** Reopens the query log file (SIGUSR1, after logrotate); resolves once it is open. */
  reopenQueryLog(): Promise<void>;
}

function resolveListen(l: ServerOptions['listen']): { host: string; port: number } {
  if (l === undefined) return parseHostPort(DEFAULT_LISTEN, DEFAULT_PORT);
  if (typeof l === 'string') return parseHostPort(l, DEFAULT_PORT);
  return l;
}

/** Starts a server. Rejects with {@link ConfigError} for a bad config, or the bind error. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  // The closures below keep `opts`, never a config object given inline (see leanConfig).
  const { config: given, ...opts } = options;
  checkAdminExposure(opts.admin, opts.adminToken || undefined);
  const logger = opts.logger ?? stdoutLogger(opts.logLevel ?? 'info');
  const log = logger.child({ component: 'server' });
  const listen = resolveListen(opts.listen);
  const core = await createCore({
    config: given,
    logger,
    probes: opts.probes,
    watch: opts.watch,
    settleMs: opts.settleMs,
    sync: opts.sync,
    leanConfig: opts.leanConfig,
    onLoaded: opts.onLoaded,
  });
  const { metrics } = core;
  let access: AccessState = { catalog: core.catalog(), allowed: allowedClientTable(core.config()) };

  const rateLimiter = new RateLimiter(core.config().rateLimit);
  const packetLimit = (c: Config) => {
    const pps = c.resolverLimits?.packetsPerSecondPerInterface;
    return pps ? { queriesPerSecond: pps, burst: pps, action: 'drop' as const } : null;
  };
  const packetLimiter = new RateLimiter(packetLimit(core.config()));
  core.admin.throttled = (client) => packetLimiter.throttled(client);
  const accessHandler = new AccessHandler(() => access, { rateLimiter, packetLimiter, metrics });
  const local = new LocalHandler(() => access.catalog);
  let firewall: ReturnType<typeof firewallOf>;
  try {
    firewall = firewallOf(core.state().loaded);
  } catch (e) {
    core.close();
    throw e;
  }
  let rest = new Chain([local]);
  const firewallHandler = new FirewallHandler({ firewall: () => firewall, rest: () => rest, metrics });
  let chain = new Chain([accessHandler, firewallHandler, local]);
  const qlog = logger.child({ component: 'query-log' });
  const openQueryLog = (config: Config, current: QueryLog | null): QueryLog | null => {
    const s = queryLogSettings(config, opts.queryLog);
    if (!s) return null;
    if (current && current.destination === s.destination) return current;
    return new QueryLog(s.destination, { config: s, metrics, logger: qlog });
  };
  let queryLog: QueryLog | null;
  try {
    queryLog = openQueryLog(core.config(), null);
  } catch (e) {
    core.close();
    throw e;
  }
  const engine = new QueryEngine({
    onAnswer: (ctx, res) => queryLog?.record(ctx, res),
    chain: () => chain,
    metrics,
    logger: logger.child({ component: 'query' }),
    maxUdpSize: () => core.config().limits.maxUdpSize,
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
          () => core.config().limits,
        );
        break;
      } catch (e) {
        await udp.close();
        udp = undefined;
        if (listen.port !== 0 || attempt >= 10 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      }
    }
    upstreams = pickUpstreams(core.config());
    forwarding = createForwarding({
      config: core.config(),
      upstreams,
      logger: logger.child({ component: 'forward' }),
      metrics,
      catalog: () => access.catalog,
      selfAddresses: self,
    });
  } catch (e) {
    core.close();
    await udp?.close();
    await tcp?.close();
    throw e;
  }
  const fwd = forwarding;
  const notice = new NoViewNotice(() => access.catalog, logger.child({ component: 'query' }));
  rest = new Chain([local, notice, fwd.cache, fwd.forward]);
  chain = new Chain([accessHandler, firewallHandler, ...rest.handlers]);
  local.chase = chaseThrough(() => [fwd.cache, fwd.forward]);

  // Reloads: the forwarder checks the new upstreams first (this server itself is refused), then
  // the access state and the forwarder switch together.
  core.addStep({
    prepare(next) {
      const config = next.loaded.config;
      let commitForwarding: () => void;
      try {
        commitForwarding = fwd.prepare(config, pickUpstreams(config), next.catalog);
      } catch (e) {
        throw new ConfigError([forwardingProblem(next.loaded, e)]);
      }
      const allowed = allowedClientTable(config);
      const nextFirewall = firewallOf(next.loaded);
      let nextLog: QueryLog | null;
      try {
        nextLog = openQueryLog(config, queryLog);
      } catch (e) {
        throw new ConfigError([
          {
            code: 'config.load-failed',
            file: next.loaded.file,
            line: 1,
            col: 1,
            path: 'queryLogs.destination',
            message: `cannot open the query log: ${(e as Error).message}`,
          },
        ]);
      }
      return () => {
        const settings = queryLogSettings(config, opts.queryLog);
        if (nextLog && settings) nextLog.configure(settings);
        if (queryLog && queryLog !== nextLog) void queryLog.close();
        queryLog = nextLog;
        access = { catalog: next.catalog, allowed };
        firewall = nextFirewall;
        rateLimiter.configure(config.rateLimit);
        packetLimiter.configure(packetLimit(config));
        commitForwarding();
      };
    },
  });
  const reload = (source?: string | ConfigInput) => core.reload(source);

  const udpAddr = { address: udp.address.address, port: udp.address.port };
  const tcpAddr = { address: tcp.address.address, port: tcp.address.port };

  let closing: Promise<void> | undefined;
  const u = udp;
  const t = tcp;
  let admin: AdminServer | null = null;
  try {
    admin = await core.startAdmin(opts.admin, opts.adminToken);
  } catch (e) {
    core.close();
    await Promise.all([u.close(), t.close(), fwd.close()]);
    throw e;
  }
  // Announced once everything is up (the admin API too): a start that fails never logged it.
  log.info(
    {
      udp: formatHostPort({ host: udpAddr.address, port: udpAddr.port }),
      tcp: formatHostPort({ host: tcpAddr.address, port: tcpAddr.port }),
      upstreams,
      ...core.summary(),
    },
    opts.announce === false
      ? 'worker serving'
      : `listening on ${formatHostPort({ host: udpAddr.address, port: udpAddr.port })} (udp+tcp)`,
  );
  return {
    udp: udpAddr,
    tcp: tcpAddr,
    admin: admin?.address ?? null,
    reload,
    health: core.health,
    metrics,
    names: () => ownedNames(core.catalog()),
    catalog: core.catalog,
    config: core.config,
    probeStatus: core.probeStatus,
    reopenQueryLog: async () => {
      await queryLog?.reopen();
    },
    close: (how) => {
      closing ??= (async () => {
        const grace = opts.shutdownGraceMs ?? 2000;
        core.close(); // /readyz answers 503 from here on
        const lameDuck = how?.lameDuckMs ?? opts.lameDuckMs ?? 0;
        if (lameDuck > 0) {
          log.info({ lameDuckMs: lameDuck }, 'lame duck: not ready, still answering');
          await new Promise((r) => setTimeout(r, lameDuck));
        }
        await admin?.close();
        await Promise.all([u.close(grace), t.close(grace)]);
        await fwd.close();
        await queryLog?.close();
        log.info('stopped');
      })();
      return closing;
    },
  };
}
