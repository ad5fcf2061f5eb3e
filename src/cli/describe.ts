/** `privatelink-dns describe`: the config as `aws ec2 describe-vpc-endpoints` would print it. */
import { bundledNotice, chooseConfig } from '../config/discover.js';
import { ConfigError, formatProblem, type LoadedConfig, loadConfigFile } from '../config/load.js';
import { HealthState } from '../health/state.js';
import { buildCatalog } from '../privatelink/catalog.js';
import {
  describeVpcEndpointAssociations,
  describeVpcEndpoints,
  unconfirmedNotes,
} from '../privatelink/describe.js';
import { describeHostedZones } from '../route53/describe.js';
import { parseCli } from './args.js';

const HELP = `Usage: privatelink-dns describe [--config FILE] [--vpc-endpoint-ids ID,...] [--associations]
       privatelink-dns describe --hosted-zones [--config FILE] [--zone-name NAME]

Prints {"VpcEndpoints":[...]} in the shape of "aws ec2 describe-vpc-endpoints": ids, subnets,
network interfaces, IP address and DNS record types, and DnsEntries (regional, zonal, private)
with their hosted zone ids. With --associations, {"VpcEndpointAssociations":[...]} in the shape
of "aws ec2 describe-vpc-endpoint-associations": the names of resource and service-network
endpoints. Choices that AWS does not document, which the output rests on, are noted on stderr.

Options:
  -c, --config FILE           config file (default: ./privatelink-dns.yaml if present, else
                              the bundled example config/endpoints.yaml)
      --vpc-endpoint-ids IDS  only these endpoints (comma-separated)
      --hosted-zones          the private hosted zones instead: per zone the hosted zone and its
                              VPCs ("aws route53 get-hosted-zone") and its ResourceRecordSets
                              ("aws route53 list-resource-record-sets", aliases with AliasTarget)
      --zone-name NAME        with --hosted-zones: exactly the list-resource-record-sets JSON
                              ({"ResourceRecordSets":[...]}) of the zone of that name
      --associations          describe-vpc-endpoint-associations instead
  -h, --help                  show this help

Each option can also be set in the environment (PRIVATELINK_DNS_CONFIG, …).
`;

const DESCRIBE_OPTIONS = {
  config: { type: 'string', short: 'c' },
  'vpc-endpoint-ids': { type: 'string' },
  'hosted-zones': { type: 'boolean' },
  'zone-name': { type: 'string' },
  associations: { type: 'boolean' },
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
  if (values['hosted-zones'] || values['zone-name'] !== undefined) {
    const zones = describeHostedZones(loaded.config, buildCatalog(loaded.config, new HealthState()));
    const want = values['zone-name'];
    if (want === undefined) {
      io.stdout.write(`${JSON.stringify({ HostedZones: zones }, null, 4)}\n`);
      return 0;
    }
    const name = `${want.trim().toLowerCase().replace(/\.$/, '')}.`;
    const z = zones.find((x) => x.HostedZone.Name === name);
    if (!z) {
      const known = zones.map((x) => x.HostedZone.Name).join(', ') || '(none)';
      io.stderr.write(
        `privatelink-dns describe: no private hosted zone ${name} in ${loaded.file} (known: ${known})\n`,
      );
      return 1;
    }
    io.stdout.write(`${JSON.stringify({ ResourceRecordSets: z.ResourceRecordSets }, null, 4)}\n`);
    return 0;
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
  for (const note of unconfirmedNotes(loaded.config, ids)) io.stderr.write(`note: ${note}\n`);
  if (values.associations) {
    const assoc = describeVpcEndpointAssociations(loaded.config);
    if (ids)
      assoc.VpcEndpointAssociations = assoc.VpcEndpointAssociations.filter((a) =>
        ids.includes(a.VpcEndpointId),
      );
    io.stdout.write(`${JSON.stringify(assoc, null, 4)}\n`);
    return 0;
  }
  io.stdout.write(`${JSON.stringify(out, null, 4)}\n`);
  return 0;
}
