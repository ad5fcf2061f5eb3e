/**
 * Entry point of a cluster worker (forked by {@link startCluster}): waits for the primary's start
 * message, serves on the shared sockets with the primary's config and health, applies every
 * later config and health push, and acknowledges each one. Probes, the config watcher and the
 * admin API stay in the primary.
 */
import cluster from 'node:cluster';
import { markChecked } from '../config/problems.js';
import { collectGarbageSoon } from '../core/heap.js';
import { type RunningServer, startServer } from '../core/server.js';
import { stdoutLogger } from '../log/logger.js';
import { decodeConfig, type FromWorker, type HealthEntries, type ToWorker } from './messages.js';

function send(m: FromWorker): void {
  // The primary may be gone already (its 'disconnect' ends this worker): never throw for it.
  if (!process.connected) return;
  process.send?.(m, undefined, undefined, () => undefined);
}

/** Makes the worker's health say exactly what the primary's says (overrides win over everything). */
function applyHealth(server: RunningServer, entries: HealthEntries): void {
  for (const [key, healthy] of entries) server.health.setOverride(key, healthy);
}

let server: RunningServer | null = null;
let stopping = false;
/** Pushes are applied one at a time, in order. */
let queue: Promise<void> = Promise.resolve();

async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    try {
      await server?.close();
    } catch {
      // closing anyway
    }
  }
  process.exit(code);
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.t) {
    case 'start': {
      const logger = stdoutLogger(m.options.logLevel, m.options.logFormat).child({
        worker: cluster.worker?.id,
      });
      try {
        server = await startServer({
          // Checked by the primary already: the worker only builds its catalog.
          config: markChecked(decodeConfig(m.config)),
          listen: m.options.listen,
          upstreams: m.options.upstreams,
          admin: false,
          watch: false,
          probes: false,
          shutdownGraceMs: m.options.shutdownGraceMs,
          queryLog: m.options.queryLog,
          logger,
          // The primary says where the cluster listens, once.
          announce: false,
          // The primary holds the config and serves the admin API: the worker keeps its catalog.
          leanConfig: true,
        });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        send({ t: 'failed', error: err?.message ?? String(e), code: err?.code });
        return stop(1);
      }
      applyHealth(server, m.health);
      send({ t: 'ready', seq: m.seq, udp: server.udp });
      collectGarbageSoon();
      return;
    }
    case 'config': {
      if (!server) return;
      const r = await server.reload(markChecked(decodeConfig(m.config)));
      applyHealth(server, m.health);
      send({ t: 'ack', seq: m.seq, error: r.ok ? undefined : 'the config was rejected by the worker' });
      return;
    }
    case 'health':
      if (server) applyHealth(server, m.health);
      send({ t: 'ack', seq: m.seq });
      return;
    case 'stop':
      return stop(0);
  }
}

process.on('message', (m: ToWorker) => {
  queue = queue.then(() => handle(m)).catch(() => undefined);
});
// Ctrl-C and a SIGHUP to the process group reach every worker: the primary decides when workers
// stop, and it reloads the config and pushes it (a worker that took SIGHUP's default would die).
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
// SIGUSR1 (from the primary, or logrotate to the process group): reopen the query log file.
process.on('SIGUSR1', () => void server?.reopenQueryLog());
process.on('SIGTERM', () => void stop(0));
// The primary went away: nobody is left to coordinate.
process.on('disconnect', () => void stop(0));
send({ t: 'hello' });
