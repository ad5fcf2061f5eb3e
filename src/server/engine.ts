/**
 * One query, from bytes to bytes, for both transports: parse, answer parse errors, run the
 * handler chain, count and log. Never throws: anything unexpected becomes SERVFAIL.
 */
import type { Logger } from 'pino';
import { Rcode, RcodeName, typeName } from '../dns/constants.js';
import { buildErrorResponse, buildResponse, clientUdpLimit, parseQuery, WireError } from '../dns/wire.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Chain } from '../resolve/chain.js';
import type { QueryContext, Transport } from '../resolve/types.js';

export const TCP_MAX_MESSAGE = 65535;

export interface EngineOptions {
  chain: () => Chain;
  metrics: Metrics;
  logger: Logger;
  /** Largest UDP response we send (limits.maxUdpSize). */
  maxUdpSize: () => number;
}

export type EngineResult = Buffer | null;

export class QueryEngine {
  private readonly log: Logger;
  constructor(private readonly opts: EngineOptions) {
    this.log = opts.logger;
  }

  /** Answers one message. Returns the response, or null to send nothing. */
  handle(
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
      this.opts.metrics.inc('malformed_queries', 'Queries that did not parse, by reason', { reason: q.code });
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
    const ctx: QueryContext = {
      msg,
      q,
      clientAddress: address,
      clientPort: port,
      transport,
      maxSize: transport === 'udp' ? clientUdpLimit(q.edns, this.opts.maxUdpSize()) : TCP_MAX_MESSAGE,
      view: null,
      source: 'error',
      signal,
    };
    let r: ReturnType<Chain['run']>;
    try {
      r = this.opts.chain().run(ctx);
    } catch (e) {
      return this.failed(ctx, e, start);
    }
    if (r instanceof Promise) {
      return r.then(
        (v) => this.done(ctx, v, start),
        (e) => this.failed(ctx, e, start),
      );
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
          rcode: RcodeName[rcode] ?? rcode,
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
