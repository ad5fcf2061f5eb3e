/**
 * UDP exchange with upstreams: per upstream a small pool of sockets, each on an OS-chosen random
 * port and connected to that upstream, each with a map of pending queries by random ID. A
 * connected socket takes its source address from the route to the upstream, and the kernel
 * drops datagrams from any other address or port before they reach us; a reply is then accepted
 * only with the same ID and the same question (RFC 5452), anything else is dropped, counted and
 * the query keeps waiting for the real answer. A socket is replaced after a few queries
 * ({@link UdpExchangeOptions.recycleAfter}, default 64), so a source port is short-lived: about
 * 15 bits of port (Linux's ephemeral range 32768-60999) on top of the 16-bit random ID.
 *
 * Hot path: sockets are bound (port 0, exclusive) and connected when they are created, so a send
 * never waits for an implicit bind; addresses are IP literals, so the socket's lookup answers
 * synchronously (dgram's default goes through dns.lookup and a nextTick on every send); a query
 * in flight is one object that calls its {@link UdpWaiter} back, with no promise or closure of
 * its own.
 */
import dgram from 'node:dgram';
import { literalLookup } from '../net/lookup.js';
import type { Deadlines, Timed } from './deadlines.js';
import { ExchangeClosedError, UpstreamNetworkError, UpstreamTimeoutError } from './errors.js';
import { sameQuestion } from './query.js';
import type { RandomIds } from './random.js';
import type { Upstream } from './upstream.js';

/** Why a reply was dropped (the `reason` label of the dropped-replies metric). */
export type DropReason = 'unknown-id' | 'wrong-source' | 'wrong-question' | 'malformed';

/** Called for every reply that is dropped. `from` is "address:port" as received. */
export type DropListener = (reason: DropReason, from: string, family: 4 | 6) => void;

export interface UdpExchangeOptions {
  deadlines: Deadlines;
  ids: RandomIds;
  onDrop: DropListener;
  /**
   * Sockets per upstream.
   * @default 16
   */
  poolSize?: number;
  /**
   * Queries sent from one socket before it is replaced by a fresh one (new random port).
   * @default 64
   */
  recycleAfter?: number;
}

/** Receives the outcome of one exchange, exactly once. */
export interface UdpWaiter {
  onReply(reply: Buffer): void;
  onError(err: Error): void;
}

class Slot {
  readonly pending = new Map<number, UdpPending>();
  uses = 0;
  retiring = false;
  private closed = false;
  /**
   * The callback of every send from this socket (one per socket, not one per query). A send
   * error on a connected socket (ICMP unreachable reported on send, no route to the upstream)
   * is the socket's: every query waiting on it fails and the socket is replaced.
   */
  readonly sent: (err: Error | null) => void;
  constructor(
    readonly owner: UdpExchange,
    readonly sock: dgram.Socket,
  ) {
    this.sent = (err) => {
      if (err) owner.broken(this, err);
    };
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.close();
  }
}

/** The sockets of one upstream, and one opened ahead to take over from the next one retired. */
interface Pool {
  readonly up: Upstream;
  readonly slots: (Slot | undefined)[];
  spare: Slot | null;
}

/**
 * A query in flight. It stays in the shared deadline heap until its deadline passes even when
 * answered long before (lazy deletion), so once settled it lets go of the query bytes and the
 * waiter: the whole per-query graph (client message, job, reply) can then die young instead of
 * being kept for the attempt timeout and promoted to the old generation.
 */
export class UdpPending implements Timed {
  deadline = 0;
  settled = false;
  query: Buffer | null;
  waiter: UdpWaiter | null;
  constructor(
    readonly owner: UdpExchange,
    readonly slot: Slot,
    readonly id: number,
    readonly up: Upstream,
    query: Buffer,
    readonly questionEnd: number,
    waiter: UdpWaiter,
  ) {
    this.query = query;
    this.waiter = waiter;
  }
  /** Marks it settled, removes it from its socket and returns its waiter (once). */
  take(): UdpWaiter | null {
    this.settled = true;
    this.owner.finish(this);
    const w = this.waiter;
    this.waiter = null;
    this.query = null;
    return w;
  }
  expire(): void {
    this.take()?.onError(new UpstreamTimeoutError(this.up.key));
  }
}

/** Adapts a waiter to a promise (probes and other callers off the hot path). */
class PromiseWaiter implements UdpWaiter {
  resolve!: (b: Buffer) => void;
  reject!: (e: Error) => void;
  readonly promise = new Promise<Buffer>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });
  onReply(reply: Buffer): void {
    this.resolve(reply);
  }
  onError(err: Error): void {
    this.reject(err);
  }
}

export class UdpExchange {
  /** Per upstream (by its key), its sockets. */
  private readonly pools = new Map<string, Pool>();
  /** Pools whose spare socket is to be opened (after the current I/O, off the query's path). */
  private readonly refill = new Set<Pool>();
  private refillQueued = false;
  private readonly poolSize: number;
  private readonly recycleAfter: number;
  private closed = false;
  /** Queries waiting for a reply. */
  inFlight = 0;

  constructor(private readonly opts: UdpExchangeOptions) {
    this.poolSize = opts.poolSize ?? 16;
    this.recycleAfter = opts.recycleAfter ?? 64;
  }

  /**
   * Sends `query` (its ID is overwritten) to `up` and resolves with the accepted reply, or
   * rejects with {@link UpstreamTimeoutError} / {@link UpstreamNetworkError}.
   */
  exchange(up: Upstream, query: Buffer, questionEnd: number, timeoutMs: number): Promise<Buffer> {
    const w = new PromiseWaiter();
    this.send(up, query, questionEnd, timeoutMs, w);
    return w.promise;
  }

  /**
   * Sends `query` (its ID is overwritten) to `up`; `waiter` gets the accepted reply, or an
   * {@link UpstreamTimeoutError} / {@link UpstreamNetworkError} / {@link ExchangeClosedError}.
   * The waiter is never called back synchronously. Returns the query in flight (for
   * {@link resend}), or null when the exchange is closed.
   */
  send(
    up: Upstream,
    query: Buffer,
    questionEnd: number,
    timeoutMs: number,
    waiter: UdpWaiter,
  ): UdpPending | null {
    if (this.closed) {
      queueMicrotask(() => waiter.onError(new ExchangeClosedError()));
      return null;
    }
    const slot = this.pick(up);
    let id = this.opts.ids.next16();
    while (slot.pending.has(id)) id = this.opts.ids.next16();
    query.writeUInt16BE(id, 0);
    const p = new UdpPending(this, slot, id, up, query, questionEnd, waiter);
    slot.pending.set(id, p);
    this.inFlight++;
    p.deadline = this.opts.deadlines.now() + timeoutMs;
    this.opts.deadlines.add(p);
    try {
      slot.sock.send(query, slot.sent);
    } catch (err) {
      // A socket that failed to bind or was closed under us: its queries fail, it is replaced.
      slot.retiring = true;
      queueMicrotask(() => this.broken(slot, err as Error));
    }
    return p;
  }

  /**
   * Sends a query still in flight again, with the same ID from the same socket (a
   * retransmission: a reply to either copy answers it). Returns false when it is settled.
   */
  resend(p: UdpPending): boolean {
    if (p.settled || p.query === null || this.closed) return false;
    const slot = p.slot;
    try {
      slot.sock.send(p.query, slot.sent);
    } catch (err) {
      slot.retiring = true;
      queueMicrotask(() => this.broken(slot, err as Error));
    }
    return true;
  }

  /** Removes a settled query from its socket (and closes a retired socket once idle). */
  finish(p: UdpPending): void {
    if (p.slot.pending.get(p.id) === p) {
      p.slot.pending.delete(p.id);
      this.inFlight--;
    }
    if (p.slot.retiring && p.slot.pending.size === 0) p.slot.close();
  }

  /** A socket failed (a send or receive error): its queries fail, it is replaced on its next pick. */
  broken(slot: Slot, err?: Error): void {
    const waiting = [...slot.pending.values()];
    this.inFlight -= slot.pending.size;
    slot.pending.clear();
    slot.retiring = true;
    slot.close();
    for (const p of waiting) {
      if (p.settled) continue;
      p.take()?.onError(new UpstreamNetworkError(p.up.key, err));
    }
  }

  /** Local ports of the open sockets (tests, diagnostics). */
  ports(): number[] {
    return this.locals().map((l) => l.port);
  }

  /** Local and remote addresses of the open sockets, spares included (tests, diagnostics). */
  locals(): { address: string; port: number; remote: string }[] {
    const out: { address: string; port: number; remote: string }[] = [];
    for (const pool of this.pools.values()) {
      for (const s of [...pool.slots, pool.spare]) {
        if (!s) continue;
        try {
          const a = s.sock.address();
          const r = s.sock.remoteAddress();
          out.push({ address: a.address, port: a.port, remote: `${r.address}:${r.port}` });
        } catch {
          // not bound or connected yet
        }
      }
    }
    return out;
  }

  /** Closes the sockets of an upstream no longer used (queries in flight finish first). */
  release(up: Upstream): void {
    const pool = this.pools.get(up.key);
    if (!pool) return;
    this.pools.delete(up.key);
    this.refill.delete(pool);
    pool.spare?.close();
    pool.spare = null;
    for (const s of pool.slots) {
      if (!s) continue;
      s.retiring = true;
      if (s.pending.size === 0) s.close();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.refill.clear();
    for (const pool of this.pools.values()) {
      pool.spare?.close();
      pool.spare = null;
      const list = pool.slots;
      for (let i = 0; i < list.length; i++) {
        const s = list[i];
        if (!s) continue;
        list[i] = undefined;
        const waiting = [...s.pending.values()];
        this.inFlight -= s.pending.size;
        s.pending.clear();
        s.close();
        for (const p of waiting) {
          if (p.settled) continue;
          p.take()?.onError(new ExchangeClosedError());
        }
      }
    }
  }

  private pick(up: Upstream): Slot {
    let pool = this.pools.get(up.key);
    if (!pool) {
      pool = { up, slots: new Array(this.poolSize), spare: null };
      this.pools.set(up.key, pool);
    }
    const list = pool.slots;
    const i = this.opts.ids.below(list.length);
    let s = list[i];
    if (!s || s.retiring || s.uses >= this.recycleAfter) {
      if (s) {
        s.retiring = true;
        if (s.pending.size === 0) s.close();
      }
      // The spare opened ahead takes over (a new socket when there is none).
      const spare = pool.spare;
      s = spare !== null && !spare.retiring ? spare : this.open(up);
      pool.spare = null;
      list[i] = s;
    }
    // At its last query a socket's successor is opened ahead, after this I/O round.
    if (++s.uses >= this.recycleAfter && pool.spare === null) this.queueRefill(pool);
    return s;
  }

  /** Opens the spare socket of `pool` soon (once per event-loop turn for every pool that needs one). */
  private queueRefill(pool: Pool): void {
    this.refill.add(pool);
    if (this.refillQueued) return;
    this.refillQueued = true;
    setImmediate(() => {
      this.refillQueued = false;
      if (this.closed) return;
      for (const p of this.refill) {
        if (p.spare === null && this.pools.get(p.up.key) === p) p.spare = this.open(p.up);
      }
      this.refill.clear();
    });
  }

  private open(up: Upstream): Slot {
    const family = up.family;
    const sock = dgram.createSocket({ type: family === 4 ? 'udp4' : 'udp6', lookup: literalLookup });
    const slot = new Slot(this, sock);
    sock.on('message', (msg, rinfo) => this.onMessage(slot, msg, rinfo));
    // Send errors come to slot.sent; anything else (a failed bind, an ICMP error reported on
    // receive) closes this socket's queries, and the socket is replaced on its next pick.
    sock.on('error', (err) => this.broken(slot, err));
    // Bound now (random port; exclusive, so a cluster worker binds its own socket) and connected
    // to the upstream: with the literal lookup both complete synchronously, so no send waits;
    // connect() fixes the source address to the one the route to the upstream uses.
    sock.bind({ port: 0, address: family === 4 ? '0.0.0.0' : '::', exclusive: true });
    sock.connect(up.port, up.address);
    sock.unref();
    return slot;
  }

  private onMessage(slot: Slot, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const fam = rinfo.family === 'IPv6' ? 6 : 4;
    if (msg.length < 12 || (msg[2] & 0x80) === 0) {
      this.opts.onDrop('malformed', `${rinfo.address}:${rinfo.port}`, fam);
      return;
    }
    const p = slot.pending.get(msg.readUInt16BE(0));
    if (!p) {
      this.opts.onDrop('unknown-id', `${rinfo.address}:${rinfo.port}`, fam);
      return;
    }
    if (rinfo.port !== p.up.port || rinfo.address !== p.up.address) {
      this.opts.onDrop('wrong-source', `${rinfo.address}:${rinfo.port}`, fam);
      return;
    }
    if (p.query === null || !sameQuestion(msg, p.query, p.questionEnd)) {
      this.opts.onDrop('wrong-question', `${rinfo.address}:${rinfo.port}`, fam);
      return;
    }
    p.take()?.onReply(msg);
  }
}
