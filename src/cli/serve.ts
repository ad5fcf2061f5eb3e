/** `privatelink-dns serve`: run the server until SIGINT/SIGTERM; SIGHUP reloads the config. */
import { availableParallelism } from 'node:os';
import { checkAdminExposure } from '../admin/server.js';
import { parseWorkers, startCluster } from '../cluster/primary.js';
import { bundledNotice, chooseConfig, LOCAL_CONFIG } from '../config/discover.js';
import { ConfigError, pathText } from '../config/problems.js';
import type { Config } from '../config/schema.js';
import { collectGarbageSoon } from '../core/heap.js';
import { DEFAULT_LISTEN, DEFAULT_PORT, startServer } from '../core/server.js';
import { capHeapGrowth, keepYoungGenerationSmall } from '../core/young-generation.js';
import { type PortHolder, port53Hint, portHolders } from '../errors/port-holders.js';
import { listenError, listenErrorInfo, StartupError } from '../errors/startup.js';
import { troubleshooting } from '../errors/troubleshooting.js';
import {
  defaultLogFormat,
  LOG_FORMATS,
  LOG_LEVELS,
  type LogFormat,
  type LogLevel,
  stdoutLogger,
} from '../log/logger.js';
import { formatHostPort, parseHostPort } from '../net/host-port.js';
import { serviceWarnings } from '../privatelink/service-list.js';
import { parseCli } from './args.js';
import { AWS_OPTIONS } from './aws-options.js';
import type { CliIo } from './io.js';

export const SERVE_USAGE = `Usage: privatelink-dns serve [options]

Options (each also from the environment: --log-level ← $PRIVATELINK_DNS_LOG_LEVEL; a flag wins):
  -c, --config FILE     config file (default: ./${LOCAL_CONFIG} if present, else the bundled
                        example config/endpoints.yaml)
  --listen HOST:PORT    UDP and TCP address (default ${DEFAULT_LISTEN}; port 0 picks a free port)
  --upstream HOST[:PORT]  upstream resolver, repeatable; overrides the config
                        (default: config upstreams, else /etc/resolv.conf)
  --admin HOST:PORT|off admin HTTP API (default 127.0.0.1:8053)
  --admin-token TOKEN   bearer token for the admin API (required off loopback); prefer
                        $PRIVATELINK_DNS_ADMIN_TOKEN, which \`ps\` does not show
  --log-level LEVEL     trace|debug|info|warn|error|fatal|silent (default info)
  --log-format FORMAT   json|pretty (default: pretty on a terminal, else json)
  --workers N|auto      processes answering queries on the shared sockets (default 1;
                        auto: one per core); health, admin and reloads stay in one place
  --lame-duck DURATION  on SIGTERM, keep answering this long after /readyz turns 503
                        (e.g. 5s or 500ms; default 0: SIGINT never waits)
  --query-log FILE|stdout  write Resolver query logs there (over queryLogs.destination);
                        SIGUSR1 reopens the file (logrotate)
  -h, --help            this help

Following AWS (instead of --config; SIGHUP reads the APIs at once):
  --sync-from-aws       build the config from the EC2 and Route 53 APIs (as "sync" does) and
                        read them again every --sync-interval, swapping changes in like a reload;
                        a failed read keeps the last good config serving
  --sync-interval DURATION  time between reads (e.g. 60s, 5m, 500ms; default 60s; at least 100ms)
  --region REGION, --vpc-id VPC (repeatable), --profile PROFILE, --endpoint-url URL,
  --client-cidrs CIDRS, --no-hosted-zones   as for "sync"`;

/** The options of `serve`, as parseArgs takes them. */
export const SERVE_OPTIONS = {
  config: { type: 'string', short: 'c' },
  listen: { type: 'string' },
  upstream: { type: 'string', multiple: true },
  admin: { type: 'string' },
  'admin-token': { type: 'string' },
  'log-level': { type: 'string' },
  'log-format': { type: 'string' },
  workers: { type: 'string' },
  'lame-duck': { type: 'string' },
  'query-log': { type: 'string' },
  'sync-from-aws': { type: 'boolean' },
  'sync-interval': { type: 'string' },
  ...AWS_OPTIONS,
  help: { type: 'boolean', short: 'h' },
} as const;

/** A --listen or --admin address that names its port; the usage error otherwise. */
function addressError(flag: string, text: string, example: string): string | undefined {
  let hp: { host: string; port: number };
  try {
    hp = parseHostPort(text, -1);
  } catch (e) {
    return `${flag} ${(e as Error).message}`;
  }
  if (hp.port === -1)
    return `${flag} ${text} has no port: write ${formatHostPort({ host: hp.host, port: Number(example) })} (port 0 picks a free port)`;
  return undefined;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCli('serve', argv, SERVE_OPTIONS, io);
  if (!parsed) return 2;
  const { values, flag } = parsed;
  if (values.help) {
    io.stdout.write(`${SERVE_USAGE}\n`);
    return 0;
  }
  const usage = (msg: string) => {
    io.stderr.write(`privatelink-dns serve: ${msg}\n`);
    return 2;
  };
  const level = (values['log-level'] ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(level))
    return usage(`${flag('log-level')} must be one of ${LOG_LEVELS.join(', ')}`);
  const format = (values['log-format'] ?? defaultLogFormat()) as LogFormat;
  if (!LOG_FORMATS.includes(format))
    return usage(`${flag('log-format')} must be one of ${LOG_FORMATS.join(', ')}`);
  const lameDuckMs = parseDuration(values['lame-duck'] ?? '0');
  if (lameDuckMs === null)
    return usage(`${flag('lame-duck')} must be a duration such as 5s or 500ms (at most 60s)`);
  const workers = parseWorkers(values.workers ?? '1', availableParallelism());
  if (workers === null) return usage(`${flag('workers')} must be a number from 1 to 256, or auto`);
  // bin/privatelink-dns has set it before the modules loaded; again for a serve called in-process.
  keepYoungGenerationSmall();
  capHeapGrowth();
  if (values.listen !== undefined) {
    const bad = addressError(flag('listen'), values.listen, String(DEFAULT_PORT));
    if (bad) return usage(bad);
  }
  if (values.admin !== undefined && values.admin !== 'off') {
    const bad = addressError(flag('admin'), values.admin, '8053');
    if (bad) return usage(bad);
  }
  const admin = values.admin === 'off' ? false : (values.admin ?? '127.0.0.1:8053');
  const adminToken = values['admin-token'] || undefined;
  const choice = chooseConfig(values.config);
  const configPath = choice.path;
  const logger = stdoutLogger(level, format);
  // Refused before anything is opened or logged.
  try {
    checkAdminExposure(admin, adminToken);
  } catch (e) {
    io.stderr.write(`privatelink-dns: ${(e as Error).message}\n`);
    return 1;
  }
  const follow = values['sync-from-aws'] === true;
  // AWS flags without --sync-from-aws are a mistake on the command line; from the environment
  // (set for "sync") they are left unused.
  const awsFlags = ([...Object.keys(AWS_OPTIONS), 'sync-interval'] as (keyof typeof SERVE_OPTIONS)[]).filter(
    (k) => values[k] !== undefined,
  );
  let intervalMs = 60_000;
  let clientCidrs: string[] = [];
  if (!follow) {
    const given = awsFlags.find((k) => flag(k) === `--${k}`);
    if (given) return usage(`--${given} goes with --sync-from-aws`);
  }
  if (follow) {
    const { clientCidrsOf, endpointUrlProblem } = await import('./sync.js');
    // A config named on the command line contradicts the flag; $PRIVATELINK_DNS_CONFIG is left unused.
    if (values.config !== undefined && flag('config') === '--config')
      return usage('--sync-from-aws builds the config from AWS; it does not take --config');
    if (workers > 1) return usage(`--sync-from-aws runs one process; leave out ${flag('workers')}`);
    const interval = parseInterval(values['sync-interval'] ?? '60s');
    if (interval === null)
      return usage(
        `${flag('sync-interval')} must be a duration such as 60s, 5m or 500ms (at least 100ms, at most 24h)`,
      );
    intervalMs = interval;
    const cidrs = clientCidrsOf(values['client-cidrs']);
    if (typeof cidrs === 'string') return usage(cidrs);
    clientCidrs = cidrs;
    const urlProblem = endpointUrlProblem(values['endpoint-url']);
    if (urlProblem) return usage(urlProblem);
  } else if (choice.source === 'bundled') logger.info({ config: configPath }, bundledNotice(configPath));
  let server:
    | {
        close(how?: { lameDuckMs?: number }): Promise<void>;
        reload(): Promise<unknown>;
        reopenQueryLog(): Promise<void>;
      }
    | undefined;
  let syncError: ((e: unknown) => string | null) | undefined;
  // SIGHUP reloads; registered before startup so that an early one does not end the process.
  let hupWhileStarting = false;
  const reload = () => {
    if (!server) {
      hupWhileStarting = true;
      return;
    }
    server.reload().catch((err) => logger.error({ err: (err as Error).message }, 'reload failed'));
  };
  process.on('SIGHUP', reload);
  // SIGINT and SIGTERM while starting (the "listening on" line may already be out): remembered
  // and acted on once the server runs, so an early one is neither lost nor fatal; a second one
  // exits at once.
  let earlySignal: NodeJS.Signals | null = null;
  const onEarlySignal = (sig: NodeJS.Signals) => {
    if (earlySignal) {
      io.stderr.write(`privatelink-dns: ${sig} again while starting: exiting\n`);
      process.exit(1);
    }
    earlySignal = sig;
  };
  process.on('SIGINT', onEarlySignal);
  process.on('SIGTERM', onEarlySignal);
  const dropEarlySignals = () => {
    process.off('SIGINT', onEarlySignal);
    process.off('SIGTERM', onEarlySignal);
  };
  let started: Config;
  // SIGUSR1 reopens the query log (logrotate); also keeps Node from starting its inspector.
  process.on('SIGUSR1', () => {
    server
      ?.reopenQueryLog()
      .catch((err) => logger.error({ err: (err as Error).message }, 'query log reopen failed'));
  });
  try {
    const common = {
      config: configPath,
      listen: values.listen,
      upstreams: values.upstream,
      admin,
      adminToken,
      logger,
      lameDuckMs,
      queryLog: values['query-log'],
    } as const;
    if (follow) {
      const { startSyncedServer } = await import('../sync/server.js');
      const { SyncError } = await import('../sync/aws.js');
      const { ImportError } = await import('../privatelink/import.js');
      syncError = (e) =>
        e instanceof SyncError ? e.message : e instanceof ImportError ? e.problems.join('; ') : null;
      const { config: _c, ...rest } = common;
      const synced = await startSyncedServer({
        ...rest,
        aws: {
          region: values.region,
          vpcIds: values['vpc-id'] ?? [],
          profile: values.profile,
          endpointUrl: values['endpoint-url'],
          hostedZones: values['no-hosted-zones'] !== true,
        },
        clientCidrs,
        intervalMs,
      });
      started = synced.config();
      server = synced;
    } else if (workers > 1) {
      const c = await startCluster({ ...common, workers, logLevel: level, logFormat: format });
      started = c.control.config();
      server = c;
    } else {
      // The server keeps the catalog, not the config's endpoints (the admin API reads the
      // catalog; 11-15 MB of heap with 10,000 endpoints); the warnings below read them once.
      let first: Config | undefined;
      const one = await startServer({
        ...common,
        leanConfig: true,
        onLoaded: (loaded) => {
          first = loaded.config;
        },
      });
      started = first ?? one.config();
      first = undefined;
      server = one;
    }
  } catch (e) {
    process.off('SIGHUP', reload);
    dropEarlySignals();
    const fromAws = syncError?.(e);
    if (fromAws) {
      io.stderr.write(`privatelink-dns serve: --sync-from-aws: ${fromAws}\n`);
      return 1;
    }
    if (e instanceof ConfigError) {
      io.stderr.write(`${e.message}\n`);
      io.stderr.write(`privatelink-dns: the config has ${e.problems.length} problem(s); not starting\n`);
      return 1;
    }
    io.stderr.write(`privatelink-dns: ${describeStartError(e, values.listen)}\n`);
    return 1;
  }
  // Services and Regions the shipped lists do not know: warnings, the server runs.
  for (const w of serviceWarnings(started)) logger.warn({ code: w.code, path: pathText(w.path) }, w.message);
  const running = server;
  if (hupWhileStarting) reload();
  collectGarbageSoon();
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (sig: string) => {
      if (stopping) {
        // A second signal: the operator does not want to wait for the graceful close.
        io.stderr.write(`privatelink-dns: ${sig} again: exiting without waiting\n`);
        resolve(1);
        return;
      }
      stopping = true;
      logger.info({ signal: sig }, 'shutting down');
      // The close is bounded (listeners wait at most their grace time); never hang beyond it.
      const limit = 10_000 + (sig === 'SIGTERM' ? lameDuckMs : 0);
      setTimeout(() => {
        io.stderr.write(`privatelink-dns: shutdown took longer than ${limit / 1000} s; exiting\n`);
        resolve(1);
      }, limit).unref();
      // Lame duck only for SIGTERM (orchestrators); Ctrl-C stops at once.
      const wait = sig === 'SIGTERM' ? lameDuckMs : 0;
      running.close({ lameDuckMs: wait }).then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    dropEarlySignals();
    if (earlySignal) stop(earlySignal);
  });
}

/**
 * One line for a start-up failure: the error's own message when it has a catalog code (the admin
 * API), the catalog's words for a listen error of the DNS listeners (raw socket errors, also
 * from cluster workers), else the error's message.
 */
export function describeStartError(
  e: unknown,
  listen: string | undefined,
  holders: (port: number) => PortHolder[] = portHolders,
): string {
  if (e instanceof StartupError) return e.message;
  const err = e as NodeJS.ErrnoException;
  if (listenErrorInfo(err?.code)) {
    const address = listen ?? DEFAULT_LISTEN;
    const message = listenError('cannot listen', address, e).message;
    let port = -1;
    try {
      port = parseHostPort(address, DEFAULT_PORT).port;
    } catch {
      // the address was checked before; keep the message as it is
    }
    if (err.code === 'EADDRINUSE' && port === 53) return `${message}${port53Hint(holders(53))}`;
    if (err.code === 'EACCES') return `${message}: see ${troubleshooting('running-without-root')}`;
    return message;
  }
  return err?.message ?? String(e);
}

/** A poll interval: `500ms`, `60s`, `5m`, `1h` or plain milliseconds; 100 ms to 24 h. Null otherwise. */
export function parseInterval(text: string): number | null {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 'ms'] ?? 1;
  const ms = Number(m[1]) * unit;
  return ms >= 100 && ms <= 86_400_000 ? ms : null;
}

/** A duration: `500ms`, `5s`, or plain milliseconds; at most a minute. Null when it is not one. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)(ms|s)?$/.exec(text.trim());
  if (!m) return null;
  const ms = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  return ms <= 60_000 ? ms : null;
}
