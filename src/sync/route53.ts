/**
 * Private hosted zones from Route 53: the record sets `ListResourceRecordSets` returns (the SDK,
 * or `aws route53 list-resource-record-sets` JSON) and optionally `GetHostedZone` (the zone id,
 * its name and its VPC associations) become one `privateHostedZones` entry of the config:
 *
 *     { name, id, vpcs: [vpc ids], records: [{ name, type, ttl, values } |
 *                                          { name, type, aliasTarget: { dnsName, evaluateTargetHealth } }] }
 *
 * plus `setIdentifier`, `weight`, `failover`, `multiValueAnswer` and `healthCheck` on the
 * records that have them. Names are lower case without the final dot, with Route 53's octal
 * escapes undone (`\052` is `*`); values stay in presentation format as Route 53 prints them.
 *
 * The SOA and NS records Route 53 creates at the apex of every private zone are left out while
 * they hold Route 53's defaults (the server answers that same SOA and NS at a zone apex): an SOA
 * of `ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400` with TTL
 * 900, and the NS set ns-0.awsdns-00.com., ns-512.awsdns-00.net., ns-1024.awsdns-00.org.,
 * ns-1536.awsdns-00.co.uk. with TTL 172800. Changed ones are kept, with a note.
 */
import { normaliseName } from '../dns/names.js';
import { ImportError } from '../privatelink/import.js';

type Json = Record<string, unknown>;

/** A record of a private hosted zone, as the config holds it. */
export type ZoneRecord = {
  name: string;
  type: string;
  setIdentifier?: string;
  weight?: number;
  failover?: 'PRIMARY' | 'SECONDARY';
  multiValueAnswer?: boolean;
  healthCheck?: string;
} & ({ ttl: number; values: string[] } | { aliasTarget: { dnsName: string; evaluateTargetHealth: boolean } });

/** A private hosted zone, as the config holds it. */
export interface HostedZone {
  name: string;
  id: string;
  vpcs: string[];
  records: ZoneRecord[];
}

export interface ZoneInput {
  /** ListResourceRecordSets output: `{ "ResourceRecordSets": [...] }` or the bare array. */
  recordSets: unknown;
  /** GetHostedZone output: `{ "HostedZone": {...}, "VPCs": [...] }`. */
  hostedZone?: unknown;
  /** The zone's name (else the hosted zone's). */
  zoneName?: string;
  /** The zone's id (else the hosted zone's). */
  zoneId?: string;
  /** The VPCs the zone is associated with (else the hosted zone's VPCs). */
  vpcIds?: readonly string[];
}

/** Route 53's default apex SOA of a private hosted zone (docs: privatelink-dns.md §4). */
export const DEFAULT_SOA = 'ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400';
export const DEFAULT_SOA_TTL = 900;
/** Route 53's apex NS set of a private hosted zone. */
export const DEFAULT_NS = [
  'ns-0.awsdns-00.com.',
  'ns-512.awsdns-00.net.',
  'ns-1024.awsdns-00.org.',
  'ns-1536.awsdns-00.co.uk.',
];
export const DEFAULT_NS_TTL = 172800;

/** The record types Route 53 allows in a private hosted zone. */
const TYPES = new Set(['A', 'AAAA', 'CAA', 'CNAME', 'MX', 'NAPTR', 'NS', 'PTR', 'SOA', 'SPF', 'SRV', 'TXT']);

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** A Route 53 name: `\052` and other octal escapes undone, lower case, no final dot. */
export function route53Name(raw: string): string {
  return normaliseName(
    raw.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8))),
  );
}

/** `/hostedzone/Z123` → `Z123`. */
const bareId = (id: string): string => id.replace(/^\/?hostedzone\//, '');

/** Builds one zone. Throws {@link ImportError} (one line per problem) for unusable input. */
export function importHostedZone(input: ZoneInput): { zone: HostedZone; notes: string[] } {
  const sets = Array.isArray(input.recordSets)
    ? input.recordSets
    : (input.recordSets as Json | null)?.ResourceRecordSets;
  if (!Array.isArray(sets))
    throw new ImportError([
      '--route53-records: expected {"ResourceRecordSets": [...]} (aws route53 list-resource-record-sets output)',
    ]);
  let hz: Json | undefined;
  let hzVpcs: string[] | undefined;
  if (input.hostedZone !== undefined) {
    const doc = input.hostedZone as Json | null;
    hz = (doc?.HostedZone as Json | undefined) ?? undefined;
    if (!hz || typeof hz !== 'object')
      throw new ImportError([
        '--hosted-zone: expected {"HostedZone": {...}, "VPCs": [...]} (aws route53 get-hosted-zone output)',
      ]);
    const cfg = hz.Config as Json | undefined;
    if (cfg?.PrivateZone === false)
      throw new ImportError([
        `--hosted-zone: ${str(hz.Name) ?? str(hz.Id)} is a public hosted zone; only private hosted zones answer inside a VPC`,
      ]);
    if (Array.isArray(doc?.VPCs))
      hzVpcs = (doc.VPCs as Json[]).map((v) => str(v?.VPCId)).filter((v): v is string => v !== undefined);
  }
  const problems: string[] = [];
  const name = input.zoneName
    ? route53Name(input.zoneName)
    : hz && str(hz.Name)
      ? route53Name(str(hz.Name)!)
      : '';
  if (!name) problems.push('the zone has no name: pass --zone-name NAME (or --hosted-zone FILE)');
  const id = input.zoneId ?? (hz && str(hz.Id) ? bareId(str(hz.Id)!) : undefined);
  if (!id) problems.push('the zone has no id: pass --hosted-zone FILE (aws route53 get-hosted-zone output)');
  const vpcs = input.vpcIds?.length ? [...input.vpcIds] : (hzVpcs ?? []);
  if (vpcs.length === 0)
    problems.push('the zone is associated with no VPC: pass --vpc-ids ID,... (or --hosted-zone FILE)');

  const notes: string[] = [];
  const records: ZoneRecord[] = [];
  sets.forEach((raw: unknown, i: number) => {
    const rs = raw as Json;
    const rname = str(rs?.Name);
    const type = str(rs?.Type)?.toUpperCase();
    if (!rname || !type) {
      problems.push(`record set ${i + 1}: no Name or Type`);
      return;
    }
    const n = route53Name(rname);
    const label = `${n} ${type}${str(rs.SetIdentifier) ? ` (${rs.SetIdentifier})` : ''}`;
    if (name && n !== name && !n.endsWith(`.${name}`)) {
      problems.push(`${label}: not inside the zone ${name}`);
      return;
    }
    if (!TYPES.has(type)) {
      notes.push(`skipped ${label}: Route 53 does not serve ${type} records from a private hosted zone`);
      return;
    }
    const values = Array.isArray(rs.ResourceRecords)
      ? (rs.ResourceRecords as Json[]).map((r) => str(r?.Value)).filter((v): v is string => v !== undefined)
      : [];
    const ttl = typeof rs.TTL === 'number' ? rs.TTL : undefined;
    if (
      n === name &&
      type === 'SOA' &&
      values.length === 1 &&
      values[0] === DEFAULT_SOA &&
      ttl === DEFAULT_SOA_TTL
    )
      return;
    if (
      n === name &&
      type === 'NS' &&
      ttl === DEFAULT_NS_TTL &&
      values.length === DEFAULT_NS.length &&
      values.every((v) => DEFAULT_NS.includes(v.toLowerCase()))
    )
      return;
    if (n === name && (type === 'SOA' || type === 'NS'))
      notes.push(`${label}: kept, it differs from what Route 53 creates at the apex of a private zone`);
    for (const k of ['Region', 'GeoLocation', 'GeoProximityLocation', 'CidrRoutingConfig'] as const) {
      if (rs[k] !== undefined) {
        notes.push(
          `skipped ${label}: its routing (${k}) depends on where the query comes from, which this server does not emulate`,
        );
        return;
      }
    }
    let rec: ZoneRecord;
    const alias = rs.AliasTarget as Json | undefined;
    if (alias) {
      const dnsName = str(alias.DNSName);
      if (!dnsName) {
        problems.push(`${label}: AliasTarget has no DNSName`);
        return;
      }
      rec = {
        name: n,
        type,
        aliasTarget: {
          dnsName: route53Name(dnsName),
          evaluateTargetHealth: alias.EvaluateTargetHealth === true,
        },
      };
    } else {
      if (ttl === undefined || values.length === 0) {
        problems.push(`${label}: neither TTL with ResourceRecords nor an AliasTarget`);
        return;
      }
      rec = { name: n, type, ttl, values };
    }
    if (str(rs.SetIdentifier)) rec.setIdentifier = str(rs.SetIdentifier);
    if (typeof rs.Weight === 'number') rec.weight = rs.Weight;
    if (rs.Failover === 'PRIMARY' || rs.Failover === 'SECONDARY') rec.failover = rs.Failover;
    if (typeof rs.MultiValueAnswer === 'boolean') rec.multiValueAnswer = rs.MultiValueAnswer;
    if (str(rs.HealthCheckId)) rec.healthCheck = str(rs.HealthCheckId);
    records.push(rec);
  });
  if (problems.length) throw new ImportError(problems);
  return { zone: { name, id: id!, vpcs, records }, notes };
}
