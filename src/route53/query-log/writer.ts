/**
 * The query log, off the query's path: {@link QueryLog.record} encodes the line into a memory
 * buffer (a few copies of cached fragments, no object per query) and returns; lines go out in
 * chunks by one asynchronous write at a time, a chunk as soon as it is full, what is left
 * {@link FLUSH_MS} after its first line. Nothing a query does waits on the disk.
 *
 * - Bounded: at most `maxBufferedLines` lines wait (recorded, formatted or being written); past
 *   that a line is dropped and counted (`query_log_dropped_total{reason="buffer-full"}`).
 * - Whole lines per write: each write is a run of complete lines, of at most 4096 bytes (PIPE_BUF)
 *   on stdout and 256 KiB to a file opened with O_APPEND, so with `--workers` every worker writing
 *   to one file or one pipe never tears or interleaves another's lines. A single line longer than
 *   that is written alone.
 * - `reopen()` (SIGUSR1) closes and reopens the file between two writes: logrotate's `create` or
 *   `copytruncate` lose no line and tear none.
 * - `close()` writes everything recorded so far, then closes the file.
 */
import { close, open, openSync, write } from 'node:fs';
import type { Logger } from 'pino';
import type { QueryLogsConfig, VpcConfig } from '../../config/schema.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { QueryContext } from '../../resolve/types.js';
import { LineEncoder, type LineHead, lineHead } from './format.js';

/** Largest write that pipes take atomically (POSIX PIPE_BUF on Linux): the chunk size on stdout. */
export const ATOMIC_WRITE = 4096;
/**
 * The chunk size for files: an O_APPEND write of a regular file goes to the end whole, whatever its
 * size (Linux holds the inode lock for the whole write), so larger chunks tear nothing either.
 */
export const FILE_CHUNK = 256 * 1024;
/** How long a line waits for its chunk to fill before it is written anyway. */
export const FLUSH_MS = 50;

interface Chunk {
  buf: Buffer;
  lines: number;
}

/** Where lines go: a file appended to, or stdout. */
interface Sink {
  write(buf: Buffer, cb: (err: Error | null) => void): void;
  reopen(cb: (err: Error | null) => void): void;
  close(cb: () => void): void;
}

function stdoutSink(): Sink {
  return {
    write: (buf, cb) => {
      process.stdout.write(buf, (err) => cb(err ?? null));
    },
    reopen: (cb) => cb(null),
    close: (cb) => cb(),
  };
}

function fileSink(path: string): Sink {
  // Opened at once, so a bad path fails the start (or the reload), not the first query.
  let fd = openSync(path, 'a');
  const writeAll = (buf: Buffer, off: number, cb: (err: Error | null) => void): void => {
    write(fd, buf, off, buf.length - off, null, (err, n) => {
      if (err) return cb(err);
      if (off + n < buf.length) return writeAll(buf, off + n, cb);
      cb(null);
    });
  };
  return {
    write: (buf, cb) => writeAll(buf, 0, cb),
    reopen: (cb) => {
      open(path, 'a', (err, next) => {
        if (err) return cb(err);
        const old = fd;
        fd = next;
        close(old, () => cb(null));
      });
    },
    close: (cb) => close(fd, () => cb()),
  };
}

export interface QueryLogOptions {
  config: QueryLogsConfig;
  metrics?: Metrics;
  logger?: Logger;
}

/** The query log of one server (one process). */
export class QueryLog {
  private config: QueryLogsConfig;
  private vpcs: Set<string> | null;
  private readonly sink: Sink;
  private readonly chunks: Chunk[] = [];
  /** Lines recorded and not yet written. */
  private waiting = 0;
  /** The timer that writes a chunk not yet full. */
  private timer: NodeJS.Timeout | null = null;
  private writing = false;
  private reopenWanted = false;
  private reopenWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private warned = false;
  private readonly chunkBytes: number;
  /** Formatted lines not yet in a chunk are the encoder's bytes not yet taken. */
  private readonly encoder = new LineEncoder();
  private openLines = 0;
  /** The line heads of the VPCs logged under the current settings, and the last one used. */
  private heads = new WeakMap<VpcConfig, LineHead>();
  private lastVpc: VpcConfig | null = null;
  private lastHead: LineHead | null = null;

  constructor(
    readonly destination: string,
    private readonly opts: QueryLogOptions,
  ) {
    this.config = opts.config;
    this.vpcs = opts.config.vpcs ? new Set(opts.config.vpcs) : null;
    this.sink = destination === 'stdout' ? stdoutSink() : fileSink(destination);
    this.chunkBytes = destination === 'stdout' ? ATOMIC_WRITE : FILE_CHUNK;
  }

  /** Takes new settings of the same destination (a reload). */
  configure(config: QueryLogsConfig): void {
    this.config = config;
    this.vpcs = config.vpcs ? new Set(config.vpcs) : null;
    this.heads = new WeakMap();
    this.lastVpc = null;
    this.lastHead = null;
  }

  /** The line head of `vpc` (its account, region and id, encoded once). */
  private headOf(vpc: VpcConfig): LineHead {
    if (vpc === this.lastVpc && this.lastHead !== null) return this.lastHead;
    let h = this.heads.get(vpc);
    if (h === undefined) {
      h = lineHead(this.config.accountId, vpc.region, vpc.id);
      this.heads.set(vpc, h);
    }
    this.lastVpc = vpc;
    this.lastHead = h;
    return h;
  }

  /** Lines recorded and not yet written. */
  get pending(): number {
    return this.waiting;
  }

  /**
   * Records the answer to one query (called after the response is built). Queries from outside
   * every VPC view, from VPCs not logged, and cache hits (unless `logCacheHits`) are left out.
   */
  record(ctx: QueryContext, response: Buffer): void {
    const view = ctx.view;
    if (view === null || this.closed) return;
    const c = this.config;
    if (ctx.source === 'cache' && !c.logCacheHits) return;
    if (this.vpcs !== null && !this.vpcs.has(view.vpc.id)) return;
    if (this.waiting >= c.maxBufferedLines) {
      this.opts.metrics?.inc('query_log_dropped', { reason: 'buffer-full' });
      return;
    }
    this.waiting++;
    const q = ctx.q;
    const enc = this.encoder;
    enc.write(
      Date.now(),
      this.headOf(view.vpc),
      q.qname,
      q.qtype,
      q.qclass,
      ctx.clientAddress,
      ctx.clientPort,
      ctx.transport,
      response,
      ctx.firewall,
    );
    // Past the chunk size: the lines before this one are a chunk (a line longer than a chunk is
    // one alone), written at once if no write is under way.
    if (enc.pos - enc.base > this.chunkBytes && this.openLines > 0) {
      this.chunks.push({ buf: enc.take(enc.lineStart), lines: this.openLines });
      this.openLines = 1;
      if (!this.writing) this.pump();
    } else this.openLines++;
    if (this.timer === null && this.openLines > 0) this.timer = setTimeout(this.onTimer, FLUSH_MS);
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    this.cut();
    this.pump();
  };

  /** The lines not yet in a chunk become one. */
  private cut(): void {
    if (this.openLines === 0) return;
    this.chunks.push({ buf: this.encoder.take(this.encoder.pos), lines: this.openLines });
    this.openLines = 0;
  }

  private pump(): void {
    if (this.writing) return;
    if (this.reopenWanted) {
      this.reopenWanted = false;
      this.writing = true;
      this.sink.reopen((err) => {
        this.writing = false;
        if (err) this.opts.logger?.error({ err, destination: this.destination }, 'query log reopen failed');
        const w = this.reopenWaiters;
        this.reopenWaiters = [];
        for (const f of w) f();
        this.pump();
      });
      return;
    }
    const chunk = this.chunks.shift();
    if (!chunk) {
      if (this.openLines === 0) {
        const w = this.idleWaiters;
        this.idleWaiters = [];
        for (const f of w) f();
      }
      return;
    }
    this.writing = true;
    this.sink.write(chunk.buf, (err) => {
      this.writing = false;
      this.waiting -= chunk.lines;
      if (err) {
        this.opts.metrics?.inc('query_log_dropped', { reason: 'write-error' }, chunk.lines);
        if (!this.warned) {
          this.warned = true;
          this.opts.logger?.error({ err, destination: this.destination }, 'query log write failed');
        }
      } else this.opts.metrics?.inc('query_log_lines', {}, chunk.lines);
      this.pump();
    });
  }

  /** Reopens the file (SIGUSR1, after logrotate moved it): resolves once the new file is open. */
  reopen(): Promise<void> {
    return new Promise((resolve) => {
      this.reopenWaiters.push(resolve);
      this.reopenWanted = true;
      this.pump();
    });
  }

  /** Resolves once every line recorded so far is written. */
  flush(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      if (this.timer !== null) {
        clearTimeout(this.timer);
        this.timer = null;
      }
      this.cut();
      this.pump();
    });
  }

  /** Writes what is recorded, then closes the file; later records are ignored. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await new Promise<void>((resolve) => this.sink.close(resolve));
  }
}
