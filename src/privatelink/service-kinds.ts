/**
 * What kind of PrivateLink target a service is, as far as DNS is concerned: which AWS services
 * can be reached across Regions, which have no Region in their name, and the facts of the newer
 * endpoint kinds (VPC Lattice resource and service-network endpoints). Plain data and small
 * helpers; imports nothing of the project.
 *
 * Where AWS documents nothing the entry says so in {@link UNCONFIRMED}: those choices are shown by
 * `/v1/resolve` and `describe` so that nobody mistakes them for AWS's word.
 */

/** Where a list came from and when it was read. */
export interface Source {
  title: string;
  url: string;
  /** The day the list was copied from the source (YYYY-MM-DD). */
  read: string;
}

/**
 * AWS services that integrate with cross-Region PrivateLink: an interface endpoint in one Region
 * to the service in another (`serviceRegion`). The part of the service name after
 * `com.amazonaws.<region>.`; the region-less services are listed in {@link REGIONLESS_SERVICES}.
 */
export const CROSS_REGION_SERVICES: ReadonlySet<string> = new Set([
  's3',
  'ecr.api',
  'ecr.dkr',
  'kms',
  'kms-fips',
  'ecs',
  'lambda',
  'kinesis-firehose',
  'kinesisanalytics',
  'kinesisanalytics-fips',
]);

export const CROSS_REGION_SOURCE: Source = {
  title: 'AWS PrivateLink Guide, "Cross-region enabled AWS services"',
  url: 'https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-cross-region-privatelink-support.html',
  read: '2026-12-01',
};

/** A service whose name has no Region (`com.amazonaws.iam`). */
export interface RegionlessService {
  /** The service name, e.g. com.amazonaws.iam. */
  name: string;
  /** The label used in vpce names (`iam`). */
  serviceId: string;
  /** The Region that hosts the service (its control plane); the endpoint's names use it. */
  homeRegion: string;
  /** The private DNS names an endpoint to it gets by default (unconfirmed, see UNCONFIRMED). */
  privateDnsNames: readonly string[];
  /** Whether it is listed as cross-Region capable (a VPC elsewhere reaches it with serviceRegion). */
  crossRegion: boolean;
}

/**
 * Services with no Region in their name. IAM: "The AWS PrivateLink interface VPC endpoint service
 * name for IAM is com.amazonaws.iam", its control plane is in us-east-1 (IAM User Guide, "Create a
 * VPC endpoint for IAM"); both IAM and Route 53 (`com.amazonaws.route53`) are in the cross-Region
 * list ({@link CROSS_REGION_SOURCE}).
 */
export const REGIONLESS_SERVICES: ReadonlyMap<string, RegionlessService> = new Map(
  (
    [
      {
        name: 'com.amazonaws.iam',
        serviceId: 'iam',
        homeRegion: 'us-east-1',
        privateDnsNames: ['iam.amazonaws.com'],
        crossRegion: true,
      },
      {
        name: 'com.amazonaws.route53',
        serviceId: 'route53',
        homeRegion: 'us-east-1',
        privateDnsNames: ['route53.amazonaws.com'],
        crossRegion: true,
      },
    ] as const
  ).map((s) => [s.name, s]),
);

export const REGIONLESS_SOURCES: readonly Source[] = [
  {
    title: 'IAM User Guide, "Create a VPC endpoint for IAM"',
    url: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam_vpc_endpoint_create.html',
    read: '2026-12-01',
  },
  CROSS_REGION_SOURCE,
];

/** Whether an AWS service (by the part after com.amazonaws.<region>.) can be reached across Regions. */
export function supportsCrossRegion(short: string): boolean {
  return CROSS_REGION_SERVICES.has(short);
}

// ---- VPC Lattice resource and service-network endpoints ----

/**
 * The label between the resource configuration id and `vpc-lattice-rsc` in every resource
 * endpoint name AWS has published (`vpce-….rcfg-….4232ccc.vpc-lattice-rsc.<region>.on.aws`): the
 * same in us-east-1, us-east-2, ap-northeast-1 and ap-southeast-1 and for every account seen. What
 * it stands for is undocumented; it is the default of `resourceDnsLabel`.
 */
export const DEFAULT_RESOURCE_DNS_LABEL = '4232ccc';

/**
 * Hosted zone ids of `vpc-lattice-rsc.<region>.on.aws` as DescribeVpcEndpointAssociations prints
 * them (us-east-2: the AWS CLI example of describe-vpc-endpoint-associations; us-east-1: a
 * published CLI session of a service-network endpoint). Other Regions need `resourceHostedZoneId`
 * or get a placeholder.
 */
export const RESOURCE_HOSTED_ZONE_IDS: Readonly<Record<string, string>> = {
  'us-east-1': 'Z08285483B41F6ASEM5U1',
  'us-east-2': 'Z03265862FOUNWMZOKUF4',
};

/** The hosted zone id of a Region's resource endpoint names (config first, then the table). */
export function resourceHostedZoneId(region: string, override?: string): string {
  return override ?? RESOURCE_HOSTED_ZONE_IDS[region] ?? `ZPLACEHOLDER-RSC-${region.toUpperCase()}`;
}

/** The apex of the public zone that holds a Region's resource endpoint names. */
export function resourceZoneApex(region: string): string {
  return `vpc-lattice-rsc.${region}.on.aws`;
}

/** `vpce-<id>.rcfg-<id>.<label>.vpc-lattice-rsc.<region>.on.aws` (a resource endpoint). */
export function resourceEndpointName(
  endpointId: string,
  rcfg: string,
  label: string,
  region: string,
): string {
  return [endpointId, '.', rcfg, '.', label, '.vpc-lattice-rsc.', region, '.on.aws'].join('');
}

/** `vpce-<id>-snra-<id>.rcfg-<id>.<label>.vpc-lattice-rsc.<region>.on.aws` (one resource of a service network). */
export function serviceNetworkResourceName(
  endpointId: string,
  snra: string,
  rcfg: string,
  label: string,
  region: string,
): string {
  return [endpointId, '-', snra, '.', rcfg, '.', label, '.vpc-lattice-rsc.', region, '.on.aws'].join('');
}

/** A resource endpoint name split into its parts, or null. */
const RESOURCE_NAME =
  /^(vpce-[0-9a-f]{17})(?:-(snra-[0-9a-f]{17}))?\.(rcfg-[0-9a-z]{17})\.([a-z0-9-]+)\.vpc-lattice-rsc\.([a-z0-9-]+)\.on\.aws\.?$/;

export function parseResourceName(
  name: string,
): { endpointId: string; snra?: string; rcfg: string; label: string; region: string } | null {
  const m = RESOURCE_NAME.exec(name.toLowerCase());
  if (!m) return null;
  return { endpointId: m[1], snra: m[2], rcfg: m[3], label: m[4], region: m[5] };
}

/** Which custom domain names of resource configurations become private DNS names. */
export type PrivateDnsPreference =
  | 'ALL_DOMAINS'
  | 'VERIFIED_DOMAINS_ONLY'
  | 'VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS'
  | 'SPECIFIED_DOMAINS_ONLY';

/** Whether `name` is one of the specified domains (exact, or below a `*.` entry). */
export function matchesSpecifiedDomain(name: string, specified: readonly string[]): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  for (const raw of specified) {
    const d = raw.toLowerCase().replace(/\.$/, '');
    if (d.startsWith('*.')) {
      if (n.endsWith(d.slice(1))) return true;
    } else if (n === d) return true;
  }
  return false;
}

/** Whether a custom domain name answers under a preference (privatelink-dns.md §7.2). */
export function customDomainAnswers(
  preference: PrivateDnsPreference,
  name: string,
  verified: boolean,
  specified: readonly string[],
): boolean {
  switch (preference) {
    case 'ALL_DOMAINS':
      return true;
    case 'VERIFIED_DOMAINS_ONLY':
      return verified;
    case 'VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS':
      return verified || matchesSpecifiedDomain(name, specified);
    case 'SPECIFIED_DOMAINS_ONLY':
      return matchesSpecifiedDomain(name, specified);
  }
}

/**
 * Choices made where AWS documents nothing, by key; `/v1/resolve` and `describe` name the ones an
 * answer depends on.
 */
export const UNCONFIRMED = {
  'cross-region-names':
    'cross-Region names keep the 8-character suffix of same-Region names (vpce-<id>-<suffix>[-<consumer AZ>].<service_id>.<service Region>.vpce.amazonaws.com) and carry the service Region hosted zone id: AWS gives the form endpoint_id.endpoint_service_id.service_region.vpce.amazonaws.com without saying whether endpoint_id includes the suffix',
  'regionless-names':
    'region-less services use their home Region (us-east-1) in vpce names and iam.amazonaws.com / route53.amazonaws.com as private DNS names: AWS names the services but not their DNS names',
  'resource-label':
    'the label before vpc-lattice-rsc (4232ccc in every published name) is taken as a constant; its meaning is undocumented',
  'resource-region':
    'resource endpoint names carry the Region of the endpoint (the VPC), as in the published examples',
  'resource-zonal':
    'resource and service-network endpoints have no zonal names (none appear in published output); their names answer with one address per AZ, health-aware',
  'private-dns-preference-default':
    'privateDnsPreference defaults to VERIFIED_DOMAINS_ONLY; custom domain names count as verified unless customDomainVerified: false',
  'inbound-only':
    'with privateDnsOnlyForInboundResolverEndpoint the private names answer only clients in inboundResolverCidrs; everyone else, the VPC included, is forwarded (the public S3 answer)',
  'unverified-endpoint-service':
    'an endpoint service private DNS name that is pendingVerification or failed is left out of DnsEntries and forwarded',
} as const;

export type UnconfirmedKey = keyof typeof UNCONFIRMED;
