/**
 * The TCP listener (RFC 7766): 2-byte length framing across reads ({@link FrameReader}), several messages per read,
 * pipelining with out-of-order answers, and limits on connections, idle time, queries per
 * connection and pending answers per connection. The answers a connection gets in one turn of
 * the event loop are framed into one buffer and written with one write (one syscall). A client that starts a message and stalls
 * (slowloris) is cut off at the idle timeout without holding anyone else up.
 *
 * Resource bounds, per connection:
 * - at most `tcpMaxPendingPerConnection` queries are being answered at once; further complete
 *   messages wait in the read buffer and reading pauses (TCP flow control pushes back);
 * - reading also pauses while the client is not reading our answers (the write buffer is full);
 * - nothing received and nothing sent for `tcpIdleTimeoutMs` (while no answer is owed) closes the
 *   connection, and so does a started message that is not complete `tcpIdleTimeoutMs` after its
 *   first byte, however slowly it trickles;
 * - after `tcpMaxQueriesPerConnection` queries the connection is closed once they are answered.
 *
 * Over all connections: the bytes of queries received and not yet answered (counted as received,
 * framed or not) stay under `tcpMaxPendingBytes`; a connection whose data would go over it is
 * closed (`tcp_connections_closed{reason="memory"}`). The engine keeps only the header,
 * question and EDNS options of a query it is answering, not the whole (possibly padded) message.
 */
import cluster from 'node:cluster';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { FrameReader, frameAll } from '../dns/framing.js';
import type { Metrics } from '../metrics/metrics.js';
import type { QueryEngine } from './engine.js';

/** The TCP part of `limits:` (read on every new connection, so reloads apply to new ones). */
export interface TcpLimits {
  tcpMaxConnections: number;
  /** Open connections from one client address at most (unlimited when absent). */
  tcpMaxConnectionsPerClient?: number;
  tcpIdleTimeoutMs: number;
  tcpMaxQueriesPerConnection: number;
  tcpMaxPendingPerConnection: number;
  /** Bytes received and not answered, over all connections (unlimited when absent). */
  tcpMaxPendingBytes?: number;
}

/** A listening TCP server. */
export interface TcpListener {
  server: Server;
  address: { address: string; port: number; family: string };
  /** Open client connections. */
  connections(): number;
  /** Queries being answered right now, over all connections. */
  inFlight(): number;
  /**
   * Stops accepting, stops reading new queries, waits up to `graceMs` for the answers in flight,
   * lets written answers flush, then closes every connection.
   */
  close(graceMs?: number): Promise<void>;
}

/** Listens on `host:port` and answers framed messages through `engine`. */
export function listenTcp(
  host: string,
  port: number,
  engine: QueryEngine,
  logger: Logger,
  metrics: Metrics,
  limits: () => TcpLimits,
): Promise<TcpListener> {
  const sockets = new Set<Socket>();
  /** Open connections by client address: one client cannot take every slot. */
  const perClient = new Map<string, number>();
  /** Per-connection hooks the listener calls when it starts draining. */
  const onDrain = new Set<() => void>();
  let pendingTotal = 0;
  /** Bytes received and not yet answered, over all connections. */
  let heldTotal = 0;
  let draining = false;

  // allowHalfOpen: a client may send its queries then shut down its side; we still answer.
  const server = createServer({ noDelay: true, allowHalfOpen: true }, (sock) => {
    const lim = limits();
    const address = sock.remoteAddress ?? '';
    const fromClient = perClient.get(address) ?? 0;
    if (
      sockets.size >= lim.tcpMaxConnections ||
      fromClient >= (lim.tcpMaxConnectionsPerClient ?? Number.POSITIVE_INFINITY) ||
      draining
    ) {
      metrics.inc('tcp_connections_rejected');
      sock.on('error', () => {});
      sock.destroy();
      return;
    }
    sockets.add(sock);
    perClient.set(address, fromClient + 1);
    const rport = sock.remotePort ?? 0;
    const ac = new AbortController();
    /** Received bytes not yet framed (concatenated only when a message is complete). */
    const reader = new FrameReader();
    let queries = 0;
    let pending = 0;
    /** This connection's share of heldTotal: its unread bytes plus the queries being answered. */
    let held = 0;
    const hold = (n: number) => {
      held += n;
      heldTotal += n;
    };
    let ended = false;
    let done = false;
    /** Deadline timer of the message that has started arriving, if any. */
    let partial: NodeJS.Timeout | null = null;

    const cut = (why: string) => {
      if (sock.destroyed) return;
      done = true;
      metrics.inc('tcp_connections_closed', { reason: why });
      sock.destroy();
    };
    const finish = () => {
      // Graceful close once nothing is owed: FIN after the answers already written.
      if (done) return;
      done = true;
      flush();
      sock.end();
    };
    sock.setTimeout(lim.tcpIdleTimeoutMs, () => {
      // While we owe an answer the server, not the client, is the slow one. After our FIN the
      // timeout still reaps a client that never closes its side.
      if (pending === 0) cut('idle');
      else sock.setTimeout(lim.tcpIdleTimeoutMs); // re-arm: an answer may be dropped, not written
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      sockets.delete(sock);
      const left = (perClient.get(address) ?? 1) - 1;
      if (left > 0) perClient.set(address, left);
      else perClient.delete(address);
      onDrain.delete(drainHook);
      if (partial) clearTimeout(partial);
      partial = null;
      reader.clear();
      hold(-held);
      ac.abort();
    });
    sock.on('end', () => {
      ended = true;
      if (partial) clearTimeout(partial);
      partial = null;
      maybeFinish();
    });
    sock.on('drain', () => pump());

    const wantsMore = () => !draining && queries < limits().tcpMaxQueriesPerConnection;
    const maybeFinish = () => {
      if (pending > 0 || done) return;
      if (!wantsMore() || (ended && !hasMessage())) finish();
    };
    const drainHook = () => maybeFinish();
    onDrain.add(drainHook);

    /**
     * Answers waiting to be written: every answer produced in one turn of the event loop (those
     * of one read, and those whose upstream replies arrived together) goes out framed in one
     * buffer, with one write: a write (a writev syscall) per answer was most of the CPU time.
     */
    let out: Buffer[] = [];
    let outBytes = 0;
    let flushQueued = false;
    const flush = () => {
      flushQueued = false;
      if (out.length === 0) return;
      const list = out;
      const bytes = outBytes;
      out = [];
      outBytes = 0;
      if (sock.destroyed || sock.writableEnded) return;
      // Under the high-water mark no 'drain' follows: read on here if the queue held pump back.
      if (sock.write(frameAll(list, bytes)) && hasMessage()) pump();
    };
    const write = (res: Buffer | null) => {
      if (res === null || sock.destroyed || sock.writableEnded) return;
      out.push(res);
      outBytes += 2 + res.length;
      if (!flushQueued) {
        flushQueued = true;
        process.nextTick(flush);
      }
    };
    /** The client is not reading fast enough: what is written and what is queued is a buffer full. */
    const writeFull = () =>
      sock.writableNeedDrain || sock.writableLength + outBytes >= sock.writableHighWaterMark;
    const settled = (size: number) => {
      pending--;
      pendingTotal--;
      if (!sock.destroyed) hold(-size);
      pump();
    };

    const hasMessage = () => reader.hasMessage();

    /** Answers complete messages while the limits allow, then decides about reading and closing. */
    const pump = () => {
      if (done || sock.destroyed) return;
      const l = limits();
      while (hasMessage() && wantsMore() && pending < l.tcpMaxPendingPerConnection && !writeFull()) {
        // A copy: the (possibly large) read buffer is not retained by a query.
        const before = reader.buffered;
        const msg = reader.next() as Buffer;
        const size = before - reader.buffered;
        queries++;
        // This message made it in time; the next one gets its own deadline.
        if (partial) {
          clearTimeout(partial);
          partial = null;
        }
        const r = engine.handle(msg, address, rport, 'tcp', ac.signal);
        if (r instanceof Promise) {
          pending++;
          pendingTotal++;
          r.then(
            (res) => {
              write(res);
              settled(size);
            },
            () => settled(size),
          );
        } else {
          hold(-size);
          write(r);
        }
      }
      if (!wantsMore()) {
        // Past the query limit or shutting down: whatever else arrives is not read.
        hold(-reader.buffered);
        reader.clear();
      }
      // A started message must be complete within the idle timeout of its first byte.
      if (reader.buffered > 0 && !hasMessage() && !ended) {
        partial ??= setTimeout(() => cut('slow'), l.tcpIdleTimeoutMs);
      } else if (partial) {
        clearTimeout(partial);
        partial = null;
      }
      const blocked = hasMessage() && wantsMore();
      if (blocked && !sock.isPaused()) sock.pause();
      else if (!blocked && sock.isPaused()) sock.resume();
      maybeFinish();
    };

    sock.on('data', (chunk: Buffer) => {
      if (done) return;
      if (!wantsMore()) {
        maybeFinish();
        return;
      }
      if (heldTotal + chunk.length > (limits().tcpMaxPendingBytes ?? Number.POSITIVE_INFINITY)) {
        cut('memory');
        return;
      }
      hold(chunk.length);
      reader.push(chunk);
      pump();
    });
  });
  server.maxConnections = limits().tcpMaxConnections + 16;
  return new Promise((resolve, reject) => {
    // A listen error goes to the caller (which may retry another port), not to the log.
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    // In a cluster worker the listener must be shared through the primary (serve --workers).
    server.listen({ host, port, exclusive: !cluster.isWorker }, () => {
      server.off('error', onError);
      server.on('error', (err) => logger.error({ err }, 'tcp server error'));
      const a = server.address();
      if (!a || typeof a === 'string') return reject(new Error('tcp listener has no address'));
      let closing: Promise<void> | undefined;
      resolve({
        server,
        address: a,
        connections: () => sockets.size,
        inFlight: () => pendingTotal,
        close: (graceMs = 0) => {
          closing ??= (async () => {
            draining = true;
            const closed = new Promise<void>((r) => server.close(() => r()));
            // Idle connections close now; busy ones once their answers are written.
            for (const hook of onDrain) hook();
            const until = Date.now() + graceMs;
            while (pendingTotal > 0 && Date.now() < until) await sleep(10);
            for (const hook of onDrain) hook();
            // Let the final answers flush (bounded), then cut whatever is left.
            const flushUntil = Math.max(until, Date.now() + 100);
            while (sockets.size > 0 && Date.now() < flushUntil) await sleep(10);
            for (const s of sockets) s.destroy();
            await closed;
          })();
          return closing;
        },
      });
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
