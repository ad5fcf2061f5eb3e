/**
 * A fake EC2 Query API and a fake Route 53 REST API on one loopback HTTP port (as LocalStack
 * serves every service on one port), for the real AWS SDK clients pointed at it with
 * `endpoint`/`--endpoint-url`. Answers are XML in the shapes of AWS's API reference:
 *
 * - EC2 (POST /, `Action=...&Version=2016-11-15`): DescribeVpcEndpoints, DescribeNetworkInterfaces,
 *   DescribeSubnets, DescribeVpcs, DescribeVpcEndpointAssociations (`Filter.N.Name` /
 *   `Filter.N.Value.M` for `vpc-id`, `network-interface-id` and `vpc-endpoint-id`),
 *   DescribeVpcAttribute; `<xxxSet><item>` lists, `nextToken` pages. Actions in `unsupported`
 *   answer as an emulator that lacks them: 400 `InvalidAction` (AWS's code for an unknown
 *   action), or LocalStack's 501 `InternalFailure` "has not yet been emulated".
 *   Errors: `<Response><Errors><Error><Code>…</Code><Message>…</Message></Error></Errors><RequestID>`.
 * - Route 53 (GET /2013-04-01/...): ListHostedZonesByVPC (`NextToken`), GetHostedZone,
 *   ListResourceRecordSets (`IsTruncated`, `NextRecordName` / `NextRecordType` /
 *   `NextRecordIdentifier`). Errors: `<ErrorResponse><Error><Type>Sender</Type><Code>…`.
 *
 * ```ts
 * const aws = await startFakeAws(data, { pageSize: 2, throttleFirst: true });
 * aws.deny.add('ec2:DescribeSubnets');   // 403 UnauthorizedOperation from now on
 * aws.throttleNext.add('ec2:DescribeVpcs'); // its next call is throttled
 * aws.broken.add('ec2:DescribeVpcs');     // 500 InternalError from now on
 * aws.mode = 'down';                     // connections are reset
 * aws.data.endpoints.push(...);          // the next read sees it
 * aws.calls                              // ['ec2:DescribeVpcEndpoints', ...] as received
 * ```
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

type Json = Record<string, unknown>;

/** What the fake account holds, in the SDK's / AWS CLI's PascalCase shapes. */
export interface FakeAwsData {
  endpoints: Json[];
  networkInterfaces: Json[];
  subnets: Json[];
  /** `EnableDnsSupport` / `EnableDnsHostnames` (booleans) are served by DescribeVpcAttribute. */
  vpcs: Json[];
  /** `{ hostedZone: GetHostedZone output, recordSets }` per private zone. */
  zones: { hostedZone: Json; recordSets: Json[] }[];
  /** DescribeVpcEndpointAssociations' `VpcEndpointAssociations` (resource / service-network names). */
  associations?: Json[];
}

export interface FakeAwsOptions {
  /** Items per page (EC2 and Route 53 alike), whatever MaxResults asks for. @default 2 */
  pageSize?: number;
  /** Answer the first EC2 call and the first Route 53 call with a throttling error. */
  throttleFirst?: boolean;
  /** How `unsupported` actions fail. @default 'InvalidAction' */
  unsupportedAs?: 'InvalidAction' | 'LocalStack';
}

export interface FakeAws {
  url: string;
  data: FakeAwsData;
  /** IAM actions answered with access denied. */
  deny: Set<string>;
  /** EC2 actions (`DescribeVpcEndpointAssociations`) answered as by an emulator that lacks them. */
  unsupported: Set<string>;
  /** IAM actions whose next call is throttled (each is removed once answered so). */
  throttleNext: Set<string>;
  /** IAM actions always answered 500 InternalError. */
  broken: Set<string>;
  /** `up` answers; `down` resets every connection; `error` answers 500 InternalError. */
  mode: 'up' | 'down' | 'error';
  /** Every call received, as its IAM action. */
  calls: string[];
  /** Authorization headers seen (to check that requests were signed). */
  authorizations: string[];
  close(): Promise<void>;
}

const EC2_LISTS: Record<string, string> = {
  VpcEndpoints: 'vpcEndpointSet',
  VpcEndpointAssociations: 'vpcEndpointAssociationSet',
  PrivateDnsSpecifiedDomains: 'privateDnsSpecifiedDomainSet',
  NetworkInterfaces: 'networkInterfaceSet',
  Subnets: 'subnetSet',
  Vpcs: 'vpcSet',
  SubnetIds: 'subnetIdSet',
  RouteTableIds: 'routeTableIdSet',
  NetworkInterfaceIds: 'networkInterfaceIdSet',
  DnsEntries: 'dnsEntrySet',
  Groups: 'groupSet',
  Tags: 'tagSet',
  PrivateIpAddresses: 'privateIpAddressesSet',
  Ipv6Addresses: 'ipv6AddressesSet',
  Ipv6CidrBlockAssociationSet: 'ipv6CidrBlockAssociationSet',
  CidrBlockAssociationSet: 'cidrBlockAssociationSet',
};

const R53_ITEMS: Record<string, string> = {
  HostedZoneSummaries: 'HostedZoneSummary',
  VPCs: 'VPC',
  ResourceRecordSets: 'ResourceRecordSet',
  ResourceRecords: 'ResourceRecord',
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const scalar = (v: unknown) => esc(v instanceof Date ? v.toISOString() : String(v));

function ec2Xml(obj: Json): string {
  let out = '';
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) {
      const tag = EC2_LISTS[k] ?? `${k[0].toLowerCase()}${k.slice(1)}Set`;
      out += `<${tag}>${v.map((x) => `<item>${typeof x === 'object' ? ec2Xml(x as Json) : scalar(x)}</item>`).join('')}</${tag}>`;
    } else {
      const tag = `${k[0].toLowerCase()}${k.slice(1)}`;
      out += `<${tag}>${typeof v === 'object' && !(v instanceof Date) ? ec2Xml(v as Json) : scalar(v)}</${tag}>`;
    }
  }
  return out;
}

function r53Xml(obj: Json): string {
  let out = '';
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) {
      const item = R53_ITEMS[k] ?? k.replace(/s$/, '');
      out += `<${k}>${v.map((x) => `<${item}>${typeof x === 'object' ? r53Xml(x as Json) : scalar(x)}</${item}>`).join('')}</${k}>`;
    } else out += `<${k}>${typeof v === 'object' ? r53Xml(v as Json) : scalar(v)}</${k}>`;
  }
  return out;
}

const EC2_NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const R53_NS = 'https://route53.amazonaws.com/doc/2013-04-01/';
let requestCounter = 0;
const requestId = () => `5c0ffee0-0000-4000-8000-${String(++requestCounter).padStart(12, '0')}`;

/** The values of `Filter.N.Value.M` for the filter named `name`, or undefined. */
function filterValues(p: URLSearchParams, name: string): string[] | undefined {
  for (let n = 1; p.has(`Filter.${n}.Name`); n++) {
    if (p.get(`Filter.${n}.Name`) !== name) continue;
    const out: string[] = [];
    for (let m = 1; p.has(`Filter.${n}.Value.${m}`); m++) out.push(p.get(`Filter.${n}.Value.${m}`)!);
    return out;
  }
  return undefined;
}

export async function startFakeAws(data: FakeAwsData, opts: FakeAwsOptions = {}): Promise<FakeAws> {
  const pageSize = opts.pageSize ?? 2;
  const throttled = { ec2: !opts.throttleFirst, route53: !opts.throttleFirst };
  const fake: FakeAws = {
    url: '',
    data,
    deny: new Set(),
    unsupported: new Set(),
    throttleNext: new Set(),
    broken: new Set(),
    mode: 'up',
    calls: [],
    authorizations: [],
    close: async () => {},
  };

  const send = (res: http.ServerResponse, status: number, xml: string) => {
    res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId() });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
  };
  const ec2Error = (res: http.ServerResponse, status: number, code: string, message: string) =>
    send(
      res,
      status,
      `<Response><Errors><Error><Code>${code}</Code><Message>${esc(message)}</Message></Error></Errors><RequestID>${requestId()}</RequestID></Response>`,
    );
  const r53Error = (res: http.ServerResponse, status: number, code: string, message: string) =>
    send(
      res,
      status,
      `<ErrorResponse xmlns="${R53_NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${esc(message)}</Message></Error><RequestId>${requestId()}</RequestId></ErrorResponse>`,
    );

  function page<T>(items: T[], token: string | null): { items: T[]; next?: string } {
    const start = token ? Number(token.replace(/^page-/, '')) : 0;
    const slice = items.slice(start, start + pageSize);
    return start + pageSize < items.length
      ? { items: slice, next: `page-${start + pageSize}` }
      : { items: slice };
  }

  function ec2(p: URLSearchParams, res: http.ServerResponse) {
    const action = p.get('Action') ?? '';
    const iam = `ec2:${action}`;
    fake.calls.push(iam);
    if (!throttled.ec2 || fake.throttleNext.delete(iam)) {
      throttled.ec2 = true;
      return ec2Error(res, 503, 'RequestLimitExceeded', 'Request limit exceeded.');
    }
    if (fake.broken.has(iam)) return ec2Error(res, 500, 'InternalError', 'An internal error has occurred');
    if (fake.deny.has(iam))
      return ec2Error(
        res,
        403,
        'UnauthorizedOperation',
        `You are not authorized to perform this operation. User: arn:aws:iam::111122223333:user/sync is not authorized to perform: ${iam} because no identity-based policy allows the ${iam} action`,
      );
    if (fake.unsupported.has(action))
      return opts.unsupportedAs === 'LocalStack'
        ? ec2Error(
            res,
            501,
            'InternalFailure',
            `The API action '${action}' for service 'ec2' is either not included in your current license plan or has not yet been emulated by LocalStack.`,
          )
        : ec2Error(res, 400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
    const vpcIds = filterValues(p, 'vpc-id');
    const byVpc = (x: Json) => !vpcIds || vpcIds.includes(x.VpcId as string);
    const listed = (key: string, items: Json[], strip: (x: Json) => Json = (x) => x) => {
      const pg = page(items, p.get('NextToken'));
      send(
        res,
        200,
        `<${action}Response xmlns="${EC2_NS}"><requestId>${requestId()}</requestId>${ec2Xml({ [key]: pg.items.map(strip) })}${pg.next ? `<nextToken>${pg.next}</nextToken>` : ''}</${action}Response>`,
      );
    };
    switch (action) {
      case 'DescribeVpcEndpoints':
        return listed('VpcEndpoints', data.endpoints.filter(byVpc));
      case 'DescribeNetworkInterfaces': {
        const ids = filterValues(p, 'network-interface-id');
        return listed(
          'NetworkInterfaces',
          data.networkInterfaces.filter(
            (n) => byVpc(n) && (!ids || ids.includes(n.NetworkInterfaceId as string)),
          ),
        );
      }
      case 'DescribeVpcEndpointAssociations': {
        const ids = filterValues(p, 'vpc-endpoint-id');
        return listed(
          'VpcEndpointAssociations',
          (data.associations ?? []).filter((a) => !ids || ids.includes(a.VpcEndpointId as string)),
        );
      }
      case 'DescribeSubnets':
        return listed('Subnets', data.subnets.filter(byVpc));
      case 'DescribeVpcs':
        return listed(
          'Vpcs',
          data.vpcs.filter(byVpc),
          ({ EnableDnsSupport: _s, EnableDnsHostnames: _h, ...v }) => v,
        );
      case 'DescribeVpcAttribute': {
        const vpc = data.vpcs.find((v) => v.VpcId === p.get('VpcId'));
        if (!vpc)
          return ec2Error(res, 400, 'InvalidVpcID.NotFound', `The vpc ID '${p.get('VpcId')}' does not exist`);
        const attr = p.get('Attribute') ?? '';
        const key = `${attr[0]?.toUpperCase()}${attr.slice(1)}`;
        const value = vpc[key] ?? attr === 'enableDnsSupport';
        return send(
          res,
          200,
          `<DescribeVpcAttributeResponse xmlns="${EC2_NS}"><requestId>${requestId()}</requestId><vpcId>${vpc.VpcId}</vpcId><${attr}><value>${value}</value></${attr}></DescribeVpcAttributeResponse>`,
        );
      }
      default:
        return ec2Error(res, 400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
    }
  }

  function route53(url: URL, res: http.ServerResponse) {
    const parts = url.pathname.split('/').filter(Boolean); // ['2013-04-01', ...]
    const action =
      parts[1] === 'hostedzonesbyvpc'
        ? 'ListHostedZonesByVPC'
        : parts[1] === 'hostedzone' && parts[3] === 'rrset'
          ? 'ListResourceRecordSets'
          : parts[1] === 'hostedzone' && parts.length === 3
            ? 'GetHostedZone'
            : 'Unknown';
    const iam = `route53:${action}`;
    fake.calls.push(iam);
    if (!throttled.route53) {
      throttled.route53 = true;
      return r53Error(res, 400, 'Throttling', 'Rate exceeded');
    }
    if (fake.deny.has(iam))
      return r53Error(
        res,
        403,
        'AccessDenied',
        `User: arn:aws:iam::111122223333:user/sync is not authorized to perform: ${iam}`,
      );
    const zoneOf = (id: string) =>
      data.zones.find((z) => String((z.hostedZone.HostedZone as Json).Id).replace('/hostedzone/', '') === id);
    if (action === 'ListHostedZonesByVPC') {
      const vpc = url.searchParams.get('vpcid');
      const region = url.searchParams.get('vpcregion');
      const summaries = data.zones
        .filter((z) => (z.hostedZone.VPCs as Json[]).some((v) => v.VPCId === vpc && v.VPCRegion === region))
        .map((z) => {
          const hz = z.hostedZone.HostedZone as Json;
          return {
            HostedZoneId: String(hz.Id).replace('/hostedzone/', ''),
            Name: hz.Name,
            Owner: { OwningAccount: '111122223333' },
          };
        });
      const pg = page(summaries, url.searchParams.get('nexttoken'));
      return send(
        res,
        200,
        `<ListHostedZonesByVPCResponse xmlns="${R53_NS}">${r53Xml({ HostedZoneSummaries: pg.items })}<MaxItems>${pageSize}</MaxItems>${pg.next ? `<NextToken>${pg.next}</NextToken>` : ''}</ListHostedZonesByVPCResponse>`,
      );
    }
    if (action === 'GetHostedZone' || action === 'ListResourceRecordSets') {
      const zone = zoneOf(parts[2]);
      if (!zone) return r53Error(res, 404, 'NoSuchHostedZone', `No hosted zone found with ID: ${parts[2]}`);
      if (action === 'GetHostedZone')
        return send(
          res,
          200,
          `<GetHostedZoneResponse xmlns="${R53_NS}">${r53Xml(zone.hostedZone)}</GetHostedZoneResponse>`,
        );
      const sets = zone.recordSets;
      const name = url.searchParams.get('name');
      const type = url.searchParams.get('type');
      const ident = url.searchParams.get('identifier');
      let start = 0;
      if (name) {
        start = sets.findIndex(
          (r) => r.Name === name && (!type || r.Type === type) && (!ident || r.SetIdentifier === ident),
        );
        if (start < 0) start = sets.length;
      }
      const slice = sets.slice(start, start + pageSize);
      const next = sets[start + pageSize];
      const more = next
        ? `<IsTruncated>true</IsTruncated><NextRecordName>${esc(String(next.Name))}</NextRecordName><NextRecordType>${next.Type}</NextRecordType>${next.SetIdentifier ? `<NextRecordIdentifier>${esc(String(next.SetIdentifier))}</NextRecordIdentifier>` : ''}`
        : '<IsTruncated>false</IsTruncated>';
      return send(
        res,
        200,
        `<ListResourceRecordSetsResponse xmlns="${R53_NS}">${r53Xml({ ResourceRecordSets: slice })}${more}<MaxItems>${pageSize}</MaxItems></ListResourceRecordSetsResponse>`,
      );
    }
    return r53Error(res, 400, 'InvalidInput', `unknown path ${url.pathname}`);
  }

  const server = http.createServer((req, res) => {
    if (fake.mode === 'down') {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      fake.authorizations.push(String(req.headers.authorization ?? ''));
      const url = new URL(req.url ?? '/', 'http://fake');
      const isR53 = url.pathname.startsWith('/2013-04-01/');
      if (fake.mode === 'error') {
        fake.calls.push(isR53 ? 'route53:?' : 'ec2:?');
        return isR53
          ? r53Error(res, 500, 'InternalError', 'We encountered an internal error. Please try again.')
          : ec2Error(res, 500, 'InternalError', 'An internal error has occurred');
      }
      if (isR53) route53(url, res);
      else ec2(new URLSearchParams(Buffer.concat(chunks).toString('utf8')), res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

/** The environment that points the SDK at nothing real: fake keys, no IMDS, no shared files. */
export function fakeAwsEnv(): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake/secret/key/that/signs/nothing/real000',
    AWS_REGION: 'us-east-2',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/privatelink-dns-test/credentials',
    AWS_CONFIG_FILE: '/nonexistent/privatelink-dns-test/config',
  };
}
