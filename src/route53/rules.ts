/**
 * The rules Route 53 enforces on private hosted zones (and the one EC2 enforces between them and
 * endpoints with private DNS), checked after the schema by src/privatelink/rules.ts: each problem
 * names the offending field and says how to fix it.
 */
import type { Config, HostedZoneRecordConfig } from '../config/schema.js';
import { normaliseName } from '../dns/names.js';
import type { ConfigProblemCode } from '../errors/catalog.js';
import { targetOf } from '../privatelink/endpoint-kinds.js';
import {
  defaultPrivateDnsNames,
  deriveDnsSuffix,
  endpointIdOf,
  hasEndpointWildcards,
  regionalName,
  zonalName,
} from '../privatelink/names.js';
import { recordTypes } from '../privatelink/record-types.js';
import { valueProblem } from './rdata.js';
import { policyOf } from './zones.js';

type PathSeg = string | number;

export interface HostedZoneProblem {
  code: ConfigProblemCode;
  path: PathSeg[];
  message: string;
}

/** A zone name or record owner: labels of letters, digits, hyphens and underscores; `*` only first. */
const NAME = /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.?$/i;

/** Routing fields Route 53 has but a local server cannot honour, and why. */
const UNSUPPORTED: [keyof HostedZoneRecordConfig, string][] = [
  ['region', 'latency'],
  ['geoLocation', 'geolocation'],
  ['geoProximityLocation', 'geoproximity'],
  ['cidrRoutingConfig', 'IP-based'],
];

interface EndpointName {
  a: boolean;
  aaaa: boolean;
}

/** Every name an endpoint of the config answers publicly (regional, zonal; S3's wildcard forms). */
function endpointNames(config: Config): {
  exact: Map<string, EndpointName>;
  wild: Map<string, EndpointName>;
} {
  const exact = new Map<string, EndpointName>();
  const wild = new Map<string, EndpointName>();
  for (const vpc of config.vpcs) {
    const azOf = new Map(vpc.subnets.map((s) => [s.id, s.az]));
    for (const ep of vpc.endpoints) {
      if (ep.type === 'gateway') continue; // no DNS names of its own
      const svc = targetOf(ep, vpc);
      if (!svc) continue;
      const id = endpointIdOf(vpc.id, ep);
      const suffix = ep.dnsSuffix ?? deriveDnsSuffix(id, vpc.id, svc.name);
      const types = recordTypes(ep.dnsRecordIpType ?? ep.ipAddressType, 'regional');
      const names = [regionalName(id, suffix, svc)];
      for (const itf of ep.interfaces) {
        const az = azOf.get(itf.subnet);
        if (az) names.push(zonalName(id, suffix, az, svc));
      }
      for (const n of names) {
        exact.set(n, types);
        if (hasEndpointWildcards(svc)) wild.set(n, types);
      }
    }
  }
  return { exact, wild };
}

interface Rec {
  zone: number;
  k: number;
  name: string;
  type: string;
  cfg: HostedZoneRecordConfig;
}

/** The path of a record (made only for a problem: 100,000 records must not cost 100,000 arrays). */
function pathOf(r: { zone: number; k: number }): PathSeg[] {
  return ['privateHostedZones', r.zone, 'records', r.k];
}

/** Checks every private hosted zone rule; empty when the zones are valid. */
export function checkHostedZones(config: Config): HostedZoneProblem[] {
  const zones = config.privateHostedZones ?? [];
  const problems: HostedZoneProblem[] = [];
  if (zones.length === 0) return problems;
  const add = (code: ConfigProblemCode, path: PathSeg[], message: string) =>
    problems.push({ code, path, message });
  const vpcIds = new Set(config.vpcs.map((v) => v.id));
  /** VPC id → zone name → index of the zone that has it. */
  const perVpc = new Map<string, Map<string, number>>();
  const zoneNames: string[] = [];
  const recs: Rec[] = [];

  zones.forEach((z, i) => {
    const zp: PathSeg[] = ['privateHostedZones', i];
    const name = normaliseName(z.name.trim());
    zoneNames.push(name);
    if (!NAME.test(z.name) || name.startsWith('*')) {
      add(
        'config.hosted-zone-record',
        [...zp, 'name'],
        `"${z.name}" is not a zone name; use labels of letters, digits and hyphens (corp.internal)`,
      );
    }
    z.vpcs.forEach((vpc, k) => {
      if (!vpcIds.has(vpc)) {
        const known = [...vpcIds];
        add(
          'config.hosted-zone-vpc',
          [...zp, 'vpcs', k],
          `VPC ${vpc} is not in this config; associate the zone with one of: ${known.join(', ') || '(no VPCs defined: add the VPC under vpcs)'}`,
        );
        return;
      }
      let names = perVpc.get(vpc);
      if (!names) {
        names = new Map();
        perVpc.set(vpc, names);
      }
      const prev = names.get(name);
      if (prev !== undefined && prev !== i) {
        add(
          'config.hosted-zone-vpc',
          [...zp, 'vpcs', k],
          `VPC ${vpc} is already associated with a zone named ${name} (privateHostedZones[${prev}]); Route 53 allows one zone of a name per VPC: merge the two zones`,
        );
      } else names.set(name, i);
    });
    z.records.forEach((r, k) => {
      const owner = normaliseName(r.name.trim());
      const rec = { zone: i, k, name: owner, type: r.type, cfg: r };
      recs.push(rec);
      checkRecord(r, owner, name, rec, add);
    });
  });

  checkSets(recs, zoneNames, add);
  checkAliases(config, recs, zoneNames, zones, add);
  checkEndpointConflicts(config, perVpc, add);
  return problems;
}

type Add = (code: ConfigProblemCode, path: PathSeg[], message: string) => void;

const NO_POLICIES: string[] = [];

function checkRecord(
  r: HostedZoneRecordConfig,
  owner: string,
  zone: string,
  at: { zone: number; k: number },
  add0: Add,
): void {
  // Paths are relative to the record here; the record's own path is put in front on a problem.
  const add: Add = (code, path, message) => add0(code, [...pathOf(at), ...path], message);
  if (!NAME.test(r.name.trim())) {
    add(
      'config.hosted-zone-record',
      ['name'],
      `"${r.name}" is not a record name; use labels of letters, digits and hyphens, with * only as the whole first label (*.apps.${zone})`,
    );
  } else if (owner !== zone && !owner.endsWith(`.${zone}`)) {
    add(
      'config.hosted-zone-record',
      ['name'],
      `record ${owner} is outside the zone ${zone}; name it ….${zone}, or put it in a zone that contains it`,
    );
  }
  for (const [field, policy] of UNSUPPORTED) {
    if (r[field] !== undefined)
      add(
        'config.hosted-zone-routing',
        [field],
        `${policy} routing is not supported: it depends on where AWS sees the query from, which a local server cannot know; use weighted, failover or multivalue routing, or a simple record`,
      );
  }
  // The list of routing fields is made only for a record that has one.
  const policies: string[] =
    r.weight === undefined && r.failover === undefined && r.multiValueAnswer === undefined
      ? NO_POLICIES
      : [
          r.weight !== undefined && 'weight',
          r.failover !== undefined && 'failover',
          r.multiValueAnswer !== undefined && 'multiValueAnswer',
        ].filter((x): x is string => !!x);
  if (policies.length > 1)
    add(
      'config.hosted-zone-routing',
      [policies[1]],
      `a record has one routing policy; remove ${policies.slice(1).join(' and ')} or ${policies[0]}`,
    );
  const policy = policyOf(r);
  if (policy !== 'simple' && r.setIdentifier === undefined)
    add(
      'config.hosted-zone-routing',
      [policies[0] ?? 'name'],
      `${policy} records need a setIdentifier that tells them apart; add setIdentifier: …`,
    );
  if (policy === 'simple' && r.multiValueAnswer !== false && r.setIdentifier !== undefined)
    add(
      'config.hosted-zone-routing',
      ['setIdentifier'],
      'a setIdentifier belongs to weighted, failover or multivalue records; add weight, failover or multiValueAnswer: true, or remove setIdentifier',
    );
  if (policy === 'simple' && r.healthCheck)
    add(
      'config.hosted-zone-routing',
      ['healthCheck'],
      'a health check only changes the answer of weighted, failover and multivalue records (Route 53 takes none on simple records); add a routing policy or remove healthCheck',
    );
  if (r.values && r.aliasTarget) {
    add(
      'config.hosted-zone-record',
      ['aliasTarget'],
      'a record has values or an aliasTarget, not both; remove one',
    );
  } else if (!r.values && !r.aliasTarget) {
    add(
      'config.hosted-zone-record',
      [],
      `record ${owner} ${r.type} has neither values nor aliasTarget; add values: [...] or aliasTarget: { dnsName: ... }`,
    );
  }
  if (r.aliasTarget) {
    if (r.ttl !== undefined)
      add('config.hosted-zone-record', ['ttl'], "an alias answers with its target's TTL; remove ttl");
    if (r.type === 'SOA' || r.type === 'NS')
      add('config.hosted-zone-record', ['type'], `Route 53 has no ${r.type} aliases; give values instead`);
    if (r.type === 'CNAME' && owner === zone)
      add(
        'config.hosted-zone-cname',
        ['type'],
        `a CNAME cannot sit at the zone apex ${zone}; make it an A (or AAAA) alias instead`,
      );
  }
  if (r.values) {
    r.values.forEach((v, j) => {
      const why = valueProblem(r.type, v);
      if (why !== null) add('config.hosted-zone-record', ['values', j], why);
    });
    if ((r.type === 'CNAME' || r.type === 'SOA') && r.values.length > 1)
      add('config.hosted-zone-record', ['values', 1], `a ${r.type} record has exactly one value; keep one`);
    if (r.type === 'CNAME' && owner === zone)
      add(
        'config.hosted-zone-cname',
        ['type'],
        `a CNAME cannot sit at the zone apex ${zone} (it has SOA and NS records); use an A alias record instead`,
      );
  }
  if (r.type === 'SOA' && owner !== zone)
    add(
      'config.hosted-zone-record',
      ['name'],
      `an SOA record belongs at the zone apex ${zone}; name it ${zone}`,
    );
}

/** Per name and type: one policy, unique set identifiers, no CNAME beside other data. */
function checkSets(recs: Rec[], zoneNames: string[], add: Add): void {
  // By zone, then name: a record alone at its name is kept as itself, a list is made only for
  // names with more than one record (every rule here needs two).
  const byName = new Map<string, Rec | Rec[]>();
  const lists: Rec[][] = [];
  let zone = -1;
  const flush = () => {
    for (const v of byName.values()) if (Array.isArray(v)) lists.push(v);
    byName.clear();
  };
  for (const r of recs) {
    if (r.zone !== zone) {
      flush();
      zone = r.zone;
    }
    const v = byName.get(r.name);
    if (v === undefined) byName.set(r.name, r);
    else if (Array.isArray(v)) v.push(r);
    else byName.set(r.name, [v, r]);
  }
  flush();
  for (const list of lists) {
    const cname = list.find((r) => r.type === 'CNAME');
    const other = list.find((r) => r.type !== 'CNAME');
    if (cname && other && cname.name !== zoneNames[cname.zone]) {
      const later = list.indexOf(cname) > list.indexOf(other) ? cname : other;
      add(
        'config.hosted-zone-cname',
        [...pathOf(later), 'type'],
        `${cname.name} has a CNAME and a ${other.type} record; a CNAME cannot sit beside other records of its name: remove one, or make the CNAME an alias record`,
      );
    }
    const byType = new Map<string, Rec[]>();
    for (const r of list) {
      const l = byType.get(r.type);
      if (l) l.push(r);
      else byType.set(r.type, [r]);
    }
    for (const [type, set] of byType) {
      const first = set[0];
      const firstPolicy = policyOf(first.cfg);
      const ids = new Map<string, Rec>();
      const roles = new Map<string, Rec>();
      for (const r of set.slice(1)) {
        const p = policyOf(r.cfg);
        if (p === 'simple' && firstPolicy === 'simple') {
          add(
            'config.hosted-zone-record',
            pathOf(r),
            `${r.name} ${type} is declared twice (also at records[${first.k}]); a simple record set has all its values in one entry: merge their values`,
          );
        } else if (p !== firstPolicy) {
          add(
            'config.hosted-zone-routing',
            pathOf(r),
            `${r.name} ${type} mixes ${firstPolicy} routing (records[${first.k}]) with ${p} routing; the records of one name and type share one policy`,
          );
        }
      }
      for (const r of set) {
        const id = r.cfg.setIdentifier;
        if (id !== undefined) {
          const prev = ids.get(id);
          if (prev)
            add(
              'config.hosted-zone-routing',
              [...pathOf(r), 'setIdentifier'],
              `set identifier "${id}" is already used by records[${prev.k}] for ${r.name} ${type}; give each record its own`,
            );
          else ids.set(id, r);
        }
        const role = r.cfg.failover;
        if (role) {
          const prev = roles.get(role);
          if (prev)
            add(
              'config.hosted-zone-routing',
              [...pathOf(r), 'failover'],
              `${r.name} ${type} already has a ${role} record (records[${prev.k}]); a failover set has one PRIMARY and one SECONDARY`,
            );
          else roles.set(role, r);
        }
      }
    }
  }
}

/** Alias targets must answer the alias type, and aliases must not form a loop. */
function checkAliases(
  config: Config,
  recs: Rec[],
  zoneNames: string[],
  zones: Config['privateHostedZones'],
  add: Add,
): void {
  const aliases = recs.filter((r) => r.cfg.aliasTarget);
  if (aliases.length === 0) return;
  const eps = endpointNames(config);
  /** zone index → owner → types */
  const owners = new Map<number, Map<string, Set<string>>>();
  for (const r of recs) {
    let m = owners.get(r.zone);
    if (!m) {
      m = new Map();
      owners.set(r.zone, m);
    }
    let t = m.get(r.name);
    if (!t) {
      t = new Set();
      m.set(r.name, t);
    }
    t.add(r.type);
  }
  const zonesByName = new Map<string, number[]>();
  zoneNames.forEach((n, i) => {
    const l = zonesByName.get(n);
    if (l) l.push(i);
    else zonesByName.set(n, [i]);
  });
  /** The zone whose record the target is, and the owner that answers it (exact or wildcard). */
  const recordTarget = (from: number, target: string): { zone: number; owner: string | null } | null => {
    let n = target;
    for (;;) {
      const list = zonesByName.get(n);
      if (list) {
        const near = list.find((i) => zones[i].vpcs.some((v) => zones[from].vpcs.includes(v))) ?? list[0];
        const m = owners.get(near);
        if (m?.has(target)) return { zone: near, owner: target };
        // The closest wildcard above the target (and below the apex).
        let dot = target.indexOf('.');
        while (dot >= 0 && target.length - dot - 1 >= n.length) {
          const w = `*.${target.slice(dot + 1)}`;
          if (m?.has(w)) return { zone: near, owner: w };
          dot = target.indexOf('.', dot + 1);
        }
        return { zone: near, owner: null };
      }
      const dot = n.indexOf('.');
      if (dot < 0) return null;
      n = n.slice(dot + 1);
    }
  };
  const endpointTarget = (name: string): EndpointName | null => {
    if (name.startsWith('*.')) return eps.wild.get(name.slice(2)) ?? null;
    const e = eps.exact.get(name);
    if (e) return e;
    let dot = name.indexOf('.');
    while (dot >= 0) {
      const w = eps.wild.get(name.slice(dot + 1));
      if (w) return w;
      dot = name.indexOf('.', dot + 1);
    }
    return null;
  };

  const edges = new Map<string, { key: string; rec: Rec }[]>();
  for (const r of aliases) {
    const target = normaliseName(r.cfg.aliasTarget!.dnsName.trim());
    const dp = [...pathOf(r), 'aliasTarget', 'dnsName'];
    const ep = endpointTarget(target);
    if (ep) {
      const ok = (r.type === 'A' && ep.a) || (r.type === 'AAAA' && ep.aaaa);
      if (!ok)
        add(
          'config.hosted-zone-alias',
          dp,
          r.type === 'A' || r.type === 'AAAA'
            ? `the endpoint name ${target} answers no ${r.type} records (its dnsRecordIpType); alias it with type ${ep.a ? 'A' : 'AAAA'}`
            : `an alias to an endpoint name is of type A or AAAA; change type ${r.type}`,
        );
      continue;
    }
    const t = recordTarget(r.zone, target);
    const types = t?.owner ? owners.get(t.zone)?.get(t.owner) : undefined;
    if (!t || !types || !(types.has(r.type) || types.has('CNAME'))) {
      const where = t
        ? `zone ${zoneNames[t.zone]} has no ${r.type} record ${target}`
        : `no endpoint of this config has the name ${target} and no private hosted zone contains it`;
      add(
        'config.hosted-zone-alias',
        dp,
        `alias ${r.name} ${r.type} points at ${target}, which nothing answers: ${where}; point it at an endpoint regional or zonal name (vpce-….vpce.amazonaws.com) or at an existing ${r.type} record`,
      );
      continue;
    }
    const from = `${r.zone} ${r.name} ${r.type}`;
    const to = `${t.zone} ${t.owner} ${r.type}`;
    const l = edges.get(from);
    if (l) l.push({ key: to, rec: r });
    else edges.set(from, [{ key: to, rec: r }]);
  }
  // Loops: a depth-first walk over alias edges; each loop is reported once, at its first alias.
  const state = new Map<string, 1 | 2>();
  const stack: { key: string; rec: Rec }[] = [];
  const visit = (key: string): void => {
    state.set(key, 1);
    for (const e of edges.get(key) ?? []) {
      const s = state.get(e.key);
      stack.push(e);
      if (s === 1) {
        const start = stack.findIndex((x) => x.rec && `${x.rec.zone} ${x.rec.name} ${x.rec.type}` === e.key);
        const loop = stack.slice(Math.max(start, 0)).map((x) => `${x.rec.name} ${x.rec.type}`);
        const first = stack[Math.max(start, 0)].rec;
        add(
          'config.hosted-zone-alias',
          [...pathOf(first), 'aliasTarget', 'dnsName'],
          `aliases form a loop: ${[...loop, loop[0]].join(' → ')}; point one of them at an endpoint name or a record with values`,
        );
      } else if (s === undefined) visit(e.key);
      stack.pop();
    }
    state.set(key, 2);
  };
  for (const key of edges.keys()) if (!state.has(key)) visit(key);
}

/** EC2 refuses private DNS on an endpoint whose name is a zone associated with its VPC. */
function checkEndpointConflicts(config: Config, perVpc: Map<string, Map<string, number>>, add: Add): void {
  config.vpcs.forEach((vpc, v) => {
    const zones = perVpc.get(vpc.id);
    if (!zones) return;
    vpc.endpoints.forEach((ep, e) => {
      if (!ep.privateDnsEnabled) return;
      if (ep.type === 'gateway' || ep.type === 'resource' || ep.type === 'service-network') return;
      const svc = targetOf(ep, vpc);
      if (!svc) return;
      const explicit = ep.privateDnsNames !== undefined;
      const names = ep.privateDnsNames ?? defaultPrivateDnsNames(svc);
      names.forEach((raw, k) => {
        const n = normaliseName(raw);
        const apex = n.startsWith('*.') ? n.slice(2) : n;
        const zi = zones.get(apex);
        if (zi === undefined) return;
        add(
          'config.private-dns-conflict',
          explicit
            ? ['vpcs', v, 'endpoints', e, 'privateDnsNames', k]
            : ['vpcs', v, 'endpoints', e, 'privateDnsEnabled'],
          `private-dns-enabled cannot be set because there is already a conflicting DNS domain for ${apex} in the VPC ${vpc.id} (privateHostedZones[${zi}]); set privateDnsEnabled: false on the endpoint (the centralized-endpoint pattern) or remove the zone's association with ${vpc.id}`,
        );
      });
    });
  });
}
