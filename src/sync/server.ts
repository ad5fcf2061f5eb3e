/**
 * A server that follows AWS: the first read builds the config it starts with (a failure there is
 * a start-up error), then {@link AwsFollower} polls and swaps each changed config in through the
 * server's reload, exactly like a hot reload of a file.
 */
import { type RunningServer, type ServerOptions, startServer } from '../core/server.js';
import { stdoutLogger } from '../log/logger.js';
import type { AwsSource } from './aws.js';
import { AwsFollower, type SyncStatus } from './follow.js';

export interface SyncedServerOptions extends Omit<ServerOptions, 'config' | 'watch' | 'sync'> {
  aws: AwsSource;
  clientCidrs?: readonly string[];
  /** @default 60000 */
  intervalMs?: number;
}

export interface SyncedServer extends RunningServer {
  /** Reads the APIs now (SIGHUP). */
  syncNow(): Promise<void>;
  syncStatus(): SyncStatus;
}

/** Starts the server on the first read. Rejects with SyncError / ImportError, or the bind error. */
export async function startSyncedServer(opts: SyncedServerOptions): Promise<SyncedServer> {
  const logger = opts.logger ?? stdoutLogger(opts.logLevel ?? 'info');
  const { aws, clientCidrs, intervalMs, ...rest } = opts;
  const follower = new AwsFollower({
    source: aws,
    clientCidrs,
    intervalMs: intervalMs ?? 60_000,
    logger,
    from: (region) =>
      [
        `Region ${region}`,
        aws.endpointUrl ? `endpoint ${aws.endpointUrl}` : 'the AWS API',
        ...(aws.profile ? [`profile ${aws.profile}`] : []),
      ].join(', '),
  });
  let server: RunningServer;
  try {
    const first = await follower.first();
    server = await startServer({
      ...rest,
      logger,
      config: first.config,
      watch: false,
      sync: () => follower.status(),
    });
  } catch (e) {
    follower.close();
    throw e;
  }
  follower.start((config) => server.reload(config), server.metrics);
  return {
    ...server,
    syncNow: () => follower.pollNow(),
    syncStatus: () => follower.status(),
    // A reload without a source re-reads the APIs (the config has no file).
    reload: async (config?: string | object) => {
      if (config !== undefined) return server.reload(config);
      await follower.pollNow();
      const s = follower.status();
      return s.state === 'failing'
        ? {
            ok: false as const,
            problems: [
              {
                code: 'config.load-failed' as const,
                file: '<aws>',
                line: 0,
                col: 0,
                path: '',
                message: s.lastError?.message ?? 'sync failed',
              },
            ],
          }
        : { ok: true as const, changed: true };
    },
    close: (how) => {
      follower.close();
      return server.close(how);
    },
  };
}
