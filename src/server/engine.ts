/**
 * One query, from bytes to bytes, for both transports: parse, answer parse errors, run the
 * handler chain, count and log. Never throws: anything unexpected becomes SERVFAIL.
 */
import type { Logger } from 'pino';
import { Rcode, RcodeName, typeName } from '../dns/constants.js';
import { clientUdpLimit, parseQuery, WireError } from '../dns/query.js';
import { buildErrorResponse, buildResponse } from '../dns/response.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Chain } from '../resolve/chain.js';
import type { QueryContext, Transport } from '../resolve/types.js';
import { COMPACT_OVER, compactQuery } from './compact.js';

/** Largest DNS message over TCP (the 2-byte length prefix). */
export const TCP_MAX_MESSAGE = 65535;

/** What the engine needs; functions are read per query so reloads take effect at once. */
export interface EngineOptions {
  chain: () => Chain;
  metrics: Metrics;
  logger: Logger;
  /** Largest UDP response we send (limits.maxUdpSize). */
  maxUdpSize: () => number;
  /** Called with every response sent (the query log); must not throw or block. */
  onAnswer?: (ctx: QueryContext, response: Buffer) => void;
}

/** A response to send, or null to send nothing. */
export type EngineResult = Buffer | null;

/** Bytes in, bytes out: shared by the UDP and TCP listeners. */
export class QueryEngine {
  private readonly log: Logger;
  constructor(private readonly opts: EngineOptions) {
    this.log = opts.logger;
  }

  /**
   * Answers one message. Returns the response, or null to send nothing. Never throws and the
   * promise never rejects: a bug anywhere below becomes SERVFAIL (or a drop when the message
   * could not even be parsed), logged at error level.
   */
  handle(
    msg: Buffer,
    address: string,
    port: number,
    transport: Transport,
    signal?: AbortSignal,
  ): EngineResult | Promise<EngineResult> {
    try {
      return this.answer(msg, address, port, transport, signal);
    } catch (e) {
      this.log.error({ err: e, client: address, transport }, 'query handling failed');
      return null;
    }
  }

  private answer(
    msg: Buffer,
    address: string,
    port: number,
    transport: Transport,
    signal?: AbortSignal,
  ): EngineResult | Promise<EngineResult> {
    const start = performance.now();
    const q = parseQuery(msg);
    if (q instanceof WireError) {
      const maxSize = transport === 'udp' ? clientUdpLimit(q.edns, this.opts.maxUdpSize()) : TCP_MAX_MESSAGE;
      const res = buildErrorResponse(msg, q, maxSize);
      this.opts.metrics.inc('malformed_queries', { reason: q.code });
      if (this.log.isLevelEnabled('debug')) {
        this.log.debug(
          { client: address, port, transport, error: q.code, detail: q.message },
          'malformed query',
        );
      }
      if (res)
        this.opts.metrics.query(0, transport, 'error', q.respond ?? 0, (performance.now() - start) / 1000);
      return res;
    }
    // A long (padded) message is copied down to what answering needs: an answer may take a
    // while upstream, and thousands of pipelined 64 KiB queries must not be held whole.
    const small = msg.length > COMPACT_OVER ? compactQuery(msg, q) : null;
    const ctx: QueryContext = {
      msg: small ? small.msg : msg,
      q: small ? small.q : q,
      clientAddress: address,
      clientPort: port,
      transport,
      maxSize: transport === 'udp' ? clientUdpLimit(q.edns, this.opts.maxUdpSize()) : TCP_MAX_MESSAGE,
      view: null,
      source: 'error',
      key: '',
      group: null,
      firewall: null,
      signal,
    };
    let r: ReturnType<Chain['run']>;
    try {
      r = this.opts.chain().run(ctx);
    } catch (e) {
      return this.failed(ctx, e, start);
    }
    if (r instanceof Promise) {
      return r
        .then(
          (v) => this.done(ctx, v, start),
          (e) => this.failed(ctx, e, start),
        )
        .catch((e: unknown) => {
          this.log.error({ err: e, client: address, transport }, 'query handling failed');
          return null;
        });
    }
    return this.done(ctx, r, start);
  }

  private done(ctx: QueryContext, r: Buffer | null | undefined, start: number): EngineResult {
    let res = r;
    if (res === undefined) {
      ctx.source = 'error';
      res = buildResponse(ctx.msg, ctx.q, { rcode: Rcode.SERVFAIL, maxSize: ctx.maxSize });
    }
    if (res === null) return null;
    if (res.length > ctx.maxSize) {
      // Last line of defence: never send more than the client can take. Handlers truncate by
      // RRset themselves; this only catches one that did not.
      this.log.warn(
        { name: ctx.q.qname, size: res.length, max: ctx.maxSize, by: ctx.source },
        'response over the size limit: sent truncated',
      );
      res = truncated(ctx, res);
    }
    this.opts.onAnswer?.(ctx, res);
    const seconds = (performance.now() - start) / 1000;
    const rcode = res[3] & 0xf;
    this.opts.metrics.query(ctx.q.qtype, ctx.transport, ctx.source, rcode, seconds);
    if (this.log.isLevelEnabled('debug')) {
      this.log.debug(
        {
          client: ctx.clientAddress,
          port: ctx.clientPort,
          transport: ctx.transport,
          name: ctx.q.qname,
          type: typeName(ctx.q.qtype),
          rcode: RcodeName[rcode] ?? String(rcode),
          answeredBy: ctx.source,
          view: ctx.view?.vpc.id ?? null,
          ms: Math.round(seconds * 1e6) / 1e3,
        },
        'query',
      );
    }
    return res;
  }

  private failed(ctx: QueryContext, e: unknown, start: number): EngineResult {
    this.log.error({ err: e, name: ctx.q.qname, type: typeName(ctx.q.qtype) }, 'query failed');
    ctx.source = 'error';
    const res = buildResponse(ctx.msg, ctx.q, { rcode: Rcode.SERVFAIL, maxSize: ctx.maxSize });
    this.opts.metrics.query(
      ctx.q.qtype,
      ctx.transport,
      'error',
      Rcode.SERVFAIL,
      (performance.now() - start) / 1000,
    );
    return res;
  }
}

/** An empty response with TC set, keeping the rcode of `res`. */
function truncated(ctx: QueryContext, res: Buffer): Buffer {
  const rcode = res.length >= 4 ? res[3] & 0xf : Rcode.SERVFAIL;
  return buildResponse(ctx.msg, ctx.q, { rcode, maxSize: ctx.maxSize, tc: true });
}
