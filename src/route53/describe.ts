/**
 * Private hosted zones as the AWS CLI prints them: `aws route53 list-resource-record-sets`
 * (`ResourceRecordSets`, aliases with `AliasTarget`) per zone, plus the zone and its VPC
 * associations as `aws route53 get-hosted-zone` has them. Records come in Route 53's order:
 * by name with its labels reversed, then by type; names end with a dot and `*` is `\052`.
 */
import { createHash } from 'node:crypto';
import type { Config, HostedZoneRecordConfig } from '../config/schema.js';
import { normaliseName } from '../dns/names.js';
import type { Catalog } from '../privatelink/catalog.js';
import { vpceHostedZoneId } from '../privatelink/hosted-zones.js';
import {
  type HostedZone,
  PHZ_NS_TTL,
  PHZ_NS_VALUES,
  PHZ_SOA_TTL,
  PHZ_SOA_VALUE,
  recordHealthKey,
} from './zones.js';

export interface ResourceRecordSet {
  Name: string;
  Type: string;
  SetIdentifier?: string;
  Weight?: number;
  Failover?: 'PRIMARY' | 'SECONDARY';
  MultiValueAnswer?: boolean;
  TTL?: number;
  ResourceRecords?: { Value: string }[];
  AliasTarget?: { HostedZoneId: string; DNSName: string; EvaluateTargetHealth: boolean };
  HealthCheckId?: string;
}

export interface DescribedZone {
  HostedZone: {
    Id: string;
    Name: string;
    CallerReference: string;
    Config: { Comment: string; PrivateZone: true };
    ResourceRecordSetCount: number;
  };
  VPCs: { VPCRegion: string; VPCId: string }[];
  ResourceRecordSets: ResourceRecordSet[];
}

/** A name as Route 53 prints it: lower case, final dot, `*` as `\052`. */
export function route53Name(name: string): string {
  return `${normaliseName(name).replace(/\*/g, '\\052')}.`;
}

/** A stable health check id (a UUID) for a record's health check. */
export function healthCheckId(key: string): string {
  const h = createHash('sha256').update(`healthcheck\0${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function sortKey(name: string): string {
  return normaliseName(name).split('.').reverse().join('\u0000');
}

function recordSet(r: HostedZoneRecordConfig, zone: HostedZone, config: Config): ResourceRecordSet {
  const out: ResourceRecordSet = { Name: route53Name(r.name), Type: r.type };
  if (r.setIdentifier !== undefined) out.SetIdentifier = r.setIdentifier;
  if (r.weight !== undefined) out.Weight = r.weight;
  if (r.failover !== undefined) out.Failover = r.failover;
  if (r.multiValueAnswer !== undefined) out.MultiValueAnswer = r.multiValueAnswer;
  if (r.aliasTarget) {
    const target = findAliasTarget(zone, r);
    let hz = '';
    if (target?.kind === 'endpoint')
      hz = vpceHostedZoneId(target.owned.endpoint.region, config.hostedZoneIds);
    else if (target?.kind === 'record') hz = target.zone.id;
    out.AliasTarget = {
      HostedZoneId: r.aliasTarget.hostedZoneId ?? hz,
      DNSName: route53Name(r.aliasTarget.dnsName),
      EvaluateTargetHealth: r.aliasTarget.evaluateTargetHealth,
    };
  } else {
    out.TTL = r.ttl ?? 300;
    out.ResourceRecords = (r.values ?? []).map((Value) => ({ Value }));
  }
  if (r.healthCheck) out.HealthCheckId = healthCheckId(recordHealthKey(zone.id, r).key);
  return out;
}

function findAliasTarget(zone: HostedZone, r: HostedZoneRecordConfig) {
  const node = zone.nodes.get(normaliseName(r.name));
  if (!node) return null;
  for (const set of node.sets)
    for (const rec of set.records)
      if (rec.alias && rec.setIdentifier === r.setIdentifier && rec.type === r.type) return rec.alias.target;
  return null;
}

/** Every private hosted zone of the config, in config order. */
export function describeHostedZones(config: Config, catalog: Catalog): DescribedZone[] {
  const regionOf = new Map(config.vpcs.map((v) => [v.id, v.region]));
  return (config.privateHostedZones ?? []).map((zc, i) => {
    const zone = catalog.hostedZones[i];
    const apex = zone.name;
    const sets = zc.records.map((r) => recordSet(r, zone, config));
    const declared = (t: string) => zc.records.some((r) => normaliseName(r.name) === apex && r.type === t);
    if (!declared('NS'))
      sets.push({
        Name: route53Name(apex),
        Type: 'NS',
        TTL: PHZ_NS_TTL,
        ResourceRecords: PHZ_NS_VALUES.map((Value) => ({ Value })),
      });
    if (!declared('SOA'))
      sets.push({
        Name: route53Name(apex),
        Type: 'SOA',
        TTL: PHZ_SOA_TTL,
        ResourceRecords: [{ Value: PHZ_SOA_VALUE }],
      });
    sets.sort((a, b) => {
      const ka = sortKey(a.Name.replace(/\\052/g, '*'));
      const kb = sortKey(b.Name.replace(/\\052/g, '*'));
      if (ka !== kb) return ka < kb ? -1 : 1;
      if (a.Type !== b.Type) return a.Type < b.Type ? -1 : 1;
      return (a.SetIdentifier ?? '') < (b.SetIdentifier ?? '') ? -1 : 1;
    });
    return {
      HostedZone: {
        Id: `/hostedzone/${zone.id}`,
        Name: route53Name(apex),
        CallerReference: `privatelink-dns-${zone.id}`,
        Config: { Comment: '', PrivateZone: true },
        ResourceRecordSetCount: sets.length,
      },
      VPCs: zc.vpcs.map((VPCId) => ({ VPCRegion: regionOf.get(VPCId) ?? '', VPCId })),
      ResourceRecordSets: sets,
    };
  });
}
