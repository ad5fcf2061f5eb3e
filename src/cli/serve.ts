/** `privatelink-dns serve`: run the server until SIGINT/SIGTERM; SIGHUP reloads the config. */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { parseWorkers, startCluster } from '../cluster/primary.js';
import { defaultConfigPath } from '../config/paths.js';
import { ConfigError } from '../config/problems.js';
import { DEFAULT_LISTEN, startServer } from '../core/server.js';
import { listenError, listenErrorInfo, StartupError } from '../errors/startup.js';
import { stdoutLogger } from '../log/logger.js';
import { AWS_OPTIONS } from './aws-options.js';
import type { CliIo } from './io.js';

export const SERVE_USAGE = `Usage: privatelink-dns serve [options]

Options:
  --config FILE         config file (default: the bundled config/endpoints.yaml)
  --listen HOST:PORT    UDP and TCP address (default ${DEFAULT_LISTEN}; port 0 picks a free port)
  --upstream HOST[:PORT]  upstream resolver, repeatable; overrides the config
                        (default: config upstreams, else /etc/resolv.conf)
  --admin HOST:PORT|off admin HTTP API (default 127.0.0.1:8053)
  --admin-token TOKEN   bearer token for the admin API (required off loopback;
                        default: $PRIVATELINK_DNS_ADMIN_TOKEN)
  --log-level LEVEL     trace|debug|info|warn|error|fatal|silent (default info)
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

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export async function run(argv: string[], io: CliIo): Promise<number> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        listen: { type: 'string' },
        upstream: { type: 'string', multiple: true },
        admin: { type: 'string' },
        'admin-token': { type: 'string' },
        'log-level': { type: 'string' },
        workers: { type: 'string' },
        'lame-duck': { type: 'string' },
        'query-log': { type: 'string' },
        'sync-from-aws': { type: 'boolean' },
        'sync-interval': { type: 'string' },
        ...AWS_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    io.stderr.write(`privatelink-dns serve: ${(e as Error).message}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${SERVE_USAGE}\n`);
    return 0;
  }
  const level = (values['log-level'] as string | undefined) ?? 'info';
  if (!LEVELS.includes(level)) {
    io.stderr.write(`privatelink-dns serve: --log-level must be one of ${LEVELS.join(', ')}\n`);
    return 2;
  }
  const lameDuckMs = parseDuration((values['lame-duck'] as string | undefined) ?? '0');
  if (lameDuckMs === null) {
    io.stderr.write(
      'privatelink-dns serve: --lame-duck must be a duration such as 5s or 500ms (at most 60s)\n',
    );
    return 2;
  }
  const workers = parseWorkers((values.workers as string | undefined) ?? '1', availableParallelism());
  if (workers === null) {
    io.stderr.write('privatelink-dns serve: --workers must be a number from 1 to 256, or auto\n');
    return 2;
  }
  const follow = values['sync-from-aws'] === true;
  const awsFlags = [...Object.keys(AWS_OPTIONS), 'sync-interval'].filter((k) => values[k] !== undefined);
  let intervalMs = 60_000;
  let clientCidrs: string[] = [];
  if (!follow && awsFlags.length) {
    io.stderr.write(`privatelink-dns serve: --${awsFlags[0]} goes with --sync-from-aws\n`);
    return 2;
  }
  if (follow) {
    const { clientCidrsOf, endpointUrlProblem } = await import('./sync.js');
    const problem = (msg: string) => {
      io.stderr.write(`privatelink-dns serve: ${msg}\n`);
      return 2;
    };
    if (values.config !== undefined)
      return problem('--sync-from-aws builds the config from AWS; it does not take --config');
    if (workers > 1) return problem('--sync-from-aws runs one process; leave out --workers');
    const interval = parseInterval((values['sync-interval'] as string | undefined) ?? '60s');
    if (interval === null)
      return problem(
        '--sync-interval must be a duration such as 60s, 5m or 500ms (at least 100ms, at most 24h)',
      );
    intervalMs = interval;
    const cidrs = clientCidrsOf(values['client-cidrs']);
    if (typeof cidrs === 'string') return problem(cidrs);
    clientCidrs = cidrs;
    const urlProblem = endpointUrlProblem(values['endpoint-url']);
    if (urlProblem) return problem(urlProblem);
  }
  const configPath = (values.config as string | undefined) ?? defaultConfigPath();
  const logger = stdoutLogger(level);
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
    server.reload().catch((err) => logger.error({ err }, 'reload failed'));
  };
  process.on('SIGHUP', reload);
  // SIGUSR1 reopens the query log (logrotate); also keeps Node from starting its inspector.
  process.on('SIGUSR1', () => {
    server?.reopenQueryLog().catch((err) => logger.error({ err }, 'query log reopen failed'));
  });
  try {
    const common = {
      config: configPath,
      listen: values.listen as string | undefined,
      upstreams: values.upstream as string[] | undefined,
      admin: values.admin === 'off' ? false : ((values.admin as string | undefined) ?? '127.0.0.1:8053'),
      adminToken:
        (values['admin-token'] as string | undefined) ??
        (process.env.PRIVATELINK_DNS_ADMIN_TOKEN || undefined),
      logger,
      lameDuckMs,
      queryLog: values['query-log'] as string | undefined,
    } as const;
    if (follow) {
      const { startSyncedServer } = await import('../sync/server.js');
      const { SyncError } = await import('../sync/aws.js');
      const { ImportError } = await import('../privatelink/import.js');
      syncError = (e) =>
        e instanceof SyncError ? e.message : e instanceof ImportError ? e.problems.join('; ') : null;
      const { config: _c, ...rest } = common;
      server = await startSyncedServer({
        ...rest,
        aws: {
          region: values.region as string | undefined,
          vpcIds: (values['vpc-id'] as string[] | undefined) ?? [],
          profile: values.profile as string | undefined,
          endpointUrl: values['endpoint-url'] as string | undefined,
          hostedZones: values['no-hosted-zones'] !== true,
        },
        clientCidrs,
        intervalMs,
      });
    } else
      server =
        workers > 1 ? await startCluster({ ...common, workers, logLevel: level }) : await startServer(common);
  } catch (e) {
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
    io.stderr.write(`privatelink-dns: ${describeStartError(e, values.listen as string | undefined)}\n`);
    return 1;
  }
  const running = server;
  if (hupWhileStarting) reload();
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
  });
}

/**
 * One line for a start-up failure: the error's own message when it has a catalog code (the admin
 * API), the catalog's words for a listen error of the DNS listeners (raw socket errors, also
 * from cluster workers), else the error's message.
 */
export function describeStartError(e: unknown, listen: string | undefined): string {
  if (e instanceof StartupError) return e.message;
  const err = e as NodeJS.ErrnoException;
  if (listenErrorInfo(err?.code)) return listenError('cannot listen', listen ?? DEFAULT_LISTEN, e).message;
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
