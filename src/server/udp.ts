/** The UDP listener: one datagram in, at most one datagram out. */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import type { QueryEngine } from './engine.js';

export interface UdpListener {
  socket: Socket;
  address: { address: string; port: number; family: string };
  /** Queries being answered right now. */
  inFlight(): number;
  /** Stops taking queries, waits up to `graceMs` for those in flight, then closes. */
  close(graceMs?: number): Promise<void>;
}

export function listenUdp(
  host: string,
  port: number,
  engine: QueryEngine,
  logger: Logger,
  /** Receives datagrams before the engine (e.g. forwarding loop detection); return true to consume. */
  intercept?: (msg: Buffer, address: string, port: number) => boolean,
): Promise<UdpListener> {
  const socket = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4', reuseAddr: false });
  let pending = 0;
  let closed = false;
  let draining = false;
  const send = (res: Buffer | null, rport: number, raddr: string) => {
    if (res === null || closed) return;
    socket.send(res, rport, raddr, (err) => {
      if (err && logger.isLevelEnabled('debug')) logger.debug({ err, client: raddr }, 'udp send failed');
    });
  };
  socket.on('message', (msg, rinfo) => {
    if (draining || intercept?.(msg, rinfo.address, rinfo.port)) return;
    const r = engine.handle(msg, rinfo.address, rinfo.port, 'udp');
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
  socket.on('error', (err) => logger.error({ err }, 'udp socket error'));
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    socket.once('error', onError);
    socket.bind(port, host, () => {
      socket.off('error', onError);
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
