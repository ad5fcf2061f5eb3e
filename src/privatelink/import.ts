/**
 * Builds a config that mirrors a real VPC from the JSON the AWS CLI prints for
 * `aws ec2 describe-vpc-endpoints`, `describe-network-interfaces`, `describe-subnets` and
 * (optionally) `describe-vpcs`.
 *
 * Everything that shows in DNS is taken from AWS, not derived: endpoint ids and DNS suffixes are
 * parsed out of the DnsEntries (`vpce-<id>-<suffix>.<service_id>.<region>.vpce.amazonaws.com`),
 * zonal order follows the DnsEntries, addresses come from the network interfaces, hosted zone ids
 * from the entries. So `describe` of the imported config gives back the same DnsEntries.
 */
import { stringify } from 'yaml';
import { ConfigError, formatProblem, parseConfigText } from '../config/load.js';
import type { ConfigInput } from '../config/schema.js';
import { normaliseName } from '../dns/names.js';
import { parseCidr } from '../net/cidr.js';
import { VPCE_HOSTED_ZONE_IDS } from './hosted-zones.js';
import { defaultPrivateDnsNames, parseService } from './names.js';
import { DEFAULT_RESOURCE_DNS_LABEL, parseResourceName, RESOURCE_HOSTED_ZONE_IDS } from './service-kinds.js';

/** The parsed JSON documents (as printed by the AWS CLI, or their bare arrays). */
export interface ImportInput {
  /** `aws ec2 describe-vpc-endpoints` output: `{ "VpcEndpoints": [...] }`. */
  endpoints: unknown;
  /** `aws ec2 describe-network-interfaces` output: `{ "NetworkInterfaces": [...] }`. */
  networkInterfaces: unknown;
  /** `aws ec2 describe-subnets` output: `{ "Subnets": [...] }`. */
  subnets: unknown;
  /**
   * `aws ec2 describe-vpcs` output: `{ "Vpcs": [...] }`. Its CIDR blocks become the VPC's client
   * ranges (else the subnets' ranges do). `EnableDnsSupport` / `EnableDnsHostnames` on an entry
   * (a boolean or `{ "Value": bool }` as describe-vpc-attribute prints it) are taken over too.
   */
  vpcs?: unknown;
  /**
   * `aws ec2 describe-vpc-endpoint-associations` output: `{ "VpcEndpointAssociations": [...] }`.
   * The names of resource and service-network endpoints (and their custom domain names) come
   * from it; without it a resource endpoint gets the default label and a service-network
   * endpoint no resources.
   */
  associations?: unknown;
  /**
   * Ranges added to every VPC's `cidrs`, so that the private names answer for these clients.
   * @default ['127.0.0.0/8', '::1/128']
   */
  clientCidrs?: readonly string[];
  /** Where the JSON came from, for the header comment. @default '"privatelink-dns import" from AWS CLI JSON' */
  source?: string;
  /** More comment lines for the header (without the leading "# "). */
  comments?: readonly string[];
}

/** The imported config: a plain object, its YAML text, and notes on what was left out. */
export interface ImportResult {
  config: ConfigInput;
  yaml: string;
  notes: string[];
}

/** The AWS JSON cannot be turned into a valid config; `problems` says why, one line each. */
export class ImportError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ImportError';
  }
}

/** The default of {@link ImportInput.clientCidrs}. */
export const DEFAULT_CLIENT_CIDRS: readonly string[] = ['127.0.0.0/8', '::1/128'];

type Json = Record<string, unknown>;

function list(doc: unknown, key: string, what: string): Json[] {
  const arr = Array.isArray(doc) ? doc : (doc as Json | null)?.[key];
  if (!Array.isArray(arr))
    throw new ImportError([`${what}: expected {"${key}": [...]} (the AWS CLI's JSON output)`]);
  return arr.filter((x): x is Json => typeof x === 'object' && x !== null);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

function attr(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'object' && v !== null && typeof (v as Json).Value === 'boolean')
    return (v as Json).Value as boolean;
  return undefined;
}

function associated(set: unknown, key: string): string[] {
  if (!Array.isArray(set)) return [];
  return set
    .filter((a: Json) => {
      const st =
        (a?.CidrBlockState as Json | undefined)?.State ?? (a?.Ipv6CidrBlockState as Json | undefined)?.State;
      return st === undefined || st === 'associated';
    })
    .map((a: Json) => str(a?.[key]))
    .filter((x): x is string => x !== undefined);
}

/** A vpce DNS name split into its parts, or null for other names (private DNS names). */
export const VPCE_NAME =
  /^(vpce-[0-9a-f]{8,17})-([a-z0-9]{8})(?:-([a-z0-9-]+))?\.([a-z0-9.-]+)\.vpce\.amazonaws\.com$/;

interface ParsedEntries {
  id?: string;
  suffix?: string;
  vpceZoneId?: string;
  azOrder: string[];
  privateNames: string[];
  privateZoneId?: string;
}

function parseEntries(entries: unknown): ParsedEntries {
  const out: ParsedEntries = { azOrder: [], privateNames: [] };
  if (!Array.isArray(entries)) return out;
  for (const e of entries as Json[]) {
    const raw = str(e?.DnsName);
    if (!raw) continue;
    const name = normaliseName(raw);
    const zone = str(e.HostedZoneId);
    const m = VPCE_NAME.exec(name.startsWith('*.') ? name.slice(2) : name);
    if (m) {
      if (m[3]) {
        if (!out.azOrder.includes(m[3])) out.azOrder.push(m[3]);
      } else {
        out.id = m[1];
        out.suffix = m[2];
      }
      out.vpceZoneId ??= zone;
    } else {
      out.privateNames.push(name);
      out.privateZoneId ??= zone;
    }
  }
  return out;
}

interface VpcOut {
  id: string;
  region?: string;
  endpoints: Json[];
}

/**
 * Builds the config. Gateway (and other non-interface) endpoints and endpoints that are not
 * `available` are skipped with a note. Throws {@link ImportError} when something DNS depends on
 * is missing (a network interface or subnet not in the given JSON, DnsEntries without a
 * regional name) or when the result would not pass validation.
 */
export function importFromAws(input: ImportInput): ImportResult {
  const endpoints = list(input.endpoints, 'VpcEndpoints', '--endpoints');
  const enis = new Map(
    list(input.networkInterfaces, 'NetworkInterfaces', '--network-interfaces').map((n) => [
      str(n.NetworkInterfaceId),
      n,
    ]),
  );
  const subnetList = list(input.subnets, 'Subnets', '--subnets');
  const subnets = new Map(subnetList.map((s) => [str(s.SubnetId), s]));
  const vpcDocs =
    input.vpcs === undefined
      ? undefined
      : new Map(list(input.vpcs, 'Vpcs', '--vpcs').map((v) => [str(v.VpcId), v]));
  const clientCidrs = input.clientCidrs ?? DEFAULT_CLIENT_CIDRS;

  const notes: string[] = [];
  const problems: string[] = [];
  const vpcs = new Map<string, VpcOut>();
  const hostedZoneIds: Record<string, string> = {};
  const assocs = new Map<string, Json[]>();
  if (input.associations !== undefined)
    for (const a of list(input.associations, 'VpcEndpointAssociations', '--associations')) {
      const epId = str(a.VpcEndpointId);
      if (epId) assocs.set(epId, [...(assocs.get(epId) ?? []), a]);
    }
  const vpcOf = (vpcId: string): VpcOut => {
    let vpc = vpcs.get(vpcId);
    if (!vpc) {
      vpc = { id: vpcId, endpoints: [], region: regionOfSubnets(vpcId, subnetList) };
      vpcs.set(vpcId, vpc);
    }
    return vpc;
  };

  for (const ep of endpoints) {
    const id = str(ep.VpcEndpointId) ?? '(no VpcEndpointId)';
    const type = str(ep.VpcEndpointType) ?? 'Interface';
    if (type !== 'Interface' && type !== 'Gateway' && type !== 'Resource' && type !== 'ServiceNetwork') {
      notes.push(`skipped ${id}: a ${type} endpoint has no DNS names of its own`);
      continue;
    }
    const state = str(ep.State) ?? 'available';
    if (state.toLowerCase() !== 'available') {
      notes.push(`skipped ${id}: its state is ${state}, so its names do not resolve`);
      continue;
    }
    if (type === 'Gateway') {
      const gwService = str(ep.ServiceName);
      const gwVpc = str(ep.VpcId);
      const gsvc = gwService ? parseService(gwService) : null;
      if (!gwService || !gwVpc || !gsvc) {
        problems.push(
          `${id}: a Gateway endpoint needs VpcId and a ServiceName such as com.amazonaws.<region>.s3`,
        );
        continue;
      }
      const vpc = vpcOf(gwVpc);
      vpc.region ??= gsvc.region;
      vpc.endpoints.push({ id, type: 'gateway', service: gwService });
      continue;
    }
    if (type === 'Resource' || type === 'ServiceNetwork') {
      const out = importLattice(ep, id, type, assocs.get(id) ?? [], enis, subnets, problems, notes);
      const lvpc = str(ep.VpcId);
      if (!out || !lvpc) {
        if (!lvpc) problems.push(`${id}: no VpcId`);
        continue;
      }
      vpcOf(lvpc).endpoints.push(out);
      continue;
    }
    const service = str(ep.ServiceName) ?? '';
    const svc = parseService(service);
    if (!svc) {
      problems.push(`${id}: ServiceName "${service}" is not a service name this tool knows`);
      continue;
    }
    const vpcId = str(ep.VpcId);
    if (!vpcId) {
      problems.push(`${id}: no VpcId`);
      continue;
    }
    const parsed = parseEntries(ep.DnsEntries);
    if (!parsed.id || !parsed.suffix) {
      problems.push(
        `${id}: DnsEntries hold no regional name (vpce-…-<suffix>.${svc.serviceId}.…); cannot tell its DNS suffix`,
      );
      continue;
    }
    if (parsed.id !== id) problems.push(`${id}: DnsEntries name another endpoint (${parsed.id})`);
    if (parsed.vpceZoneId && VPCE_HOSTED_ZONE_IDS[svc.region] !== parsed.vpceZoneId)
      hostedZoneIds[svc.region] = parsed.vpceZoneId;

    const ipAddressType = str(ep.IpAddressType)?.toLowerCase() ?? 'ipv4';
    // Zonal DnsEntries come in interface order: keep AWS's order.
    const interfaces = interfacesOf(ep, id, ipAddressType, parsed.azOrder, enis, subnets, problems);

    const out: Json = { id, dnsSuffix: parsed.suffix, service };
    const serviceRegion = str(ep.ServiceRegion);
    const vpcRegion = regionOfSubnets(vpcId, subnetList);
    if (serviceRegion && (vpcRegion ? serviceRegion !== vpcRegion : serviceRegion !== svc.region))
      out.serviceRegion = serviceRegion;
    else if (svc.regionless && vpcRegion && vpcRegion !== svc.region) out.serviceRegion = svc.region;
    const privateDnsEnabled = ep.PrivateDnsEnabled === true;
    out.privateDnsEnabled = privateDnsEnabled;
    out.ipAddressType = ipAddressType;
    const recType = str((ep.DnsOptions as Json | undefined)?.DnsRecordIpType);
    if (recType && recType !== 'not-specified' && recType !== ipAddressType) out.dnsRecordIpType = recType;
    if ((ep.DnsOptions as Json | undefined)?.PrivateDnsOnlyForInboundResolverEndpoint === true) {
      out.privateDnsOnlyForInboundResolverEndpoint = true;
      notes.push(
        `${id} answers its private names only through a Resolver inbound endpoint: add the on-premises ranges that use it as inboundResolverCidrs of ${vpcId}`,
      );
    }
    if (privateDnsEnabled) {
      const defaults = defaultPrivateDnsNames(svc);
      if (parsed.privateNames.join(' ') !== defaults.join(' ')) out.privateDnsNames = parsed.privateNames;
      if (parsed.privateZoneId) out.privateHostedZoneId = parsed.privateZoneId;
    }
    out.interfaces = interfaces;

    const vpc = vpcOf(vpcId);
    if (!out.serviceRegion && !svc.endpointService) vpc.region ??= svc.region;
    vpc.endpoints.push(out);
  }
  if (problems.length) throw new ImportError(problems);

  const config: ConfigInput = {};
  if (Object.keys(hostedZoneIds).length) config.hostedZoneIds = hostedZoneIds;
  config.vpcs = [...vpcs.values()].map((v) => buildVpc(v, subnetList, vpcDocs, clientCidrs, notes));

  const n = config.vpcs.reduce((k, v) => k + (v.endpoints?.length ?? 0), 0);
  const source = input.source ?? '"privatelink-dns import" from AWS CLI JSON';
  const header = `# Imported by ${source}: ${n} endpoint${n === 1 ? '' : 's'} in ${config.vpcs.length} VPC${config.vpcs.length === 1 ? '' : 's'}.\n${(input.comments ?? []).map((c) => `# ${c}\n`).join('')}`;
  const yaml = header + stringify(config, { lineWidth: 0 });
  try {
    parseConfigText(yaml, '<import>');
  } catch (e) {
    if (e instanceof ConfigError)
      throw new ImportError(e.problems.map((p) => `the imported config is not valid: ${formatProblem(p)}`));
    throw e;
  }
  return { config, yaml, notes };
}

/** The Region of a VPC, from the AZ of one of its subnets (a cross-Region endpoint names another). */
function regionOfSubnets(vpcId: string, subnetList: Json[]): string | undefined {
  for (const s of subnetList) {
    if (str(s.VpcId) !== vpcId) continue;
    const m = /^([a-z]{2}(?:-gov)?-[a-z]+-\d+)/.exec(str(s.AvailabilityZone) ?? '');
    if (m) return m[1];
  }
  return undefined;
}

/** The interfaces of an endpoint from its NetworkInterfaceIds, in the given AZ order. */
function interfacesOf(
  ep: Json,
  id: string,
  ipAddressType: string,
  azOrder: readonly string[],
  enis: Map<string | undefined, Json>,
  subnets: Map<string | undefined, Json>,
  problems: string[],
): Json[] {
  const interfaces: { az: string; order: number; itf: Json }[] = [];
  const eniIds = Array.isArray(ep.NetworkInterfaceIds) ? (ep.NetworkInterfaceIds as unknown[]) : [];
  eniIds.forEach((raw, k) => {
    const eniId = str(raw);
    const eni = eniId ? enis.get(eniId) : undefined;
    if (!eni) {
      problems.push(`${id}: network interface ${String(raw)} is not in --network-interfaces`);
      return;
    }
    const subnetId = str(eni.SubnetId);
    const subnet = subnetId ? subnets.get(subnetId) : undefined;
    if (!subnet) {
      problems.push(`${id}: subnet ${subnetId ?? '(none)'} of ${eniId} is not in --subnets`);
      return;
    }
    const az = str(eni.AvailabilityZone) ?? str(subnet.AvailabilityZone) ?? '';
    const v6 =
      str(eni.Ipv6Address) ??
      (Array.isArray(eni.Ipv6Addresses)
        ? str((eni.Ipv6Addresses[0] as Json | undefined)?.Ipv6Address)
        : undefined);
    const itf: Json = { subnet: subnetId, id: eniId };
    if (ipAddressType !== 'ipv6' && str(eni.PrivateIpAddress)) itf.ipv4 = eni.PrivateIpAddress;
    if (ipAddressType !== 'ipv4' && v6) itf.ipv6 = v6;
    const pos = azOrder.indexOf(az);
    interfaces.push({ az, order: pos >= 0 ? pos : azOrder.length + k, itf });
  });
  interfaces.sort((a, b) => a.order - b.order);
  return interfaces.map((i) => i.itf);
}

/** The id at the end of a VPC Lattice ARN (…/rcfg-…, …/sn-…), or the value itself when it is an id. */
function arnId(v: unknown): string | undefined {
  const s = str(v);
  return s?.slice(s.lastIndexOf('/') + 1);
}

/** A resource or service-network endpoint, with its names from the associations. */
function importLattice(
  ep: Json,
  id: string,
  type: 'Resource' | 'ServiceNetwork',
  associations: Json[],
  enis: Map<string | undefined, Json>,
  subnets: Map<string | undefined, Json>,
  problems: string[],
  notes: string[],
): Json | null {
  const ipAddressType = str(ep.IpAddressType)?.toLowerCase() ?? 'ipv4';
  const out: Json = { id, type: type === 'Resource' ? 'resource' : 'service-network' };
  const target = arnId(type === 'Resource' ? ep.ResourceConfigurationArn : ep.ServiceNetworkArn);
  if (!target) {
    problems.push(
      `${id}: a ${type} endpoint without ${type === 'Resource' ? 'ResourceConfigurationArn' : 'ServiceNetworkArn'}`,
    );
    return null;
  }
  if (type === 'Resource') out.resourceConfigurationId = target;
  else out.serviceNetworkId = target;
  out.privateDnsEnabled = ep.PrivateDnsEnabled === true;
  out.ipAddressType = ipAddressType;
  const dns = ep.DnsOptions as Json | undefined;
  const recType = str(dns?.DnsRecordIpType);
  if (recType && recType !== 'not-specified' && recType !== ipAddressType) out.dnsRecordIpType = recType;
  if (str(dns?.PrivateDnsPreference)) out.privateDnsPreference = dns!.PrivateDnsPreference;
  if (Array.isArray(dns?.PrivateDnsSpecifiedDomains))
    out.privateDnsSpecifiedDomains = dns!.PrivateDnsSpecifiedDomains;

  const resources: Json[] = [];
  let label: string | undefined;
  let zone: string | undefined;
  let privateZone: string | undefined;
  for (const a of associations) {
    const entry = a.DnsEntry as Json | undefined;
    const parsed = parseResourceName(str(entry?.DnsName) ?? '');
    if (!parsed) {
      problems.push(`${id}: association ${str(a.Id) ?? '?'} has no vpc-lattice-rsc DnsEntry`);
      continue;
    }
    label ??= parsed.label;
    zone ??= str(entry?.HostedZoneId);
    const priv = a.PrivateDnsEntry as Json | undefined;
    const custom = str(priv?.DnsName);
    privateZone ??= str(priv?.HostedZoneId);
    if (type === 'Resource') {
      if (custom) out.customDomainName = normaliseName(custom);
    } else {
      const r: Json = { associationId: parsed.snra, resourceConfigurationId: parsed.rcfg };
      if (custom) r.customDomainName = normaliseName(custom);
      resources.push(r);
    }
  }
  if (type === 'ServiceNetwork') out.resources = resources;
  if (!associations.length)
    notes.push(
      type === 'Resource'
        ? `${id}: no --associations given; its name uses the label ${DEFAULT_RESOURCE_DNS_LABEL}`
        : `${id}: no --associations given; its service network has no resources here`,
    );
  if (label && label !== DEFAULT_RESOURCE_DNS_LABEL) out.resourceDnsLabel = label;
  const region = /vpc-lattice-rsc\.([a-z0-9-]+)\.on\.aws$/.exec(
    str((associations[0]?.DnsEntry as Json | undefined)?.DnsName) ?? '',
  )?.[1];
  if (zone && (!region || RESOURCE_HOSTED_ZONE_IDS[region] !== zone)) out.resourceHostedZoneId = zone;
  if (privateZone) out.privateHostedZoneId = privateZone;
  out.interfaces = interfacesOf(ep, id, ipAddressType, [], enis, subnets, problems);
  return out;
}

function buildVpc(
  v: VpcOut,
  subnetList: Json[],
  vpcDocs: Map<string | undefined, Json> | undefined,
  clientCidrs: readonly string[],
  notes: string[],
): NonNullable<ConfigInput['vpcs']>[number] {
  const subnets = subnetList
    .filter((s) => str(s.VpcId) === v.id)
    .map((s) => {
      const out: { id: string; az: string; ipv4Cidr?: string; ipv6Cidr?: string } = {
        id: str(s.SubnetId)!,
        az: str(s.AvailabilityZone) ?? '',
      };
      const v4 = str(s.CidrBlock);
      const v6 = associated(s.Ipv6CidrBlockAssociationSet, 'Ipv6CidrBlock')[0];
      if (v4) out.ipv4Cidr = v4;
      if (v6) out.ipv6Cidr = v6;
      return out;
    });
  const doc = vpcDocs?.get(v.id);
  if (vpcDocs && !doc) notes.push(`${v.id} is not in --vpcs; its client ranges are its subnets' ranges`);
  let ranges: string[];
  if (doc) {
    ranges = [
      ...new Set([
        ...(str(doc.CidrBlock) ? [str(doc.CidrBlock)!] : []),
        ...associated(doc.CidrBlockAssociationSet, 'CidrBlock'),
        ...associated(doc.Ipv6CidrBlockAssociationSet, 'Ipv6CidrBlock'),
      ]),
    ];
  } else {
    ranges = subnets.flatMap((s) => [s.ipv4Cidr, s.ipv6Cidr].filter((x): x is string => x !== undefined));
  }
  const cidrs = [...new Set([...ranges, ...clientCidrs])];
  const out: NonNullable<ConfigInput['vpcs']>[number] = { id: v.id, region: v.region!, cidrs };
  const support = attr(doc?.EnableDnsSupport);
  const hostnames = attr(doc?.EnableDnsHostnames);
  if (support !== undefined) out.enableDnsSupport = support;
  if (hostnames !== undefined) out.enableDnsHostnames = hostnames;
  out.subnets = subnets;
  out.endpoints = v.endpoints as NonNullable<typeof out.endpoints>;
  return out;
}

/** The first item that is not an IPv4 or IPv6 range (or address), if any. */
export function firstInvalidCidr(cidrs: readonly string[]): string | undefined {
  return cidrs.find((c) => parseCidr(c) === null);
}
