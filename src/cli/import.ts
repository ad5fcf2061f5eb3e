/** `privatelink-dns import`: a config that mirrors a real VPC, from AWS CLI JSON. */
import { readFileSync } from 'node:fs';
import { DEFAULT_CLIENT_CIDRS, firstInvalidCidr, ImportError, importFromAws } from '../privatelink/import.js';
import { parseCli } from './args.js';

const HELP = `Usage: privatelink-dns import --endpoints FILE --network-interfaces FILE --subnets FILE
                             [--vpcs FILE] [--client-cidrs CIDR,...]

Reads the JSON that "aws ec2 describe-vpc-endpoints", "describe-network-interfaces",
"describe-subnets" and "describe-vpcs" print and writes a config (YAML) to stdout that answers
what the real VPC answers. Gateway endpoints are skipped with a note on stderr.

Options:
      --endpoints FILE           describe-vpc-endpoints output
      --network-interfaces FILE  describe-network-interfaces output (the endpoints' interfaces)
      --subnets FILE             describe-subnets output
      --vpcs FILE                describe-vpcs output (VPC CIDRs; else the subnets' ranges)
      --client-cidrs CIDRS       added to every VPC's cidrs, so these clients see the private
                                 names (default: ${DEFAULT_CLIENT_CIDRS.join(',')}; "" for none)
  -h, --help                     show this help

Example:
  aws ec2 describe-vpc-endpoints > endpoints.json
  aws ec2 describe-network-interfaces --filters Name=interface-type,Values=vpc_endpoint > enis.json
  aws ec2 describe-subnets > subnets.json
  aws ec2 describe-vpcs > vpcs.json
  privatelink-dns import --endpoints endpoints.json --network-interfaces enis.json \\
    --subnets subnets.json --vpcs vpcs.json > endpoints.yaml
`;

const IMPORT_OPTIONS = {
  endpoints: { type: 'string' },
  'network-interfaces': { type: 'string' },
  subnets: { type: 'string' },
  vpcs: { type: 'string' },
  'client-cidrs': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs the command; returns the exit code (0 ok, 1 unusable input, 2 usage error). */
export async function run(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  const usage = (msg: string): number => {
    io.stderr.write(`privatelink-dns import: ${msg} (see --help)\n`);
    return 2;
  };
  const parsed = parseCli('import', argv, IMPORT_OPTIONS, io);
  if (!parsed) return 2;
  const values: Record<string, string | boolean | undefined> = parsed.values;
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const missing = ['endpoints', 'network-interfaces', 'subnets'].filter((k) => typeof values[k] !== 'string');
  if (missing.length) return usage(`missing ${missing.map((k) => `--${k} FILE`).join(', ')}`);
  const cidrText = values['client-cidrs'];
  const clientCidrs =
    typeof cidrText === 'string'
      ? cidrText
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [...DEFAULT_CLIENT_CIDRS];
  const bad = firstInvalidCidr(clientCidrs);
  if (bad !== undefined) return usage(`--client-cidrs: "${bad}" is not a CIDR range (e.g. 10.0.0.0/16)`);

  const docs: Record<string, unknown> = {};
  for (const key of ['endpoints', 'network-interfaces', 'subnets', 'vpcs']) {
    const file = values[key];
    if (typeof file !== 'string') continue;
    try {
      docs[key] = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why = err.code === 'ENOENT' ? 'no such file' : err.message;
      io.stderr.write(`privatelink-dns import: --${key} ${file}: ${why}\n`);
      return 1;
    }
  }
  try {
    const result = importFromAws({
      endpoints: docs.endpoints,
      networkInterfaces: docs['network-interfaces'],
      subnets: docs.subnets,
      vpcs: docs.vpcs,
      clientCidrs,
    });
    for (const n of result.notes) io.stderr.write(`note: ${n}\n`);
    io.stdout.write(result.yaml);
    return 0;
  } catch (e) {
    if (!(e instanceof ImportError)) throw e;
    for (const p of e.problems) io.stderr.write(`privatelink-dns import: ${p}\n`);
    return 1;
  }
}
