/**
 * The forward handler: everything the local handler did not answer goes to the upstreams of the
 * matching forwarding rule (or the defaults). Always answers — the relayed response, or SERVFAIL
 * with an Extended DNS Error saying why — or drops (null) when the caller went away.
 *
 * The relayed answer keeps the upstream's rcode and sections; the client gets its own ID and
 * question bytes back, our OPT instead of the upstream's (none if it sent none), and a response
 * truncated by whole RRsets to its UDP size. When the answer is a CNAME chain that reaches a name
 * we own in this client's view, the chain is completed from our records (as Route 53 Resolver
 * does for private hosted zones).
 */
import type { Logger } from 'pino';
import { EdeCode, Rcode, RRType } from '../dns/constants.js';
import {
  buildResponse,
  type Ede,
  encodeName,
  type RRset,
  readName,
  relayResponse,
  type ScannedMessage,
} from '../dns/wire.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Catalog, LookupResult } from '../privatelink/catalog.js';
import type { RuleTable } from '../upstream/groups.js';
import { PASSED_FLAGS, readHops } from '../upstream/query.js';
import type { UpstreamResolver } from '../upstream/resolver.js';
import { answerOwned } from './local.js';
import type { Handler, HandlerResult, QueryContext } from './types.js';

/** EDE sent with the SERVFAIL that answers a query that came back to us round a loop. */
export const LOOP_EDE: Ede = { code: EdeCode.OTHER, text: 'forwarding loop detected' };

/** Builds a SERVFAIL for the query in `ctx` (EDE included when the client sent EDNS). */
export function servfail(ctx: QueryContext, ede?: Ede): Buffer {
  return buildResponse(ctx.msg, ctx.q, { rcode: Rcode.SERVFAIL, ede, maxSize: ctx.maxSize });
}

/**
 * Turns an upstream reply (fresh, or from the cache aged `age` seconds) into the response for
 * this client: the CNAME chain completed from our records when it reaches a name we own in the
 * client's view, else the reply relayed as it is.
 */
export function respond(
  ctx: QueryContext,
  reply: Buffer,
  scan: ScannedMessage,
  age: number,
  catalog: Catalog,
): Buffer {
  if (ctx.q.qtype !== RRType.CNAME && catalog.endpoints.length > 0) {
    const done = completeChain(ctx, reply, scan, age, catalog);
    if (done) return done;
  }
  return relayResponse(reply, scan, ctx.msg, ctx.q, ctx.maxSize, undefined, age);
}

/**
 * Completes a CNAME chain whose target is a name we own in the client's view: the upstream's
 * answer records up to that CNAME (kept in place, so their compression pointers stay valid),
 * then our answer for the target. Null when the chain does not reach an owned name.
 */
export function completeChain(
  ctx: QueryContext,
  reply: Buffer,
  scan: ScannedMessage,
  age: number,
  catalog: Catalog,
): Buffer | null {
  const recs = scan.records;
  let name = scan.qname;
  let k = -1;
  let owned: LookupResult = null;
  let target = '';
  for (let i = 0; i < recs.length && recs[i].section === 0; i++) {
    const r = recs[i];
    if (r.type !== RRType.CNAME || r.name !== name) continue;
    const t = readName(reply, r.rdataStart);
    if (!t) return null;
    owned = catalog.lookup(t.name, ctx.view);
    if (owned) {
      k = i;
      target = t.name;
      break;
    }
    name = t.name;
  }
  if (k < 0 || !owned) return null;
  const prefixEnd = recs[k].end;
  let prefix = reply.subarray(scan.questionEnd, prefixEnd);
  if (age > 0) {
    prefix = Buffer.from(prefix);
    for (let i = 0; i <= k; i++) {
      const r = recs[i];
      prefix.writeUInt32BE(r.ttl > age ? r.ttl - age : 0, r.ttlOffset - scan.questionEnd);
    }
  }
  const local = answerOwned(owned, ctx.q.qtype, ctx.q.qclass);
  const owner = encodeName(target);
  const answer: RRset[] = [{ bytes: prefix, count: k + 1 }];
  for (const set of local.answer) answer.push(reown(set, owner));
  ctx.source = 'forward';
  return buildResponse(ctx.msg, ctx.q, {
    rcode: local.rcode,
    answer,
    authority: local.authority,
    maxSize: ctx.maxSize,
  });
}

/** Rewrites records whose owner is the question pointer (0xC00C) to `owner`. */
function reown(set: RRset, owner: Buffer): RRset {
  const b = set.bytes;
  const parts: Buffer[] = [];
  let p = 0;
  while (p < b.length) {
    let nameEnd: number;
    if (b[p] === 0xc0 && b[p + 1] === 0x0c) {
      parts.push(owner);
      nameEnd = p + 2;
    } else {
      nameEnd = p;
      while (b[nameEnd] !== 0 && (b[nameEnd] & 0xc0) !== 0xc0) nameEnd += b[nameEnd] + 1;
      nameEnd += b[nameEnd] === 0 ? 1 : 2;
      parts.push(b.subarray(p, nameEnd));
    }
    const end = nameEnd + 10 + b.readUInt16BE(nameEnd + 8);
    parts.push(b.subarray(nameEnd, end));
    p = end;
  }
  return { bytes: Buffer.concat(parts), count: set.count };
}

/** What the forward handler needs; getters so a reload swaps them in place. */
export interface ForwardDeps {
  resolver: UpstreamResolver;
  rules: () => RuleTable;
  catalog: () => Catalog;
  /** Stores an upstream reply in the cache (no-op when the cache is off). */
  store: (ctx: QueryContext, reply: Buffer, scan: ScannedMessage) => void;
  /** Our loop-marker token. */
  token: Buffer;
  logger: Logger;
  metrics: Metrics;
}

export class ForwardHandler implements Handler {
  readonly name = 'forward';
  constructor(private readonly deps: ForwardDeps) {}

  async handle(ctx: QueryContext): Promise<HandlerResult> {
    const d = this.deps;
    const q = ctx.q;
    const catalog = d.catalog();
    // Our own names never go upstream (the local handler normally answered them already).
    const owned = catalog.lookup(q.qname, ctx.view);
    if (owned) {
      const a = answerOwned(owned, q.qtype, q.qclass);
      ctx.source = 'local';
      return buildResponse(ctx.msg, q, {
        rcode: a.rcode,
        answer: a.answer,
        authority: a.authority,
        maxSize: ctx.maxSize,
      });
    }
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
    const group = d.rules().match(q.qname);
    const dnssecOk = q.edns?.do ?? false;
    const key = `${group.id}/${q.qtype}/${q.qclass}/${q.flags & PASSED_FLAGS}/${dnssecOk ? 1 : 0}/${q.qname}`;
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
      outcome.cached = true;
      d.store(ctx, outcome.reply, outcome.scan);
    }
    return respond(ctx, outcome.reply, outcome.scan, 0, d.catalog());
  }
}
