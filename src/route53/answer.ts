/**
 * Route 53's answers from a private hosted zone: the node of the query name (exact, or the
 * wildcard of its closest encloser, RFC 4592), NODATA / NXDOMAIN with the zone's SOA, a CNAME
 * with its chain followed, an alias answered as its target's records under the query name, and
 * the routing policies (weighted, failover, multivalue) with health read at answer time.
 *
 * Everything a query needs is pre-encoded; per query only a record is picked and its bytes
 * referenced. A CNAME chain that reaches a name of ours is re-owned (one copy of the target's
 * records); a chain that leaves our names ends with `chase` set, and the local handler asks the
 * forwarder for the rest.
 */
import { Rcode, RRType, typeName } from '../dns/constants.js';
import { encodeName } from '../dns/names.js';
import { withOwner } from '../dns/records.js';
import type { RRset } from '../dns/response.js';
import type { HealthState } from '../health/state.js';
import type { LookupResult, OwnedName, View } from '../privatelink/catalog.js';
import { type HostedZone, type PhzAlias, type PhzNode, type PhzRecord, type PhzSet, setOf } from './zones.js';

/** An answer, in the local handler's shape. */
export interface PhzAnswer {
  rcode: number;
  answer: RRset[];
  authority: RRset[];
  /** A CNAME target outside our names: the forwarder resolves it and appends its answer. */
  chase?: string;
}

/** What answering reads besides the zone: the catalog lookup (CNAME chains) and health. */
export interface PhzDeps {
  health: HealthState;
  lookup(name: string, view: View | null): LookupResult;
  /** The endpoint answer of an owned endpoint name (the local handler's). */
  endpoint(owned: OwnedName, qtype: number): PhzAnswer;
  /** Random number in [0, 1) (weighted and multivalue picks). */
  random(): number;
}

/** Sentences explaining the answer (the admin API's /v1/resolve), when asked for. */
export type Trace = string[] | undefined;

/** Chains (CNAME and alias) longer than this are cut: SERVFAIL. */
export const MAX_CHAIN = 16;

const SERVFAIL: PhzAnswer = { rcode: Rcode.SERVFAIL, answer: [], authority: [] };

/** Multivalue answers carry at most this many records (Route 53: up to eight healthy ones). */
export const MULTIVALUE_MAX = 8;

/** Finds the node answering `qname` in `zone`: exact, or the closest encloser's wildcard; null = NXDOMAIN. */
export function findNode(zone: HostedZone, qname: string): PhzNode | null {
  const exact = zone.nodes.get(qname);
  if (exact) return exact;
  if (zone.wildcards.size === 0) return null;
  let dot = qname.indexOf('.');
  while (dot >= 0) {
    const anc = qname.slice(dot + 1);
    const w = zone.wildcards.get(anc);
    if (w) return w;
    // The closest encloser exists and has no wildcard: the name does not exist (RFC 4592 §4.1).
    if (zone.nodes.has(anc)) return null;
    dot = qname.indexOf('.', dot + 1);
  }
  return null;
}

/** Answers `qname`/`qtype` from `zone` for a client in `view`. */
export function answerZone(
  deps: PhzDeps,
  zone: HostedZone,
  qname: string,
  qtype: number,
  view: View | null,
  trace?: Trace,
  depth = 0,
): PhzAnswer {
  if (depth > MAX_CHAIN) {
    trace?.push(`the chain is longer than ${MAX_CHAIN} names: SERVFAIL`);
    return SERVFAIL;
  }
  const node = findNode(zone, qname);
  if (!node) {
    trace?.push(
      `${qname} is under the private hosted zone ${zone.name} (${zone.id}), which has no such name and no wildcard covering it: NXDOMAIN; the most specific zone decides, so neither a parent zone nor the upstream is asked`,
    );
    return { rcode: Rcode.NXDOMAIN, answer: [], authority: [zone.zone.soa] };
  }
  // A node found under another name is the wildcard that covers it.
  if (trace && node.name !== qname)
    trace.push(`${qname} matches the wildcard ${node.name} of zone ${zone.name} (${zone.id})`);
  if (node.cname) {
    const rec = pick(deps, node.cname, trace, depth);
    trace?.push(`record ${node.name} CNAME ${rec.target} (${describeRecord(rec, node.cname)})`);
    if (qtype === RRType.CNAME || !rec.target) return ok([rec.rrset!]);
    return follow(deps, rec.rrset!, rec.target, qtype, view, trace, depth + 1);
  }
  if (qname === zone.name && !setOf(node, qtype)) {
    if (qtype === RRType.SOA) return ok([zone.zone.soaAnswer]);
    if (qtype === RRType.NS) return ok([zone.zone.nsAnswer]);
  }
  if (qtype === RRType.ANY) {
    const answer: RRset[] = [];
    for (const set of node.sets) {
      const a = answerSet(deps, set, qname, view, trace, depth);
      answer.push(...a.answer);
    }
    if (qname === zone.name) {
      if (!setOf(node, RRType.SOA)) answer.push(zone.zone.soaAnswer);
      if (!setOf(node, RRType.NS)) answer.push(zone.zone.nsAnswer);
    }
    return answer.length ? ok(answer) : nodata(zone, qname, qtype, node, trace);
  }
  const set = setOf(node, qtype);
  if (!set) return nodata(zone, qname, qtype, node, trace);
  const a = answerSet(deps, set, qname, view, trace, depth);
  if (a.rcode === Rcode.NOERROR && a.answer.length === 0) return nodata(zone, qname, qtype, node, trace);
  return a;
}

function ok(answer: RRset[]): PhzAnswer {
  return { rcode: Rcode.NOERROR, answer, authority: [] };
}

function nodata(zone: HostedZone, qname: string, qtype: number, node: PhzNode, trace: Trace): PhzAnswer {
  if (trace) {
    const what =
      node.sets.length === 0 ? 'an empty non-terminal (names exist below it)' : 'a name of the zone';
    trace.push(
      `${qname} is ${what} in ${zone.name} (${zone.id}) without ${typeName(qtype)} records: NODATA (NOERROR, SOA in the authority section), never forwarded`,
    );
  }
  return { rcode: Rcode.NOERROR, answer: [], authority: [zone.zone.soa] };
}

/** The answer of one record set: the routing policy picks, aliases are resolved. */
function answerSet(
  deps: PhzDeps,
  set: PhzSet,
  qname: string,
  _view: View | null,
  trace: Trace,
  depth: number,
): PhzAnswer {
  if (set.policy === 'multivalue') {
    const recs = multivalue(deps, set, trace, depth);
    const answer: RRset[] = [];
    let n = 0;
    for (const r of recs) {
      if (!r.rrset || n + r.rrset.count > MULTIVALUE_MAX) continue;
      answer.push(r.rrset);
      n += r.rrset.count;
    }
    return ok(answer);
  }
  const rec = pick(deps, set, trace, depth);
  if (rec.alias) return answerAlias(deps, rec, rec.alias, qname, set.type, trace, depth);
  trace?.push(`record ${rec.name} ${rec.type} (${describeRecord(rec, set)}), TTL ${rec.ttl}`);
  return ok([rec.rrset!]);
}

function describeRecord(rec: PhzRecord, set: PhzSet): string {
  if (set.policy === 'simple') return 'simple routing';
  return `${set.policy} routing, set ${rec.setIdentifier}`;
}

/** An alias: the target's records of the alias type, under the query name, with the target's TTL. */
function answerAlias(
  deps: PhzDeps,
  rec: PhzRecord,
  alias: PhzAlias,
  qname: string,
  type: number,
  trace: Trace,
  depth: number,
): PhzAnswer {
  const t = alias.target;
  if (!t) {
    trace?.push(`alias ${rec.name} ${rec.type} points at ${alias.dnsName}, which nothing answers: NODATA`);
    return { rcode: Rcode.NOERROR, answer: [], authority: [] };
  }
  if (t.kind === 'endpoint') {
    trace?.push(
      `alias ${rec.name} ${rec.type} → ${alias.dnsName}, the ${t.owned.form} name of ${t.owned.endpoint.id}: its ${typeName(type)} records under ${qname}, TTL ${t.owned.endpoint.ttl}`,
    );
    const a = deps.endpoint(t.owned, type);
    return { rcode: a.rcode, answer: a.answer, authority: [] };
  }
  trace?.push(`alias ${rec.name} ${rec.type} → ${alias.dnsName} in zone ${t.zone.name} (${t.zone.id})`);
  const a = answerZone(deps, t.zone, t.name, type, null, trace, depth + 1);
  return { rcode: a.rcode === Rcode.SERVFAIL ? a.rcode : Rcode.NOERROR, answer: a.answer, authority: [] };
}

/** Whether a record counts as healthy for routing: its health check, and its alias target's health. */
export function recordHealthy(deps: PhzDeps, rec: PhzRecord, depth = 0): boolean {
  if (rec.healthKey !== undefined && !deps.health.isHealthy(rec.healthKey)) return false;
  if (rec.alias?.evaluateTargetHealth)
    return targetHealthy(deps, rec.alias, PHZ_TYPE_NUMBER[rec.type], depth);
  return true;
}

const PHZ_TYPE_NUMBER: Record<string, number> = { A: RRType.A, AAAA: RRType.AAAA };

/** An alias target is healthy when an endpoint interface behind it is, or a record of its set is. */
function targetHealthy(deps: PhzDeps, alias: PhzAlias, type: number, depth: number): boolean {
  const t = alias.target;
  if (!t) return false;
  if (t.kind === 'endpoint') {
    const o = t.owned;
    const itfs = o.endpoint.interfaces;
    for (let i = 0; i < itfs.length; i++) {
      if (o.form === 'zonal' && itfs[i].az !== o.az) continue;
      if (deps.health.isHealthy(itfs[i].healthKey)) return true;
    }
    return false;
  }
  if (depth > MAX_CHAIN) return false;
  const found = findNode(t.zone, t.name);
  const set = (found ? setOf(found, type) : undefined) ?? found?.cname;
  if (!set) return false;
  for (const r of set.records) if (recordHealthy(deps, r, depth + 1)) return true;
  return false;
}

/** The record a weighted, failover or simple set answers with now. */
function pick(deps: PhzDeps, set: PhzSet, trace: Trace, depth: number): PhzRecord {
  const recs = set.records;
  if (recs.length === 1 && set.policy === 'simple') return recs[0];
  if (set.policy === 'failover') {
    let primary: PhzRecord | undefined;
    let secondary: PhzRecord | undefined;
    for (const r of recs) {
      if (r.failover === 'PRIMARY') primary = r;
      else secondary = r;
    }
    if (primary && recordHealthy(deps, primary, depth)) {
      trace?.push(`failover: the primary (${primary.setIdentifier}) is healthy`);
      return primary;
    }
    if (secondary && recordHealthy(deps, secondary, depth)) {
      trace?.push(
        primary
          ? `failover: the primary (${primary.setIdentifier}) is unhealthy, so the secondary (${secondary.setIdentifier}) answers`
          : `failover: only a secondary (${secondary.setIdentifier}) exists`,
      );
      return secondary;
    }
    const r = primary ?? secondary ?? recs[0];
    trace?.push(
      `failover: no record is healthy; Route 53 then answers as if all were, with ${r.setIdentifier}`,
    );
    return r;
  }
  if (set.policy === 'weighted') {
    let total = 0;
    let healthy = 0;
    for (const r of recs) {
      if (recordHealthy(deps, r, depth)) {
        healthy++;
        total += r.weight;
      }
    }
    const all = healthy === 0; // none healthy: every record counts (fail open)
    if (all) for (const r of recs) total += r.weight;
    const counts = (r: PhzRecord) => all || recordHealthy(deps, r, depth);
    if (total === 0) {
      // Every (considered) weight is 0: each is equally likely.
      const n = all ? recs.length : healthy;
      let k = Math.floor(deps.random() * n);
      for (const r of recs) {
        if (!counts(r)) continue;
        if (k-- === 0) {
          trace?.push(`weighted: every weight is 0, so ${r.setIdentifier} was drawn with equal chances`);
          return r;
        }
      }
    }
    let x = deps.random() * total;
    let last = recs[0];
    for (const r of recs) {
      if (!counts(r) || r.weight === 0) continue;
      last = r;
      if (x < r.weight) break;
      x -= r.weight;
    }
    trace?.push(
      `weighted: drew ${last.setIdentifier} (weight ${last.weight} of ${total}${all ? ', every record unhealthy so all count' : ''})`,
    );
    return last;
  }
  return recs[0];
}

/** The multivalue records answered now: the healthy ones (all when none is), in random order. */
function multivalue(deps: PhzDeps, set: PhzSet, trace: Trace, depth: number): PhzRecord[] {
  let list = set.records.filter((r) => recordHealthy(deps, r, depth));
  if (list.length === 0) {
    trace?.push('multivalue: no record is healthy; Route 53 then answers with up to eight of them anyway');
    list = set.records.slice();
  } else if (trace && list.length < set.records.length) {
    const out = set.records.filter((r) => !list.includes(r)).map((r) => r.setIdentifier);
    trace.push(`multivalue: left out the unhealthy ${out.join(', ')}`);
  }
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(deps.random() * (i + 1));
    const t = list[i];
    list[i] = list[j];
    list[j] = t;
  }
  trace?.push(`multivalue: up to ${MULTIVALUE_MAX} healthy records in random order`);
  return list;
}

/** Answers a CNAME's target: our names from the catalog (re-owned), else through the forwarder. */
function follow(
  deps: PhzDeps,
  cname: RRset,
  target: string,
  qtype: number,
  view: View | null,
  trace: Trace,
  depth: number,
): PhzAnswer {
  const r = deps.lookup(target, view);
  if (!r) {
    trace?.push(`${target} is not a name of ours: the chain is followed through the forwarder`);
    return { rcode: Rcode.NOERROR, answer: [cname], authority: [], chase: target };
  }
  let sub: PhzAnswer;
  if (r.kind === 'phz') sub = answerZone(deps, r.zone, target, qtype, view, trace, depth);
  else if (r.kind === 'name') sub = deps.endpoint(r.owned, qtype);
  else if (r.kind === 'nxdomain') sub = { rcode: Rcode.NXDOMAIN, answer: [], authority: [r.zone.soa] };
  else if (qtype === RRType.SOA) sub = ok([r.zone.soaAnswer]);
  else if (qtype === RRType.NS) sub = ok([r.zone.nsAnswer]);
  else sub = { rcode: Rcode.NOERROR, answer: [], authority: [r.zone.soa] };
  if (sub.rcode === Rcode.SERVFAIL) return sub;
  const owner = encodeName(target);
  const answer: RRset[] = [cname];
  for (const s of sub.answer) answer.push(withOwner(s, owner));
  return { rcode: sub.rcode, answer, authority: sub.authority, chase: sub.chase };
}
