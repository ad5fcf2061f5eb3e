/** JSON views of the firewall for the admin API (`/v1/firewall`) and the CLI. */
import { typeName } from '../../dns/constants.js';
import type { CompiledRule, Firewall, Verdict } from './model.js';

export interface RuleView {
  name: string;
  priority: number;
  action: string;
  blockResponse: string | null;
  blockOverrideDomain: string | null;
  blockOverrideTtl: number | null;
  qtype: string | null;
  domainList: string;
  domainListId: string;
  matches: number;
}

function ruleView(r: CompiledRule): RuleView {
  return {
    name: r.name,
    priority: r.priority,
    action: r.action,
    blockResponse: r.blockResponse,
    blockOverrideDomain: r.overrideDomain,
    blockOverrideTtl: r.blockResponse === 'OVERRIDE' ? r.overrideTtl : null,
    qtype: r.qtype ? typeName(r.qtype) : null,
    domainList: r.list.name,
    domainListId: r.list.id,
    matches: r.matches,
  };
}

/** The body of `GET /v1/firewall`. */
export function firewallView(fw: Firewall | null): Record<string, unknown> {
  if (!fw) return { enabled: false, domainLists: [], ruleGroups: [], associations: [] };
  return {
    enabled: true,
    unavailable: fw.unavailable,
    domainLists: fw.lists.map((l) => ({ name: l.name, id: l.id, domains: l.size, file: l.file ?? null })),
    ruleGroups: fw.groups.map((g) => ({
      name: g.name,
      id: g.id,
      rules: g.rules.map(ruleView),
      matches: g.rules.reduce((n, r) => n + r.matches, 0),
    })),
    associations: [...fw.byVpc.values()].map((v) => ({
      vpc: v.vpc,
      firewallFailOpen: v.failOpen ? 'ENABLED' : 'DISABLED',
      ruleGroups: v.associations.map((a) => ({
        ruleGroup: a.ruleGroup.name,
        priority: a.priority,
        name: a.name ?? null,
      })),
    })),
    unavailableMatches: { 'fail-open': fw.failOpen.matches, 'fail-closed': fw.failClosed.matches },
  };
}

/** A verdict for `/v1/resolve` and `firewall test`. */
export function verdictView(v: Verdict): Record<string, unknown> {
  if (v.kind !== 'rule') return { failMode: v.kind };
  const { name, ...rest } = ruleView(v);
  return { ruleGroup: v.group.name, ruleGroupId: v.group.id, rule: name, ...rest };
}

/** One sentence about a verdict. */
export function verdictSentence(v: Verdict | null, vpc: string, qname: string): string {
  if (v === null) return `no DNS Firewall rule of ${vpc} matches ${qname}: answered as usual`;
  if (v.kind !== 'rule')
    return v.kind === 'fail-open'
      ? `DNS Firewall is unavailable and ${vpc} fails open: answered unfiltered`
      : `DNS Firewall is unavailable and ${vpc} fails closed (firewallFailOpen DISABLED): SERVFAIL`;
  const where = `rule "${v.name}" (priority ${v.priority}) of rule group "${v.group.name}" matches ${qname} through domain list "${v.list.name}"`;
  if (v.action === 'ALLOW') return `${where}: ALLOW, answered as usual`;
  if (v.action === 'ALERT') return `${where}: ALERT, answered as usual and logged`;
  if (v.blockResponse === 'OVERRIDE')
    return `${where}: BLOCK with OVERRIDE, a CNAME to ${v.overrideDomain} (TTL ${v.overrideTtl}) that is followed like any CNAME`;
  return `${where}: BLOCK with ${v.blockResponse}`;
}
