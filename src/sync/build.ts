/**
 * A read of AWS, an emulator or a Terraform state turned into a config: the EC2 documents are
 * made AWS-shaped (normalise.ts) and handed to the same `importFromAws` that `import` runs on AWS
 * CLI JSON, so every source writes the same config for the same data; private hosted zones are
 * added by route53.ts. The header comment says where it came from and when, and what was changed
 * or generated.
 */
import { stringify } from 'yaml';
import { ConfigError, formatProblem, parseConfigText } from '../config/load.js';
import { ImportError, type ImportResult, importFromAws } from '../privatelink/import.js';
import type { AwsSnapshot, HostedZoneSnapshot } from './aws.js';
import { type Ec2Docs, normaliseEc2 } from './normalise.js';
import { type HostedZone, importHostedZone } from './route53.js';

export interface BuildOptions {
  clientCidrs?: readonly string[];
  /** Shown in the header after "Imported by". */
  source: string;
  /** Header lines (without "# "). */
  comments?: readonly string[];
  /** What the read went without (also in the YAML comments). */
  warnings?: readonly string[];
}

export interface BuildResult extends ImportResult {
  /** What was changed to make the documents AWS-shaped (also in the YAML comments). */
  changes: string[];
  /** What the read went without (also in the YAML comments), e.g. endpoint associations. */
  warnings: string[];
  zones: HostedZone[];
}

/** Builds the config. Throws ImportError when the data cannot make a valid config. */
export function buildConfig(
  input: { ec2: Ec2Docs; zones: readonly HostedZoneSnapshot[]; extraZones?: readonly HostedZone[] },
  opts: BuildOptions,
): BuildResult {
  const { docs, changes } = normaliseEc2(input.ec2);
  const zones: HostedZone[] = [...(input.extraZones ?? [])];
  const zoneNotes: string[] = [];
  for (const z of input.zones) {
    const r = importHostedZone({ recordSets: z.recordSets, hostedZone: z.hostedZone });
    zones.push(r.zone);
    zoneNotes.push(...r.notes);
  }
  const comments = [...(opts.comments ?? [])];
  const warnings = [...(opts.warnings ?? [])];
  for (const w of warnings) comments.push(`Warning: ${w}`);
  if (changes.length) {
    comments.push('Changed to look like AWS (the source is an emulator, or answered in its shape):');
    for (const c of changes) comments.push(`  ${c}`);
  }
  const result = importFromAws({
    endpoints: docs.endpoints,
    networkInterfaces: docs.networkInterfaces,
    subnets: docs.subnets,
    vpcs: docs.vpcs.length ? docs.vpcs : undefined,
    associations: input.ec2.associations ? { VpcEndpointAssociations: input.ec2.associations } : undefined,
    clientCidrs: opts.clientCidrs,
    source: opts.source,
    comments,
  });
  const out: BuildResult = {
    ...result,
    notes: [...result.notes, ...zoneNotes],
    changes,
    warnings,
    zones,
  };
  if (zones.length) {
    (out.config as Record<string, unknown>).privateHostedZones = zones;
    out.yaml += stringify({ privateHostedZones: zones }, { lineWidth: 0 });
    try {
      parseConfigText(out.yaml, '<sync>');
    } catch (e) {
      if (e instanceof ConfigError)
        throw new ImportError(e.problems.map((p) => `the config is not valid: ${formatProblem(p)}`));
      throw e;
    }
  }
  return out;
}

/** Builds the config of one read of the EC2 and Route 53 APIs. */
export function buildFromSnapshot(
  snap: AwsSnapshot,
  opts: { clientCidrs?: readonly string[]; from: string; at?: Date },
): BuildResult {
  return buildConfig(snap, {
    clientCidrs: opts.clientCidrs,
    source: '"privatelink-dns sync" from the EC2 and Route 53 APIs',
    comments: [`Read at ${(opts.at ?? new Date()).toISOString()} from ${opts.from}.`],
    warnings: snap.warnings,
  });
}
