/**
 * The forward handler: everything the local handler did not answer goes to the upstreams of the
 * matching forwarding rule (or the defaults). Always answers — the relayed response, or SERVFAIL
 * with an Extended DNS Error saying why — or drops (null) when the caller went away.
 *
 * The relayed answer keeps the upstream's rcode and sections; the client gets its own ID and
 * question bytes back, our OPT instead of the upstream's (none if it sent none), and a response
 * truncated by whole RRsets to its UDP size (see relay.ts).
 */
import type { Logger } from 'pino';
import { EdeCode, Rcode } from '../../dns/constants.js';
import type { ScannedMessage } from '../../dns/relay.js';
import { buildResponse, type Ede } from '../../dns/response.js';
import { scrubResponse } from '../../dns/scrub.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { Catalog } from '../../privatelink/catalog.js';
import type { RuleTable, UpstreamGroup } from '../../upstream/groups.js';
import { readHops } from '../../upstream/query.js';
import type { UpstreamResolver } from '../../upstream/resolver.js';
import type { Handler, HandlerResult, QueryContext } from '../types.js';
import { contextKey } from './key.js';
import { respond } from './relay.js';

/** EDE sent with the SERVFAIL that answers a query that came back to us round a loop. */
export const LOOP_EDE: Ede = { code: EdeCode.OTHER, text: 'forwarding loop detected' };

/** Builds a SERVFAIL for the query in `ctx` (EDE included when the client sent EDNS). */
export function servfail(ctx: QueryContext, ede?: Ede): Buffer {
  return buildResponse(ctx.msg, ctx.q, { rcode: Rcode.SERVFAIL, ede, maxSize: ctx.maxSize });
}

/** What the forward handler needs; getters so a reload swaps them in place. */
export interface ForwardDeps {
  resolver: UpstreamResolver;
  rules: () => RuleTable;
  catalog: () => Catalog;
  /** Stores an upstream reply in the cache (no-op when the cache is off). */
  store: (key: string, ctx: QueryContext, reply: Buffer, scan: ScannedMessage) => void;
  /** Relayed TTLs are capped at this (the cache's maxTtl). */
  maxTtl: () => number;
  /** Our loop-marker token. */
  token: Buffer;
  logger: Logger;
  metrics: Metrics;
}

export class ForwardHandler implements Handler {
  readonly name = 'forward';
  /** The catalog {@link owned} answers for (made once per catalog, not once per reply). */
  private ownedFor: Catalog | null = null;
  private owned: ((name: string) => boolean) | null = null;
  constructor(private readonly deps: ForwardDeps) {}

  /** Whether a name is ours for every client (null when the catalog has no endpoints). */
  private ownedIn(catalog: Catalog): ((name: string) => boolean) | null {
    if (this.ownedFor !== catalog) {
      this.ownedFor = catalog;
      this.owned = catalog.endpoints.length > 0 ? (name) => catalog.lookup(name, null) !== null : null;
    }
    return this.owned;
  }

  async handle(ctx: QueryContext): Promise<HandlerResult> {
    const d = this.deps;
    const q = ctx.q;
    let hops: Buffer | null = null;
    if (q.edns && q.edns.options.length > 0) {
      const h = readHops(q.edns.options, d.token);
      if (h.loop) {
        d.metrics.inc('forward_loops');
        d.logger.warn(
          { qname: q.qname, qtype: q.qtype, client: ctx.clientAddress },
          'forwarding loop detected: our own query came back; answering SERVFAIL',
        );
        ctx.source = 'forward';
        return servfail(ctx, LOOP_EDE);
      }
      hops = h.hops;
    }
    const key = contextKey(ctx, d.rules());
    const group = ctx.group as UpstreamGroup;
    const dnssecOk = q.edns?.do ?? false;
    const outcome = await d.resolver.resolve(key, {
      msg: ctx.msg,
      q,
      tcp: ctx.transport === 'tcp',
      dnssecOk,
      hops,
      group,
    });
    if (ctx.signal?.aborted) return null;
    ctx.source = 'forward';
    if (!outcome.ok) {
      d.metrics.inc('forward_servfail', {
        reason: outcome.reason,
      });
      return servfail(ctx, outcome.ede);
    }
    if (!outcome.cached) {
      // Once per upstream reply (coalesced queries share the outcome): scrubbed, then cached.
      outcome.cached = true;
      const catalog = d.catalog();
      const s = scrubResponse(outcome.reply, outcome.scan, {
        owned: this.ownedIn(catalog),
        maxTtl: d.maxTtl(),
      });
      if (s.dropped > 0) d.metrics.inc('forward_scrubbed', undefined, s.dropped);
      outcome.reply = s.reply;
      outcome.scan = s.scan;
      d.store(key, ctx, outcome.reply, outcome.scan);
    }
    return respond(ctx, outcome.reply, outcome.scan, 0, d.catalog());
  }
}
