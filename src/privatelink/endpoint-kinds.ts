/**
 * The endpoint kinds beside same-Region interface endpoints, as the catalog, describe and the
 * rules see them: what an endpoint connects to (its {@link ServiceInfo}, also for resource and
 * service-network endpoints, which have no service name), the names of resource and
 * service-network endpoints, and which unconfirmed choices an endpoint's answers rest on.
 */
import type { EndpointConfig, VpcConfig } from '../config/schema.js';
import { normaliseName } from '../dns/names.js';
import { parseService, type ServiceInfo } from './names.js';
import {
  customDomainAnswers,
  DEFAULT_RESOURCE_DNS_LABEL,
  type PrivateDnsPreference,
  resourceEndpointName,
  serviceNetworkResourceName,
  type UnconfirmedKey,
} from './service-kinds.js';

/**
 * What the endpoint connects to, or null when its service name is not one (the rules report it).
 * Resource and service-network endpoints get a ServiceInfo named by their rcfg-/sn- id in the
 * VPC's Region.
 */
export function targetOf(ep: EndpointConfig, vpc: Pick<VpcConfig, 'region'>): ServiceInfo | null {
  if (ep.type === 'resource' || ep.type === 'service-network') {
    const id = ep.type === 'resource' ? ep.resourceConfigurationId : ep.serviceNetworkId;
    if (!id) return null;
    return { name: id, region: vpc.region, short: id, serviceId: id, endpointService: false };
  }
  return ep.service ? parseService(ep.service) : null;
}

/** One name of a resource or service-network endpoint (one per resource configuration). */
export interface ResourceName {
  /** `vpce-….rcfg-….<label>.vpc-lattice-rsc.<region>.on.aws` or its `-snra-…` form. */
  name: string;
  resourceConfigurationId: string;
  /** The service network resource association (service-network endpoints). */
  associationId?: string;
  customDomainName?: string;
  customDomainVerified: boolean;
  /** Whether the custom domain name answers as a private DNS name (preference, verification, private DNS). */
  customDomainActive: boolean;
}

/** The preference in force (AWS's default is unconfirmed; see UNCONFIRMED). */
export function privateDnsPreferenceOf(ep: EndpointConfig): PrivateDnsPreference {
  return ep.privateDnsPreference ?? 'VERIFIED_DOMAINS_ONLY';
}

/** The names of a resource or service-network endpoint; [] for other kinds. */
export function resourceNames(ep: EndpointConfig, endpointId: string, region: string, privateDns: boolean) {
  const label = ep.resourceDnsLabel ?? DEFAULT_RESOURCE_DNS_LABEL;
  const pref = privateDnsPreferenceOf(ep);
  const specified = ep.privateDnsSpecifiedDomains ?? [];
  const active = (custom: string | undefined, verified: boolean) =>
    custom !== undefined && privateDns && customDomainAnswers(pref, custom, verified, specified);
  const out: ResourceName[] = [];
  if (ep.type === 'resource' && ep.resourceConfigurationId) {
    out.push({
      name: resourceEndpointName(endpointId, ep.resourceConfigurationId, label, region),
      resourceConfigurationId: ep.resourceConfigurationId,
      customDomainName: ep.customDomainName && normaliseName(ep.customDomainName),
      customDomainVerified: ep.customDomainVerified,
      customDomainActive: active(ep.customDomainName, ep.customDomainVerified),
    });
  } else if (ep.type === 'service-network') {
    for (const r of ep.resources ?? []) {
      out.push({
        name: serviceNetworkResourceName(
          endpointId,
          r.associationId,
          r.resourceConfigurationId,
          label,
          region,
        ),
        resourceConfigurationId: r.resourceConfigurationId,
        associationId: r.associationId,
        customDomainName: r.customDomainName && normaliseName(r.customDomainName),
        customDomainVerified: r.customDomainVerified,
        customDomainActive: active(r.customDomainName, r.customDomainVerified),
      });
    }
  }
  return out;
}

/** The unconfirmed choices the names of an endpoint rest on. */
export function unconfirmedFor(ep: EndpointConfig, svc: ServiceInfo, vpcRegion: string): UnconfirmedKey[] {
  const out: UnconfirmedKey[] = [];
  if (ep.type === 'resource' || ep.type === 'service-network') {
    out.push('resource-label', 'resource-region', 'resource-zonal');
    if (ep.privateDnsPreference === undefined) out.push('private-dns-preference-default');
    return out;
  }
  if (svc.regionless) out.push('regionless-names');
  if (ep.serviceRegion !== undefined || (svc.region !== vpcRegion && !svc.endpointService && svc.regionless))
    out.push('cross-region-names');
  if (ep.privateDnsOnlyForInboundResolverEndpoint) out.push('inbound-only');
  if (svc.endpointService && ep.privateDnsNameVerification !== 'verified')
    out.push('unverified-endpoint-service');
  return out;
}
