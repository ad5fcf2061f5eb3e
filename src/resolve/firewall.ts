/**
 * Second handler: Route 53 Resolver DNS Firewall. For a client in the view of a VPC with rule
 * groups, the first matching rule decides: ALLOW and ALERT pass the query on (it is answered
 * normally; the match is recorded for the query log), BLOCK answers here with NODATA, NXDOMAIN,
 * or a CNAME to the override domain that is then followed like any CNAME (through our own names
 * and the forwarder, by the rest of the chain). It runs before the local handler: AWS documents
 * that DNS Firewall filters names in private hosted zones and VPC endpoint names too.
 *
 * When the firewall is `unavailable`, a fail-open VPC's queries pass unfiltered and a fail-closed
 * VPC's queries get SERVFAIL.
 */
import { Flag, HEADER_SIZE, Rcode, RRType } from '../dns/constants.js';
import { expandSection } from '../dns/expand.js';
import { encodeName } from '../dns/names.js';
import { parseQuery, WireError } from '../dns/query.js';
import { encodeRecord, QNAME_POINTER } from '../dns/records.js';
import { scanMessage } from '../dns/relay.js';
import { buildResponse, encodeOpt, type RRset } from '../dns/response.js';
import type { Metrics } from '../metrics/metrics.js';
import type { CompiledRule, Firewall, VpcRules } from '../route53/firewall/model.js';
import type { Chain } from './chain.js';
import type { Handler, HandlerResult, QueryContext } from './types.js';

export interface FirewallHandlerOptions {
  /** The firewall of the config serving now (null without one). */
  firewall: () => Firewall | null;
  /** The handlers after this one (local → cache → forward): OVERRIDE targets are resolved there. */
  rest: () => Chain;
  metrics?: Metrics;
}

export class FirewallHandler implements Handler {
  readonly name = 'firewall';
  private lastView: QueryContext['view'] = null;
  private lastFirewall: Firewall | null = null;
  private lastRules: VpcRules | null = null;
  constructor(private readonly opts: FirewallHandlerOptions) {}

  handle(ctx: QueryContext): HandlerResult | Promise<HandlerResult> {
    const fw = this.opts.firewall();
    if (fw === null || ctx.view === null || !fw.active) return undefined;
    // The VPC's rules, remembered for the last view and firewall seen (views are swapped whole
    // on reload, so identity is enough): most queries skip the lookup by VPC id.
    if (ctx.view !== this.lastView || fw !== this.lastFirewall) {
      this.lastView = ctx.view;
      this.lastFirewall = fw;
      this.lastRules = fw.byVpc.get(ctx.view.vpc.id) ?? null;
    }
    const rules = this.lastRules;
    if (rules === null) return undefined;
    const v = fw.evaluateIn(rules, ctx.q.qname, ctx.q.qtype);
    if (v === null) return undefined;
    v.matches++;
    ctx.firewall = v;
    const m = this.opts.metrics;
    if (v.kind !== 'rule') {
      m?.inc('firewall_unavailable', { mode: v.kind });
      if (v.kind === 'fail-open') return undefined;
      ctx.source = 'firewall';
      return buildResponse(ctx.msg, ctx.q, { rcode: Rcode.SERVFAIL, maxSize: ctx.maxSize });
    }
    m?.inc('firewall_matches', { rule_group: v.group.name, rule: v.name, action: v.action });
    if (v.action !== 'BLOCK') return undefined;
    ctx.source = 'firewall';
    if (v.blockResponse === 'NXDOMAIN')
      return buildResponse(ctx.msg, ctx.q, { rcode: Rcode.NXDOMAIN, maxSize: ctx.maxSize });
    if (v.blockResponse === 'OVERRIDE' && v.overrideDomain !== null) return this.override(ctx, v);
    return buildResponse(ctx.msg, ctx.q, { rcode: Rcode.NOERROR, maxSize: ctx.maxSize });
  }

  /** The CNAME to the override domain, then the answer for the target from the rest of the chain. */
  private override(ctx: QueryContext, r: CompiledRule): HandlerResult | Promise<HandlerResult> {
    const target = r.overrideDomain as string;
    const cname: RRset = {
      bytes: encodeRecord(QNAME_POINTER, RRType.CNAME, r.overrideTtl, encodeName(target)),
      count: 1,
    };
    const q = ctx.q;
    if (q.qtype === RRType.CNAME) {
      return buildResponse(ctx.msg, q, { rcode: Rcode.NOERROR, answer: [cname], maxSize: ctx.maxSize });
    }
    const sub = subQuery(ctx, target);
    if (sub === null)
      return buildResponse(ctx.msg, q, { rcode: Rcode.NOERROR, answer: [cname], maxSize: ctx.maxSize });
    const subCtx: QueryContext = {
      ...ctx,
      msg: sub.msg,
      q: sub.q,
      maxSize: 65535,
      source: 'error',
      key: '',
      group: null,
      firewall: null,
    };
    const done = (res: HandlerResult): HandlerResult => {
      if (res === null || ctx.signal?.aborted) return null;
      return combine(ctx, cname, res);
    };
    const res = this.opts.rest().run(subCtx);
    if (res instanceof Promise) return res.then(done);
    return done(res);
  }
}

/** A query for `target` with the client's type, class, RD/CD bits and EDNS (DO bit). */
function subQuery(
  ctx: QueryContext,
  target: string,
): { msg: Buffer; q: NonNullable<QueryContext['q']> } | null {
  const q = ctx.q;
  let name: Buffer;
  try {
    name = encodeName(target);
  } catch {
    return null;
  }
  const opt = q.edns ? encodeOpt(0, q.edns.do) : null;
  const msg = Buffer.alloc(HEADER_SIZE + name.length + 4 + (opt ? opt.length : 0));
  msg.writeUInt16BE(q.id, 0);
  msg.writeUInt16BE(q.flags & (Flag.RD | Flag.CD), 2);
  msg.writeUInt16BE(1, 4);
  msg.writeUInt16BE(opt ? 1 : 0, 10);
  name.copy(msg, HEADER_SIZE);
  let p = HEADER_SIZE + name.length;
  msg.writeUInt16BE(q.qtype, p);
  msg.writeUInt16BE(q.qclass, p + 2);
  p += 4;
  if (opt) opt.copy(msg, p);
  const parsed = parseQuery(msg);
  return parsed instanceof WireError ? null : { msg, q: parsed };
}

/** Our CNAME, then the target's answer records (and its authority when it has no answer). */
function combine(ctx: QueryContext, cname: RRset, res: Buffer | undefined): Buffer {
  const q = ctx.q;
  const scan = res ? scanMessage(res) : null;
  if (!res || !scan)
    return buildResponse(ctx.msg, q, { rcode: Rcode.SERVFAIL, answer: [cname], maxSize: ctx.maxSize });
  const an = expandSection(res, scan.records, 0);
  const ns = expandSection(res, scan.records, 1);
  if (!an || !ns)
    return buildResponse(ctx.msg, q, { rcode: Rcode.SERVFAIL, answer: [cname], maxSize: ctx.maxSize });
  const answer: RRset[] = an.count > 0 ? [cname, an] : [cname];
  const authority: RRset[] = ns.count > 0 ? [ns] : [];
  return buildResponse(ctx.msg, q, {
    rcode: scan.rcode & 0xf,
    answer,
    authority: answer.length > 1 ? [] : authority,
    maxSize: ctx.maxSize,
  });
}
