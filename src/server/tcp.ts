/**
 * The TCP listener (RFC 7766): 2-byte length framing across reads, several messages per read,
 * pipelining with out-of-order answers, and limits on connections, idle time, queries per
 * connection and pending answers per connection. A client that starts a message and stalls
 * (slowloris) is cut off at the idle timeout without holding anyone else up.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics/metrics.js';
import type { QueryEngine } from './engine.js';

export interface TcpLimits {
  tcpMaxConnections: number;
  tcpIdleTimeoutMs: number;
  tcpMaxQueriesPerConnection: number;
  tcpMaxPendingPerConnection: number;
}

export interface TcpListener {
  server: Server;
  address: { address: string; port: number; family: string };
  connections(): number;
  inFlight(): number;
  close(graceMs?: number): Promise<void>;
}

export function listenTcp(
  host: string,
  port: number,
  engine: QueryEngine,
  logger: Logger,
  metrics: Metrics,
  limits: () => TcpLimits,
): Promise<TcpListener> {
  const sockets = new Set<Socket>();
  let pendingTotal = 0;
  let draining = false;

  const server = createServer({ noDelay: true, pauseOnConnect: false }, (sock) => {
    const lim = limits();
    if (sockets.size >= lim.tcpMaxConnections || draining) {
      metrics.inc('tcp_connections_rejected', 'TCP connections refused by the connection limit', {});
      sock.destroy();
      return;
    }
    sockets.add(sock);
    const address = sock.remoteAddress ?? '';
    const rport = sock.remotePort ?? 0;
    let buf: Buffer | null = null;
    let queries = 0;
    let pending = 0;
    let partialSince = 0;
    let ended = false;
    const ac = new AbortController();

    const cut = (why: string) => {
      metrics.inc('tcp_connections_closed', 'TCP connections closed by the server, by reason', {
        reason: why,
      });
      sock.destroy();
    };
    sock.setTimeout(lim.tcpIdleTimeoutMs, () => cut('idle'));
    sock.on('error', () => {});
    sock.on('close', () => {
      sockets.delete(sock);
      ac.abort();
    });
    sock.on('end', () => {
      ended = true;
      if (pending === 0) sock.end();
    });

    const write = (res: Buffer | null) => {
      if (res === null || sock.destroyed) return;
      const len = Buffer.allocUnsafe(2);
      len.writeUInt16BE(res.length, 0);
      sock.cork();
      sock.write(len);
      sock.write(res);
      sock.uncork();
    };
    const settled = () => {
      pending--;
      pendingTotal--;
      if (sock.isPaused() && pending < limits().tcpMaxPendingPerConnection) sock.resume();
      if (pending === 0 && (ended || queries >= limits().tcpMaxQueriesPerConnection || draining)) sock.end();
    };

    sock.on('data', (chunk: Buffer) => {
      buf = buf ? Buffer.concat([buf, chunk]) : chunk;
      let off = 0;
      while (buf.length - off >= 2) {
        const len = buf.readUInt16BE(off);
        if (buf.length - off - 2 < len) break;
        const msg = buf.subarray(off + 2, off + 2 + len);
        off += 2 + len;
        const l = limits();
        if (queries >= l.tcpMaxQueriesPerConnection || draining) {
          buf = null;
          if (pending === 0) sock.end();
          else sock.pause();
          return;
        }
        queries++;
        const r = engine.handle(Buffer.from(msg), address, rport, 'tcp', ac.signal);
        if (r instanceof Promise) {
          pending++;
          pendingTotal++;
          r.then(
            (res) => {
              write(res);
              settled();
            },
            () => settled(),
          );
          if (pending >= l.tcpMaxPendingPerConnection) sock.pause();
        } else {
          write(r);
          if (queries >= l.tcpMaxQueriesPerConnection && pending === 0) sock.end();
        }
      }
      buf = off === buf.length ? null : buf.subarray(off);
      // A message that has started must finish within the idle timeout, however slowly it trickles.
      if (buf) {
        const now = Date.now();
        if (partialSince === 0) partialSince = now;
        else if (now - partialSince > limits().tcpIdleTimeoutMs) cut('slow');
      } else partialSince = 0;
    });
  });
  server.maxConnections = limits().tcpMaxConnections + 16;
  server.on('error', (err) => logger.error({ err }, 'tcp server error'));

  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      const a = server.address();
      if (!a || typeof a === 'string') return reject(new Error('tcp listener has no address'));
      resolve({
        server,
        address: a,
        connections: () => sockets.size,
        inFlight: () => pendingTotal,
        close: async (graceMs = 0) => {
          draining = true;
          const closed = new Promise<void>((r) => server.close(() => r()));
          const until = Date.now() + graceMs;
          while (pendingTotal > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
          for (const s of sockets) s.destroy();
          await closed;
        },
      });
    });
  });
}
