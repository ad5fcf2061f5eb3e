/**
 * One read of AWS (or an emulator) turned into a config: the EC2 documents are made AWS-shaped
 * (normalise.ts) and handed to the same `importFromAws` that `import` runs on AWS CLI JSON, so
 * `sync` and `import` write the same config for the same data; the private hosted zones are
 * added by route53.ts. The header comment says where it came from and when.
 */
import { stringify } from 'yaml';
import { ConfigError, formatProblem, parseConfigText } from '../config/load.js';
import { ConfigSchema } from '../config/schema.js';
import { ImportError, type ImportResult, importFromAws } from '../privatelink/import.js';
import type { AwsSnapshot } from './aws.js';
import { normaliseEc2 } from './normalise.js';
import { type HostedZone, importHostedZone } from './route53.js';

export interface BuildOptions {
  clientCidrs?: readonly string[];
  /** Shown in the header: the Region, the endpoint URL, the profile. */
  from: string;
  /** The time of the read. @default now */
  at?: Date;
}

export interface BuildResult extends ImportResult {
  /** What was changed to make emulator output AWS-shaped (also in the YAML comments). */
  changes: string[];
  zones: HostedZone[];
}

/** True when this build's config schema knows private hosted zones. */
export const SERVES_HOSTED_ZONES = 'privateHostedZones' in ConfigSchema.shape;

/** Builds the config. Throws ImportError when the data cannot make a valid config. */
export function buildFromSnapshot(snap: AwsSnapshot, opts: BuildOptions): BuildResult {
  const { docs, changes } = normaliseEc2(snap.ec2);
  const zones: HostedZone[] = [];
  const zoneNotes: string[] = [];
  for (const z of snap.zones) {
    const r = importHostedZone({ recordSets: z.recordSets, hostedZone: z.hostedZone });
    zones.push(r.zone);
    zoneNotes.push(...r.notes);
  }
  const comments = [`Read at ${(opts.at ?? new Date()).toISOString()} from ${opts.from}.`];
  if (changes.length) {
    comments.push('Changed to look like AWS (the API is an emulator, or answered in its shape):');
    for (const c of changes) comments.push(`  ${c}`);
  }
  if (zones.length && !SERVES_HOSTED_ZONES)
    zoneNotes.push(
      `left out ${zones.length} private hosted zone${zones.length === 1 ? '' : 's'} (${zones.map((z) => z.name).join(', ')}): this version does not serve private hosted zones`,
    );
  const result = importFromAws({
    endpoints: docs.endpoints,
    networkInterfaces: docs.networkInterfaces,
    subnets: docs.subnets,
    vpcs: docs.vpcs,
    clientCidrs: opts.clientCidrs,
    source: '"privatelink-dns sync" from the EC2 and Route 53 APIs',
    comments,
  });
  const out: BuildResult = { ...result, notes: [...result.notes, ...zoneNotes], changes, zones };
  if (zones.length && SERVES_HOSTED_ZONES) {
    (out.config as Record<string, unknown>).privateHostedZones = zones;
    out.yaml += stringify({ privateHostedZones: zones }, { lineWidth: 0 });
    try {
      parseConfigText(out.yaml, '<sync>');
    } catch (e) {
      if (e instanceof ConfigError)
        throw new ImportError(e.problems.map((p) => `the synced config is not valid: ${formatProblem(p)}`));
      throw e;
    }
  }
  return out;
}
