/**
 * Answers the names the catalog owns, never forwards them: endpoint records (health-aware round
 * robin), NODATA and NXDOMAIN with the zone's SOA, SOA/NS at private apexes; and REFUSED for
 * other classes and zone transfers of any name (they are never forwarded).
 */
import { Rcode, RRClass, RRType } from '../dns/constants.js';
import { buildResponse, type RRset } from '../dns/response.js';
import type { Catalog, LookupResult, OwnedName, PhzBase, View } from '../privatelink/catalog.js';
import { answerZone, type PhzDeps, type Trace } from '../route53/answer.js';
import type { Handler, QueryContext } from './types.js';

export interface LocalAnswer {
  rcode: number;
  answer: RRset[];
  authority: RRset[];
  /** A CNAME target outside our names (private hosted zones): resolved through the forwarder. */
  chase?: string;
}

/**
 * Completes a local answer whose CNAME chain leaves our names (`chase`): the forwarder's answer
 * for the target is appended. Without one, the chain is answered as far as it is ours.
 */
export type ChaseFn = (ctx: QueryContext, a: LocalAnswer) => Promise<Buffer | null>;

/** Private hosted zone answers read the catalog's health and lookup, and answer endpoint aliases here. */
const phzDeps = new WeakMap<PhzBase, PhzDeps>();
function depsOf(base: PhzBase): PhzDeps {
  let d = phzDeps.get(base);
  if (!d) {
    d = { ...base, endpoint: answerName };
    phzDeps.set(base, d);
  }
  return d;
}

/** Decides the answer for an owned name (shared by the handler and the admin API's resolve). */
export function answerOwned(
  r: NonNullable<LookupResult>,
  qtype: number,
  qclass: number,
  qname = '',
  view: View | null = null,
  trace?: Trace,
): LocalAnswer {
  if (qclass !== RRClass.IN || qtype === RRType.AXFR || qtype === RRType.IXFR) {
    return { rcode: Rcode.REFUSED, answer: [], authority: [] };
  }
  if (r.kind === 'phz') return answerZone(depsOf(r.deps), r.zone, qname, qtype, view, trace);
  if (r.kind === 'nxdomain') return { rcode: Rcode.NXDOMAIN, answer: [], authority: [r.zone.soa] };
  if (r.kind === 'apex') {
    if (qtype === RRType.SOA) return { rcode: Rcode.NOERROR, answer: [r.zone.soaAnswer], authority: [] };
    if (qtype === RRType.NS) return { rcode: Rcode.NOERROR, answer: [r.zone.nsAnswer], authority: [] };
    return { rcode: Rcode.NOERROR, answer: [], authority: [r.zone.soa] };
  }
  return answerName(r.owned, qtype);
}

function answerName(o: OwnedName, qtype: number): LocalAnswer {
  const ep = o.endpoint;
  const pool = ep.pool;
  if (o.form === 'private' && !o.wildcard && o.name === o.zone.apex) {
    if (qtype === RRType.SOA) return { rcode: Rcode.NOERROR, answer: [o.zone.soaAnswer], authority: [] };
    if (qtype === RRType.NS) return { rcode: Rcode.NOERROR, answer: [o.zone.nsAnswer], authority: [] };
  }
  const wantA = (qtype === RRType.A || qtype === RRType.ANY) && o.a;
  const wantAAAA = (qtype === RRType.AAAA || qtype === RRType.ANY) && o.aaaa;
  if (!wantA && !wantAAAA) return { rcode: Rcode.NOERROR, answer: [], authority: [o.zone.soa] };

  const answer: RRset[] = [];
  if (o.form === 'zonal') {
    const a = wantA ? pool.zonal(o.az!, RRType.A) : undefined;
    const b = wantAAAA ? pool.zonal(o.az!, RRType.AAAA) : undefined;
    if (a) answer.push(a);
    if (b) answer.push(b);
  } else if (wantA && wantAAAA) {
    let [a, b] = pool.nextBoth();
    if (!a && !b) {
      if (ep.whenAllUnhealthy === 'servfail') return { rcode: Rcode.SERVFAIL, answer: [], authority: [] };
      a = pool.all(RRType.A);
      b = pool.all(RRType.AAAA);
    }
    if (a?.count) answer.push(a);
    if (b?.count) answer.push(b);
  } else {
    const type = wantA ? RRType.A : RRType.AAAA;
    let set = pool.next(type);
    if (!set) {
      if (ep.whenAllUnhealthy === 'servfail') return { rcode: Rcode.SERVFAIL, answer: [], authority: [] };
      set = pool.all(type);
    }
    if (set.count) answer.push(set);
  }
  if (answer.length === 0) return { rcode: Rcode.NOERROR, answer: [], authority: [o.zone.soa] };
  return { rcode: Rcode.NOERROR, answer, authority: [] };
}

export class LocalHandler implements Handler {
  readonly name = 'local';
  /** Set by the server once the forwarder exists: follows CNAME chains that leave our names. */
  chase: ChaseFn | null = null;
  constructor(private readonly catalog: () => Catalog) {}

  handle(ctx: QueryContext): Buffer | undefined | Promise<Buffer | null> {
    const q = ctx.q;
    // Other classes (CHAOS version.bind, hostname.bind, id.server; Hesiod) and zone transfers
    // are answered here for every name, ours or not: REFUSED, never forwarded upstream.
    if (q.qclass !== RRClass.IN || q.qtype === RRType.AXFR || q.qtype === RRType.IXFR) {
      ctx.source = 'local';
      return buildResponse(ctx.msg, q, { rcode: Rcode.REFUSED, maxSize: ctx.maxSize });
    }
    const r = this.catalog().lookup(q.qname, ctx.view);
    if (!r) return undefined;
    const a = answerOwned(r, ctx.q.qtype, ctx.q.qclass, q.qname, ctx.view);
    ctx.source = 'local';
    if (a.chase !== undefined && this.chase) return this.chase(ctx, a);
    return buildResponse(ctx.msg, ctx.q, {
      rcode: a.rcode,
      answer: a.answer,
      authority: a.authority,
      maxSize: ctx.maxSize,
    });
  }
}
