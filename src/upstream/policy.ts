/**
 * The order in which a query tries the upstreams of its group: `sequential` (as listed),
 * `round_robin` (a rotating start per group) or `random` (a fresh shuffle per query); upstreams
 * marked down go last and only one of them is tried when none is up (CoreDNS's forward plugin
 * does the same), and an upstream that is this server itself is never tried.
 */
import type { Config } from '../config/schema.js';
import type { UpstreamGroup } from './groups.js';
import type { RandomIds } from './random.js';
import type { Upstream } from './upstream.js';

export type Policy = Config['forwarder']['policy'];

/** The upstreams to try, in policy order: those up; when none is up, one of them anyway. */
export function orderUpstreams(g: UpstreamGroup, policy: Policy, ids: RandomIds): Upstream[] {
  const all = g.upstreams;
  const n = all.length;
  if (n === 0) return [];
  let start = 0;
  let list: Upstream[];
  if (policy === 'random') {
    list = all.slice();
    for (let i = n - 1; i > 0; i--) {
      const j = ids.below(i + 1);
      const t = list[i];
      list[i] = list[j];
      list[j] = t;
    }
  } else {
    if (policy === 'round_robin') {
      start = g.next % n;
      g.next = (g.next + 1) % n;
    }
    list = [];
    for (let i = 0; i < n; i++) list.push(all[(start + i) % n]);
  }
  const up: Upstream[] = [];
  let fallback: Upstream | null = null;
  for (const u of list) {
    if (u.isSelf) continue;
    if (!u.down) up.push(u);
    else if (!fallback) fallback = u;
  }
  if (up.length === 0 && fallback) up.push(fallback);
  return up;
}
