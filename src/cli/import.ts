/**
 * `privatelink-dns import`: a config that mirrors a real VPC, from AWS CLI JSON, from Terraform
 * state (`terraform show -json`), and private hosted zones from Route 53 record sets.
 */
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { DEFAULT_CLIENT_CIDRS, ImportError } from '../privatelink/import.js';
import { parseCli } from './args.js';
import { clientCidrsOf } from './sync.js';

const HELP = `Usage: privatelink-dns import --endpoints FILE --network-interfaces FILE --subnets FILE
                             [--vpcs FILE] [--associations FILE] [--client-cidrs CIDR,...] [-o FILE]
       privatelink-dns import --terraform STATE.json [--client-cidrs CIDR,...] [-o FILE]
       privatelink-dns import --route53-records FILE (--zone-name NAME --vpc-ids ID,... | --hosted-zone FILE)
                             [the EC2 files above] [-o FILE]

Reads the JSON that "aws ec2 describe-vpc-endpoints", "describe-network-interfaces",
"describe-subnets" and "describe-vpcs" print, or what "terraform show -json" prints for a
state, and writes a config (YAML) that answers what the real VPC answers: interface endpoints
(cross-Region ones included), gateway, resource and service-network endpoints, and private
hosted zones. Notes on what the JSON does not say go to stderr.

Options:
      --endpoints FILE           describe-vpc-endpoints output
      --network-interfaces FILE  describe-network-interfaces output (the endpoints' interfaces)
      --subnets FILE             describe-subnets output
      --vpcs FILE                describe-vpcs output (VPC CIDRs; else the subnets' ranges)
      --associations FILE        describe-vpc-endpoint-associations output (the names of
                                 resource and service-network endpoints)
      --terraform FILE           "terraform show -json" output of a state (not of a plan):
                                 aws_vpc, aws_subnet, aws_vpc_endpoint, aws_network_interface,
                                 aws_route53_zone, aws_route53_record, in every module
      --route53-records FILE     "aws route53 list-resource-record-sets" output: a private
                                 hosted zone
      --zone-name NAME           that zone's name (else --hosted-zone's)
      --vpc-ids IDS              the VPCs it is associated with (else --hosted-zone's)
      --hosted-zone FILE         "aws route53 get-hosted-zone" output: its id, name and VPCs
      --client-cidrs CIDRS       added to every VPC's cidrs, so these clients see the private
                                 names (default: ${DEFAULT_CLIENT_CIDRS.join(',')}; "" for none)
  -o, --output FILE              write to FILE (atomically) instead of stdout
  -h, --help                     show this help

Example:
  aws ec2 describe-vpc-endpoints > endpoints.json
  aws ec2 describe-network-interfaces --filters Name=interface-type,Values=vpc_endpoint > enis.json
  aws ec2 describe-subnets > subnets.json
  aws ec2 describe-vpcs > vpcs.json
  aws ec2 describe-vpc-endpoint-associations > associations.json
  privatelink-dns import --endpoints endpoints.json --network-interfaces enis.json \\
    --subnets subnets.json --vpcs vpcs.json --associations associations.json > endpoints.yaml
  terraform show -json > state.json && privatelink-dns import --terraform state.json -o endpoints.yaml
`;

const IMPORT_OPTIONS = {
  endpoints: { type: 'string' },
  'network-interfaces': { type: 'string' },
  subnets: { type: 'string' },
  vpcs: { type: 'string' },
  associations: { type: 'string' },
  terraform: { type: 'string' },
  'route53-records': { type: 'string' },
  'zone-name': { type: 'string' },
  'vpc-ids': { type: 'string' },
  'hosted-zone': { type: 'string' },
  'client-cidrs': { type: 'string' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const;

const EC2_FILES = ['endpoints', 'network-interfaces', 'subnets', 'vpcs'] as const;

/** Runs the command; returns the exit code (0 ok, 1 unusable input, 2 usage error). */
export async function run(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  const usage = (msg: string): number => {
    io.stderr.write(`privatelink-dns import: ${msg} (see --help)\n`);
    return 2;
  };
  const parsed = parseCli('import', argv, IMPORT_OPTIONS, io, { noEnv: ['output'] });
  if (!parsed) return 2;
  const values: Record<string, string | boolean | undefined> = parsed.values;
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const hasEc2 = EC2_FILES.some((k) => typeof values[k] === 'string');
  const terraform = values.terraform as string | undefined;
  const records = values['route53-records'] as string | undefined;
  if (terraform && (hasEc2 || records))
    return usage('--terraform reads everything from the state; do not combine it with the AWS CLI files');
  if (!terraform && (hasEc2 || !records)) {
    const missing = ['endpoints', 'network-interfaces', 'subnets'].filter(
      (k) => typeof values[k] !== 'string',
    );
    if (missing.length) return usage(`missing ${missing.map((k) => `--${k} FILE`).join(', ')}`);
  }
  if (!records && (values['zone-name'] || values['vpc-ids'] || values['hosted-zone']))
    return usage('--zone-name, --vpc-ids and --hosted-zone describe --route53-records FILE');
  const vpcIds = String(values['vpc-ids'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const badVpc = vpcIds.find((v) => !/^vpc-[0-9a-f]{8,17}$/.test(v));
  if (badVpc) return usage(`--vpc-ids: "${badVpc}" is not a VPC id`);
  const clientCidrs = clientCidrsOf(values['client-cidrs']);
  if (typeof clientCidrs === 'string') return usage(clientCidrs);

  const docs: Record<string, unknown> = {};
  for (const key of [...EC2_FILES, 'associations', 'terraform', 'route53-records', 'hosted-zone']) {
    const file = values[key];
    if (typeof file !== 'string') continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why = err.code === 'ENOENT' ? 'no such file' : err.message;
      io.stderr.write(`privatelink-dns import: --${key} ${file}: ${why}\n`);
      return 1;
    }
    try {
      docs[key] = JSON.parse(text);
    } catch (e) {
      io.stderr.write(`privatelink-dns import: --${key} ${file}: not JSON (${(e as Error).message})\n`);
      return 1;
    }
  }
  const { buildConfig } = await import('../sync/build.js');
  const { importHostedZone } = await import('../sync/route53.js');
  try {
    const extraZones = [];
    const notes: string[] = [];
    if (records) {
      const r = importHostedZone({
        recordSets: docs['route53-records'],
        hostedZone: docs['hosted-zone'],
        zoneName: values['zone-name'] as string | undefined,
        vpcIds,
      });
      extraZones.push(r.zone);
      notes.push(...r.notes);
    }
    let yaml: string;
    let changes: string[] = [];
    if (terraform) {
      const { readTerraformState } = await import('../sync/terraform.js');
      const tf = readTerraformState(docs.terraform, terraform);
      const comments = [
        `Terraform state ${terraform}${tf.terraformVersion ? ` (written by Terraform ${tf.terraformVersion})` : ''}.`,
      ];
      if (tf.generated.length) {
        comments.push('Generated, because the state does not hold them:');
        for (const g of tf.generated) comments.push(`  ${g}`);
      }
      const result = buildConfig(tf, {
        clientCidrs,
        source: '"privatelink-dns import" from Terraform state',
        comments,
      });
      for (const g of tf.generated) io.stderr.write(`generated: ${g}\n`);
      notes.push(...result.notes);
      changes = result.changes;
      yaml = result.yaml;
    } else if (hasEc2) {
      const list = (doc: unknown, key: string, flag: string) => {
        const arr = Array.isArray(doc) ? doc : (doc as Record<string, unknown> | null)?.[key];
        if (doc !== undefined && !Array.isArray(arr))
          throw new ImportError([`--${flag}: expected {"${key}": [...]} (the AWS CLI's JSON output)`]);
        return (arr ?? []) as Record<string, unknown>[];
      };
      const result = buildConfig(
        {
          ec2: {
            endpoints: list(docs.endpoints, 'VpcEndpoints', 'endpoints'),
            networkInterfaces: list(docs['network-interfaces'], 'NetworkInterfaces', 'network-interfaces'),
            subnets: list(docs.subnets, 'Subnets', 'subnets'),
            vpcs: list(docs.vpcs, 'Vpcs', 'vpcs'),
            associations:
              docs.associations === undefined
                ? undefined
                : list(docs.associations, 'VpcEndpointAssociations', 'associations'),
          },
          zones: [],
          extraZones,
        },
        { clientCidrs, source: '"privatelink-dns import" from AWS CLI JSON' },
      );
      notes.push(...result.notes);
      changes = result.changes;
      yaml = result.yaml;
    } else {
      // Only a zone: a fragment to add to a config.
      yaml = `# Imported by "privatelink-dns import" from Route 53 record sets: add it to a config.\n${stringify({ privateHostedZones: extraZones }, { lineWidth: 0 })}`;
    }
    for (const c of changes) io.stderr.write(`changed: ${c}\n`);
    for (const n of notes) io.stderr.write(`note: ${n}\n`);
    const out = values.output as string | undefined;
    if (!out) {
      io.stdout.write(yaml);
      return 0;
    }
    const { writeFileAtomic } = await import('../sync/write.js');
    try {
      writeFileAtomic(out, yaml);
    } catch (e) {
      io.stderr.write(`privatelink-dns import: cannot write ${out}: ${(e as Error).message}\n`);
      return 1;
    }
    return 0;
  } catch (e) {
    if (!(e instanceof ImportError)) throw e;
    for (const p of e.problems) io.stderr.write(`privatelink-dns import: ${p}\n`);
    return 1;
  }
}
