/**
 * The private hosted zone model, built from a checked config once per catalog: per zone a map of
 * owner names (empty non-terminals included) to their record sets, wildcards by the name they
 * sit under, every value pre-encoded with the question pointer as owner, alias targets resolved
 * to an endpoint name or a zone. Nothing here changes after the build.
 */
import { createHash } from 'node:crypto';
import type { HealthCheckConfig, HostedZoneRecordConfig, PrivateHostedZoneConfig } from '../config/schema.js';
import { RRType } from '../dns/constants.js';
import { encodeName, normaliseName } from '../dns/names.js';
import { encodeRecord, QNAME_POINTER } from '../dns/records.js';
import type { RRset } from '../dns/response.js';
import { type HealthEntry, healthKey } from '../health/state.js';
import type { OwnedName, Zone } from '../privatelink/catalog.js';
import { PHZ_TYPES, type PhzType, parseValue } from './rdata.js';

/** Default TTL of a record without one (Route 53's console default). */
export const DEFAULT_RECORD_TTL = 300;

/** Route 53's SOA and NS of a private hosted zone (docs/privatelink-dns.md §4). */
export const PHZ_SOA_VALUE =
  'ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400';
export const PHZ_SOA_TTL = 900;
export const PHZ_NS_VALUES = [
  'ns-1536.awsdns-00.co.uk.',
  'ns-0.awsdns-00.com.',
  'ns-1024.awsdns-00.org.',
  'ns-512.awsdns-00.net.',
];
export const PHZ_NS_TTL = 172800;

export type RoutingPolicy = 'simple' | 'weighted' | 'failover' | 'multivalue';

/** Where an alias points, resolved at build time. */
export type AliasTarget =
  | { kind: 'endpoint'; owned: OwnedName }
  | { kind: 'record'; zone: HostedZone; name: string };

export interface PhzAlias {
  dnsName: string;
  evaluateTargetHealth: boolean;
  /** Null when nothing answers the name (the rules refuse such a config; kept for safety). */
  target: AliasTarget | null;
}

/**
 * One record of a record set (one `records:` entry of the config). Its values are encoded on
 * first use, like the endpoint answers: 100,000 records cost nothing to encode at start and
 * hold no buffer until they are asked for.
 */
export class PhzRecord {
  // The fields most records lack are declared only (no slot unless set): a simple record is
  // six fields, not thirteen.
  declare setIdentifier?: string;
  /** The routing weight (1 unless given). */
  weight = 1;
  declare failover?: 'PRIMARY' | 'SECONDARY';
  /** For a CNAME: its target, normalised. */
  declare target?: string;
  declare alias?: PhzAlias;
  /** The health key of its health check, if it has one. */
  declare healthKey?: string;
  declare healthCheck?: HealthCheckConfig;
  private set: RRset | null | undefined = undefined;

  constructor(
    /** Position in the zone's `records` list. */
    readonly index: number,
    readonly name: string,
    readonly type: PhzType,
    readonly ttl: number,
    private readonly values: readonly string[] | undefined,
  ) {}

  /** The values, owner = the question (0xC00C), or null for an alias. */
  get rrset(): RRset | null {
    if (this.set === undefined) {
      this.set = this.values
        ? valuesRRset(QNAME_POINTER, PHZ_TYPES[this.type], this.ttl, rdatasOf(this.type, this.values))
        : null;
    }
    return this.set;
  }
}

/** The records of one name and type. */
export interface PhzSet {
  type: number;
  policy: RoutingPolicy;
  records: PhzRecord[];
}

export interface PhzNode {
  name: string;
  /** Record sets, one per type (no CNAME here); most names have one, so a list beats a Map. */
  sets: PhzSet[];
  cname: PhzSet | null;
}

/**
 * The sets of a node without any (empty non-terminals, CNAME-only names) until its first set
 * replaces it: one shared list instead of one per name. Never pushed to.
 */
const NO_SETS = Object.freeze([]) as unknown as PhzSet[];

/** The record set of `type` at a node, if any. */
export function setOf(node: PhzNode, type: number): PhzSet | undefined {
  const sets = node.sets;
  for (let i = 0; i < sets.length; i++) if (sets[i].type === type) return sets[i];
  return undefined;
}

export interface HostedZone {
  name: string;
  id: string;
  vpcs: string[];
  /** Position in `privateHostedZones`. */
  index: number;
  /** SOA (authority section) and the apex SOA/NS answers: Route 53's, or the declared ones. */
  zone: Zone;
  /** Every owner name and empty non-terminal of the zone (the apex included). */
  nodes: Map<string, PhzNode>;
  /** Wildcard nodes by the name under which they match (`*.apps.x` under `apps.x`). */
  wildcards: Map<string, PhzNode>;
  /** Number of `records` entries. */
  recordCount: number;
  /** The records with a health check, in `records` order. */
  checked: readonly PhzRecord[];
}

const NO_RECORDS: readonly PhzRecord[] = Object.freeze([]);

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A Route 53 style id (Z + 20 characters), stable for the zone's name and associations. */
export function deriveHostedZoneId(name: string, vpcs: readonly string[]): string {
  const d = createHash('sha256')
    .update(['hostedzone', normaliseName(name), ...[...vpcs].sort()].join('\0'))
    .digest();
  const s = ['Z0'];
  for (let i = 0; i < 19; i++) s.push(B32[d[i] % 32]);
  return s.join('');
}

/** The id of a configured zone: its own, else derived. */
export function zoneIdOf(z: PrivateHostedZoneConfig): string {
  return z.id ?? deriveHostedZoneId(z.name, z.vpcs);
}

/** The routing policy a record asks for. */
export function policyOf(r: HostedZoneRecordConfig): RoutingPolicy {
  if (r.weight !== undefined) return 'weighted';
  if (r.failover !== undefined) return 'failover';
  if (r.multiValueAnswer === true) return 'multivalue';
  return 'simple';
}

/** The health registration of a record health check. */
export function recordHealthKey(zoneId: string, r: HostedZoneRecordConfig): { id: string; key: string } {
  const id = [zoneId, normaliseName(r.name), r.type, r.setIdentifier ?? '-'].join(' ');
  return { id, key: healthKey(id, '') };
}

/** The record health checks of a config, for HealthState.adopt. */
export function recordHealthEntries(zones: readonly PrivateHostedZoneConfig[]): HealthEntry[] {
  const out: HealthEntry[] = [];
  for (const z of zones) {
    const zid = zoneIdOf(z);
    for (const r of z.records) {
      if (!r.healthCheck) continue;
      const { id, key } = recordHealthKey(zid, r);
      out.push({ endpointId: id, az: '', staticHealthy: true, key });
    }
  }
  return out;
}

class PhzZoneRecords implements Zone {
  readonly kind = 'private' as const;
  constructor(
    readonly apex: string,
    readonly soa: RRset,
    readonly soaAnswer: RRset,
    readonly nsAnswer: RRset,
  ) {}
}

function valuesRRset(owner: Buffer, type: number, ttl: number, rdatas: readonly Buffer[]): RRset {
  return { bytes: Buffer.concat(rdatas.map((d) => encodeRecord(owner, type, ttl, d))), count: rdatas.length };
}

function rdatasOf(type: PhzType, values: readonly string[]): Buffer[] {
  const out: Buffer[] = [];
  for (const v of values) {
    const p = parseValue(type, v);
    if (p.ok) out.push(p.rdata); // bad values are refused by the rules
  }
  return out;
}

/** Resolves a name to the endpoint name answering it (regional, zonal, S3 wildcard forms). */
export type PublicLookup = (name: string) => OwnedName | null;

/** Builds every zone of the config; `publicLookup` resolves alias targets to endpoint names. */
export function buildHostedZones(
  configs: readonly PrivateHostedZoneConfig[],
  publicLookup: PublicLookup,
): HostedZone[] {
  const zones: HostedZone[] = [];
  // Aliases and health-checked records as they are met, so that no later pass walks every node.
  const aliases: PhzRecord[] = [];
  const aliasesOf: { zone: HostedZone; rec: PhzRecord }[] = [];
  const checked: PhzRecord[] = [];
  configs.forEach((zc, index) => {
    const name = normaliseName(zc.name);
    const id = zoneIdOf(zc);
    const nodes = new Map<string, PhzNode>();
    const wildcards = new Map<string, PhzNode>();
    const nodeOf = (n: string): PhzNode => {
      let node = nodes.get(n);
      if (!node) {
        node = { name: n, sets: NO_SETS, cname: null };
        nodes.set(n, node);
        if (n.startsWith('*.')) wildcards.set(n.slice(2), node);
        // Empty non-terminals: every name between the owner and the apex exists.
        let dot = n.indexOf('.');
        while (dot >= 0) {
          const anc = n.slice(dot + 1);
          if (anc.length < name.length || nodes.has(anc)) break;
          nodes.set(anc, { name: anc, sets: NO_SETS, cname: null });
          if (anc === name) break;
          dot = n.indexOf('.', dot + 1);
        }
      }
      return node;
    };
    nodeOf(name);
    let soaRdata: Buffer | null = null;
    let soaTtl = PHZ_SOA_TTL;
    let nsSet: RRset | null = null;
    const records = zc.records;
    records.forEach((rc, k) => {
      const owner = normaliseName(rc.name);
      const type = PHZ_TYPES[rc.type];
      const ttl = rc.ttl ?? DEFAULT_RECORD_TTL;
      const rec = new PhzRecord(k, owner, rc.type, ttl, rc.values);
      if (rc.setIdentifier !== undefined) rec.setIdentifier = rc.setIdentifier;
      if (rc.weight !== undefined) rec.weight = rc.weight;
      if (rc.failover !== undefined) rec.failover = rc.failover;
      if (rc.type === 'CNAME' && rc.values?.length) rec.target = normaliseName(rc.values[0].trim());
      if (rc.aliasTarget) {
        rec.alias = {
          dnsName: normaliseName(rc.aliasTarget.dnsName),
          evaluateTargetHealth: rc.aliasTarget.evaluateTargetHealth,
          target: null,
        };
        aliases.push(rec);
      }
      if (rc.healthCheck) {
        rec.healthKey = recordHealthKey(id, rc).key;
        rec.healthCheck = rc.healthCheck;
        checked.push(rec);
      }
      if (owner === name && rc.values) {
        if (rc.type === 'SOA') {
          soaRdata = rdatasOf('SOA', rc.values)[0] ?? null;
          soaTtl = ttl;
        }
        if (rc.type === 'NS') nsSet = rec.rrset;
      }
      const node = nodeOf(owner);
      const policy = policyOf(rc);
      // Lists made with their first element take one slot, not the 17 a first push reserves
      // (100,000 records, most of them alone at their name).
      if (rc.type === 'CNAME') {
        if (node.cname) node.cname.records.push(rec);
        else node.cname = { type, policy, records: [rec] };
      } else {
        const set = setOf(node, type);
        if (set) set.records.push(rec);
        else if (node.sets.length === 0) node.sets = [{ type, policy, records: [rec] }];
        else node.sets.push({ type, policy, records: [rec] });
      }
    });
    const soa = soaRdata ?? (parseValue('SOA', PHZ_SOA_VALUE) as { rdata: Buffer }).rdata;
    const zone = new PhzZoneRecords(
      name,
      { bytes: encodeRecord(encodeName(name), RRType.SOA, soaTtl, soa), count: 1 },
      { bytes: encodeRecord(QNAME_POINTER, RRType.SOA, soaTtl, soa), count: 1 },
      nsSet ?? valuesRRset(QNAME_POINTER, RRType.NS, PHZ_NS_TTL, rdatasOf('NS', PHZ_NS_VALUES)),
    );
    const z: HostedZone = {
      name,
      id,
      vpcs: zc.vpcs,
      index,
      zone,
      nodes,
      wildcards,
      recordCount: records.length,
      checked: checked.length ? checked.splice(0) : NO_RECORDS,
    };
    zones.push(z);
    for (const rec of aliases) aliasesOf.push({ zone: z, rec });
    aliases.length = 0;
  });

  // Alias targets: an endpoint name, else the most specific zone holding the name (one that
  // shares a VPC with the alias's zone first).
  const byName = new Map<string, HostedZone[]>();
  for (const z of zones) {
    const list = byName.get(z.name);
    if (list) list.push(z);
    else byName.set(z.name, [z]);
  }
  for (const { zone, rec } of aliasesOf)
    (rec.alias as PhzAlias).target = resolveAlias(
      (rec.alias as PhzAlias).dnsName,
      zone,
      byName,
      publicLookup,
    );
  return zones;
}

/** The zone closest to `name` (the name itself or an ancestor) among `byName`. */
export function enclosingZone(
  name: string,
  byName: ReadonlyMap<string, HostedZone[]>,
  near?: HostedZone,
): HostedZone | null {
  let n = name;
  for (;;) {
    const list = byName.get(n);
    if (list) {
      if (near) {
        const shared = list.find((z) => z.vpcs.some((v) => near.vpcs.includes(v)));
        if (shared) return shared;
      }
      return list[0];
    }
    const dot = n.indexOf('.');
    if (dot < 0) return null;
    n = n.slice(dot + 1);
  }
}

function resolveAlias(
  dnsName: string,
  from: HostedZone,
  byName: ReadonlyMap<string, HostedZone[]>,
  publicLookup: PublicLookup,
): AliasTarget | null {
  const owned = publicLookup(dnsName);
  if (owned) return { kind: 'endpoint', owned };
  const zone = enclosingZone(dnsName, byName, from);
  return zone ? { kind: 'record', zone, name: dnsName } : null;
}
