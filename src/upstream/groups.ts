/**
 * Upstream groups and conditional forwarding rules: the default upstreams, and per domain the
 * upstreams of a forwarding rule (Route 53 Resolver rules, dnsmasq `server=/domain/ip`). The
 * longest matching domain wins. Upstream objects are shared by address so health is per address.
 */
import { normaliseName } from '../dns/names.js';
import { Upstream } from './upstream.js';

/** A set of upstreams tried together under the forwarder policy. */
export class UpstreamGroup {
  /** Round-robin position. */
  next = 0;
  constructor(
    /** "default" or the rule's domain. */
    readonly id: string,
    readonly upstreams: readonly Upstream[],
  ) {}
}

/** Rule input: a domain and its upstreams; an empty list means the default upstreams. */
export interface RuleInput {
  domain: string;
  upstreams: readonly string[];
  action?: 'forward' | 'system';
}

export class RuleTable {
  private readonly rules = new Map<string, UpstreamGroup>();

  /**
   * @param known upstreams that already exist (their health is kept); new ones are added to it.
   */
  constructor(
    readonly defaults: UpstreamGroup,
    rules: readonly RuleInput[],
    known: Map<string, Upstream>,
  ) {
    for (const r of rules) {
      const domain = normaliseName(r.domain.trim());
      if (this.rules.has(domain)) continue; // first rule for a domain wins
      if (r.action === 'system' || r.upstreams.length === 0) {
        this.rules.set(domain, defaults);
        continue;
      }
      this.rules.set(
        domain,
        new UpstreamGroup(
          domain,
          r.upstreams.map((u) => upstreamFor(u, known)),
        ),
      );
    }
  }

  /** Number of rules. */
  get size(): number {
    return this.rules.size;
  }

  /** Every group (default first), each once. */
  groups(): UpstreamGroup[] {
    return [...new Set([this.defaults, ...this.rules.values()])];
  }

  /** The group for a lower-case query name: the longest matching rule domain, else the default. */
  match(qname: string): UpstreamGroup {
    if (this.rules.size === 0) return this.defaults;
    const exact = this.rules.get(qname);
    if (exact) return exact;
    let dot = qname.indexOf('.');
    while (dot >= 0) {
      const g = this.rules.get(qname.slice(dot + 1));
      if (g) return g;
      dot = qname.indexOf('.', dot + 1);
    }
    return this.rules.get('') ?? this.defaults;
  }
}

/** The shared {@link Upstream} for an address text, created on first use. */
export function upstreamFor(text: string, known: Map<string, Upstream>): Upstream {
  const u = new Upstream(text);
  const existing = known.get(u.key);
  if (existing) return existing;
  known.set(u.key, u);
  return u;
}
