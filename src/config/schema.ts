/**
 * The configuration schema: the one place for every field, its type, range and default.
 * `schema/config.schema.json` is generated from it (`npm run schema`).
 */
import { z } from 'zod';
import { addressFamily, parseCidr } from '../net/cidr.js';
import { FirewallSchema, QueryLogsSchema, ResolverLimitsSchema } from './resolver-schema.js';

const ipv4 = z
  .string()
  .refine((s) => addressFamily(s) === 4, { message: 'not an IPv4 address' })
  .meta({ format: 'ipv4' });
const ipv6 = z
  .string()
  .refine((s) => addressFamily(s) === 6, { message: 'not an IPv6 address' })
  .meta({ format: 'ipv6' });
const cidr = z
  .string()
  .refine((s) => parseCidr(s) !== null, { message: 'not a CIDR range (e.g. 10.0.0.0/16)' })
  .describe('An IPv4 or IPv6 range (10.0.0.0/16, 2600:1f16::/56) or a single address');
const cidr4 = z
  .string()
  .refine((s) => parseCidr(s)?.family === 4, { message: 'not an IPv4 CIDR range (e.g. 10.0.1.0/24)' });
const cidr6 = z.string().refine((s) => parseCidr(s)?.family === 6, {
  message: 'not an IPv6 CIDR range (e.g. 2600:1f16:1:a01::/64)',
});
/** HOST, HOST:PORT, IPV6 or [IPV6]:PORT. */
const hostPort = z.string().min(1).describe('HOST, HOST:PORT, IPV6 or [IPV6]:PORT');

export const IpAddressType = z.enum(['ipv4', 'ipv6', 'dualstack']);
export const DnsRecordIpType = z.enum(['ipv4', 'ipv6', 'dualstack', 'service-defined']);
export const WhenAllUnhealthy = z.enum(['fail-open', 'servfail']);

export const HealthCheckSchema = z
  .strictObject({
    tcp: hostPort
      .optional()
      .describe('Probe by opening a TCP connection to HOST:PORT (connected = healthy); HOST may be a name'),
    http: z
      .string()
      .url()
      .optional()
      .describe(
        'Probe with an HTTP GET without keep-alive; 2xx/3xx counts as healthy (redirects are not followed)',
      ),
    dns: hostPort
      .optional()
      .describe(
        'Probe by sending a DNS query (`. IN NS` over UDP) to HOST[:PORT], port 53 by default; any answer but SERVFAIL counts as healthy',
      ),
    intervalSeconds: z
      .number()
      .min(1)
      .max(3600)
      .default(10)
      .describe('Seconds between the starts of two probe rounds; rounds never overlap'),
    timeoutSeconds: z.number().min(0.1).max(60).default(5).describe('Seconds one probe may take'),
    healthyThreshold: z
      .int()
      .min(1)
      .max(10)
      .default(3)
      .describe('Consecutive successes that mark an unhealthy interface healthy'),
    unhealthyThreshold: z
      .int()
      .min(1)
      .max(10)
      .default(3)
      .describe('Consecutive failures that mark a healthy interface unhealthy'),
  })
  .refine((h) => [h.tcp, h.http, h.dns].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of tcp, http or dns',
  })
  .describe(
    'Active probe of the interface: exactly one of tcp, http or dns, plus its timing. Probes only the address named here; interface addresses are never contacted',
  );

export const InterfaceSchema = z.strictObject({
  subnet: z.string().describe('Id of a subnet of this VPC; the interface is in its AZ'),
  ipv4: ipv4.optional().describe('The interface IPv4 address: required for ipv4 and dualstack endpoints'),
  ipv6: ipv6.optional().describe('The interface IPv6 address: required for ipv6 and dualstack endpoints'),
  id: z
    .string()
    .regex(/^eni-[0-9a-f]{8,17}$/, 'an ENI id is eni- followed by 8 or 17 hex digits')
    .optional()
    .describe('Network interface id; derived from the endpoint and subnet if absent'),
  healthy: z.boolean().default(true).describe('Static health: false starts the interface unhealthy'),
  healthCheck: HealthCheckSchema.optional(),
});

export const EndpointType = z.enum(['interface', 'gateway', 'resource', 'service-network']);
export const PrivateDnsPreference = z.enum([
  'ALL_DOMAINS',
  'VERIFIED_DOMAINS_ONLY',
  'VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS',
  'SPECIFIED_DOMAINS_ONLY',
]);
const region = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d+$/, 'a region looks like us-east-2');
const hostedZoneId = z
  .string()
  .regex(/^Z[A-Z0-9]{1,31}$/, 'a hosted zone id is Z followed by capital letters and digits');
const rcfgId = z
  .string()
  .regex(
    /^rcfg-[0-9a-z]{17}$/,
    'a resource configuration id is rcfg- followed by 17 lowercase letters and digits',
  );
const domainName = z.string().min(1).max(253);

export const ServiceNetworkResourceSchema = z.strictObject({
  associationId: z
    .string()
    .regex(/^snra-[0-9a-f]{17}$/, 'an association id is snra- followed by 17 hex digits')
    .describe('The service network resource association (snra-…), part of the DNS name'),
  resourceConfigurationId: rcfgId.describe('The resource configuration (rcfg-…)'),
  customDomainName: domainName.optional().describe('The custom domain name of the resource configuration'),
  customDomainVerified: z.boolean().default(true).describe('Whether the custom domain name is verified'),
});

export const EndpointSchema = z.strictObject({
  id: z
    .string()
    .regex(
      /^vpce-([0-9a-f]{17}|[0-9a-f]{8})$/,
      'an endpoint id is vpce- followed by 17 (or 8) lowercase hex digits',
    )
    .optional()
    .describe(
      'Endpoint id; derived from the VPC id, service and subnets if absent (a hash: the same on every run and machine)',
    ),
  dnsSuffix: z
    .string()
    .regex(/^[a-z0-9]{8}$/, 'a DNS suffix is 8 characters of a-z and 0-9')
    .optional()
    .describe(
      'The 8-character suffix of the regional and zonal names (vpce-<id>-<suffix>.…); derived from the id, VPC and service if absent',
    ),
  type: EndpointType.default('interface').describe(
    'interface: ENIs with regional, zonal and private DNS names; gateway: a route-table endpoint (S3, DynamoDB) with no DNS names; resource: a VPC Lattice resource configuration (resourceConfigurationId); service-network: a VPC Lattice service network (serviceNetworkId, resources)',
  ),
  service: z
    .string()
    .optional()
    .describe(
      'Service name (interface and gateway endpoints): com.amazonaws.<region>.<service> (e.g. com.amazonaws.us-east-2.monitoring), a region-less service (com.amazonaws.iam, com.amazonaws.route53) or an endpoint service, com.amazonaws.vpce.<region>.vpce-svc-<id>',
    ),
  serviceRegion: region
    .optional()
    .describe(
      "Cross-Region endpoint: the service's Region (different from the VPC's); the service name then names that Region. Only for services AWS lists as cross-Region capable and for endpoint services",
    ),
  resourceConfigurationId: rcfgId
    .optional()
    .describe('Resource endpoints: the VPC Lattice resource configuration, rcfg- followed by 17 characters'),
  serviceNetworkId: z
    .string()
    .regex(/^sn-[0-9a-z]{17}$/, 'a service network id is sn- followed by 17 lowercase letters and digits')
    .optional()
    .describe('Service-network endpoints: the VPC Lattice service network, sn- followed by 17 characters'),
  resources: z
    .array(ServiceNetworkResourceSchema)
    .optional()
    .describe('Service-network endpoints: the resource configurations reachable through the service network'),
  customDomainName: domainName
    .optional()
    .describe("Resource endpoints: the resource configuration's custom domain name (a private DNS name)"),
  customDomainVerified: z
    .boolean()
    .default(true)
    .describe('Resource endpoints: whether the custom domain name is verified by its owner'),
  resourceDnsLabel: z
    .string()
    .regex(/^[a-z0-9-]{1,63}$/, 'a DNS label of a-z, 0-9 and hyphens')
    .optional()
    .describe(
      'The label before vpc-lattice-rsc in resource endpoint names; default 4232ccc (the one in every published name)',
    ),
  resourceHostedZoneId: hostedZoneId
    .optional()
    .describe('Hosted zone id of vpc-lattice-rsc.<region>.on.aws shown by describe --associations'),
  privateDnsPreference: PrivateDnsPreference.optional().describe(
    'Resource and service-network endpoints: which custom domain names become private DNS names (default VERIFIED_DOMAINS_ONLY)',
  ),
  privateDnsSpecifiedDomains: z
    .array(domainName)
    .optional()
    .describe(
      'Domains for VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS and SPECIFIED_DOMAINS_ONLY (exact names or *.domain)',
    ),
  privateDnsOnlyForInboundResolverEndpoint: z
    .boolean()
    .default(false)
    .describe(
      "S3 interface endpoints (with an S3 gateway endpoint in the VPC): the private names answer only clients in the VPC's inboundResolverCidrs; VPC clients get the public answer",
    ),
  privateDnsNameVerification: z
    .enum(['verified', 'pendingVerification', 'failed'])
    .default('verified')
    .describe(
      "Endpoint services: the state of the provider's private DNS name; only a verified name answers (the others are forwarded)",
    ),
  privateDnsEnabled: z
    .boolean()
    .default(true)
    .describe('Answer the private DNS names inside the VPC (needs enableDnsSupport and enableDnsHostnames)'),
  ipAddressType: IpAddressType.default('ipv4').describe(
    'ipv4: IPv4 subnets; ipv6: IPv6-only subnets; dualstack: subnets with both',
  ),
  dnsRecordIpType: DnsRecordIpType.optional().describe(
    'Record types served: ipv4 (A), ipv6 (AAAA), dualstack (both), service-defined (dualstack only: A+AAAA on vpce names, A on private names). Defaults to the IP address type',
  ),
  privateDnsNames: z
    .array(z.string())
    .optional()
    .describe(
      'Private DNS names, `*.` allowed as the first label. Defaults per service: S3 s3.<r>.amazonaws.com, *.s3.<r>.amazonaws.com, s3-control and s3-accesspoint; ecr.dkr and execute-api the name and its wildcard; ssm and ssmmessages also <svc>.<r>.api.aws; others <service_id>.<r>.amazonaws.com; endpoint services none',
    ),
  privateHostedZoneId: z
    .string()
    .regex(/^Z[A-Z0-9]{1,31}$/, 'a hosted zone id is Z followed by capital letters and digits')
    .optional()
    .describe('Hosted zone id shown on the private DNS entries of `describe`; derived if absent'),
  whenAllUnhealthy: WhenAllUnhealthy.optional().describe('Overrides the top-level setting for this endpoint'),
  interfaces: z
    .array(InterfaceSchema)
    .default([])
    .describe(
      'One network interface per subnet (at most one subnet per AZ); zonal names follow this order. At least one, except for gateway endpoints (none)',
    ),
});

export const SubnetSchema = z.strictObject({
  id: z
    .string()
    .regex(/^subnet-[0-9a-z]+$/, 'a subnet id is subnet- followed by letters and digits')
    .describe('Subnet id: subnet- followed by letters and digits'),
  az: z
    .string()
    .describe(
      'Availability Zone name, e.g. us-east-2a (the AZ name, not the AZ id use2-az1), in the VPC region',
    ),
  ipv4Cidr: cidr4.optional().describe('The subnet IPv4 range, /16 to /28; absent for IPv6-only subnets'),
  ipv6Cidr: cidr6.optional().describe('The subnet IPv6 range, /44 to /64'),
});

export const VpcSchema = z.strictObject({
  id: z
    .string()
    .regex(/^vpc-([0-9a-f]{17}|[0-9a-f]{8})$/, 'a VPC id is vpc- followed by 17 (or 8) hex digits')
    .describe('VPC id: vpc- followed by 17 (or 8) hex digits'),
  region: z
    .string()
    .regex(
      /^[a-z]{2}(-gov)?-[a-z]+-[1-9]\d*$/,
      'not a Region name: Regions look like us-east-2 (no leading zero)',
    )
    .describe('The AWS region of the VPC, e.g. us-east-2'),
  cidrs: z
    .array(cidr)
    .default([])
    .describe(
      'Client source ranges that count as inside this VPC: they see its private DNS names (everyone sees the vpce.amazonaws.com names). Add 127.0.0.0/8 and ::1/128 to be inside on the machine that runs the server',
    ),
  inboundResolverCidrs: z
    .array(cidr)
    .default([])
    .describe(
      'Client ranges that reach this VPC through a Route 53 Resolver inbound endpoint (on-premises): they see its private DNS names, and also the names of privateDnsOnlyForInboundResolverEndpoint endpoints',
    ),
  enableDnsSupport: z.boolean().default(true).describe('The VPC attribute; private DNS needs it'),
  enableDnsHostnames: z.boolean().default(true).describe('The VPC attribute; private DNS needs it'),
  subnets: z.array(SubnetSchema).default([]).describe('The VPC subnets, each in one Availability Zone'),
  endpoints: z.array(EndpointSchema).default([]).describe('Interface endpoints of this VPC'),
});

export const ForwarderSchema = z.strictObject({
  policy: z
    .enum(['sequential', 'round_robin', 'random'])
    .default('sequential')
    .describe(
      'Order in which upstreams are tried: sequential always starts with the first, round_robin one further each query, random a random order per query',
    ),
  attemptTimeoutMs: z
    .int()
    .min(10)
    .max(30_000)
    .default(800)
    .describe('Timeout of one try at one upstream (ms)'),
  deadlineMs: z
    .int()
    .min(10)
    .max(60_000)
    .default(2000)
    .describe('Overall deadline of one forwarded query, all tries included (ms); then SERVFAIL'),
  maxFails: z
    .int()
    .min(1)
    .max(100)
    .default(2)
    .describe('Consecutive failures before an upstream is marked down'),
  maxInFlight: z
    .int()
    .min(1)
    .max(1_000_000)
    .default(10_000)
    .describe('Distinct upstream queries in flight at once; above it new ones get SERVFAIL at once'),
});

export const ForwardingRuleSchema = z
  .strictObject({
    domain: z
      .string()
      .min(1)
      .describe(
        'Queries for this domain and every name below it use this rule (case and a trailing dot do not matter)',
      ),
    upstreams: z
      .array(hostPort)
      .default([])
      .describe('Upstreams of this domain; empty means the default upstreams'),
    action: z
      .enum(['forward', 'system'])
      .default('forward')
      .describe('forward: to the rule upstreams; system: to the default upstreams'),
  })
  .describe('Conditional forwarding, like a Route 53 Resolver rule; the longest matching domain wins');

export const CacheSchema = z.strictObject({
  maxEntries: z
    .int()
    .min(1)
    .max(10_000_000)
    .default(10_000)
    .describe('Answers kept at most; the least recently used go first'),
  maxBytes: z
    .int()
    .min(65_536)
    .max(2 ** 40)
    .default(16 * 1024 * 1024)
    .describe(
      'Bytes the cached answers may take at most (each counted as its reply plus its bookkeeping; privatelink_dns_memory_bytes{part="cache"}); the least recently used go first',
    ),
  minTtl: z.int().min(0).max(86_400).default(0).describe('Positive answers are kept at least this long (s)'),
  maxTtl: z
    .int()
    .min(1)
    .max(604_800)
    .default(86_400)
    .describe('Positive answers are kept at most this long (s)'),
  negativeTtl: z
    .int()
    .min(0)
    .max(86_400)
    .default(300)
    .describe('Longest time NXDOMAIN/NODATA answers are kept (s), RFC 2308'),
});

export const LimitsSchema = z.strictObject({
  tcpMaxConnections: z
    .int()
    .min(1)
    .max(100_000)
    .default(1000)
    .describe('Open TCP client connections at most; one more is accepted and closed at once'),
  tcpMaxConnectionsPerClient: z
    .int()
    .min(1)
    .max(100_000)
    .default(250)
    .describe(
      'Open TCP connections from one client address at most, so that one client cannot lock the others out; one more is closed at once',
    ),
  tcpIdleTimeoutMs: z
    .int()
    .min(100)
    .max(3_600_000)
    .default(10_000)
    .describe(
      'An idle TCP connection is closed after this long (ms); a message must also arrive whole within it',
    ),
  tcpMaxQueriesPerConnection: z
    .int()
    .min(1)
    .max(1_000_000)
    .default(10_000)
    .describe('Queries read from one TCP connection before it is closed (clients reconnect)'),
  tcpMaxPendingPerConnection: z
    .int()
    .min(1)
    .max(10_000)
    .default(64)
    .describe('Unanswered queries one TCP connection may have at once'),
  tcpMaxPendingBytes: z
    .int()
    .min(65_536)
    .max(1_073_741_824)
    .default(16_777_216)
    .describe(
      'Bytes of received TCP queries not yet answered (and not yet read out of the receive buffers), over all connections at most; a connection whose data would go over it is closed',
    ),
  maxUdpSize: z
    .int()
    .min(512)
    .max(65_535)
    .default(1232)
    .describe('Largest UDP response sent; larger ones are truncated by RRsets with TC set'),
});

export const RateLimitSchema = z.strictObject({
  queriesPerSecond: z.number().positive().describe('Sustained queries per second per client address'),
  burst: z.int().min(1).default(100).describe('Queries a client may send at once above the rate'),
  action: z
    .enum(['refuse', 'drop', 'slip'])
    .default('refuse')
    .describe(
      'refuse: REFUSED; drop: no answer; slip: every other one truncated (TC) so clients retry over TCP',
    ),
});

const dnsName = z.string().min(1).max(255);

export const AliasTargetSchema = z.strictObject({
  dnsName: dnsName.describe(
    'The target name: an endpoint regional or zonal name (vpce-….vpce.amazonaws.com), an S3 wildcard endpoint name (*.vpce-….s3.<r>.vpce.amazonaws.com), or a record of a private hosted zone',
  ),
  evaluateTargetHealth: z
    .boolean()
    .default(false)
    .describe(
      'The alias counts as unhealthy when its target is (no healthy interface, an impaired AZ, an unhealthy record); used by failover, weighted and multivalue records',
    ),
  hostedZoneId: z
    .string()
    .optional()
    .describe(
      'The hosted zone of the target (Route 53 AliasTarget.HostedZoneId); informational, the name decides',
    ),
});

export const HostedZoneRecordSchema = z.strictObject({
  name: dnsName.describe('Owner name, inside the zone; `*.` as the first label makes a wildcard'),
  type: z
    .enum(['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'SRV', 'PTR', 'CAA', 'NAPTR', 'SPF', 'NS', 'SOA'])
    .describe('Record type (NS below the apex is answered as an NS set, without referral)'),
  ttl: z
    .int()
    .min(0)
    .max(2_147_483_647)
    .optional()
    .describe('TTL in seconds; default 300. Not allowed on aliases, which answer with the target TTL'),
  values: z
    .array(z.string())
    .min(1)
    .optional()
    .describe('Route 53 ResourceRecords values in presentation format ("10 mail.corp.internal" for MX)'),
  aliasTarget: AliasTargetSchema.optional().describe(
    "Alias record: answered as the target's records under this name, never as a CNAME",
  ),
  setIdentifier: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe('Identifies one record of a weighted, failover or multivalue set; required with those'),
  weight: z
    .int()
    .min(0)
    .max(255)
    .optional()
    .describe('Weighted routing: answered in proportion to the weight; 0 only when every weight is 0'),
  failover: z
    .enum(['PRIMARY', 'SECONDARY'])
    .optional()
    .describe('Failover routing: the primary while healthy, else the secondary'),
  multiValueAnswer: z
    .boolean()
    .optional()
    .describe('Multivalue answer routing: up to 8 healthy records, in random order'),
  healthCheck: HealthCheckSchema.optional().describe(
    'Health check of this record (the kind interfaces have); unhealthy records are left out of routing policies',
  ),
  region: z
    .string()
    .optional()
    .describe('Latency routing: not supported (it depends on where AWS sees the query from)'),
  geoLocation: z
    .unknown()
    .optional()
    .describe('Geolocation routing: not supported (it depends on where AWS sees the query from)'),
  geoProximityLocation: z
    .unknown()
    .optional()
    .describe('Geoproximity routing: not supported (it depends on where AWS sees the query from)'),
  cidrRoutingConfig: z
    .unknown()
    .optional()
    .describe('IP-based routing: not supported (it depends on where AWS sees the query from)'),
});

export const PrivateHostedZoneSchema = z.strictObject({
  name: dnsName.describe(
    'Zone apex, e.g. corp.internal or sqs.us-east-1.amazonaws.com; trailing dot optional',
  ),
  id: z
    .string()
    .regex(/^Z[A-Z0-9]{1,31}$/, 'a hosted zone id is Z followed by capital letters and digits')
    .optional()
    .describe('Hosted zone id; derived from the name and associations when omitted'),
  vpcs: z
    .array(z.string())
    .min(1)
    .describe('Associated VPCs (ids of VPCs of this config): only their clients see the zone'),
  records: z
    .array(HostedZoneRecordSchema)
    .default([])
    .describe('Record sets; the apex SOA and NS exist without being declared (declare them to override)'),
});

export const ConfigSchema = z.strictObject({
  ttl: z
    .int()
    .min(0)
    .max(2_147_483_647)
    .default(60)
    .describe('TTL of the endpoint records (AWS answers with 60)'),
  upstreams: z
    .array(hostPort)
    .optional()
    .describe(
      'Default upstream resolvers for every name that is not ours (HOST must be an IP address). --upstream overrides them; without either, the nameserver lines of /etc/resolv.conf that are not this server',
    ),
  whenAllUnhealthy: WhenAllUnhealthy.default('fail-open').describe(
    'What regional and private names answer when every interface of an endpoint is unhealthy: all addresses with fail-open (like NLB DNS and Route 53 multivalue answers), SERVFAIL with servfail',
  ),
  impairedAzs: z
    .array(z.string())
    .default([])
    .describe(
      'AZ names whose interfaces all count as unhealthy (zonal names keep answering); each must be the AZ of some subnet',
    ),
  hostedZoneIds: z
    .record(
      z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/, 'a region looks like us-east-2'),
      z.string().regex(/^Z[A-Z0-9]{1,31}$/, 'a hosted zone id is Z followed by capital letters and digits'),
    )
    .default({})
    .describe(
      'Hosted zone id of <region>.vpce.amazonaws.com by region, for regions missing from the built-in table; without one a region gets ZPLACEHOLDER-<REGION>',
    ),
  forwarder: ForwarderSchema.default(ForwarderSchema.parse({})).describe(
    'How queries are forwarded upstream',
  ),
  forwardingRules: z
    .array(ForwardingRuleSchema)
    .default([])
    .describe('Conditional forwarding by domain, like Route 53 Resolver rules'),
  cache: z
    .union([z.literal(false), CacheSchema])
    .default(CacheSchema.parse({}))
    .describe('Cache of forwarded answers; false turns it off'),
  limits: LimitsSchema.default(LimitsSchema.parse({})).describe('Protects the server from clients'),
  allowedClients: z
    .array(cidr)
    .optional()
    .describe(
      'Clients allowed to query (others get REFUSED); default loopback, RFC 1918, RFC 4193, link-local and every VPC cidrs. A list replaces the defaults',
    ),
  rateLimit: RateLimitSchema.optional().describe('Per-client rate limit; off when absent'),
  vpcs: z.array(VpcSchema).default([]).describe('The emulated VPCs, their subnets and interface endpoints'),
  privateHostedZones: z
    .array(PrivateHostedZoneSchema)
    .default([])
    .describe('Route 53 private hosted zones of your own, each associated with VPCs of this config'),
  firewall: FirewallSchema.optional().describe('Route 53 Resolver DNS Firewall; off when absent'),
  queryLogs: QueryLogsSchema.optional().describe('Resolver query logs; off when absent'),
  resolverLimits: ResolverLimitsSchema.optional().describe('Limits of the Amazon-provided DNS server'),
});

export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type VpcConfig = Config['vpcs'][number];
export type SubnetConfig = VpcConfig['subnets'][number];
export type EndpointConfig = VpcConfig['endpoints'][number];
export type InterfaceConfig = EndpointConfig['interfaces'][number];
export type HealthCheckConfig = z.output<typeof HealthCheckSchema>;
export type IpAddressTypeT = z.output<typeof IpAddressType>;
export type DnsRecordIpTypeT = z.output<typeof DnsRecordIpType>;
export type PrivateHostedZoneConfig = z.output<typeof PrivateHostedZoneSchema>;
export type HostedZoneRecordConfig = z.output<typeof HostedZoneRecordSchema>;
export type EndpointTypeT = z.output<typeof EndpointType>;
export type FirewallConfigT = NonNullable<Config['firewall']>;
export type QueryLogsConfig = NonNullable<Config['queryLogs']>;
