/**
 * The UDP listener: one datagram in, at most one datagram out. Responses are sized by the engine
 * to the client's advertised EDNS size (512 without EDNS); datagrams that cannot be answered
 * (source port 0, a send error) are dropped, never thrown.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { literalLookup } from '../net/lookup.js';
import type { QueryEngine } from './engine.js';

/** A bound UDP listener. */
export interface UdpListener {
  socket: Socket;
  address: { address: string; port: number; family: string };
  /** Queries being answered right now. */
  inFlight(): number;
  /** Stops taking queries, waits up to `graceMs` for those in flight, then closes. */
  close(graceMs?: number): Promise<void>;
}

/** Binds `host:port` (port 0 picks one) and answers every datagram through `engine`. */
export function listenUdp(
  host: string,
  port: number,
  engine: QueryEngine,
  logger: Logger,
): Promise<UdpListener> {
  // Answers go to rinfo addresses (IP literals): the literal lookup sends them synchronously.
  const socket = createSocket({
    type: isIP(host) === 6 ? 'udp6' : 'udp4',
    reuseAddr: false,
    lookup: literalLookup,
  });
  let pending = 0;
  let closed = false;
  let draining = false;
  const send = (res: Buffer | null, rport: number, raddr: string) => {
    if (res === null || closed) return;
    try {
      socket.send(res, rport, raddr, (err) => {
        if (err && logger.isLevelEnabled('debug')) logger.debug({ err, client: raddr }, 'udp send failed');
      });
    } catch (err) {
      // Synchronous send errors (a closed socket, an unusable address): drop the answer.
      if (logger.isLevelEnabled('debug')) logger.debug({ err, client: raddr }, 'udp send failed');
    }
  };
  socket.on('message', (msg, rinfo) => {
    // Port 0 cannot be answered (and is never a real client): drop before doing any work.
    if (draining || rinfo.port === 0) return;
    let r: ReturnType<QueryEngine['handle']>;
    try {
      r = engine.handle(msg, rinfo.address, rinfo.port, 'udp');
    } catch (err) {
      logger.error({ err, client: rinfo.address }, 'udp query failed');
      return;
    }
    if (r instanceof Promise) {
      pending++;
      r.then(
        (res) => {
          pending--;
          send(res, rinfo.port, rinfo.address);
        },
        () => {
          pending--;
        },
      );
    } else send(r, rinfo.port, rinfo.address);
  });
  return new Promise((resolve, reject) => {
    // A bind error goes to the caller (it reports or retries), not to the log.
    const onError = (err: Error) => reject(err);
    socket.once('error', onError);
    socket.bind(port, host, () => {
      socket.off('error', onError);
      socket.on('error', (err) => logger.error({ err }, 'udp socket error'));
      const a = socket.address();
      resolve({
        socket,
        address: a,
        inFlight: () => pending,
        close: async (graceMs = 0) => {
          if (closed) return;
          draining = true;
          const until = Date.now() + graceMs;
          while (pending > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
          closed = true;
          await new Promise<void>((r) => socket.close(() => r()));
        },
      });
    });
  });
}
