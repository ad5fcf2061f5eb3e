/** JSON views of endpoints, interfaces and AZs for the admin API. */
import type { HealthCheckConfig } from '../config/schema.js';
import type { ProbeStatus } from '../health/probes.js';
import type { HealthSource } from '../health/state.js';
import type { EndpointInfo, InterfaceInfo } from '../privatelink/catalog.js';
import type { AdminContext } from './context.js';

/** One interface as `GET /v1/endpoints` shows it. */
export interface InterfaceView {
  eniId: string;
  subnetId: string;
  az: string;
  ipv4: string | null;
  ipv6: string | null;
  healthy: boolean;
  /** Which layer decided: override > az-impaired > probe > static. */
  source: HealthSource;
  reason: string;
  /** The admin override, or null when automatic. */
  override: boolean | null;
  healthCheck: HealthCheckConfig | null;
  probe: ProbeStatus | null;
}

/** One endpoint as `GET /v1/endpoints` shows it. */
export interface EndpointView {
  id: string;
  vpcId: string;
  service: string;
  region: string;
  ipAddressType: string;
  dnsRecordIpType: string;
  privateDnsEnabled: boolean;
  privateDnsActive: boolean;
  whenAllUnhealthy: 'fail-open' | 'servfail';
  names: {
    regional: string;
    zonal: Record<string, string>;
    private: string[];
    /** Resource and service-network endpoints: one name per resource configuration. */
    resource?: string[];
  };
  /** interface, gateway, resource or service-network. */
  kind: string;
  /** Cross-Region endpoints: the service's Region. */
  serviceRegion: string | null;
  /** The private names answer only clients of the VPC's inboundResolverCidrs. */
  inboundOnly: boolean;
  /** Choices AWS does not document that the names rest on (keys of privatelink/service-kinds.ts UNCONFIRMED). */
  unconfirmed: string[];
  /** What the regional and private names answer with right now. */
  answering:
    | 'healthy interfaces'
    | 'all interfaces (fail-open: none is healthy)'
    | 'SERVFAIL (none is healthy)';
  healthyInterfaces: number;
  interfaces: InterfaceView[];
}

export function interfaceView(ctx: AdminContext, itf: InterfaceInfo): InterfaceView {
  const v = ctx.health.view(itf.healthKey);
  return {
    eniId: itf.eniId,
    subnetId: itf.subnetId,
    az: itf.az,
    ipv4: itf.ipv4 ?? null,
    ipv6: itf.ipv6 ?? null,
    healthy: v.healthy,
    source: v.source,
    reason: v.reason,
    override: v.source === 'override' ? v.healthy : null,
    healthCheck: itf.healthCheck ?? null,
    probe: ctx.probes?.(itf.healthKey) ?? null,
  };
}

export function endpointView(ctx: AdminContext, ep: EndpointInfo): EndpointView {
  const interfaces = ep.interfaces.map((i) => interfaceView(ctx, i));
  const healthy = interfaces.filter((i) => i.healthy).length;
  return {
    id: ep.id,
    vpcId: ep.vpcId,
    service: ep.service.name,
    region: ep.region,
    ipAddressType: ep.ipAddressType,
    dnsRecordIpType: ep.dnsRecordIpType,
    privateDnsEnabled: ep.privateDnsEnabled,
    privateDnsActive: ep.privateDnsActive,
    whenAllUnhealthy: ep.whenAllUnhealthy,
    names: {
      regional: ep.regionalName,
      zonal: Object.fromEntries(ep.zonalNames),
      private: ep.privateDnsActive ? ep.privateDnsNames : [],
      ...(ep.resourceNames ? { resource: ep.resourceNames.map((r) => r.name) } : {}),
    },
    kind: ep.kind ?? 'interface',
    serviceRegion: ep.serviceRegion ?? null,
    inboundOnly: ep.inboundOnly ?? false,
    unconfirmed: ep.unconfirmed ?? [],
    answering:
      healthy > 0
        ? 'healthy interfaces'
        : ep.whenAllUnhealthy === 'servfail'
          ? 'SERVFAIL (none is healthy)'
          : 'all interfaces (fail-open: none is healthy)',
    healthyInterfaces: healthy,
    interfaces,
  };
}

/** One AZ as `GET /v1/azs` and `PUT /v1/azs/{az}` show it. */
export interface AzView {
  az: string;
  /** Impaired by the admin API or by the config's impairedAzs. */
  impaired: boolean;
  adminImpaired: boolean;
  configImpaired: boolean;
  interfaces: { endpoint: string; eniId: string; healthy: boolean; source: HealthSource; reason: string }[];
}

/** Every AZ that has an interface or is impaired. */
export function knownAzs(ctx: AdminContext): string[] {
  const set = new Set<string>();
  for (const ep of ctx.catalog().endpoints) for (const i of ep.interfaces) set.add(i.az);
  const imp = ctx.health.impairedAzs();
  for (const az of [...imp.admin, ...imp.config]) set.add(az);
  return [...set].sort();
}

export function azView(ctx: AdminContext, az: string): AzView {
  const imp = ctx.health.impairedAzs();
  const adminImpaired = imp.admin.includes(az);
  const configImpaired = imp.config.includes(az);
  const interfaces: AzView['interfaces'] = [];
  for (const ep of ctx.catalog().endpoints) {
    for (const itf of ep.interfaces) {
      if (itf.az !== az) continue;
      const v = ctx.health.view(itf.healthKey);
      interfaces.push({
        endpoint: ep.id,
        eniId: itf.eniId,
        healthy: v.healthy,
        source: v.source,
        reason: v.reason,
      });
    }
  }
  return { az, impaired: adminImpaired || configImpaired, adminImpaired, configImpaired, interfaces };
}
