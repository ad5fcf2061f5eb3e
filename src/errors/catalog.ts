/**
 * Every error the server reports with a stable code, declared once: config problems, admin API
 * errors, upstream errors and start-up errors. Each entry says what the error means and how to
 * fix it; docs/reference/errors.md is generated from this table (`npm run docs:reference`).
 *
 * Codes are `<area>.<kebab-case>` and never change once published. Admin API errors also carry
 * the short `wire` code that the JSON error body has always sent (`{"error": {"code": ...}}`).
 */

/** One row of the table. */
export interface ErrorDef {
  readonly code: string;
  readonly meaning: string;
  readonly fix: string;
  /** HTTP status (admin API errors). */
  readonly status?: number;
  /** The code in the admin API's JSON error body. */
  readonly wire?: string;
  /** What the start-up message says after "cannot listen on ADDRESS: " (listen errors). */
  readonly says?: string;
  /** The socket error code (errno) this entry stands for. */
  readonly errno?: string;
}

export const ERRORS = [
  // Config problems: every ConfigProblem has one of these codes.
  {
    code: 'config.not-found',
    meaning: 'The config file does not exist.',
    fix: 'Check the path given with `--config` (or create the file).',
  },
  {
    code: 'config.permission-denied',
    meaning: 'The config file exists but this process may not read it.',
    fix: 'Make the file readable by the user the server runs as.',
  },
  {
    code: 'config.unreadable',
    meaning: 'The config file could not be read for another reason (a directory, an I/O error).',
    fix: 'Point `--config` at a regular, readable YAML file.',
  },
  {
    code: 'config.unsettled',
    meaning:
      'A reload found the config file changing every time it was read (for about five settle times): it was not reloaded, and the previous config keeps serving.',
    fix: 'Save the file atomically (write a temporary file in the same directory, then rename it over the config); a reload follows once the file stays unchanged.',
  },
  {
    code: 'config.not-a-file',
    meaning: 'The config path is not a regular file: a FIFO, a device or a socket.',
    fix: 'Point `--config` at a regular YAML file (a symlink to one is fine).',
  },
  {
    code: 'config.too-large',
    meaning: 'The config file is larger than the limit (32 MiB by default).',
    fix: 'Check that the path is the config; raise PRIVATELINK_DNS_MAX_CONFIG_BYTES for a larger one.',
  },
  {
    code: 'config.more-problems',
    meaning: 'The config has more problems than are listed (the first 100 are shown).',
    fix: 'Fix the problems shown and run `validate` again; often one mistake causes many.',
  },
  {
    code: 'config.udp-amplification',
    meaning:
      'A warning, not an error: limits.maxUdpSize is above 4096 while clients outside loopback are allowed, so a forged-source query can be answered with a large UDP response (amplification).',
    fix: 'Keep maxUdpSize at 4096 or below (1232 is the default), or allow only loopback clients in allowedClients.',
  },
  {
    code: 'config.yaml-syntax',
    meaning: 'The file is not valid YAML (bad indentation, an unclosed quote, a duplicate key).',
    fix: 'Fix the YAML at the line and column shown.',
  },
  {
    code: 'config.unknown-field',
    meaning: 'A field the config schema does not have (often a typo).',
    fix: 'Remove it or use the field the message suggests.',
  },
  {
    code: 'config.missing-field',
    meaning: 'A required field is missing.',
    fix: 'Add the field; the message says which type it takes.',
  },
  {
    code: 'config.wrong-type',
    meaning: 'A field has the wrong type (a string where a number belongs, a map for a list).',
    fix: 'Write the value with the type the message names.',
  },
  {
    code: 'config.invalid-choice',
    meaning: 'A field takes one of a fixed set of values and has another.',
    fix: 'Use one of the values the message lists.',
  },
  {
    code: 'config.invalid-value',
    meaning: 'A value of the right type breaks a schema rule (out of range, wrong format).',
    fix: 'Change the value as the message says.',
  },
  {
    code: 'config.duplicate-id',
    meaning: 'A VPC, subnet, endpoint or network interface id is used twice.',
    fix: 'Give each resource its own id, or merge or remove the duplicate.',
  },
  {
    code: 'config.unknown-az',
    meaning:
      'An Availability Zone is not in the region of the VPC, or `impairedAzs` names a zone no subnet is in.',
    fix: 'Use a zone of the region (e.g. `us-east-2a`) that one of the subnets is in.',
  },
  {
    code: 'config.subnet-range',
    meaning:
      'A subnet range is missing, is an address rather than a range, has host bits set, or has a size AWS does not allow.',
    fix: 'Give a network address with a prefix length of /16 to /28 (IPv4) or /44 to /64 (IPv6).',
  },
  {
    code: 'config.subnet-overlap',
    meaning: 'Two subnets of one VPC overlap.',
    fix: 'Give the subnets disjoint ranges.',
  },
  {
    code: 'config.service-name',
    meaning:
      'An endpoint service name is malformed, or names a service in another region than the one of the VPC.',
    fix: 'Use `com.amazonaws.<region>.<service>` in the region of the VPC, or `com.amazonaws.vpce.<region>.vpce-svc-<id>`.',
  },
  {
    code: 'config.cross-region',
    meaning:
      'A cross-Region endpoint (`serviceRegion`) names its own Region, a service of another Region, or a service AWS does not list as cross-Region capable; or a region-less service is used from another Region without `serviceRegion`.',
    fix: 'Give `serviceRegion` the Region the service name names (us-east-1 for com.amazonaws.iam and com.amazonaws.route53), or create the endpoint in that Region.',
  },
  {
    code: 'config.endpoint-kind',
    meaning:
      'A field does not fit the endpoint `type` (interface, gateway, resource, service-network), or a field the type needs is missing.',
    fix: 'Give resource endpoints `resourceConfigurationId`, service-network endpoints `serviceNetworkId`, interface and gateway endpoints `service`, and remove the fields of other kinds.',
  },
  {
    code: 'config.inbound-resolver',
    meaning:
      '`privateDnsOnlyForInboundResolverEndpoint` is set on an endpoint that is not an S3 interface endpoint with private DNS and an S3 gateway endpoint in its VPC, or (a warning) its VPC has no `inboundResolverCidrs`.',
    fix: 'Add a `type: gateway` endpoint for S3 to the VPC and `inboundResolverCidrs` with the ranges that query through the Resolver inbound endpoint, or remove the option.',
  },
  {
    code: 'config.private-dns-unverified',
    meaning:
      "A warning: the endpoint service's private DNS name is `pendingVerification` or `failed`, so it is forwarded instead of answered.",
    fix: 'Set `privateDnsNameVerification: verified` once the provider has verified the domain.',
  },
  {
    code: 'config.ip-address-type',
    meaning:
      'The `ipAddressType` of an endpoint does not fit its `dnsRecordIpType`, its subnets or the addresses of its interfaces.',
    fix: 'Change `ipAddressType`, or give the subnets and interfaces the address families it needs.',
  },
  {
    code: 'config.interface-subnet',
    meaning:
      'An interface is in a subnet the VPC does not have, or two interfaces of one endpoint share a subnet or an AZ.',
    fix: 'Use one subnet of the VPC per Availability Zone for each endpoint.',
  },
  {
    code: 'config.interface-address',
    meaning: 'An interface address is outside its subnet, reserved by AWS, or used by another interface.',
    fix: 'Pick a free address inside the subnet (not its first four or last address).',
  },
  {
    code: 'config.private-dns',
    meaning:
      'A private DNS name is malformed or claimed twice, or private DNS is on in a VPC without DNS support and hostnames.',
    fix: 'Fix the name, set `privateDnsEnabled: false` on one endpoint, or turn on `enableDnsSupport` and `enableDnsHostnames`.',
  },
  {
    code: 'config.upstream-self',
    meaning: 'An upstream is this server itself: forwarding to it would loop.',
    fix: 'Remove that upstream, or point it at another resolver.',
  },
  {
    code: 'config.bad-upstream',
    meaning: 'An upstream is not an IP address with an optional port.',
    fix: 'Write upstreams as `IP` or `IP:PORT` (`[IPv6]:PORT` for IPv6).',
  },
  {
    code: 'config.unknown-service',
    meaning:
      'A warning: the service is not in the shipped list of services that support PrivateLink (a typo, or a service newer than the list). The config loads all the same.',
    fix: 'Use the service the message suggests; for a service newer than the list, nothing (the list is in src/privatelink/service-list.ts).',
  },
  {
    code: 'config.unknown-region',
    meaning:
      'A warning: the Region is well formed but not in the shipped list of Regions (a typo, or a Region newer than the list). The config loads all the same.',
    fix: 'Use the Region the message suggests; for a Region newer than the list, nothing.',
  },
  {
    code: 'config.hosted-zone-vpc',
    meaning:
      'A private hosted zone is associated with a VPC the config does not have, or two zones of the same name are associated with one VPC.',
    fix: 'Associate the zone with VPCs of `vpcs:` only, and each name with a VPC once (merge the two zones).',
  },
  {
    code: 'config.hosted-zone-record',
    meaning:
      'A record of a private hosted zone is outside its zone, has a value that is not in presentation format for its type, has both or neither of `values` and `aliasTarget`, or is declared twice.',
    fix: 'Put the record in the zone of its name, write its values as the message shows, and give `values` or `aliasTarget`.',
  },
  {
    code: 'config.hosted-zone-cname',
    meaning:
      'A CNAME sits beside other records of the same name, or at the zone apex (Route 53 refuses both).',
    fix: 'Remove the other records, or use an alias record (allowed at the apex and beside other types).',
  },
  {
    code: 'config.hosted-zone-alias',
    meaning:
      'An alias points at a name nothing answers (no endpoint, no record of its type), or aliases form a loop.',
    fix: 'Point the alias at an endpoint regional or zonal name, or at a record of the same type that exists.',
  },
  {
    code: 'config.hosted-zone-routing',
    meaning:
      'Records of one name and type mix routing policies, share a set identifier, lack one, or use a policy that depends on where AWS sees the query from (latency, geolocation, geoproximity, IP-based).',
    fix: 'Use one of simple, weighted, failover or multivalue per name and type, each record with its own `setIdentifier`.',
  },
  {
    code: 'config.private-dns-conflict',
    meaning:
      'An endpoint has private DNS enabled for a name that is also a private hosted zone associated with its VPC (AWS: "private-dns-enabled cannot be set because there is already a conflicting DNS domain").',
    fix: 'Set `privateDnsEnabled: false` on the endpoint (the centralized-endpoint pattern), or remove the zone from that VPC.',
  },
  {
    code: 'config.load-failed',
    meaning: 'Loading the config failed for a reason that is not a problem of its content.',
    fix: 'Read the message; fix its cause and reload.',
  },

  {
    code: 'config.firewall-duplicate-name',
    meaning:
      'Two DNS Firewall domain lists or rule groups have the same name, or a rule group has two rules of one name.',
    fix: 'Give each its own name (rules and associations refer to lists and groups by name).',
  },
  {
    code: 'config.firewall-list-source',
    meaning: 'A domain list gives both `domains` and `file`, or neither.',
    fix: 'Give the domains inline (`domains: [...]`) or in a file (`file: PATH`), one of the two.',
  },
  {
    code: 'config.firewall-bad-domain',
    meaning:
      'A domain of a list (inline or a line of a list file), or a blockOverrideDomain, is not a domain AWS accepts.',
    fix: "Use labels of A-Z, a-z, 0-9 and '-', 1 to 255 characters, with an optional leading `*.` (or `*` alone); the position shown is the bad character.",
  },
  {
    code: 'config.firewall-list-file',
    meaning: 'A domain list file cannot be read: missing, not a regular file, unreadable or too large.',
    fix: "Check the path; relative paths are read from the config file's directory.",
  },
  {
    code: 'config.firewall-unknown-domain-list',
    meaning: 'A rule names a domain list that is not defined.',
    fix: 'Use the `name` of an entry of `firewall.domainLists` (the message suggests the closest one).',
  },
  {
    code: 'config.firewall-unknown-rule-group',
    meaning: 'An association names a rule group that is not defined.',
    fix: 'Use the `name` of an entry of `firewall.ruleGroups`.',
  },
  {
    code: 'config.firewall-unknown-vpc',
    meaning: 'A firewall association, firewall config or `queryLogs.vpcs` names a VPC that is not in `vpcs`.',
    fix: 'Use the id of a VPC of `vpcs`.',
  },
  {
    code: 'config.firewall-duplicate-priority',
    meaning: 'Two rules of one rule group, or two associations of one VPC, have the same priority.',
    fix: 'Give each its own priority: it decides the order of evaluation.',
  },
  {
    code: 'config.firewall-duplicate-association',
    meaning: 'A rule group is associated with one VPC twice, or a VPC has two firewall configs.',
    fix: 'Remove or merge the duplicate.',
  },
  {
    code: 'config.firewall-block-response',
    meaning: 'A BLOCK rule has no `blockResponse`, or a rule that is not BLOCK has one.',
    fix: 'Give BLOCK rules `blockResponse: NODATA`, `NXDOMAIN` or `OVERRIDE`, and no other rule.',
  },
  {
    code: 'config.firewall-override-domain',
    meaning:
      'An OVERRIDE rule has no `blockOverrideDomain`, or a rule that is not OVERRIDE has override settings.',
    fix: 'Give OVERRIDE rules `blockOverrideDomain` (and optionally `blockOverrideTtl`); remove them elsewhere.',
  },
  {
    code: 'config.firewall-unknown-qtype',
    meaning: "A rule's `qtype` is not a DNS record type.",
    fix: 'Use a type name (A, AAAA, TXT, MX, …) or TYPE<number>.',
  },
  // Admin API errors: the JSON error body carries the `wire` code.
  {
    code: 'admin.not-found',
    status: 404,
    wire: 'not_found',
    meaning: 'No such resource on the admin API.',
    fix: 'Check the path against docs/admin-api.md.',
  },
  {
    code: 'admin.method-not-allowed',
    status: 405,
    wire: 'method_not_allowed',
    meaning: 'The path exists but not with this HTTP method.',
    fix: 'Use a method from the `Allow` header.',
  },
  {
    code: 'admin.unauthorized',
    status: 401,
    wire: 'unauthorized',
    meaning: 'The admin API has a token and the request did not send it.',
    fix: 'Send `Authorization: Bearer <token>` (the admin CLI reads `$PRIVATELINK_DNS_ADMIN_TOKEN`).',
  },
  {
    code: 'admin.bad-json',
    status: 400,
    wire: 'bad_json',
    meaning: 'The request body is empty or not valid JSON.',
    fix: 'Send a JSON object.',
  },
  {
    code: 'admin.bad-body',
    status: 400,
    wire: 'bad_body',
    meaning: 'The JSON body lacks a field or has one of the wrong type.',
    fix: 'Send the fields the message names.',
  },
  {
    code: 'admin.unsupported-media-type',
    status: 415,
    wire: 'unsupported_media_type',
    meaning:
      'A request that changes state (PUT, POST) came without `Content-Type: application/json`, or a body of another type was sent. A web page cannot send that header to another origin without asking first, so this keeps pages from driving the API.',
    fix: 'Send `Content-Type: application/json` (curl: `-H content-type:application/json`), with or without a body.',
  },
  {
    code: 'admin.forbidden-origin',
    status: 403,
    wire: 'forbidden_origin',
    meaning:
      'A request that changes state carried an `Origin` that is not the admin address itself: a web page tried to use the API (CSRF).',
    fix: 'Call the API from a tool (curl, the CLI, a test), not from a web page.',
  },
  {
    code: 'admin.forbidden-host',
    status: 403,
    wire: 'forbidden_host',
    meaning:
      'Without a token, the API answers only requests whose `Host` is a loopback name or address (or one allowed): another name pointing at 127.0.0.1 is DNS rebinding.',
    fix: 'Use http://127.0.0.1:PORT or http://localhost:PORT, or allow the name with PRIVATELINK_DNS_ADMIN_ALLOWED_HOSTS.',
  },
  {
    code: 'admin.body-too-large',
    status: 413,
    wire: 'body_too_large',
    meaning: 'The request body is over 64 KiB.',
    fix: 'Send a smaller body.',
  },
  {
    code: 'admin.bad-query',
    status: 400,
    wire: 'bad_query',
    meaning: 'A query parameter or the path is malformed (not a DNS name, type or IP address).',
    fix: 'Fix the parameter the message names.',
  },
  {
    code: 'admin.unknown-endpoint',
    status: 404,
    wire: 'unknown_endpoint',
    meaning: 'No endpoint has that id.',
    fix: 'Use an id from `GET /v1/endpoints`.',
  },
  {
    code: 'admin.unknown-interface',
    status: 404,
    wire: 'unknown_interface',
    meaning: 'The endpoint has no interface in that Availability Zone.',
    fix: 'Use an AZ the endpoint has an interface in (`GET /v1/endpoints/<id>`).',
  },
  {
    code: 'admin.unknown-az',
    status: 404,
    wire: 'unknown_az',
    meaning: 'No interface lives in that Availability Zone.',
    fix: 'Use an AZ that a subnet of the config is in.',
  },
  {
    code: 'admin.invalid-config',
    status: 422,
    wire: 'invalid_config',
    meaning: '`POST /v1/reload` read a config with problems; the previous config keeps serving.',
    fix: 'Fix the problems listed in `problems` (each has its own config code) and reload again.',
  },
  {
    code: 'admin.internal',
    status: 500,
    wire: 'internal',
    meaning: 'The server failed while answering the request.',
    fix: 'A bug: report it with the message and the server log.',
  },

  // Upstream errors: why one try at one upstream failed (logged, counted in upstream_failures).
  {
    code: 'upstream.timeout',
    meaning: 'The upstream gave no acceptable answer before the try timed out.',
    fix: 'Check that the upstream is reachable and answering; raise `forwarder.attemptTimeoutMs` for a slow one.',
  },
  {
    code: 'upstream.network',
    meaning: 'The socket to the upstream failed (ICMP unreachable, connection refused or reset).',
    fix: 'Check the upstream address and port, and the network path to it.',
  },
  {
    code: 'upstream.closed',
    meaning: 'The upstream exchange was closed while the query was in flight (shutdown or reload).',
    fix: 'None needed: it happens while the server stops.',
  },
  {
    code: 'upstream.self',
    meaning: 'An upstream is this server itself.',
    fix: 'See `config.upstream-self`.',
  },
  {
    code: 'upstream.bad-address',
    meaning: 'An upstream address does not parse.',
    fix: 'See `config.bad-upstream`.',
  },

  // Start-up errors: `serve` prints the message and exits 1.
  {
    code: 'startup.address-in-use',
    errno: 'EADDRINUSE',
    says: 'address already in use',
    meaning: 'Another process (or another instance) listens on the DNS or admin address.',
    fix: 'Stop the other process, or choose another address with `--listen` / `--admin` (port 0 picks a free one).',
  },
  {
    code: 'startup.permission-denied',
    errno: 'EACCES',
    says: 'permission denied (ports below 1024 need privileges)',
    meaning: 'The process may not listen on that port (ports below 1024 need privileges).',
    fix: 'Use a port of 1024 or more, or grant `CAP_NET_BIND_SERVICE` (setcap, or the container runtime).',
  },
  {
    code: 'startup.address-not-available',
    errno: 'EADDRNOTAVAIL',
    says: 'no such local address',
    meaning: 'The listen address is not an address of this machine.',
    fix: 'Listen on an address this machine has (`127.0.0.1`, `0.0.0.0`, `::`).',
  },
  {
    code: 'startup.bad-config',
    meaning: 'The config has problems, so the server does not start.',
    fix: 'Fix every problem listed (run `privatelink-dns validate`), then start again.',
  },
  {
    code: 'startup.admin-token-required',
    meaning: 'The admin API would listen off loopback without a token.',
    fix: 'Give `--admin-token` (or `$PRIVATELINK_DNS_ADMIN_TOKEN`), or listen on loopback.',
  },
] as const satisfies readonly ErrorDef[];

type Row = (typeof ERRORS)[number];
/** Every code in the table. */
export type ErrorCode = Row['code'];
/** The codes of config problems. */
export type ConfigProblemCode = Extract<ErrorCode, `config.${string}`>;
/** The codes of start-up errors. */
export type StartupErrorCode = Extract<ErrorCode, `startup.${string}`>;
/** The codes of upstream errors. */
export type UpstreamErrorCode = Extract<ErrorCode, `upstream.${string}`>;
/** The short codes of the admin API's JSON error bodies. */
export type AdminWireCode = Extract<Row, { wire: string }>['wire'];

const BY_CODE = new Map<string, ErrorDef>(ERRORS.map((e) => [e.code, e]));

/** The entry of a code. */
export function errorInfo(code: ErrorCode): ErrorDef {
  return BY_CODE.get(code) as ErrorDef;
}

/** The admin API error whose body carries `wire`. */
export function adminErrorByWire(wire: AdminWireCode): ErrorDef {
  return ERRORS.find((e) => 'wire' in e && e.wire === wire) as ErrorDef;
}
