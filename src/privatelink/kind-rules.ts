/**
 * AWS's rules for the endpoint kinds beside same-Region interface endpoints: cross-Region
 * endpoints (`serviceRegion`), region-less services, gateway, resource and service-network
 * endpoints, inbound-only private DNS and verified endpoint-service names. Called by rules.ts
 * for each endpoint; {@link kindWarnings} lists what `validate` warns about in a valid config.
 */
import type { Config, EndpointConfig } from '../config/schema.js';
import type { ConfigProblemCode } from '../errors/catalog.js';
import { parseService, type ServiceInfo } from './names.js';
import { CROSS_REGION_SERVICES, REGIONLESS_SERVICES, supportsCrossRegion } from './service-kinds.js';
import { regionNote } from './service-list.js';

type PathSeg = string | number;
type Add = (code: ConfigProblemCode, path: PathSeg[], message: string) => void;

/** The fields of a VPC the kind rules read. */
interface VpcLike {
  id: string;
  region: string;
  endpoints: readonly (EndpointConfig | null)[];
}

const LATTICE_FIELDS = [
  'resourceConfigurationId',
  'serviceNetworkId',
  'resources',
  'customDomainName',
  'resourceDnsLabel',
  'resourceHostedZoneId',
  'privateDnsPreference',
  'privateDnsSpecifiedDomains',
] as const;

const GATEWAY_SERVICES = new Set(['s3', 'dynamodb']);

/** A DNS name with an optional leading `*.` (custom domain names, specified domains). */
const DOMAIN = /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]\.?$/i;

function checkDomains(ep: EndpointConfig, path: PathSeg[], add: Add): void {
  const bad = (p: PathSeg[], n: string) =>
    add(
      'config.endpoint-kind',
      p,
      `"${n}" is not a domain name; use labels of letters, digits and hyphens (db.example.com), * only as the whole first label`,
    );
  if (ep.customDomainName !== undefined && !DOMAIN.test(ep.customDomainName))
    bad([...path, 'customDomainName'], ep.customDomainName);
  (ep.resources ?? []).forEach((r, k) => {
    if (r.customDomainName !== undefined && !DOMAIN.test(r.customDomainName))
      bad([...path, 'resources', k, 'customDomainName'], r.customDomainName);
  });
  (ep.privateDnsSpecifiedDomains ?? []).forEach((d, k) => {
    if (!DOMAIN.test(d)) bad([...path, 'privateDnsSpecifiedDomains', k], d);
  });
}

/**
 * Checks what the endpoint connects to and the fields of its kind; returns its service (or, for
 * resource and service-network endpoints, the ServiceInfo of its rcfg-/sn- id), null when unusable.
 */
export function checkEndpointKind(
  vpc: VpcLike,
  ep: EndpointConfig,
  path: PathSeg[],
  add: Add,
): ServiceInfo | null {
  const kind = ep.type ?? 'interface';
  const typePath = [...path, 'type'];
  const has = (k: keyof EndpointConfig) => ep[k] !== undefined;

  if (kind === 'resource' || kind === 'service-network') {
    for (const k of ['service', 'serviceRegion', 'privateDnsNames', 'dnsSuffix'] as const)
      if (has(k))
        add(
          'config.endpoint-kind',
          [...path, k],
          `a ${kind} endpoint has no ${k} (its names come from VPC Lattice); remove ${k}`,
        );
    if (ep.privateDnsOnlyForInboundResolverEndpoint)
      add(
        'config.endpoint-kind',
        [...path, 'privateDnsOnlyForInboundResolverEndpoint'],
        'privateDnsOnlyForInboundResolverEndpoint is for S3 interface endpoints; remove it',
      );
    if (ep.interfaces.length === 0)
      add(
        'config.endpoint-kind',
        typePath,
        `a ${kind} endpoint has one network interface per subnet; add interfaces (at least one)`,
      );
    const own = kind === 'resource' ? 'resourceConfigurationId' : 'serviceNetworkId';
    const other =
      kind === 'resource'
        ? ['serviceNetworkId', 'resources']
        : ['resourceConfigurationId', 'customDomainName'];
    for (const k of other)
      if (has(k as keyof EndpointConfig))
        add(
          'config.endpoint-kind',
          [...path, k],
          `${k} belongs to ${kind === 'resource' ? 'service-network' : 'resource'} endpoints; remove it from this ${kind} endpoint`,
        );
    checkDomains(ep, path, add);
    const pref = ep.privateDnsPreference;
    if (
      (pref === 'SPECIFIED_DOMAINS_ONLY' || pref === 'VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS') &&
      !ep.privateDnsSpecifiedDomains?.length
    )
      add(
        'config.endpoint-kind',
        [...path, 'privateDnsPreference'],
        `privateDnsPreference ${pref} needs privateDnsSpecifiedDomains; list the domains (e.g. [db.example.com]) or use VERIFIED_DOMAINS_ONLY`,
      );
    const seen = new Set<string>();
    (ep.resources ?? []).forEach((r, k) => {
      if (seen.has(r.associationId))
        add(
          'config.endpoint-kind',
          [...path, 'resources', k, 'associationId'],
          `association ${r.associationId} is listed twice; each resource association has its own id`,
        );
      seen.add(r.associationId);
    });
    const id = ep[own];
    if (!id) {
      add(
        'config.endpoint-kind',
        typePath,
        kind === 'resource'
          ? 'a resource endpoint needs resourceConfigurationId (rcfg- followed by 17 characters)'
          : 'a service-network endpoint needs serviceNetworkId (sn- followed by 17 characters)',
      );
      return null;
    }
    return { name: id, region: vpc.region, short: id, serviceId: id, endpointService: false };
  }

  // Interface and gateway endpoints: a service name; no Lattice fields.
  for (const k of LATTICE_FIELDS)
    if (has(k))
      add(
        'config.endpoint-kind',
        [...path, k],
        `${k} is for resource and service-network endpoints; remove it or set type: ${k === 'serviceNetworkId' || k === 'resources' ? 'service-network' : 'resource'}`,
      );
  if (!ep.service) {
    add(
      'config.service-name',
      typePath,
      `an ${kind} endpoint needs service (e.g. com.amazonaws.${vpc.region}.${kind === 'gateway' ? 's3' : 'monitoring'})`,
    );
    return null;
  }
  const svc = parseService(ep.service);
  if (!svc) {
    add(
      'config.service-name',
      [...path, 'service'],
      `"${ep.service}" is not a service name; use com.amazonaws.<region>.<service> (e.g. com.amazonaws.${vpc.region}.monitoring), a region-less service (${[...REGIONLESS_SERVICES.keys()].join(', ')}) or com.amazonaws.vpce.<region>.vpce-svc-<id>`,
    );
    return null;
  }

  if (kind === 'gateway') {
    if (svc.endpointService || svc.regionless || !GATEWAY_SERVICES.has(svc.short))
      add(
        'config.endpoint-kind',
        [...path, 'service'],
        `gateway endpoints exist for S3 and DynamoDB only; use com.amazonaws.${vpc.region}.s3 or com.amazonaws.${vpc.region}.dynamodb, or type: interface`,
      );
    if (ep.interfaces.length > 0)
      add(
        'config.endpoint-kind',
        [...path, 'interfaces'],
        'a gateway endpoint has no network interfaces (it is a route-table target); remove interfaces or use type: interface',
      );
    if (ep.serviceRegion !== undefined)
      add(
        'config.cross-region',
        [...path, 'serviceRegion'],
        "gateway endpoints are in the VPC's Region only; remove serviceRegion",
      );
    else if (svc.region !== vpc.region)
      add(
        'config.service-name',
        [...path, 'service'],
        `service ${ep.service} is in ${svc.region} but VPC ${vpc.id} is in ${vpc.region}; use com.amazonaws.${vpc.region}.${svc.short}`,
      );
    return svc;
  }

  if (ep.interfaces.length === 0)
    add(
      'config.endpoint-kind',
      [...path, 'interfaces'],
      'an interface endpoint has one network interface per subnet; add interfaces (at least one)',
    );
  checkRegions(vpc, ep, svc, path, add);
  checkInboundOnly(vpc, ep, svc, path, add);
  if (ep.privateDnsNameVerification !== 'verified' && !svc.endpointService)
    add(
      'config.endpoint-kind',
      [...path, 'privateDnsNameVerification'],
      `privateDnsNameVerification is the state of an endpoint service's private DNS name; ${ep.service} is an AWS service, whose names need no verification: remove it`,
    );
  return svc;
}

function checkRegions(vpc: VpcLike, ep: EndpointConfig, svc: ServiceInfo, path: PathSeg[], add: Add): void {
  const sr = ep.serviceRegion;
  const sp = [...path, 'serviceRegion'];
  if (sr === undefined) {
    if (svc.regionless) {
      if (svc.region !== vpc.region)
        add(
          'config.cross-region',
          [...path, 'service'],
          `${svc.name} is served from ${svc.region}; from VPC ${vpc.id} in ${vpc.region} it is a cross-Region endpoint: add serviceRegion: ${svc.region}`,
        );
    } else if (!svc.endpointService && svc.region !== vpc.region) {
      add(
        'config.service-name',
        [...path, 'service'],
        `${regionNote(svc.region)}service ${ep.service} is in ${svc.region} but VPC ${vpc.id} is in ${vpc.region}; an endpoint to an AWS service is created in the service's region (use com.amazonaws.${vpc.region}.${svc.short})${supportsCrossRegion(svc.short) ? `, or add serviceRegion: ${svc.region} for a cross-Region endpoint` : ''}`,
      );
    }
    return;
  }
  if (sr === vpc.region) {
    add(
      'config.cross-region',
      sp,
      `serviceRegion ${sr} is the VPC's own Region; a cross-Region endpoint reaches another Region: remove serviceRegion or name another Region`,
    );
    return;
  }
  if (svc.region !== sr) {
    const fix = svc.regionless
      ? `${svc.name} is served from ${svc.region}: use serviceRegion: ${svc.region}`
      : svc.endpointService
        ? `use the endpoint service of ${sr} (com.amazonaws.vpce.${sr}.<vpce-svc-id>) or serviceRegion: ${svc.region}`
        : `use com.amazonaws.${sr}.${svc.short} or serviceRegion: ${svc.region}`;
    add(
      'config.cross-region',
      sp,
      `service ${svc.name} is in ${svc.region}, not in serviceRegion ${sr}; ${fix}`,
    );
    return;
  }
  if (!svc.endpointService && !svc.regionless && !supportsCrossRegion(svc.short))
    add(
      'config.cross-region',
      [...path, 'service'],
      `${svc.short} is not among the AWS services AWS lists as cross-Region capable (${[...CROSS_REGION_SERVICES].join(', ')}, ${[...REGIONLESS_SERVICES.keys()].join(', ')}); create the endpoint in ${sr} itself, or use an endpoint service`,
    );
}

function checkInboundOnly(
  vpc: VpcLike,
  ep: EndpointConfig,
  svc: ServiceInfo,
  path: PathSeg[],
  add: Add,
): void {
  if (!ep.privateDnsOnlyForInboundResolverEndpoint) return;
  const p = [...path, 'privateDnsOnlyForInboundResolverEndpoint'];
  if (svc.endpointService || svc.short !== 's3') {
    add(
      'config.inbound-resolver',
      p,
      `privateDnsOnlyForInboundResolverEndpoint is for S3 interface endpoints (services with both gateway and interface endpoints); ${svc.name} has no gateway endpoint: remove it`,
    );
    return;
  }
  if (!ep.privateDnsEnabled)
    add(
      'config.inbound-resolver',
      p,
      'privateDnsOnlyForInboundResolverEndpoint needs privateDnsEnabled: true; set it or remove this option',
    );
  const gateway = vpc.endpoints.some((e) => e?.type === 'gateway' && e.service === ep.service);
  if (!gateway)
    add(
      'config.inbound-resolver',
      p,
      `AWS requires a gateway endpoint for S3 in the same VPC: add an endpoint with type: gateway and service: ${ep.service} to VPC ${vpc.id}`,
    );
}

/** A warning of a valid config: where, what, and its code. */
export interface KindWarning {
  code: ConfigProblemCode;
  path: PathSeg[];
  message: string;
}

/** What `validate` warns about: unverified endpoint-service names, inbound-only names nobody sees. */
export function kindWarnings(config: Config): KindWarning[] {
  const out: KindWarning[] = [];
  config.vpcs.forEach((vpc, v) => {
    vpc.endpoints.forEach((ep, e) => {
      const path: PathSeg[] = ['vpcs', v, 'endpoints', e];
      if (ep.privateDnsEnabled && ep.privateDnsNameVerification !== 'verified')
        out.push({
          code: 'config.private-dns-unverified',
          path: [...path, 'privateDnsNameVerification'],
          message: `the private DNS name of ${ep.service} is ${ep.privateDnsNameVerification}: it does not resolve privately until the provider verifies the domain (queries are forwarded); set verified once it is`,
        });
      if (ep.privateDnsOnlyForInboundResolverEndpoint && vpc.inboundResolverCidrs.length === 0)
        out.push({
          code: 'config.inbound-resolver',
          path: [...path, 'privateDnsOnlyForInboundResolverEndpoint'],
          message: `VPC ${vpc.id} has no inboundResolverCidrs, so no client sees this endpoint's private names; add the on-premises ranges that query through the Resolver inbound endpoint`,
        });
    });
  });
  return out;
}
