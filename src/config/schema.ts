/**
 * The configuration schema: the one place for every field, its type, range and default.
 * `schema/config.schema.json` is generated from it (`npm run schema`).
 */
import { z } from 'zod';
import { addressFamily, parseCidr } from '../net/cidr.js';

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
    tcp: hostPort.optional().describe('Probe by opening a TCP connection to HOST:PORT'),
    http: z.string().url().optional().describe('Probe with an HTTP GET; 2xx/3xx counts as healthy'),
    dns: hostPort.optional().describe('Probe by sending a DNS query (root NS) to HOST[:PORT]'),
    intervalSeconds: z.number().min(1).max(3600).default(10).describe('Seconds between probes (1 to 3600)'),
    timeoutSeconds: z.number().min(0.1).max(60).default(5).describe('Seconds one probe may take (0.1 to 60)'),
    healthyThreshold: z
      .int()
      .min(1)
      .max(10)
      .default(3)
      .describe('Consecutive successes that mark an unhealthy interface healthy (1 to 10)'),
    unhealthyThreshold: z
      .int()
      .min(1)
      .max(10)
      .default(3)
      .describe('Consecutive failures that mark a healthy interface unhealthy (1 to 10)'),
  })
  .refine((h) => [h.tcp, h.http, h.dns].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of tcp, http or dns',
  })
  .describe('Active probe of the interface: exactly one of tcp, http or dns');

export const InterfaceSchema = z.strictObject({
  subnet: z.string().describe('Id of a subnet of this VPC; the interface lives in its AZ'),
  ipv4: ipv4.optional().describe('The interface IPv4 address (ipv4 and dualstack endpoints)'),
  ipv6: ipv6.optional().describe('The interface IPv6 address (ipv6 and dualstack endpoints)'),
  id: z
    .string()
    .regex(/^eni-[0-9a-f]{8,17}$/, 'an ENI id is eni- followed by 8 or 17 hex digits')
    .optional()
    .describe('Network interface id; derived from the endpoint and subnet if absent'),
  healthy: z.boolean().default(true).describe('Static health: false starts the interface unhealthy'),
  healthCheck: HealthCheckSchema.optional(),
});

export const EndpointSchema = z.strictObject({
  id: z
    .string()
    .regex(
      /^vpce-([0-9a-f]{17}|[0-9a-f]{8})$/,
      'an endpoint id is vpce- followed by 17 (or 8) lowercase hex digits',
    )
    .optional()
    .describe('Derived from the VPC id, service and subnets if absent'),
  dnsSuffix: z
    .string()
    .regex(/^[a-z0-9]{8}$/, 'a DNS suffix is 8 characters of a-z and 0-9')
    .optional()
    .describe('The 8-character suffix of the regional and zonal names; derived if absent'),
  service: z.string().describe('Service name, e.g. com.amazonaws.us-east-2.monitoring'),
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
      'Private DNS names (wildcards such as *.s3.us-east-2.amazonaws.com allowed); defaults per service',
    ),
  privateHostedZoneId: z
    .string()
    .regex(/^Z[A-Z0-9]{1,31}$/, 'a hosted zone id is Z followed by capital letters and digits')
    .optional()
    .describe('Hosted zone id of the private DNS entry; derived if absent'),
  whenAllUnhealthy: WhenAllUnhealthy.optional().describe('Overrides the top-level setting for this endpoint'),
  interfaces: z
    .array(InterfaceSchema)
    .min(1)
    .describe('One network interface per subnet (at most one subnet per AZ); zonal names follow this order'),
});

export const SubnetSchema = z.strictObject({
  id: z.string().regex(/^subnet-[0-9a-z]+$/, 'a subnet id is subnet- followed by letters and digits'),
  az: z.string().describe('Availability Zone name, e.g. us-east-2a'),
  ipv4Cidr: cidr4.optional().describe('The subnet IPv4 range, /16 to /28; absent for IPv6-only subnets'),
  ipv6Cidr: cidr6.optional().describe('The subnet IPv6 range, /44 to /64'),
});

export const VpcSchema = z.strictObject({
  id: z
    .string()
    .regex(/^vpc-([0-9a-f]{17}|[0-9a-f]{8})$/, 'a VPC id is vpc- followed by 17 (or 8) hex digits'),
  region: z
    .string()
    .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d+$/, 'a region looks like us-east-2')
    .describe('The AWS region of the VPC, e.g. us-east-2'),
  cidrs: z
    .array(cidr)
    .default([])
    .describe('Client source ranges that count as inside this VPC (they see its private DNS names)'),
  enableDnsSupport: z.boolean().default(true).describe('The VPC attribute; private DNS needs it'),
  enableDnsHostnames: z.boolean().default(true).describe('The VPC attribute; private DNS needs it'),
  subnets: z.array(SubnetSchema).default([]),
  endpoints: z.array(EndpointSchema).default([]).describe('Interface endpoints of this VPC'),
});

export const ForwarderSchema = z.strictObject({
  policy: z
    .enum(['sequential', 'round_robin', 'random'])
    .default('sequential')
    .describe('Order in which upstreams are tried'),
  attemptTimeoutMs: z.int().min(10).max(30_000).default(800).describe('Timeout of one try at one upstream'),
  deadlineMs: z.int().min(10).max(60_000).default(2000).describe('Overall deadline of one forwarded query'),
  maxFails: z
    .int()
    .min(1)
    .max(100)
    .default(2)
    .describe('Consecutive failures before an upstream is marked down'),
  maxInFlight: z.int().min(1).max(1_000_000).default(10_000).describe('Upstream queries in flight at once'),
});

export const ForwardingRuleSchema = z
  .strictObject({
    domain: z.string().min(1).describe('Queries for this domain and its sub-names use this rule'),
    upstreams: z.array(hostPort).default([]).describe('Upstreams of this domain'),
    action: z
      .enum(['forward', 'system'])
      .default('forward')
      .describe('forward: to the rule upstreams; system: to the default upstreams'),
  })
  .describe('Conditional forwarding, like a Route 53 Resolver rule; the longest matching domain wins');

export const CacheSchema = z.strictObject({
  maxEntries: z.int().min(1).max(10_000_000).default(10_000).describe('Answers kept at most'),
  minTtl: z.int().min(0).max(86_400).default(0).describe('Cached answers are kept at least this long (s)'),
  maxTtl: z
    .int()
    .min(1)
    .max(604_800)
    .default(86_400)
    .describe('Cached answers are kept at most this long (s)'),
  negativeTtl: z
    .int()
    .min(0)
    .max(86_400)
    .default(300)
    .describe('Longest time NXDOMAIN/NODATA answers are kept (s)'),
});

export const LimitsSchema = z.strictObject({
  tcpMaxConnections: z.int().min(1).max(100_000).default(1000).describe('Open TCP connections at most'),
  tcpIdleTimeoutMs: z
    .int()
    .min(100)
    .max(3_600_000)
    .default(10_000)
    .describe('An idle TCP connection is closed after this long'),
  tcpMaxQueriesPerConnection: z
    .int()
    .min(1)
    .max(1_000_000)
    .default(10_000)
    .describe('Queries one TCP connection may send before it is closed'),
  tcpMaxPendingPerConnection: z
    .int()
    .min(1)
    .max(10_000)
    .default(64)
    .describe('Unanswered queries one TCP connection may have at once'),
  maxUdpSize: z.int().min(512).max(65_535).default(1232).describe('Largest UDP response we send'),
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

export const ConfigSchema = z.strictObject({
  ttl: z.int().min(0).max(2_147_483_647).default(60).describe('TTL of endpoint records (AWS: 60)'),
  upstreams: z.array(hostPort).optional().describe('Default upstream resolvers; else /etc/resolv.conf'),
  whenAllUnhealthy: WhenAllUnhealthy.default('fail-open').describe(
    'When every interface of an endpoint is unhealthy: fail-open answers with all of them, servfail answers SERVFAIL',
  ),
  impairedAzs: z.array(z.string()).default([]).describe('AZ names whose interfaces are all unhealthy'),
  hostedZoneIds: z
    .record(
      z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/, 'a region looks like us-east-2'),
      z.string().regex(/^Z[A-Z0-9]{1,31}$/, 'a hosted zone id is Z followed by capital letters and digits'),
    )
    .default({})
    .describe('Hosted zone ids of <region>.vpce.amazonaws.com for regions missing from the built-in table'),
  forwarder: ForwarderSchema.default(ForwarderSchema.parse({})).describe(
    'How queries are forwarded upstream',
  ),
  forwardingRules: z.array(ForwardingRuleSchema).default([]),
  cache: z
    .union([z.literal(false), CacheSchema])
    .default(CacheSchema.parse({}))
    .describe('Cache of forwarded answers; false turns it off'),
  limits: LimitsSchema.default(LimitsSchema.parse({})).describe('Protects the server from clients'),
  allowedClients: z
    .array(cidr)
    .optional()
    .describe(
      'Clients allowed to query; default loopback, RFC 1918, RFC 4193, link-local and every VPC cidr',
    ),
  rateLimit: RateLimitSchema.optional().describe('Per-client rate limit; off when absent'),
  vpcs: z.array(VpcSchema).default([]).describe('The emulated VPCs, their subnets and interface endpoints'),
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
