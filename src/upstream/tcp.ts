/**
 * TCP exchange with upstreams (RFC 7766 framing): one connection per query, a random ID, and the
 * same acceptance rules as UDP (same ID, same question; anything else on the connection is
 * dropped and counted).
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
}

class TcpPending implements Timed {
  deadline = 0;
  settled = false;
  sock: net.Socket | null = null;
  readonly reader = new FrameReader();
  resolve!: (b: Buffer) => void;
  reject!: (e: Error) => void;
  constructor(
    readonly owner: TcpExchange,
    readonly up: Upstream,
    readonly id: number,
    readonly query: Buffer,
    readonly questionEnd: number,
  ) {}
  expire(): void {
    this.owner.done(this);
    this.reject(new UpstreamTimeoutError(this.up.key));
  }
}

export class TcpExchange {
  private readonly open = new Set<TcpPending>();
  private closed = false;

  constructor(private readonly opts: TcpExchangeOptions) {}

  /** Queries waiting for a reply. */
  get inFlight(): number {
    return this.open.size;
  }

  /** Sends `query` (its ID is overwritten) over a new connection and resolves with the reply. */
  exchange(up: Upstream, query: Buffer, questionEnd: number, timeoutMs: number): Promise<Buffer> {
    if (this.closed) return Promise.reject(new ExchangeClosedError());
    const id = this.opts.ids.next16();
    const framed = frame(query);
    framed.writeUInt16BE(id, 2);
    const p = new TcpPending(this, up, id, framed.subarray(2), questionEnd);
    const promise = new Promise<Buffer>((resolve, reject) => {
      p.resolve = resolve;
      p.reject = reject;
    });
    this.open.add(p);
    p.deadline = this.opts.deadlines.now() + timeoutMs;
    this.opts.deadlines.add(p);
    const sock = net.connect({ host: up.address, port: up.port, noDelay: true });
    p.sock = sock;
    sock.on('connect', () => sock.write(framed));
    sock.on('data', (chunk: Buffer) => this.onData(p, chunk));
    sock.on('error', (err) => this.fail(p, err));
    sock.on('close', () => this.fail(p, new Error('connection closed before an answer')));
    return promise;
  }

  /** Forgets a query and closes its connection. */
  done(p: TcpPending): void {
    this.open.delete(p);
    if (p.sock) {
      p.sock.destroy();
      p.sock = null;
    }
  }

  close(): void {
    this.closed = true;
    for (const p of this.open) {
      p.settled = true;
      this.done(p);
      p.reject(new ExchangeClosedError());
    }
  }

  private fail(p: TcpPending, err: Error): void {
    if (p.settled) return;
    p.settled = true;
    this.done(p);
    p.reject(new UpstreamNetworkError(p.up.key, err));
  }

  private onData(p: TcpPending, chunk: Buffer): void {
    if (p.settled) return;
    p.reader.push(chunk);
    for (let msg = p.reader.next(); msg !== null; msg = p.reader.next()) {
      const from = `${p.up.address}:${p.up.port}`;
      if (msg.length < 12 || (msg[2] & 0x80) === 0) {
        this.opts.onDrop('malformed', from, p.up.family);
      } else if (msg.readUInt16BE(0) !== p.id) {
        this.opts.onDrop('unknown-id', from, p.up.family);
      } else if (!sameQuestion(msg, p.query, p.questionEnd)) {
        this.opts.onDrop('wrong-question', from, p.up.family);
      } else {
        p.settled = true;
        this.done(p);
        p.resolve(msg); // a copy, not a view of the read buffer
        return;
      }
    }
  }
}
