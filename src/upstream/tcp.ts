/**
 * TCP exchange with upstreams (RFC 7766): per upstream a few connections, each reused for many
 * queries and pipelined (several queries written before the first answer; answers are matched
 * by ID, in whatever order they come). Each query gets a random ID that no other query in flight
 * on its connection has, and the acceptance rules are those of UDP: an answer is taken only with
 * the same ID and the same question; anything else on the connection is dropped, counted, and
 * the query keeps waiting.
 *
 * A connection serves at most {@link TcpExchangeOptions.pipeline} queries at once before another
 * is opened (up to {@link TcpExchangeOptions.maxConnections} per upstream; beyond that the least
 * busy one takes the query), at most {@link TcpExchangeOptions.maxQueries} queries in all, and is
 * closed after {@link TcpExchangeOptions.idleMs} without traffic. When an upstream closes a
 * connection that has already answered (its idle timeout or its own query limit, racing with a
 * query we had just written; RFC 7766 §6.2.1) the queries still waiting on it are written once
 * more on another connection; a connection that closes before any answer fails its queries
 * (a network error: the job moves on to the next upstream).
 */
import net from 'node:net';
import { FrameReader, frame } from '../dns/framing.js';
import type { Deadlines, Timed } from './deadlines.js';
import { ExchangeClosedError, UpstreamNetworkError, UpstreamTimeoutError } from './errors.js';
import { sameQuestion } from './query.js';
import type { RandomIds } from './random.js';
import type { DropListener } from './udp.js';
import type { Upstream } from './upstream.js';

export interface TcpExchangeOptions {
  deadlines: Deadlines;
  ids: RandomIds;
  onDrop: DropListener;
  /**
   * Queries in flight on one connection before another connection to the same upstream is opened.
   * @default 32
   */
  pipeline?: number;
  /**
   * Connections per upstream.
   * @default 4
   */
  maxConnections?: number;
  /**
   * Queries sent on one connection; then it takes no more and closes once its answers are in.
   * @default 1000
   */
  maxQueries?: number;
  /**
   * A connection without traffic for this long (ms) and without queries in flight is closed.
   * @default 10000
   */
  idleMs?: number;
}

/** A query in flight on a connection. */
class TcpPending implements Timed {
  deadline = 0;
  /** For the deadline heap: no timeout needed any more. */
  settled = false;
  /** Answered, failed or timed out (its promise is settled). */
  done = false;
  /** Already written again after its connection closed (it is not written a third time). */
  retried = false;
  conn: Conn | null = null;
  id = 0;
  constructor(
    readonly owner: TcpExchange,
    readonly up: Upstream,
    /** The framed query (2-byte length, then the message); its ID is set per connection. */
    readonly framed: Buffer,
    readonly questionEnd: number,
    readonly resolve: (b: Buffer) => void,
    readonly reject: (e: Error) => void,
  ) {}
  expire(): void {
    this.owner.timedOut(this);
  }
}

/** One connection to one upstream and the queries waiting on it. */
class Conn {
  readonly pending = new Map<number, TcpPending>();
  readonly reader = new FrameReader();
  /** Queries written on it. */
  sent = 0;
  /** Answers accepted on it. */
  answered = 0;
  /** False once it takes no new queries (closing, closed, or at its query limit). */
  usable = true;
  closed = false;
  constructor(
    readonly up: Upstream,
    readonly sock: net.Socket,
  ) {}
}

export class TcpExchange {
  /** Per upstream (by its key), its open connections. */
  private readonly pools = new Map<string, Conn[]>();
  private readonly pipeline: number;
  private readonly maxConnections: number;
  private readonly maxQueries: number;
  private readonly idleMs: number;
  private closed = false;
  /** Queries waiting for a reply. */
  inFlight = 0;
  /** Connections opened so far (tests, diagnostics). */
  opened = 0;

  constructor(private readonly opts: TcpExchangeOptions) {
    this.pipeline = opts.pipeline ?? 32;
    this.maxConnections = opts.maxConnections ?? 4;
    this.maxQueries = opts.maxQueries ?? 1000;
    this.idleMs = opts.idleMs ?? 10_000;
  }

  /** Open connections (tests, diagnostics). */
  connections(): number {
    let n = 0;
    for (const list of this.pools.values()) n += list.length;
    return n;
  }

  /**
   * Sends `query` to `up` over one of its connections (a new one when none has room) and
   * resolves with the accepted reply, or rejects with {@link UpstreamTimeoutError},
   * {@link UpstreamNetworkError} or {@link ExchangeClosedError}. `query` itself is not changed.
   */
  exchange(up: Upstream, query: Buffer, questionEnd: number, timeoutMs: number): Promise<Buffer> {
    if (this.closed) return Promise.reject(new ExchangeClosedError());
    return new Promise<Buffer>((resolve, reject) => {
      const p = new TcpPending(this, up, frame(query), questionEnd, resolve, reject);
      this.inFlight++;
      p.deadline = this.opts.deadlines.now() + timeoutMs;
      this.opts.deadlines.add(p);
      this.write(p);
    });
  }

  /** Closes the connections of an upstream no longer used (queries in flight finish first). */
  release(up: Upstream): void {
    const list = this.pools.get(up.key);
    if (!list) return;
    this.pools.delete(up.key);
    for (const c of list) {
      c.usable = false;
      if (c.pending.size === 0) this.destroy(c);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const all: Conn[] = [];
    for (const list of this.pools.values()) all.push(...list);
    this.pools.clear();
    for (const c of all) {
      const waiting = [...c.pending.values()];
      c.pending.clear();
      this.destroy(c);
      for (const p of waiting) this.settle(p)?.reject(new ExchangeClosedError());
    }
  }

  /** A query's deadline passed: it stops waiting (its connection stays for the others). */
  timedOut(p: TcpPending): void {
    const c = p.conn;
    if (c && c.pending.get(p.id) === p) {
      c.pending.delete(p.id);
      this.idle(c);
    }
    this.settle(p)?.reject(new UpstreamTimeoutError(p.up.key));
  }

  /** Marks a query settled (once) and returns it, or null when it already was. */
  private settle(p: TcpPending): TcpPending | null {
    if (p.done) return null;
    p.done = true;
    p.settled = true;
    p.conn = null;
    this.inFlight--;
    return p;
  }

  /** Writes a query on a connection with room, with an ID unused on that connection. */
  private write(p: TcpPending): void {
    const c = this.pick(p.up);
    let id = this.opts.ids.next16();
    while (c.pending.has(id)) id = this.opts.ids.next16();
    p.id = id;
    p.conn = c;
    p.framed.writeUInt16BE(id, 2);
    if (c.pending.size === 0) c.sock.ref();
    c.pending.set(id, p);
    c.sent++;
    if (c.sent >= this.maxQueries) c.usable = false;
    c.sock.write(p.framed);
  }

  private pick(up: Upstream): Conn {
    let list = this.pools.get(up.key);
    if (!list) {
      list = [];
      this.pools.set(up.key, list);
    }
    let best: Conn | null = null;
    for (const c of list) {
      if (c.usable && (best === null || c.pending.size < best.pending.size)) best = c;
    }
    if (best !== null && (best.pending.size < this.pipeline || list.length >= this.maxConnections)) {
      return best;
    }
    const c = this.connect(up);
    list.push(c);
    return c;
  }

  private connect(up: Upstream): Conn {
    // Writes made while connecting are buffered by the socket and sent once connected.
    const sock = net.connect({ host: up.address, port: up.port, noDelay: true });
    const c = new Conn(up, sock);
    this.opened++;
    sock.setTimeout(this.idleMs);
    sock.on('data', (chunk: Buffer) => this.onData(c, chunk));
    sock.on('timeout', () => {
      if (c.pending.size === 0) this.destroy(c);
    });
    sock.on('end', () => {
      c.usable = false;
    });
    sock.on('error', (err) => this.lost(c, err));
    sock.on('close', () => this.lost(c, new Error('connection closed before an answer')));
    return c;
  }

  /** Closes a connection and forgets it (its queries must have been dealt with). */
  private destroy(c: Conn): void {
    c.usable = false;
    if (!c.closed) {
      c.closed = true;
      c.sock.destroy();
    }
    this.forget(c);
  }

  private forget(c: Conn): void {
    const list = this.pools.get(c.up.key);
    if (!list) return;
    const i = list.indexOf(c);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.pools.delete(c.up.key);
  }

  /** A connection with no query left: closed if it takes no new ones, else unref'd until used. */
  private idle(c: Conn): void {
    if (c.pending.size > 0) return;
    if (!c.usable) this.destroy(c);
    else c.sock.unref();
  }

  /**
   * The connection failed or closed: its queries are written again elsewhere when it had
   * already answered (an upstream closing a used connection), else they fail.
   */
  private lost(c: Conn, err: Error): void {
    c.usable = false;
    this.destroy(c);
    if (c.pending.size === 0) return;
    const waiting = [...c.pending.values()];
    c.pending.clear();
    const now = this.opts.deadlines.now();
    for (const p of waiting) {
      if (p.done) continue;
      if (!this.closed && c.answered > 0 && !p.retried && p.deadline > now) {
        p.retried = true;
        this.write(p);
      } else this.settle(p)?.reject(new UpstreamNetworkError(p.up.key, err));
    }
  }

  private onData(c: Conn, chunk: Buffer): void {
    c.reader.push(chunk);
    for (let msg = c.reader.next(); msg !== null; msg = c.reader.next()) {
      const up = c.up;
      if (msg.length < 12 || (msg[2] & 0x80) === 0) {
        this.opts.onDrop('malformed', `${up.address}:${up.port}`, up.family);
        continue;
      }
      const p = c.pending.get(msg.readUInt16BE(0));
      if (!p) {
        this.opts.onDrop('unknown-id', `${up.address}:${up.port}`, up.family);
        continue;
      }
      // The question of the query as sent: the framed bytes from offset 2.
      if (!sameQuestion(msg, p.framed.subarray(2), p.questionEnd)) {
        this.opts.onDrop('wrong-question', `${up.address}:${up.port}`, up.family);
        continue;
      }
      c.pending.delete(p.id);
      c.answered++;
      this.settle(p)?.resolve(msg); // a copy, not a view of the read buffer
    }
    if (c.reader.oversize) {
      this.lost(c, new Error('oversize message'));
      return;
    }
    this.idle(c);
  }
}
