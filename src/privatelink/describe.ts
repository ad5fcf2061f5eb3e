/**
 * The config as `aws ec2 describe-vpc-endpoints` would show it: one entry per interface endpoint
 * with the ids, names and hosted zone ids that {@link buildCatalog} derives.
 */
import { createHash } from 'node:crypto';
import type { Config, EndpointConfig } from '../config/schema.js';
import { HealthState } from '../health/state.js';
import { buildCatalog, type EndpointInfo } from './catalog.js';
import { hasEndpointWildcards } from './names.js';
import { UNCONFIRMED } from './service-kinds.js';

/** One `DnsEntries` item. */
export interface DnsEntry {
  DnsName: string;
  HostedZoneId: string;
}

/** One `VpcEndpoints` item, with the fields of describe-vpc-endpoints that DNS depends on. */
export interface VpcEndpointDescription {
  VpcEndpointId: string;
  VpcEndpointType: 'Interface' | 'Gateway' | 'Resource' | 'ServiceNetwork';
  VpcId: string;
  /** Absent for resource and service-network endpoints. */
  ServiceName?: string;
  /** Cross-Region endpoints: the service's Region. */
  ServiceRegion?: string;
  ResourceConfigurationArn?: string;
  ServiceNetworkArn?: string;
  State: 'available';
  SubnetIds: string[];
  IpAddressType: string;
  DnsOptions: {
    DnsRecordIpType: string;
    PrivateDnsOnlyForInboundResolverEndpoint?: boolean;
    PrivateDnsPreference?: string;
    PrivateDnsSpecifiedDomains?: string[];
  };
  PrivateDnsEnabled: boolean;
  NetworkInterfaceIds: string[];
  DnsEntries: DnsEntry[];
}

/** The output of describe-vpc-endpoints. */
export interface DescribeVpcEndpointsOutput {
  VpcEndpoints: VpcEndpointDescription[];
}

/**
 * An endpoint's DnsEntries in AWS's order: the regional name, one zonal name per interface in
 * the config's interface order, then the private DNS names (when private DNS is enabled). The vpce
 * names carry the region's hosted zone id, the private names the endpoint's own private zone id.
 * S3's endpoint names are listed as wildcards (`*.vpce-…`), as AWS lists them.
 */
export function dnsEntries(ep: EndpointInfo): DnsEntry[] {
  // Gateway, resource and service-network endpoints: no DnsEntries (the resource names are in
  // describe-vpc-endpoint-associations).
  if (ep.kind === 'gateway' || ep.kind === 'resource' || ep.kind === 'service-network') return [];
  const star = hasEndpointWildcards(ep.service) ? '*.' : '';
  const out: DnsEntry[] = [{ DnsName: `${star}${ep.regionalName}`, HostedZoneId: ep.vpceHostedZoneId }];
  for (const itf of ep.interfaces) {
    const name = ep.zonalNames.get(itf.az);
    if (name) out.push({ DnsName: `${star}${name}`, HostedZoneId: ep.vpceHostedZoneId });
  }
  // An endpoint service name that is not verified has no private DNS entry (unconfirmed).
  if (ep.privateDnsEnabled && (ep.privateDnsNameVerification ?? 'verified') === 'verified') {
    for (const name of ep.privateDnsNames) out.push({ DnsName: name, HostedZoneId: ep.privateHostedZoneId });
  }
  return out;
}

/** One endpoint of the catalog in describe-vpc-endpoints form. */
export function describeEndpoint(ep: EndpointInfo, cfg?: EndpointConfig): VpcEndpointDescription {
  const kind = ep.kind ?? 'interface';
  const lattice = kind === 'resource' || kind === 'service-network';
  const out: VpcEndpointDescription = {
    VpcEndpointId: ep.id,
    VpcEndpointType: TYPE_NAMES[kind],
    VpcId: ep.vpcId,
    ServiceName: ep.service.name,
    State: 'available',
    SubnetIds: ep.interfaces.map((i) => i.subnetId),
    IpAddressType: ep.ipAddressType,
    DnsOptions: { DnsRecordIpType: ep.dnsRecordIpType },
    PrivateDnsEnabled: kind === 'gateway' ? false : ep.privateDnsEnabled,
    NetworkInterfaceIds: ep.interfaces.map((i) => i.eniId),
    DnsEntries: dnsEntries(ep),
  };
  if (lattice) {
    delete out.ServiceName;
    const arn = latticeArn(
      ep.region,
      kind === 'resource' ? 'resourceconfiguration' : 'servicenetwork',
      ep.service.name,
    );
    if (kind === 'resource') out.ResourceConfigurationArn = arn;
    else out.ServiceNetworkArn = arn;
    if (cfg?.privateDnsPreference) out.DnsOptions.PrivateDnsPreference = cfg.privateDnsPreference;
    if (cfg?.privateDnsSpecifiedDomains)
      out.DnsOptions.PrivateDnsSpecifiedDomains = cfg.privateDnsSpecifiedDomains;
  }
  if (ep.serviceRegion) out.ServiceRegion = ep.serviceRegion;
  if (ep.inboundOnly) out.DnsOptions.PrivateDnsOnlyForInboundResolverEndpoint = true;
  return out;
}

const TYPE_NAMES = {
  interface: 'Interface',
  gateway: 'Gateway',
  resource: 'Resource',
  'service-network': 'ServiceNetwork',
} as const;

/**
 * The account in the VPC Lattice ARNs describe prints: the config does not hold the owner's
 * account, so the ARNs carry this placeholder (the ids in them are real).
 */
export const PLACEHOLDER_ACCOUNT = '000000000000';

function latticeArn(region: string, type: string, id: string): string {
  return `arn:aws:vpc-lattice:${region}:${PLACEHOLDER_ACCOUNT}:${type}/${id}`;
}

/** One `VpcEndpointAssociations` item of describe-vpc-endpoint-associations. */
export interface VpcEndpointAssociationDescription {
  Id: string;
  VpcEndpointId: string;
  ServiceNetworkArn?: string;
  AssociatedResourceAccessibility: 'Accessible';
  DnsEntry: DnsEntry;
  PrivateDnsEntry?: DnsEntry;
  AssociatedResourceArn: string;
}

/** The output of describe-vpc-endpoint-associations. */
export interface DescribeVpcEndpointAssociationsOutput {
  VpcEndpointAssociations: VpcEndpointAssociationDescription[];
}

/** The associations of a resource or service-network endpoint: one per resource name. */
export function describeAssociations(ep: EndpointInfo): VpcEndpointAssociationDescription[] {
  return (ep.resourceNames ?? []).map((r) => {
    const a: VpcEndpointAssociationDescription = {
      Id: `vpce-rsc-asc-${associationHex(ep.id, r.resourceConfigurationId, r.associationId ?? '')}`,
      VpcEndpointId: ep.id,
      AssociatedResourceAccessibility: 'Accessible',
      DnsEntry: { DnsName: r.name, HostedZoneId: ep.resourceHostedZoneId ?? '' },
      AssociatedResourceArn: latticeArn(ep.region, 'resourceconfiguration', r.resourceConfigurationId),
    };
    if (ep.kind === 'service-network')
      a.ServiceNetworkArn = latticeArn(ep.region, 'servicenetwork', ep.service.name);
    if (r.customDomainName && r.customDomainActive)
      a.PrivateDnsEntry = { DnsName: r.customDomainName, HostedZoneId: ep.privateHostedZoneId };
    return a;
  });
}

function associationHex(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 17);
}

/** Every association of the config's resource and service-network endpoints, in config order. */
export function describeVpcEndpointAssociations(config: Config): DescribeVpcEndpointAssociationsOutput {
  const catalog = buildCatalog(config, new HealthState());
  return { VpcEndpointAssociations: catalog.endpoints.flatMap(describeAssociations) };
}

/**
 * The unconfirmed choices the described endpoints rest on (privatelink-dns.md §7.2), one line
 * each with the endpoints concerned; `describe` prints them on stderr.
 */
export function unconfirmedNotes(config: Config, ids?: readonly string[]): string[] {
  const catalog = buildCatalog(config, new HealthState());
  const by = new Map<string, string[]>();
  const eps = ids ? catalog.endpoints.filter((e) => ids.includes(e.id)) : catalog.endpoints;
  for (const ep of eps) for (const k of ep.unconfirmed ?? []) by.set(k, [...(by.get(k) ?? []), ep.id]);
  const out = [...by].map(
    ([k, ids]) => `unconfirmed (${ids.join(', ')}): ${UNCONFIRMED[k as keyof typeof UNCONFIRMED]}`,
  );
  if (eps.some((e) => e.kind === 'resource' || e.kind === 'service-network'))
    out.push(
      `VPC Lattice ARNs carry the placeholder account ${PLACEHOLDER_ACCOUNT} (the config holds no owner account)`,
    );
  return out;
}

/**
 * Every endpoint of a checked config, in config order, as describe-vpc-endpoints prints them.
 * Pure: depends on the config only (derived ids never depend on paths or the machine).
 */
export function describeVpcEndpoints(config: Config): DescribeVpcEndpointsOutput {
  const catalog = buildCatalog(config, new HealthState());
  const configs = config.vpcs.flatMap((v) => v.endpoints);
  // The catalog keeps config order and skips only endpoints with no target (rejected by the rules).
  const byEndpoint = new Map(
    catalog.endpoints.map((e, i) => [
      e,
      configs.length === catalog.endpoints.length ? configs[i] : undefined,
    ]),
  );
  return { VpcEndpoints: catalog.endpoints.map((e) => describeEndpoint(e, byEndpoint.get(e))) };
}
