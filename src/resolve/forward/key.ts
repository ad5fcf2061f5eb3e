/**
 * The one key of a forwarded query, used by the cache and by the coalescing of identical
 * queries in flight: two queries share an answer only when everything that can change the
 * upstream's answer is equal. That is the lower-case name, type and class, the DO bit, the
 * header bits we pass upstream (RD, CD and AD: a CD=1 answer may hold data a validating
 * upstream would refuse a CD=0 client; an RD=0 answer may be a referral or NXDOMAIN from cache
 * only), and the forwarding rule group the name goes to.
 */
import type { Query } from '../../dns/query.js';
import type { RuleTable, UpstreamGroup } from '../../upstream/groups.js';
import { PASSED_FLAGS } from '../../upstream/query.js';
import type { QueryContext } from '../types.js';

export function forwardKey(q: Query, group: UpstreamGroup): string {
  return `${group.id}/${q.qtype}/${q.qclass}/${q.flags & PASSED_FLAGS}/${q.edns?.do ? 1 : 0}/${q.qname}`;
}

/**
 * The key of the query in `ctx`, computed once per query: the cache asks first, the forward
 * handler reuses it (and the rule group) on a miss.
 */
export function contextKey(ctx: QueryContext, rules: RuleTable): string {
  if (ctx.key === '') {
    const group = rules.match(ctx.q.qname);
    ctx.group = group;
    ctx.key = forwardKey(ctx.q, group);
  }
  return ctx.key;
}
