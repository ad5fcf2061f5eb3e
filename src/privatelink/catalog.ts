/**
 * The catalog: every owned name → its record sets and the ENI pool behind them, built once from
 * the config by {@link buildCatalog} and never mutated while queries read it (a reload builds a
 * new one and swaps it in). Answers are encoded here, at build time; per query only the healthy
 * rotation is picked (see {@link AnswerPool}).
 */

import type {
  Config,
  DnsRecordIpTypeT,
  EndpointConfig,
  HealthCheckConfig,
  VpcConfig,
} from '../config/schema.js';
import { RRType } from '../dns/constants.js';
import { encodeName, encodeRecord, QNAME_POINTER, type RRset } from '../dns/wire.js';
import { type HealthState, healthKey } from '../health/state.js';
import { CidrTable, parseAddress, parseCidr } from '../net/cidr.js';
import { vpceHostedZoneId } from './hosted-zones.js';
import {
  canonicalName,
  defaultPrivateDnsNames,
  deriveDnsSuffix,
  deriveEndpointId,
  deriveEniId,
  derivePrivateHostedZoneId,
  hasEndpointWildcards,
  parseService,
  regionalName,
  type ServiceInfo,
  vpceZoneApex,
  zonalName,
} from './names.js';

/** Route 53's SOA for private hosted zones (and what we use for the vpce zones). */
export const R53_SOA = {
  mname: 'ns-1536.awsdns-00.co.uk',
  rname: 'awsdns-hostmaster.amazon.com',
  serial: 1,
  refresh: 7200,
  retry: 900,
  expire: 1209600,
  minimum: 86400,
  ttl: 900,
};
export const R53_NS = [
  'ns-1536.awsdns-00.co.uk',
  'ns-0.awsdns-00.com',
  'ns-1024.awsdns-00.org',
  'ns-512.awsdns-00.net',
];
export const R53_NS_TTL = 172800;

export interface Zone {
  apex: string;
  kind: 'vpce' | 'private';
  /** The SOA record, owner = apex, for the authority section. */
  soa: RRset;
  /** SOA and NS records at the apex, owner compressed to the question (for SOA/NS queries at the apex). */
  soaAnswer: RRset;
  nsAnswer: RRset;
}

export interface InterfaceInfo {
  eniId: string;
  subnetId: string;
  az: string;
  ipv4?: string;
  ipv6?: string;
  healthKey: string;
  /** The probe configured for this interface, if any. */
  healthCheck?: HealthCheckConfig;
}

export type NameForm = 'regional' | 'zonal' | 'private';

export interface EndpointInfo {
  id: string;
  suffix: string;
  vpcId: string;
  region: string;
  service: ServiceInfo;
  ipAddressType: EndpointConfig['ipAddressType'];
  dnsRecordIpType: DnsRecordIpTypeT;
  /** Private DNS as configured on the endpoint. */
  privateDnsEnabled: boolean;
  /** Whether the private names actually resolve (endpoint setting and both VPC DNS attributes). */
  privateDnsActive: boolean;
  privateDnsNames: string[];
  privateHostedZoneId: string;
  vpceHostedZoneId: string;
  regionalName: string;
  /** AZ → zonal name, in the config's interface order. */
  zonalNames: Map<string, string>;
  interfaces: InterfaceInfo[];
  whenAllUnhealthy: 'fail-open' | 'servfail';
  ttl: number;
  pool: AnswerPool;
}

/** What a name resolves to. `wildcard` names match any sub-name. */
export interface OwnedName {
  name: string;
  form: NameForm;
  wildcard: boolean;
  endpoint: EndpointInfo;
  /** Set for zonal names. */
  az?: string;
  a: boolean;
  aaaa: boolean;
  zone: Zone;
}

export interface View {
  vpc: VpcConfig;
  /** Exact private names (and zone apexes that hold records). */
  names: Map<string, OwnedName>;
  /** Wildcards by the part after "*." */
  wildcards: Map<string, OwnedName>;
  /** Private hosted zone apexes: a sub-name we do not hold is NXDOMAIN in the view. */
  apexes: Map<string, Zone>;
}

export type LookupResult =
  | { kind: 'name'; owned: OwnedName }
  | { kind: 'apex'; zone: Zone }
  | { kind: 'nxdomain'; zone: Zone }
  | null;

export interface Catalog {
  ttl: number;
  endpoints: EndpointInfo[];
  publicNames: Map<string, OwnedName>;
  publicWildcards: Map<string, OwnedName>;
  views: View[];
  viewTable: CidrTable<View>;
  /** Every health key the catalog uses. */
  healthKeys: Set<string>;
  lookup(qname: string, view: View | null): LookupResult;
  viewFor(address: string): View | null;
}

/** Which record types a name form has under a DnsRecordIpType (privatelink-dns.md §2). */
export function recordTypes(t: DnsRecordIpTypeT, form: NameForm): { a: boolean; aaaa: boolean } {
  switch (t) {
    case 'ipv4':
      return { a: true, aaaa: false };
    case 'ipv6':
      return { a: false, aaaa: true };
    case 'dualstack':
      return { a: true, aaaa: true };
    case 'service-defined':
      return form === 'private' ? { a: true, aaaa: false } : { a: true, aaaa: true };
  }
}

function encodeSoaRdata(): Buffer {
  const tail = Buffer.allocUnsafe(20);
  tail.writeUInt32BE(R53_SOA.serial, 0);
  tail.writeUInt32BE(R53_SOA.refresh, 4);
  tail.writeUInt32BE(R53_SOA.retry, 8);
  tail.writeUInt32BE(R53_SOA.expire, 12);
  tail.writeUInt32BE(R53_SOA.minimum, 16);
  return Buffer.concat([encodeName(R53_SOA.mname), encodeName(R53_SOA.rname), tail]);
}

const SOA_RDATA = encodeSoaRdata();
const NS_ANSWER: RRset = {
  bytes: Buffer.concat(
    R53_NS.map((ns) => encodeRecord(QNAME_POINTER, RRType.NS, R53_NS_TTL, encodeName(ns))),
  ),
  count: R53_NS.length,
};
const SOA_ANSWER: RRset = {
  bytes: encodeRecord(QNAME_POINTER, RRType.SOA, R53_SOA.ttl, SOA_RDATA),
  count: 1,
};

function makeZone(apex: string, kind: Zone['kind']): Zone {
  return {
    apex,
    kind,
    soa: { bytes: encodeRecord(encodeName(apex), RRType.SOA, R53_SOA.ttl, SOA_RDATA), count: 1 },
    soaAnswer: SOA_ANSWER,
    nsAnswer: NS_ANSWER,
  };
}

/**
 * The addresses one endpoint answers with, per family, in config order, with the rotation for
 * round robin precomputed per health generation.
 */
export class AnswerPool {
  private gen = -1;
  private rotA: RRset[] = [];
  private rotAAAA: RRset[] = [];
  private allA: RRset;
  private allAAAA: RRset;
  private healthyCount = 0;
  private counter = 0;
  private readonly zonalA = new Map<string, RRset>();
  private readonly zonalAAAA = new Map<string, RRset>();
  private readonly recA: (Buffer | null)[];
  private readonly recAAAA: (Buffer | null)[];

  constructor(
    private readonly interfaces: readonly InterfaceInfo[],
    ttl: number,
    private readonly health: HealthState,
  ) {
    this.recA = interfaces.map((i) =>
      i.ipv4 ? encodeRecord(QNAME_POINTER, RRType.A, ttl, Buffer.from(parseAddress(i.ipv4)!)) : null,
    );
    this.recAAAA = interfaces.map((i) =>
      i.ipv6 ? encodeRecord(QNAME_POINTER, RRType.AAAA, ttl, Buffer.from(parseAddress(i.ipv6)!)) : null,
    );
    interfaces.forEach((itf, k) => {
      const a = this.recA[k];
      const aaaa = this.recAAAA[k];
      if (a) this.zonalA.set(itf.az, { bytes: a, count: 1 });
      if (aaaa) this.zonalAAAA.set(itf.az, { bytes: aaaa, count: 1 });
    });
    this.allA = rrset(this.recA);
    this.allAAAA = rrset(this.recAAAA);
  }

  /** The zonal record of one AZ: never fails over. */
  zonal(az: string, type: 1 | 28): RRset | undefined {
    return (type === RRType.A ? this.zonalA : this.zonalAAAA).get(az);
  }

  /**
   * The healthy records, rotated one step per call; null when no interface is healthy (the
   * caller applies whenAllUnhealthy and may then take {@link all}).
   */
  next(type: 1 | 28): RRset | null {
    if (this.gen !== this.health.generation) this.refresh();
    if (this.healthyCount === 0) return null;
    const rot = type === RRType.A ? this.rotA : this.rotAAAA;
    if (rot.length === 0) return null;
    const i = this.counter++ % rot.length;
    if (this.counter >= 0x3fffffff) this.counter = 0;
    return rot[i];
  }

  /** Both families rotated by the same step (ANY queries). */
  nextBoth(): [RRset | null, RRset | null] {
    if (this.gen !== this.health.generation) this.refresh();
    if (this.healthyCount === 0) return [null, null];
    const i = this.counter++;
    if (this.counter >= 0x3fffffff) this.counter = 0;
    const a = this.rotA.length ? this.rotA[i % this.rotA.length] : null;
    const b = this.rotAAAA.length ? this.rotAAAA[i % this.rotAAAA.length] : null;
    return [a, b];
  }

  all(type: 1 | 28): RRset {
    return type === RRType.A ? this.allA : this.allAAAA;
  }

  /** Interfaces left out of answers right now (for diagnostics). */
  unhealthy(): InterfaceInfo[] {
    return this.interfaces.filter((i) => !this.health.isHealthy(i.healthKey));
  }

  private refresh(): void {
    const gen = this.health.generation;
    const healthy: number[] = [];
    this.interfaces.forEach((itf, k) => {
      if (this.health.isHealthy(itf.healthKey)) healthy.push(k);
    });
    this.healthyCount = healthy.length;
    this.rotA = rotations(healthy.map((k) => this.recA[k]));
    this.rotAAAA = rotations(healthy.map((k) => this.recAAAA[k]));
    this.gen = gen;
  }
}

function rrset(recs: readonly (Buffer | null)[]): RRset {
  const list = recs.filter((r): r is Buffer => r !== null);
  return { bytes: Buffer.concat(list), count: list.length };
}

function rotations(recs: readonly (Buffer | null)[]): RRset[] {
  const list = recs.filter((r): r is Buffer => r !== null);
  const out: RRset[] = [];
  for (let s = 0; s < list.length; s++) {
    out.push({ bytes: Buffer.concat([...list.slice(s), ...list.slice(0, s)]), count: list.length });
  }
  return out;
}

/**
 * Builds the catalog from a checked config. Pure apart from registering interfaces in `health`
 * (which keeps the state of interfaces it already knows).
 */
export function buildCatalog(config: Config, health: HealthState): Catalog {
  const publicNames = new Map<string, OwnedName>();
  const publicWildcards = new Map<string, OwnedName>();
  const views: View[] = [];
  const viewTable = new CidrTable<View>();
  const endpoints: EndpointInfo[] = [];
  const healthKeys = new Set<string>();
  const vpceZones = new Map<string, Zone>();
  const vpceZone = (region: string): Zone => {
    let z = vpceZones.get(region);
    if (!z) {
      z = makeZone(vpceZoneApex(region), 'vpce');
      vpceZones.set(region, z);
    }
    return z;
  };

  for (const vpc of config.vpcs) {
    const view: View = { vpc, names: new Map(), wildcards: new Map(), apexes: new Map() };
    views.push(view);
    for (const c of vpc.cidrs) {
      const cidr = parseCidr(c);
      if (cidr) viewTable.add(cidr, view);
    }
    const subnets = new Map(vpc.subnets.map((s) => [s.id, s]));
    for (const ep of vpc.endpoints) {
      const svc = parseService(ep.service);
      if (!svc) continue; // rejected by validation; skip defensively
      const id =
        ep.id ??
        deriveEndpointId(
          vpc.id,
          ep.service,
          ep.interfaces.map((i) => i.subnet),
        );
      const suffix = ep.dnsSuffix ?? deriveDnsSuffix(id, vpc.id, ep.service);
      const interfaces: InterfaceInfo[] = ep.interfaces.map((itf) => {
        const az = subnets.get(itf.subnet)?.az ?? 'unknown';
        const key = healthKey(id, az);
        healthKeys.add(key);
        health.register(id, az, itf.healthy);
        return {
          eniId: itf.id ?? deriveEniId(id, itf.subnet),
          subnetId: itf.subnet,
          az,
          ipv4: itf.ipv4,
          ipv6: itf.ipv6,
          healthKey: key,
          healthCheck: itf.healthCheck,
        };
      });
      const dnsRecordIpType = ep.dnsRecordIpType ?? ep.ipAddressType;
      const privateDnsActive = ep.privateDnsEnabled && vpc.enableDnsSupport && vpc.enableDnsHostnames;
      const info: EndpointInfo = {
        id,
        suffix,
        vpcId: vpc.id,
        region: svc.region,
        service: svc,
        ipAddressType: ep.ipAddressType,
        dnsRecordIpType,
        privateDnsEnabled: ep.privateDnsEnabled,
        privateDnsActive,
        privateDnsNames: (ep.privateDnsNames ?? defaultPrivateDnsNames(svc)).map(canonicalName),
        privateHostedZoneId: ep.privateHostedZoneId ?? derivePrivateHostedZoneId(id, vpc.id),
        vpceHostedZoneId: vpceHostedZoneId(svc.region, config.hostedZoneIds),
        regionalName: regionalName(id, suffix, svc),
        zonalNames: new Map(interfaces.map((i) => [i.az, zonalName(id, suffix, i.az, svc)])),
        interfaces,
        whenAllUnhealthy: ep.whenAllUnhealthy ?? config.whenAllUnhealthy,
        ttl: config.ttl,
        pool: new AnswerPool(interfaces, config.ttl, health),
      };
      endpoints.push(info);

      // Public vpce names: regional and zonal (and S3's wildcard forms of both).
      const vz = vpceZone(svc.region);
      const pubTypes = recordTypes(dnsRecordIpType, 'regional');
      const addPublic = (name: string, form: NameForm, az?: string) => {
        const owned: OwnedName = { name, form, wildcard: false, endpoint: info, az, zone: vz, ...pubTypes };
        if (!publicNames.has(name)) publicNames.set(name, owned);
        if (hasEndpointWildcards(svc) && !publicWildcards.has(name)) {
          publicWildcards.set(name, { ...owned, name: `*.${name}`, wildcard: true });
        }
      };
      addPublic(info.regionalName, 'regional');
      for (const [az, name] of info.zonalNames) addPublic(name, 'zonal', az);

      // Private names live in the VPC's view only.
      if (!privateDnsActive) continue;
      const privTypes = recordTypes(dnsRecordIpType, 'private');
      for (const name of info.privateDnsNames) {
        const wildcard = name.startsWith('*.');
        const apex = wildcard ? name.slice(2) : name;
        let zone = view.apexes.get(apex);
        if (!zone) {
          zone = makeZone(apex, 'private');
          view.apexes.set(apex, zone);
        }
        const owned: OwnedName = { name, form: 'private', wildcard, endpoint: info, zone, ...privTypes };
        const map = wildcard ? view.wildcards : view.names;
        if (!map.has(apex)) map.set(apex, owned);
      }
    }
  }

  const lookup = (qname: string, view: View | null): LookupResult => {
    if (view) {
      const p = view.names.get(qname);
      if (p) return { kind: 'name', owned: p };
    }
    const pub = publicNames.get(qname);
    if (pub) return { kind: 'name', owned: pub };
    if (view?.apexes.has(qname)) return { kind: 'apex', zone: view.apexes.get(qname)! };
    // Walk up the ancestors: the closest wildcard or private apex decides.
    let dot = qname.indexOf('.');
    while (dot >= 0) {
      const anc = qname.slice(dot + 1);
      if (view) {
        const w = view.wildcards.get(anc);
        if (w) return { kind: 'name', owned: w };
      }
      const pw = publicWildcards.get(anc);
      if (pw) return { kind: 'name', owned: pw };
      if (view) {
        const z = view.apexes.get(anc);
        if (z) return { kind: 'nxdomain', zone: z };
      }
      dot = qname.indexOf('.', dot + 1);
    }
    return null;
  };

  return {
    ttl: config.ttl,
    endpoints,
    publicNames,
    publicWildcards,
    views,
    viewTable,
    healthKeys,
    lookup,
    viewFor: (address) => (viewTable.size ? viewTable.lookup(address) : null),
  };
}
