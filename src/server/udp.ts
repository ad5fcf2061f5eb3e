/**
 * The UDP listener: one datagram in, at most one datagram out. Responses are sized by the engine
 * to the client's advertised EDNS size (512 without EDNS); datagrams that cannot be answered
 * (source port 0, a send error) are dropped, never thrown. A wildcard listen address is served by
 * one socket per local address (see {@link listenUdp}).
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import { literalLookup } from '../net/lookup.js';
import type { QueryEngine } from './engine.js';

/** A bound UDP listener. */
export interface UdpListener {
  address: { address: string; port: number; family: string };
  /** Local addresses with a socket of their own (a wildcard listen), else just the one bound. */
  boundAddresses(): string[];
  /** Queries being answered right now. */
  inFlight(): number;
  /** Stops taking queries, waits up to `graceMs` for those in flight, then closes. */
  close(graceMs?: number): Promise<void>;
}

export interface UdpListenOptions {
  /**
   * With a wildcard listen address, how often the local addresses are read again (ms): new ones
   * get a socket, gone ones lose theirs.
   * @default 5000
   */
  refreshMs?: number;
  /** The local addresses (for tests). @default every address of os.networkInterfaces() */
  localAddresses?: () => string[];
}

/** True for the wildcard addresses: replies from a socket bound to one leave from any address. */
export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '0:0:0:0:0:0:0:0';
}

/** Every local address of the machine (IPv4 only for 0.0.0.0; both for ::), scoped when link-local. */
export function localAddresses(host: string): string[] {
  const out: string[] = [];
  for (const [name, list] of Object.entries(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4') out.push(a.address);
      else if (host !== '0.0.0.0') out.push(a.scopeid ? `${a.address}%${name}` : a.address);
    }
  }
  return out;
}

/**
 * Binds `host:port` (port 0 picks one) and answers every datagram through `engine`. With a
 * wildcard `host`, each local address gets a socket of its own on the same port instead (and
 * the set follows address changes), so that a reply always leaves from the address the query
 * came to: a socket bound to the wildcard sends from whatever address the route picks, and a
 * client that asked another address of a multi-homed host drops that reply.
 */
export async function listenUdp(
  host: string,
  port: number,
  engine: QueryEngine,
  logger: Logger,
  opts: UdpListenOptions = {},
): Promise<UdpListener> {
  const counter = { pending: 0, draining: false };
  if (!isWildcard(host)) {
    const one = await bindOne(host, port, engine, logger, counter);
    const a = one.socket.address();
    return {
      address: a,
      boundAddresses: () => [a.address],
      inFlight: () => counter.pending,
      close: async (graceMs = 0) => {
        counter.draining = true;
        await waitFor(counter, graceMs);
        await one.close();
      },
    };
  }
  const list = opts.localAddresses ?? (() => localAddresses(host));
  const sockets = new Map<string, Bound>();
  const first = list();
  let chosen = port;
  try {
    for (const addr of first) {
      const b = await bindOne(addr, chosen, engine, logger, counter);
      if (chosen === 0) chosen = b.socket.address().port;
      sockets.set(addr, b);
    }
  } catch (e) {
    await Promise.all([...sockets.values()].map((b) => b.close()));
    throw e;
  }
  if (sockets.size === 0) throw new Error(`no local address to listen on for ${host}`);
  let refreshing = false;
  const refresh = async () => {
    if (refreshing || counter.draining) return;
    refreshing = true;
    try {
      const now = new Set(list());
      for (const [addr, b] of sockets) {
        if (now.has(addr)) continue;
        sockets.delete(addr);
        logger.info({ address: addr }, 'local address gone; closed its UDP socket');
        await b.close();
      }
      for (const addr of now) {
        if (sockets.has(addr) || counter.draining) continue;
        try {
          sockets.set(addr, await bindOne(addr, chosen, engine, logger, counter));
          logger.info({ address: addr, port: chosen }, 'new local address; listening on it');
        } catch (err) {
          logger.warn({ err, address: addr, port: chosen }, 'cannot listen on a new local address');
        }
      }
    } finally {
      refreshing = false;
    }
  };
  const timer = setInterval(() => void refresh(), opts.refreshMs ?? 5000);
  timer.unref();
  return {
    address: { address: host, port: chosen, family: isIP(host) === 6 ? 'IPv6' : 'IPv4' },
    boundAddresses: () => [...sockets.keys()],
    inFlight: () => counter.pending,
    close: async (graceMs = 0) => {
      clearInterval(timer);
      counter.draining = true;
      await waitFor(counter, graceMs);
      await Promise.all([...sockets.values()].map((b) => b.close()));
      sockets.clear();
    },
  };
}

interface Bound {
  socket: Socket;
  close(): Promise<void>;
}

async function waitFor(counter: { pending: number }, graceMs: number): Promise<void> {
  const until = Date.now() + graceMs;
  while (counter.pending > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
}

/** One socket on `host:port` answering through `engine`; replies leave from it. */
function bindOne(
  host: string,
  port: number,
  engine: QueryEngine,
  logger: Logger,
  counter: { pending: number; draining: boolean },
): Promise<Bound> {
  // Answers go to rinfo addresses (IP literals): the literal lookup sends them synchronously.
  const socket = createSocket({
    type: isIP(host.split('%')[0]) === 6 ? 'udp6' : 'udp4',
    reuseAddr: false,
    lookup: literalLookup,
  });
  let closed = false;
  // One callback for every send, and only when it would log: a callback costs a tick per answer.
  const onSent = (err: Error | null) => {
    if (err) logger.debug({ err }, 'udp send failed');
  };
  const send = (res: Buffer | null, rport: number, raddr: string) => {
    if (res === null || closed) return;
    try {
      if (logger.isLevelEnabled('debug')) socket.send(res, rport, raddr, onSent);
      else socket.send(res, rport, raddr);
    } catch (err) {
      // Synchronous send errors (a closed socket, an unusable address): drop the answer.
      if (logger.isLevelEnabled('debug')) logger.debug({ err, client: raddr }, 'udp send failed');
    }
  };
  socket.on('message', (msg, rinfo) => {
    // Port 0 cannot be answered (and is never a real client): drop before doing any work.
    if (counter.draining || rinfo.port === 0) return;
    let r: ReturnType<QueryEngine['handle']>;
    try {
      r = engine.handle(msg, rinfo.address, rinfo.port, 'udp');
    } catch (err) {
      logger.error({ err, client: rinfo.address }, 'udp query failed');
      return;
    }
    if (r instanceof Promise) {
      counter.pending++;
      r.then(
        (res) => {
          counter.pending--;
          send(res, rinfo.port, rinfo.address);
        },
        () => {
          counter.pending--;
        },
      );
    } else send(r, rinfo.port, rinfo.address);
  });
  return new Promise((resolve, reject) => {
    // A bind error goes to the caller (it reports or retries), not to the log.
    const onError = (err: Error) => {
      closed = true;
      try {
        socket.close();
      } catch {
        // already closed
      }
      reject(err);
    };
    socket.once('error', onError);
    socket.bind(port, host, () => {
      socket.off('error', onError);
      socket.on('error', (err) => logger.error({ err }, 'udp socket error'));
      resolve({
        socket,
        close: () => {
          if (closed) return Promise.resolve();
          closed = true;
          return new Promise<void>((r) => socket.close(() => r()));
        },
      });
    });
  });
}
