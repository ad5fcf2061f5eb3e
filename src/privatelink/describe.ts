/**
 * The config as `aws ec2 describe-vpc-endpoints` would show it: one entry per interface endpoint
 * with the ids, names and hosted zone ids that {@link buildCatalog} derives.
 */
import type { Config } from '../config/schema.js';
import { HealthState } from '../health/state.js';
import { buildCatalog, type EndpointInfo } from './catalog.js';
import { hasEndpointWildcards } from './names.js';

/** One `DnsEntries` item. */
export interface DnsEntry {
  DnsName: string;
  HostedZoneId: string;
}

/** One `VpcEndpoints` item, with the fields of describe-vpc-endpoints that DNS depends on. */
export interface VpcEndpointDescription {
  VpcEndpointId: string;
  VpcEndpointType: 'Interface';
  VpcId: string;
  ServiceName: string;
  State: 'available';
  SubnetIds: string[];
  IpAddressType: string;
  DnsOptions: { DnsRecordIpType: string };
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
  const star = hasEndpointWildcards(ep.service) ? '*.' : '';
  const out: DnsEntry[] = [{ DnsName: `${star}${ep.regionalName}`, HostedZoneId: ep.vpceHostedZoneId }];
  for (const itf of ep.interfaces) {
    const name = ep.zonalNames.get(itf.az);
    if (name) out.push({ DnsName: `${star}${name}`, HostedZoneId: ep.vpceHostedZoneId });
  }
  if (ep.privateDnsEnabled) {
    for (const name of ep.privateDnsNames) out.push({ DnsName: name, HostedZoneId: ep.privateHostedZoneId });
  }
  return out;
}

/** One endpoint of the catalog in describe-vpc-endpoints form. */
export function describeEndpoint(ep: EndpointInfo): VpcEndpointDescription {
  return {
    VpcEndpointId: ep.id,
    VpcEndpointType: 'Interface',
    VpcId: ep.vpcId,
    ServiceName: ep.service.name,
    State: 'available',
    SubnetIds: ep.interfaces.map((i) => i.subnetId),
    IpAddressType: ep.ipAddressType,
    DnsOptions: { DnsRecordIpType: ep.dnsRecordIpType },
    PrivateDnsEnabled: ep.privateDnsEnabled,
    NetworkInterfaceIds: ep.interfaces.map((i) => i.eniId),
    DnsEntries: dnsEntries(ep),
  };
}

/**
 * Every endpoint of a checked config, in config order, as describe-vpc-endpoints prints them.
 * Pure: depends on the config only (derived ids never depend on paths or the machine).
 */
export function describeVpcEndpoints(config: Config): DescribeVpcEndpointsOutput {
  const catalog = buildCatalog(config, new HealthState());
  return { VpcEndpoints: catalog.endpoints.map(describeEndpoint) };
}
