/** `GET /v1/hosted-zones`: the private hosted zones, their associations and record counts. */
import { healthCheckId } from '../route53/describe.js';
import type { AdminContext } from './context.js';

/** One zone as `GET /v1/hosted-zones` shows it. */
export interface HostedZoneView {
  name: string;
  id: string;
  /** Associated VPCs (their clients see the zone). */
  vpcs: string[];
  /** `records` entries of the config (record sets). */
  recordSets: number;
  /** Owner names, empty non-terminals included, and how many of them are wildcards. */
  names: number;
  wildcards: number;
  /** Record health checks of the zone and their verdicts. */
  healthChecks: { record: string; healthCheckId: string; healthy: boolean; reason: string }[];
}

export function hostedZonesView(ctx: AdminContext): HostedZoneView[] {
  return ctx.catalog().hostedZones.map((z) => {
    const healthChecks: HostedZoneView['healthChecks'] = [];
    for (const node of z.nodes.values()) {
      for (const set of [...node.sets, ...(node.cname ? [node.cname] : [])]) {
        for (const r of set.records) {
          if (!r.healthKey) continue;
          const v = ctx.health.view(r.healthKey);
          healthChecks.push({
            record: `${r.name} ${r.type}${r.setIdentifier ? ` (${r.setIdentifier})` : ''}`,
            healthCheckId: healthCheckId(r.healthKey),
            healthy: v.healthy,
            reason: v.reason,
          });
        }
      }
    }
    return {
      name: z.name,
      id: z.id,
      vpcs: z.vpcs,
      recordSets: z.recordCount,
      names: z.nodes.size,
      wildcards: z.wildcards.size,
      healthChecks,
    };
  });
}
