/**
 * UDP exchange with upstreams: a pool of sockets on OS-chosen random ports, each with a map of
 * pending queries by random ID. A reply is accepted only from the address and port the query
 * went to, with the same ID and the same question (RFC 5452); anything else is dropped, counted
 * and the query keeps waiting for the real answer. Sockets are replaced after a number of uses
 * so source ports keep changing.
 */
import dgram from 'node:dgram';
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
   * Sockets per address family.
   * @default 16
   */
  poolSize?: number;
  /**
   * Queries sent from one socket before it is replaced by a fresh one (new random port).
   * @default 1000
   */
  recycleAfter?: number;
}

class Slot {
  readonly pending = new Map<number, UdpPending>();
  uses = 0;
  retiring = false;
  private closed = false;
  constructor(readonly sock: dgram.Socket) {}
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.close();
  }
}

class UdpPending implements Timed {
  deadline = 0;
  settled = false;
  resolve!: (b: Buffer) => void;
  reject!: (e: Error) => void;
  constructor(
    readonly owner: UdpExchange,
    readonly slot: Slot,
    readonly id: number,
    readonly up: Upstream,
    readonly query: Buffer,
    readonly questionEnd: number,
  ) {}
  expire(): void {
    this.owner.finish(this);
    this.reject(new UpstreamTimeoutError(this.up.key));
  }
}

export class UdpExchange {
  private readonly slots4: (Slot | undefined)[];
  private readonly slots6: (Slot | undefined)[];
  private readonly recycleAfter: number;
  private closed = false;
  /** Queries waiting for a reply. */
  inFlight = 0;

  constructor(private readonly opts: UdpExchangeOptions) {
    const n = opts.poolSize ?? 16;
    this.slots4 = new Array(n);
    this.slots6 = new Array(n);
    this.recycleAfter = opts.recycleAfter ?? 1000;
  }

  /**
   * Sends `query` (its ID is overwritten) to `up` and resolves with the accepted reply, or
   * rejects with {@link UpstreamTimeoutError} / {@link UpstreamNetworkError}.
   */
  exchange(up: Upstream, query: Buffer, questionEnd: number, timeoutMs: number): Promise<Buffer> {
    if (this.closed) return Promise.reject(new ExchangeClosedError());
    const slot = this.pick(up.family);
    let id = this.opts.ids.next16();
    while (slot.pending.has(id)) id = this.opts.ids.next16();
    query.writeUInt16BE(id, 0);
    const p = new UdpPending(this, slot, id, up, query, questionEnd);
    const promise = new Promise<Buffer>((resolve, reject) => {
      p.resolve = resolve;
      p.reject = reject;
    });
    slot.pending.set(id, p);
    this.inFlight++;
    p.deadline = this.opts.deadlines.now() + timeoutMs;
    this.opts.deadlines.add(p);
    slot.sock.send(query, up.port, up.address, (err) => {
      if (err && !p.settled) {
        p.settled = true;
        this.finish(p);
        p.reject(new UpstreamNetworkError(up.key, err));
      }
    });
    return promise;
  }

  /** Removes a settled query from its socket (and closes a retired socket once idle). */
  finish(p: UdpPending): void {
    if (p.slot.pending.get(p.id) === p) {
      p.slot.pending.delete(p.id);
      this.inFlight--;
    }
    if (p.slot.retiring && p.slot.pending.size === 0) p.slot.close();
  }

  /** Local ports of the open sockets (tests, diagnostics). */
  ports(): number[] {
    const out: number[] = [];
    for (const s of [...this.slots4, ...this.slots6]) {
      if (!s) continue;
      try {
        out.push(s.sock.address().port);
      } catch {
        // not bound yet
      }
    }
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const list of [this.slots4, this.slots6]) {
      for (let i = 0; i < list.length; i++) {
        const s = list[i];
        if (!s) continue;
        list[i] = undefined;
        for (const p of s.pending.values()) {
          p.settled = true;
          p.reject(new ExchangeClosedError());
        }
        this.inFlight -= s.pending.size;
        s.pending.clear();
        s.close();
      }
    }
  }

  private pick(family: 4 | 6): Slot {
    const list = family === 4 ? this.slots4 : this.slots6;
    const i = this.opts.ids.below(list.length);
    let s = list[i];
    if (!s || s.retiring || s.uses >= this.recycleAfter) {
      if (s) {
        s.retiring = true;
        if (s.pending.size === 0) s.close();
      }
      s = this.open(family);
      list[i] = s;
    }
    s.uses++;
    return s;
  }

  private open(family: 4 | 6): Slot {
    const sock = dgram.createSocket({ type: family === 4 ? 'udp4' : 'udp6' });
    const slot = new Slot(sock);
    sock.on('message', (msg, rinfo) => this.onMessage(slot, msg, rinfo));
    sock.on('error', () => {
      // Send errors are reported per query; anything else closes this socket's queries.
      for (const p of slot.pending.values()) {
        if (p.settled) continue;
        p.settled = true;
        p.reject(new UpstreamNetworkError(p.up.key));
      }
      this.inFlight -= slot.pending.size;
      slot.pending.clear();
      slot.retiring = true;
      slot.close();
    });
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
    if (!sameQuestion(msg, p.query, p.questionEnd)) {
      this.opts.onDrop('wrong-question', `${rinfo.address}:${rinfo.port}`, fam);
      return;
    }
    p.settled = true;
    this.finish(p);
    p.resolve(msg);
  }
}
