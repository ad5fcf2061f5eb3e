/** `privatelink-dns sync`: a config read from the EC2 and Route 53 APIs (AWS, LocalStack, moto). */
import { DEFAULT_CLIENT_CIDRS, firstInvalidCidr, ImportError } from '../privatelink/import.js';
import { parseCli } from './args.js';
import { AWS_OPTIONS } from './aws-options.js';
import type { CliIo } from './io.js';

const HELP = `Usage: privatelink-dns sync [--region REGION] [--vpc-id VPC]... [--profile PROFILE]
                           [--endpoint-url URL] [--client-cidrs CIDR,...] [--no-hosted-zones]
                           [-o FILE]

Reads the interface endpoints of an AWS account (or of LocalStack or moto with --endpoint-url)
with read-only EC2 and Route 53 calls and writes the config that answers what those VPCs
answer: the same config "import" writes from the AWS CLI's JSON. Credentials come from the AWS
SDK's default chain (environment, shared files, SSO, web identity, container and instance
metadata) or --profile.

Options (each also from the environment: --region as PRIVATELINK_DNS_REGION; not -o):
      --region REGION        the Region (default: AWS_REGION, or the profile's region)
      --vpc-id VPC           only this VPC (repeatable; default: every VPC with endpoints)
      --profile PROFILE      a profile of ~/.aws/config and ~/.aws/credentials
      --endpoint-url URL     another API endpoint, e.g. http://localhost:4566 (LocalStack)
      --client-cidrs CIDRS   added to every VPC's cidrs (default: ${DEFAULT_CLIENT_CIDRS.join(',')}; "" for none)
      --no-hosted-zones      do not read private hosted zones (no Route 53 calls)
  -o, --output FILE          write the config to FILE (atomically) instead of stdout
  -h, --help                 show this help
`;

/** Client ranges from --client-cidrs, or a usage message. */
export function clientCidrsOf(text: unknown): string[] | string {
  const cidrs =
    typeof text === 'string'
      ? text
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [...DEFAULT_CLIENT_CIDRS];
  const bad = firstInvalidCidr(cidrs);
  return bad === undefined ? cidrs : `--client-cidrs: "${bad}" is not a CIDR range (e.g. 10.0.0.0/16)`;
}

/** Checks --endpoint-url; a message when it is not an http(s) URL. */
export function endpointUrlProblem(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') return undefined;
  } catch {
    // below
  }
  return `--endpoint-url: "${url}" is not an http:// or https:// URL`;
}

/** Words for the header: where the config came from. */
export function describeSource(region: string, endpointUrl?: string, profile?: string): string {
  return [
    `Region ${region}`,
    endpointUrl ? `endpoint ${endpointUrl}` : 'the AWS API',
    ...(profile ? [`profile ${profile}`] : []),
  ].join(', ');
}

const SYNC_OPTIONS = {
  ...AWS_OPTIONS,
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const usage = (msg: string): number => {
    io.stderr.write(`privatelink-dns sync: ${msg} (see --help)\n`);
    return 2;
  };
  const parsed = parseCli('sync', argv, SYNC_OPTIONS, io, { noEnv: ['output'] });
  if (!parsed) return 2;
  const { values } = parsed;
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const clientCidrs = clientCidrsOf(values['client-cidrs']);
  if (typeof clientCidrs === 'string') return usage(clientCidrs);
  const urlProblem = endpointUrlProblem(values['endpoint-url']);
  if (urlProblem) return usage(urlProblem);
  const vpcIds = values['vpc-id'] ?? [];
  const badVpc = vpcIds.find((v) => !/^vpc-[0-9a-f]{8,17}$/.test(v));
  if (badVpc) return usage(`--vpc-id: "${badVpc}" is not a VPC id (vpc- and 8 or 17 hex digits)`);

  const { createClients, readAws, SyncError } = await import('../sync/aws.js');
  const { buildFromSnapshot } = await import('../sync/build.js');
  const { writeFileAtomic } = await import('../sync/write.js');
  const src = {
    region: values.region,
    vpcIds,
    profile: values.profile,
    endpointUrl: values['endpoint-url'],
    hostedZones: values['no-hosted-zones'] !== true,
  };
  const clients = createClients(src);
  try {
    const snap = await readAws(src, clients);
    const result = buildFromSnapshot(snap, {
      clientCidrs,
      from: describeSource(snap.region, src.endpointUrl, src.profile),
    });
    for (const w of result.warnings) io.stderr.write(`warning: ${w}\n`);
    for (const c of result.changes) io.stderr.write(`changed: ${c}\n`);
    for (const n of result.notes) io.stderr.write(`note: ${n}\n`);
    const out = values.output;
    if (out) {
      try {
        writeFileAtomic(out, result.yaml);
      } catch (e) {
        io.stderr.write(`privatelink-dns sync: cannot write ${out}: ${(e as Error).message}\n`);
        return 1;
      }
      const n = result.config.vpcs?.reduce((k, v) => k + (v.endpoints?.length ?? 0), 0) ?? 0;
      io.stderr.write(`wrote ${out}: ${n} interface endpoint${n === 1 ? '' : 's'}\n`);
    } else {
      io.stdout.write(result.yaml);
    }
    return 0;
  } catch (e) {
    if (e instanceof SyncError) {
      io.stderr.write(`privatelink-dns sync: ${e.message}\n`);
      return 1;
    }
    if (e instanceof ImportError) {
      for (const p of e.problems) io.stderr.write(`privatelink-dns sync: ${p}\n`);
      return 1;
    }
    throw e;
  } finally {
    clients.close();
  }
}
