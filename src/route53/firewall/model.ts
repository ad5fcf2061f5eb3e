/**
 * The DNS Firewall of a config, compiled: one {@link DomainTable} for every domain list, and per
 * VPC the rules of its associated rule groups in evaluation order (association priority, then
 * rule priority). {@link Firewall.evaluate} is what a query asks: the first rule whose list holds
 * the name (and whose query type, if any, is the query's) decides.
 *
 * Built by {@link compileFirewall} (check.ts), swapped whole on reload, never changed after
 * but for its match counters.
 */
import { type DomainTable, MASK_LISTS } from './domains.js';

export type FirewallAction = 'ALLOW' | 'ALERT' | 'BLOCK';
export type BlockResponse = 'NODATA' | 'NXDOMAIN' | 'OVERRIDE';

/** A domain list as compiled. */
export interface CompiledList {
  name: string;
  id: string;
  /** Index in the table. */
  index: number;
  /** Domains in the list (duplicates once). */
  size: number;
  /** The list file (absolute), when the list came from one. */
  file?: string;
}

/** A rule group as compiled. */
export interface CompiledGroup {
  name: string;
  id: string;
  rules: CompiledRule[];
}

/** One rule, with everything a query needs to act on it. */
export interface CompiledRule {
  readonly kind: 'rule';
  name: string;
  priority: number;
  action: FirewallAction;
  blockResponse: BlockResponse | null;
  /** OVERRIDE: the CNAME target (lower case, no final dot). */
  overrideDomain: string | null;
  overrideTtl: number;
  /** Query type number, or 0 for every type. */
  qtype: number;
  list: CompiledList;
  group: CompiledGroup;
  /** Queries this rule decided since the config was loaded. */
  matches: number;
}

/** A VPC's rules in evaluation order, with the association each came from. */
export interface VpcRules {
  vpc: string;
  failOpen: boolean;
  associations: { ruleGroup: CompiledGroup; priority: number; name?: string }[];
  rules: CompiledRule[];
}

/** What DNS Firewall does with a query it cannot evaluate (`unavailable: true`). */
export interface Unavailable {
  readonly kind: 'fail-open' | 'fail-closed';
  matches: number;
}

/** The verdict of a query: the rule that matched, the unavailable firewall's fail mode, or null. */
export type Verdict = CompiledRule | Unavailable;

/** Names whose list matches are remembered at most (the map is cleared when full). */
export const MATCH_CACHE_SIZE = 65_536;

export class Firewall {
  /**
   * Recent names → bit mask of the lists they matched (with at most 31 lists): a repeated name
   * costs one read of a small map, which stays in the processor's cache, instead of one probe of
   * the big table per label, each likely a cache miss.
   */
  private readonly recent = new Map<string, number>();
  /** Fail-open and fail-closed verdicts (one object each, counted). */
  readonly failOpen: Unavailable = { kind: 'fail-open', matches: 0 };
  readonly failClosed: Unavailable = { kind: 'fail-closed', matches: 0 };

  constructor(
    readonly table: DomainTable,
    readonly lists: readonly CompiledList[],
    readonly groups: readonly CompiledGroup[],
    readonly byVpc: ReadonlyMap<string, VpcRules>,
    readonly unavailable: boolean,
  ) {}

  /** True when some VPC has a rule group: otherwise no query needs a lookup. */
  get active(): boolean {
    return this.byVpc.size > 0;
  }

  /**
   * The verdict for a query from `vpc` (null: not filtered: no association, or no rule matched).
   * `qname` is lower case without the final dot.
   */
  evaluate(vpc: string, qname: string, qtype: number): Verdict | null {
    const v = this.byVpc.get(vpc);
    if (v === undefined) return null;
    return this.evaluateIn(v, qname, qtype);
  }

  /** {@link evaluate} with the VPC's rules already looked up. */
  evaluateIn(v: VpcRules, qname: string, qtype: number): Verdict | null {
    if (this.unavailable) return v.failOpen ? this.failOpen : this.failClosed;
    const rules = v.rules;
    const table = this.table;
    if (table.listCount <= MASK_LISTS) {
      let mask = this.recent.get(qname);
      if (mask === undefined) {
        mask = table.matchMask(qname);
        if (this.recent.size >= MATCH_CACHE_SIZE) this.recent.clear();
        this.recent.set(qname, mask);
      }
      if (mask === 0) return null;
      for (let i = 0; i < rules.length; i++) {
        const r = rules[i];
        if ((mask & (1 << r.list.index)) !== 0 && (r.qtype === 0 || r.qtype === qtype)) return r;
      }
      return null;
    }
    const gen = table.lookup(qname);
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i];
      if (table.matched(r.list.index, gen) && (r.qtype === 0 || r.qtype === qtype)) return r;
    }
    return null;
  }
}
