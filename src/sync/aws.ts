/**
 * Reads a VPC's endpoints and private hosted zones from the EC2 and Route 53 APIs with the AWS SDK
 * for JavaScript v3: the SDK's default credential chain (or a named profile), its Region
 * resolution, its retries with backoff (throttling included), and every page of every answer.
 * Read-only calls only; the README lists them as an IAM policy.
 *
 * What comes back is what the AWS CLI prints for the same calls (the SDK returns the same
 * PascalCase shapes), so `import` builds the config from it; errors become a {@link SyncError}
 * with one line that says what to do.
 */
import {
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointAssociationsCommand,
  EC2Client,
  paginateDescribeNetworkInterfaces,
  paginateDescribeSubnets,
  paginateDescribeVpcEndpoints,
  paginateDescribeVpcs,
} from '@aws-sdk/client-ec2';
import {
  GetHostedZoneCommand,
  ListHostedZonesByVPCCommand,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandInput,
  Route53Client,
} from '@aws-sdk/client-route-53';
import type { Ec2Docs } from './normalise.js';

type Json = Record<string, unknown>;

/** Where to read from. */
export interface AwsSource {
  /** The Region; else the SDK's (AWS_REGION, the profile's `region`). */
  region?: string;
  /** Only these VPCs (each must exist); else every VPC that has endpoints. */
  vpcIds?: readonly string[];
  /** A profile of the shared config files; else the default credential chain. */
  profile?: string;
  /** Another API endpoint (LocalStack, moto), for EC2 and Route 53 alike. */
  endpointUrl?: string;
  /** Read the private hosted zones associated with the VPCs. @default true */
  hostedZones?: boolean;
  /** Attempts per call, retries with backoff included (the SDK's default is 3). */
  maxAttempts?: number;
}

/** One private hosted zone: GetHostedZone's output and every record set. */
export interface HostedZoneSnapshot {
  /** `{ HostedZone, VPCs }` as GetHostedZone returns it. */
  hostedZone: Json;
  recordSets: Json[];
}

/** What one read returned. */
export interface AwsSnapshot {
  region: string;
  ec2: Ec2Docs;
  zones: HostedZoneSnapshot[];
  /** What the read could not get and went on without (one sentence each), e.g. the associations. */
  warnings: string[];
}

/** A read failed; the message is one line. */
export class SyncError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SyncError';
  }
}

/** The SDK clients of one source, reused across polls. */
export interface AwsClients {
  ec2: EC2Client;
  route53: Route53Client;
  close(): void;
}

export function createClients(src: AwsSource): AwsClients {
  // The pinned SDK supports Node 20; its notice about later versions is not for our users.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const common = {
    ...(src.region ? { region: src.region } : {}),
    ...(src.profile ? { profile: src.profile } : {}),
    ...(src.endpointUrl ? { endpoint: src.endpointUrl } : {}),
    ...(src.maxAttempts ? { maxAttempts: src.maxAttempts } : {}),
  };
  const ec2 = new EC2Client(common);
  // Route 53 is global: its calls are signed for us-east-1 whatever the VPCs' Region.
  const route53 = new Route53Client({ ...common, region: 'us-east-1' });
  return {
    ec2,
    route53,
    close() {
      ec2.destroy();
      route53.destroy();
    },
  };
}

const PAGE = 1000;

async function all<T>(pages: AsyncIterable<T>, take: (page: T) => unknown[] | undefined): Promise<Json[]> {
  const out: Json[] = [];
  for await (const page of pages) for (const x of take(page) ?? []) out.push(x as Json);
  return out;
}

/** Reads everything the config needs. Rejects with {@link SyncError}. */
export async function readAws(src: AwsSource, clients: AwsClients): Promise<AwsSnapshot> {
  const region = await step('region', src, () => clients.ec2.config.region());
  if (!region)
    throw new SyncError('no AWS Region: pass --region, or set AWS_REGION or the profile\'s "region"');
  const { ec2, route53 } = clients;
  const vpcFilter = src.vpcIds?.length ? [{ Name: 'vpc-id', Values: [...src.vpcIds] }] : undefined;

  const endpoints = await step('ec2:DescribeVpcEndpoints', src, () =>
    all(
      paginateDescribeVpcEndpoints({ client: ec2, pageSize: PAGE }, { Filters: vpcFilter }),
      (p) => p.VpcEndpoints,
    ),
  );
  const vpcIds = src.vpcIds?.length
    ? [...src.vpcIds]
    : [...new Set(endpoints.map((e) => e.VpcId).filter((v): v is string => typeof v === 'string'))];
  let vpcs: Json[] = [];
  let subnets: Json[] = [];
  let networkInterfaces: Json[] = [];
  if (vpcIds.length) {
    const byVpc = [{ Name: 'vpc-id', Values: vpcIds }];
    vpcs = await step('ec2:DescribeVpcs', src, () =>
      all(paginateDescribeVpcs({ client: ec2, pageSize: PAGE }, { Filters: byVpc }), (p) => p.Vpcs),
    );
    const missing = vpcIds.filter((id) => !vpcs.some((v) => v.VpcId === id));
    if (missing.length)
      throw new SyncError(
        `unknown VPC ${missing.join(', ')} in ${region}${src.endpointUrl ? ` at ${src.endpointUrl}` : ''} (check --vpc-id and --region)`,
      );
    subnets = await step('ec2:DescribeSubnets', src, () =>
      all(paginateDescribeSubnets({ client: ec2, pageSize: PAGE }, { Filters: byVpc }), (p) => p.Subnets),
    );
    const eniIds = [
      ...new Set(
        endpoints.flatMap((e) =>
          Array.isArray(e.NetworkInterfaceIds) ? (e.NetworkInterfaceIds as string[]) : [],
        ),
      ),
    ];
    for (let i = 0; i < eniIds.length; i += 200) {
      const chunk = eniIds.slice(i, i + 200);
      networkInterfaces.push(
        ...(await step('ec2:DescribeNetworkInterfaces', src, () =>
          all(
            paginateDescribeNetworkInterfaces(
              { client: ec2, pageSize: PAGE },
              { Filters: [{ Name: 'network-interface-id', Values: chunk }] },
            ),
            (p) => p.NetworkInterfaces,
          ),
        )),
      );
    }
    networkInterfaces = [...new Map(networkInterfaces.map((n) => [n.NetworkInterfaceId, n])).values()];
    for (const vpc of vpcs) {
      for (const [attribute, key] of [
        ['enableDnsSupport', 'EnableDnsSupport'],
        ['enableDnsHostnames', 'EnableDnsHostnames'],
      ] as const) {
        const out = (await step('ec2:DescribeVpcAttribute', src, () =>
          ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpc.VpcId as string, Attribute: attribute })),
        )) as unknown as Json;
        if (out[key] !== undefined) vpc[key] = out[key];
      }
    }
  }

  const warnings: string[] = [];
  const associations = await readAssociations(src, ec2, endpoints, warnings);

  const zones: HostedZoneSnapshot[] = [];
  if (src.hostedZones !== false) {
    const ids = new Set<string>();
    for (const vpcId of vpcIds) {
      let token: string | undefined;
      do {
        const page = await step('route53:ListHostedZonesByVPC', src, () =>
          route53.send(
            new ListHostedZonesByVPCCommand({
              VPCId: vpcId,
              VPCRegion: region as never,
              MaxItems: 100,
              NextToken: token,
            }),
          ),
        );
        for (const z of page.HostedZoneSummaries ?? [])
          if (z.HostedZoneId) ids.add(bareZoneId(z.HostedZoneId));
        token = page.NextToken;
      } while (token);
    }
    for (const id of [...ids].sort()) {
      const hostedZone = (await step('route53:GetHostedZone', src, () =>
        route53.send(new GetHostedZoneCommand({ Id: id })),
      )) as unknown as Json;
      const { $metadata: _, ...zone } = hostedZone;
      const recordSets: Json[] = [];
      let next: ListResourceRecordSetsCommandInput = { HostedZoneId: id, MaxItems: 300 };
      for (;;) {
        const page = await step('route53:ListResourceRecordSets', src, () =>
          route53.send(new ListResourceRecordSetsCommand(next)),
        );
        recordSets.push(...((page.ResourceRecordSets ?? []) as unknown as Json[]));
        if (!page.IsTruncated || !page.NextRecordName) break;
        next = {
          HostedZoneId: id,
          MaxItems: 300,
          StartRecordName: page.NextRecordName,
          StartRecordType: page.NextRecordType,
          StartRecordIdentifier: page.NextRecordIdentifier,
        };
      }
      zones.push({ hostedZone: zone, recordSets });
    }
  }
  return {
    region,
    ec2: { endpoints, networkInterfaces, subnets, vpcs, ...(associations ? { associations } : {}) },
    zones,
    warnings,
  };
}

const ASSOCIATIONS = 'ec2:DescribeVpcEndpointAssociations';

/**
 * DescribeVpcEndpointAssociations for the resource and service-network endpoints read (the only
 * kinds whose names come from it), every page; no call when there are none. The call is newer
 * than the others: a policy written before it, an emulator or a partition that lacks it does not
 * fail the read. Those endpoints are then imported as `import` does without `--associations`
 * (default label, no custom domain names, no service-network resources) and a warning says so.
 */
async function readAssociations(
  src: AwsSource,
  ec2: EC2Client,
  endpoints: Json[],
  warnings: string[],
): Promise<Json[] | undefined> {
  const ids = [
    ...new Set(
      endpoints
        .filter((e) => e.VpcEndpointType === 'Resource' || e.VpcEndpointType === 'ServiceNetwork')
        .map((e) => e.VpcEndpointId)
        .filter((id): id is string => typeof id === 'string'),
    ),
  ];
  if (!ids.length) return undefined;
  const out: Json[] = [];
  const where = src.endpointUrl ? ` at ${src.endpointUrl}` : '';
  const without = `${ids.join(', ')} ${ids.length === 1 ? 'is' : 'are'} imported without ${ASSOCIATIONS.slice(4)} (default resource DNS label, no custom domain names, no service-network resources)`;
  try {
    for (let i = 0; i < ids.length; i += 200) {
      const chunk = ids.slice(i, i + 200);
      let token: string | undefined;
      do {
        const page = await ec2.send(
          new DescribeVpcEndpointAssociationsCommand({
            Filters: [{ Name: 'vpc-endpoint-id', Values: chunk }],
            MaxResults: 100,
            NextToken: token,
          }),
        );
        out.push(...((page.VpcEndpointAssociations ?? []) as unknown as Json[]));
        token = page.NextToken;
      } while (token);
    }
  } catch (e) {
    if (isAccessDenied(e)) {
      warnings.push(
        `access denied for ${ASSOCIATIONS}${where}: ${without}; allow ${ASSOCIATIONS} in the credentials' IAM policy`,
      );
      return undefined;
    }
    if (isUnsupported(e)) {
      warnings.push(
        `${ASSOCIATIONS} is not implemented${where || ' in this Region'} (${errorName(e)}): ${without}`,
      );
      return undefined;
    }
    throw new SyncError(describeAwsError(e, ASSOCIATIONS, src));
  }
  return [...new Map(out.map((a) => [a.Id ?? a, a])).values()];
}

type AwsErr = { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
const errorName = (e: unknown) => (e as AwsErr)?.name ?? 'Error';

const CREDENTIALS_REJECTED = new Set(['AuthFailure', 'InvalidClientTokenId', 'SignatureDoesNotMatch']);

/** Access denied to the action (not rejected credentials, which fail every call alike). */
function isAccessDenied(e: unknown): boolean {
  const err = e as AwsErr;
  if (CREDENTIALS_REJECTED.has(err?.name ?? '')) return false;
  return (
    err?.name === 'UnauthorizedOperation' ||
    err?.name === 'AccessDenied' ||
    err?.name === 'AccessDeniedException' ||
    err?.$metadata?.httpStatusCode === 403
  );
}

/**
 * The API does not have the action: AWS's `InvalidAction` (or `UnknownOperationException`),
 * moto's "has not been implemented", LocalStack's 501 "has not yet been emulated".
 */
function isUnsupported(e: unknown): boolean {
  const err = e as AwsErr;
  const name = err?.name ?? '';
  return (
    name === 'InvalidAction' ||
    name === 'UnknownOperation' ||
    name === 'UnknownOperationException' ||
    name === 'NotImplemented' ||
    err?.$metadata?.httpStatusCode === 501 ||
    /not (yet )?(been )?(implemented|emulated)/i.test(String(err?.message ?? ''))
  );
}

/** `/hostedzone/Z123` → `Z123`. */
export function bareZoneId(id: string): string {
  return id.replace(/^\/?hostedzone\//, '');
}

async function step<T>(action: string, src: AwsSource, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw new SyncError(describeAwsError(e, action, src));
  }
}

const CHAIN =
  'the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), the shared files (~/.aws/credentials, ~/.aws/config; AWS_PROFILE), SSO, a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE), the container credentials endpoint and EC2 instance metadata';

/** One line for an SDK error in `action` (an IAM action such as ec2:DescribeVpcs). */
export function describeAwsError(e: unknown, action: string, src: AwsSource): string {
  const err = e as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const name = err?.name ?? '';
  const msg = String(err?.message ?? e).split('\n')[0];
  const where = src.endpointUrl ? ` at ${src.endpointUrl}` : '';
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(msg)) {
    return src.profile
      ? `no AWS credentials for profile "${src.profile}": ${msg} (check that the profile exists in ~/.aws/config or ~/.aws/credentials)`
      : `no AWS credentials found; tried ${CHAIN} (set AWS_PROFILE or pass --profile, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)`;
  }
  if (/Region is missing/i.test(msg))
    return 'no AWS Region: pass --region, or set AWS_REGION or the profile\'s "region"';
  if (CREDENTIALS_REJECTED.has(name))
    return `AWS rejected the credentials${where} (${name}): check the access key, its secret and the session token`;
  if (isAccessDenied(e))
    return `access denied for ${action}${where}: the credentials' IAM policy must allow ${action} (the README lists the minimal policy)`;
  if (name === 'InvalidVpcID.NotFound' || name === 'InvalidVPCId')
    return `unknown VPC${where}: ${msg} (check --vpc-id and --region)`;
  if (name === 'RequestLimitExceeded' || name === 'Throttling' || name === 'ThrottlingException')
    return `${action}${where} is still throttled after the SDK's retries (${name}); try again later or with a longer --sync-interval`;
  const code = err?.code ?? (e as { cause?: { code?: string } })?.cause?.code;
  if (code && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH)$/.test(code))
    return `cannot reach the AWS API for ${action}${where || ''}: ${code}${src.endpointUrl ? ' (is the emulator running?)' : ''}`;
  return `${action}${where} failed: ${name && name !== 'Error' ? `${name}: ` : ''}${msg}`;
}
