/** `privatelink-dns describe`: the config as `aws ec2 describe-vpc-endpoints` would print it. */
import { bundledNotice, chooseConfig } from '../config/discover.js';
import { ConfigError, formatProblem, type LoadedConfig, loadConfigFile } from '../config/load.js';
import { describeVpcEndpoints } from '../privatelink/describe.js';
import { parseCli } from './args.js';

const HELP = `Usage: privatelink-dns describe [--config FILE] [--vpc-endpoint-ids ID,...]

Prints {"VpcEndpoints":[...]} in the shape of "aws ec2 describe-vpc-endpoints": ids, subnets,
network interfaces, IP address and DNS record types, and DnsEntries (regional, zonal, private)
with their hosted zone ids.

Options:
  -c, --config FILE           config file (default: ./privatelink-dns.yaml if present, else
                              the bundled example config/endpoints.yaml)
      --vpc-endpoint-ids IDS  only these endpoints (comma-separated)
  -h, --help                  show this help

Each option can also be set in the environment (PRIVATELINK_DNS_CONFIG, …).
`;

const DESCRIBE_OPTIONS = {
  config: { type: 'string', short: 'c' },
  'vpc-endpoint-ids': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs the command; returns the exit code (0 ok, 1 invalid config, 2 usage error). */
export async function run(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  const parsed = parseCli('describe', argv, DESCRIBE_OPTIONS, io);
  if (!parsed) return 2;
  const { values } = parsed;
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  let loaded: LoadedConfig;
  try {
    const choice = chooseConfig(values.config);
    if (choice.source === 'bundled')
      io.stderr.write(`privatelink-dns describe: ${bundledNotice(choice.path)}\n`);
    loaded = loadConfigFile(choice.path);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const p of e.problems) io.stderr.write(`${formatProblem(p)}\n`);
    return 1;
  }
  const out = describeVpcEndpoints(loaded.config);
  const ids = values['vpc-endpoint-ids']
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids) {
    const known = new Set(out.VpcEndpoints.map((e) => e.VpcEndpointId));
    const missing = ids.filter((id) => !known.has(id));
    if (missing.length) {
      io.stderr.write(`privatelink-dns describe: no endpoint ${missing.join(', ')} in ${loaded.file}\n`);
      return 1;
    }
    out.VpcEndpoints = out.VpcEndpoints.filter((e) => ids.includes(e.VpcEndpointId));
  }
  io.stdout.write(`${JSON.stringify(out, null, 4)}\n`);
  return 0;
}
