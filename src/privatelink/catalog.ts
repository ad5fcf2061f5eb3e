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

import { encodeName, normaliseName } from '../dns/names.js';
import { encodeRecord, QNAME_POINTER, writeQnameRecord } from '../dns/records.js';
import type { RRset } from '../dns/response.js';
import { type HealthEntry, type HealthState, healthKey } from '../health/state.js';

import { CidrTable, parseAddress, parseCidr } from '../net/cidr.js';
import type { PhzDeps } from '../route53/answer.js';
import { buildHostedZones, type HostedZone, recordHealthEntries } from '../route53/zones.js';
import { type ResourceName, resourceNames, targetOf, unconfirmedFor } from './endpoint-kinds.js';
import { vpceHostedZoneId } from './hosted-zones.js';
import { internalized } from './intern.js';
import {
  defaultPrivateDnsNames,
  deriveDnsSuffix,
  deriveEniId,
  derivePrivateHostedZoneId,
  endpointIdOf,
  hasEndpointWildcards,
  regionalName,
  type ServiceInfo,
  vpceZoneApex,
  zonalName,
} from './names.js';
import { type NameForm, recordTypes } from './record-types.js';
import { resourceHostedZoneId, resourceZoneApex, type UnconfirmedKey } from './service-kinds.js';

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
  /** The endpoint kind (interface when the config does not say). */
  kind?: EndpointConfig['type'];
  /** Cross-Region endpoints: the service's Region (also in `region`). */
  serviceRegion?: string;
  /** Resource and service-network endpoints: their names, one per resource configuration. */
  resourceNames?: ResourceName[];
  /** Hosted zone id of the resource names (describe --associations). */
  resourceHostedZoneId?: string;
  /** The private names answer only clients of the VPC's inboundResolverCidrs. */
  inboundOnly?: boolean;
  /** Endpoint services: the state of the provider's private DNS name. */
  privateDnsNameVerification?: EndpointConfig['privateDnsNameVerification'];
  /** Unconfirmed choices the endpoint's names rest on (privatelink-dns.md §7.2). */
  unconfirmed?: UnconfirmedKey[];
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
  /** The VPC's settings; its endpoints are left out (the catalog's `endpoints` has them). */
  vpc: VpcConfig;
  /** Exact private names (and zone apexes that hold records). */
  names: Map<string, OwnedName>;
  /** Wildcards by the part after "*." */
  wildcards: Map<string, OwnedName>;
  /** Private hosted zone apexes: a sub-name we do not hold is NXDOMAIN in the view. */
  apexes: Map<string, Zone>;
  /** The Route 53 private hosted zones associated with this VPC, by apex. */
  zones: Map<string, HostedZone>;
  /** True for the view of the VPC's inboundResolverCidrs (queries through a Resolver inbound endpoint). */
  inbound?: boolean;
}

/** A private name that does not answer in a view, and why (for /v1/resolve). */
export interface WithheldName {
  endpoint: EndpointInfo;
  vpcId: string;
  reason: string;
}

export type LookupResult =
  | { kind: 'name'; owned: OwnedName }
  | { kind: 'apex'; zone: Zone }
  | { kind: 'nxdomain'; zone: Zone }
  | { kind: 'phz'; zone: HostedZone; deps: PhzBase }
  | null;

/** What answers from private hosted zones read (the local handler adds the endpoint answer). */
export type PhzBase = Omit<PhzDeps, 'endpoint'>;

export interface Catalog {
  ttl: number;
  endpoints: EndpointInfo[];
  publicNames: Map<string, OwnedName>;
  publicWildcards: Map<string, OwnedName>;
  views: View[];
  viewTable: CidrTable<View>;
  /** Every health key the catalog uses. */
  healthKeys: Set<string>;
  /** Every interface's health registration (key, endpoint, AZ, static health from the config). */
  healthEntries: readonly HealthEntry[];
  /** Private names (wildcards without `*.`) that are configured but do not answer in some view. */
  withheld?: Map<string, WithheldName>;
  lookup(qname: string, view: View | null): LookupResult;
  viewFor(address: string): View | null;
  /** The private hosted zones of the config, in config order. */
  hostedZones: HostedZone[];
  /** Record health checks (the prober runs them like interface checks). */
  recordChecks: { healthKey: string; healthCheck: HealthCheckConfig }[];
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

/** A zone whose SOA record (owner = apex) is encoded the first time an answer needs it. */
class LazyZone implements Zone {
  private soaSet: RRset | null = null;

  constructor(
    readonly apex: string,
    readonly kind: Zone['kind'],
  ) {}

  get soa(): RRset {
    this.soaSet ??= {
      bytes: encodeRecord(encodeName(this.apex), RRType.SOA, R53_SOA.ttl, SOA_RDATA),
      count: 1,
    };
    return this.soaSet;
  }

  get soaAnswer(): RRset {
    return SOA_ANSWER;
  }

  get nsAnswer(): RRset {
    return NS_ANSWER;
  }
}

function makeZone(apex: string, kind: Zone['kind']): Zone {
  return new LazyZone(apex, kind);
}

/** An interface of the catalog; its derived ENI id is computed when first asked for. */
class CatalogInterface implements InterfaceInfo {
  private eni: string | undefined;

  constructor(
    private readonly endpointId: string,
    readonly subnetId: string,
    readonly az: string,
    readonly ipv4: string | undefined,
    readonly ipv6: string | undefined,
    readonly healthKey: string,
    readonly healthCheck: HealthCheckConfig | undefined,
    eniId: string | undefined,
  ) {
    this.eni = eniId;
  }

  get eniId(): string {
    this.eni ??= deriveEniId(this.endpointId, this.subnetId);
    return this.eni;
  }
}

/** Encoded size of an A and an AAAA record owned by the question name. */
const A_LEN = 16;
const AAAA_LEN = 28;

/**
 * The addresses one endpoint answers with, per family, in config order, with the rotation for
 * round robin precomputed per health generation.
 *
 * Nothing is encoded until the first answer: then every record of the endpoint goes into one
 * buffer, per family its n records followed by the first n - 1 again, so that each rotation of
 * the whole list is one slice of it. A catalog of 10,000 endpoints holds no per-record buffers,
 * and a process that never answers (the cluster's control server) encodes nothing.
 */
export class AnswerPool {
  private gen = -1;
  private rotA: RRset[] = [];
  private rotAAAA: RRset[] = [];
  private healthyCount = 0;
  private counter = 0;
  /** A records at 0 (nA, then nA - 1 again), AAAA records from `at6`. Null until first use. */
  private buf: Buffer | null = null;
  private nA = 0;
  private nAAAA = 0;
  private at6 = 0;
  private fullA: RRset[] | null = null;
  private fullAAAA: RRset[] | null = null;
  /** Zonal record sets by interface index and family (2k: A, 2k + 1: AAAA), made on first use. */
  private zonals: (RRset | undefined)[] | null = null;

  constructor(
    private readonly interfaces: readonly InterfaceInfo[],
    private readonly ttl: number,
    private readonly health: HealthState,
  ) {}

  /** The zonal record of one AZ: never fails over. */
  zonal(az: string, type: 1 | 28): RRset | undefined {
    const v6 = type !== RRType.A;
    const itfs = this.interfaces;
    // The last interface of the AZ with an address of the family (as a Map filled in order keeps).
    for (let k = itfs.length - 1; k >= 0; k--) {
      if (itfs[k].az !== az || !(v6 ? itfs[k].ipv6 : itfs[k].ipv4)) continue;
      this.zonals ??= [];
      const slot = 2 * k + (v6 ? 1 : 0);
      let z = this.zonals[slot];
      if (!z) {
        const buf = this.bytes(); // before recordAt: encoding sets where the AAAA records start
        const at = this.recordAt(k, v6);
        z = { bytes: buf.subarray(at, at + (v6 ? AAAA_LEN : A_LEN)), count: 1 };
        this.zonals[slot] = z;
      }
      return z;
    }
    return undefined;
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
    return this.full(type !== RRType.A)[0] ?? EMPTY_SET;
  }

  /** Interfaces left out of answers right now (for diagnostics). */
  unhealthy(): InterfaceInfo[] {
    return this.interfaces.filter((i) => !this.health.isHealthy(i.healthKey));
  }

  private bytes(): Buffer {
    if (this.buf) return this.buf;
    const itfs = this.interfaces;
    let nA = 0;
    let nAAAA = 0;
    for (const i of itfs) {
      if (i.ipv4) nA++;
      if (i.ipv6) nAAAA++;
    }
    const sizeA = nA ? (2 * nA - 1) * A_LEN : 0;
    const buf = Buffer.allocUnsafe(sizeA + (nAAAA ? (2 * nAAAA - 1) * AAAA_LEN : 0));
    let p = 0;
    for (const i of itfs) if (i.ipv4) p = writeQnameRecord(buf, p, RRType.A, this.ttl, parseAddress(i.ipv4)!);
    if (nA > 1) p += buf.copy(buf, p, 0, (nA - 1) * A_LEN);
    for (const i of itfs)
      if (i.ipv6) p = writeQnameRecord(buf, p, RRType.AAAA, this.ttl, parseAddress(i.ipv6)!);
    if (nAAAA > 1) buf.copy(buf, p, sizeA, sizeA + (nAAAA - 1) * AAAA_LEN);
    this.nA = nA;
    this.nAAAA = nAAAA;
    this.at6 = sizeA;
    this.buf = buf;
    return buf;
  }

  /** Offset of interface k's record of a family (it has an address of that family). */
  private recordAt(k: number, v6: boolean): number {
    let n = 0;
    for (let j = 0; j < k; j++) if (v6 ? this.interfaces[j].ipv6 : this.interfaces[j].ipv4) n++;
    return v6 ? this.at6 + n * AAAA_LEN : n * A_LEN;
  }

  /** Every rotation of a family's whole list (rotation 0 is the list in config order). */
  private full(v6: boolean): RRset[] {
    const have = v6 ? this.fullAAAA : this.fullA;
    if (have) return have;
    const buf = this.bytes();
    const n = v6 ? this.nAAAA : this.nA;
    const len = v6 ? AAAA_LEN : A_LEN;
    const at = v6 ? this.at6 : 0;
    const out: RRset[] = [];
    for (let s = 0; s < n; s++) out.push({ bytes: buf.subarray(at + s * len, at + (s + n) * len), count: n });
    if (v6) this.fullAAAA = out;
    else this.fullA = out;
    return out;
  }

  private refresh(): void {
    const gen = this.health.generation;
    const itfs = this.interfaces;
    let healthy = 0;
    for (let k = 0; k < itfs.length; k++) if (this.health.isHealthy(itfs[k].healthKey)) healthy++;
    this.healthyCount = healthy;
    if (healthy === itfs.length) {
      this.rotA = this.full(false);
      this.rotAAAA = this.full(true);
    } else {
      const buf = this.bytes();
      const a: Buffer[] = [];
      const b: Buffer[] = [];
      itfs.forEach((i, k) => {
        if (!this.health.isHealthy(i.healthKey)) return;
        if (i.ipv4) a.push(buf.subarray(this.recordAt(k, false), this.recordAt(k, false) + A_LEN));
        if (i.ipv6) b.push(buf.subarray(this.recordAt(k, true), this.recordAt(k, true) + AAAA_LEN));
      });
      this.rotA = rotations(a);
      this.rotAAAA = rotations(b);
    }
    this.gen = gen;
  }
}

const EMPTY_SET: RRset = { bytes: Buffer.alloc(0), count: 0 };

function rotations(list: readonly Buffer[]): RRset[] {
  const out: RRset[] = [];
  for (let s = 0; s < list.length; s++) {
    out.push({ bytes: Buffer.concat([...list.slice(s), ...list.slice(0, s)]), count: list.length });
  }
  return out;
}

/**
 * The health registrations {@link buildCatalog} would list, without building the catalog (the
 * cluster primary adopts them at once and builds its catalog only when something asks for it).
 */
export function healthEntriesOf(config: Config): HealthEntry[] {
  const out: HealthEntry[] = [];
  for (const vpc of config.vpcs) {
    const azOf = new Map(vpc.subnets.map((s) => [s.id, s.az]));
    for (const ep of vpc.endpoints) {
      if (!targetOf(ep, vpc)) continue;
      const id = endpointIdOf(vpc.id, ep);
      for (const itf of ep.interfaces) {
        const az = internalized(azOf.get(itf.subnet) ?? 'unknown');
        out.push({ endpointId: id, az, staticHealthy: itf.healthy, key: healthKey(id, az) });
      }
    }
  }
  out.push(...recordHealthEntries(config.privateHostedZones ?? []));
  return out;
}

/** Whether any interface of the config has a health check. */
export function hasHealthChecks(config: Config): boolean {
  return (
    config.vpcs.some((v) => v.endpoints.some((e) => e.interfaces.some((i) => i.healthCheck))) ||
    (config.privateHostedZones ?? []).some((z) => z.records.some((r) => r.healthCheck))
  );
}

/** The private DNS names an endpoint is configured with (explicit, else the service defaults). */
function defaultOrExplicit(ep: EndpointConfig, svc: ServiceInfo): string[] {
  return (ep.privateDnsNames ?? defaultPrivateDnsNames(svc)).map(normaliseName);
}

/**
 * Builds the catalog from a checked config. Pure: `health` is only read, at answer time; the
 * caller registers the catalog's {@link Catalog.healthEntries} (HealthState.adopt) once it takes
 * the catalog into service, so a catalog that is built and then rejected changes nothing.
 */
export function buildCatalog(config: Config, health: HealthState): Catalog {
  const publicNames = new Map<string, OwnedName>();
  const publicWildcards = new Map<string, OwnedName>();
  const views: View[] = [];
  const viewTable = new CidrTable<View>();
  const endpoints: EndpointInfo[] = [];
  const healthKeys = new Set<string>();
  const healthEntries: HealthEntry[] = [];
  const withheld = new Map<string, WithheldName>();
  const vpceZones = new Map<string, Zone>();
  const resourceZones = new Map<string, Zone>();
  const resourceZone = (region: string): Zone => {
    let z = resourceZones.get(region);
    if (!z) {
      z = makeZone(resourceZoneApex(region), 'vpce');
      resourceZones.set(region, z);
    }
    return z;
  };
  const vpceZone = (region: string): Zone => {
    let z = vpceZones.get(region);
    if (!z) {
      z = makeZone(vpceZoneApex(region), 'vpce');
      vpceZones.set(region, z);
    }
    return z;
  };

  for (const vpc of config.vpcs) {
    // The view keeps the VPC's settings but not its endpoints' config (a server that drops the
    // config once its catalog is built frees them).
    const settings: VpcConfig = { ...vpc, endpoints: [] };
    const view: View = {
      vpc: settings,
      names: new Map(),
      wildcards: new Map(),
      apexes: new Map(),
      zones: new Map(),
    };
    views.push(view);
    for (const c of vpc.cidrs) {
      const cidr = parseCidr(c);
      if (cidr) viewTable.add(cidr, view);
    }
    // Clients that reach the VPC through a Resolver inbound endpoint: the VPC's private names,
    // and also those of endpoints whose private DNS is only for the inbound endpoint.
    let inboundView: View | null = null;
    if (vpc.inboundResolverCidrs?.length) {
      inboundView = {
        vpc: settings,
        names: new Map(),
        wildcards: new Map(),
        apexes: new Map(),
        zones: new Map(),
        inbound: true,
      };
      views.push(inboundView);
      for (const c of vpc.inboundResolverCidrs) {
        const cidr = parseCidr(c);
        if (cidr) viewTable.add(cidr, inboundView);
      }
    }
    const subnets = new Map(vpc.subnets.map((s) => [s.id, s]));
    for (const ep of vpc.endpoints) {
      const svc = targetOf(ep, vpc);
      if (!svc) continue; // rejected by validation; skip defensively
      const kind = ep.type ?? 'interface';
      const id = endpointIdOf(vpc.id, ep);
      const suffix = ep.dnsSuffix ?? deriveDnsSuffix(id, vpc.id, svc.name);
      const interfaces: InterfaceInfo[] = ep.interfaces.map((itf) => {
        const az = internalized(subnets.get(itf.subnet)?.az ?? 'unknown');
        const key = healthKey(id, az);
        healthKeys.add(key);
        healthEntries.push({ endpointId: id, az, staticHealthy: itf.healthy, key });
        return new CatalogInterface(id, itf.subnet, az, itf.ipv4, itf.ipv6, key, itf.healthCheck, itf.id);
      });
      const dnsRecordIpType = ep.dnsRecordIpType ?? ep.ipAddressType;
      const verified = !svc.endpointService || (ep.privateDnsNameVerification ?? 'verified') === 'verified';
      const privateDnsActive =
        kind !== 'gateway' &&
        ep.privateDnsEnabled &&
        vpc.enableDnsSupport &&
        vpc.enableDnsHostnames &&
        verified;
      const lattice = kind === 'resource' || kind === 'service-network';
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
        privateDnsNames: lattice
          ? []
          : (ep.privateDnsNames ?? defaultPrivateDnsNames(svc)).map(normaliseName),
        privateHostedZoneId: ep.privateHostedZoneId ?? derivePrivateHostedZoneId(id, vpc.id),
        vpceHostedZoneId: vpceHostedZoneId(svc.region, config.hostedZoneIds),
        regionalName: regionalName(id, suffix, svc),
        zonalNames: new Map(interfaces.map((i) => [i.az, zonalName(id, suffix, i.az, svc)])),
        interfaces,
        whenAllUnhealthy: ep.whenAllUnhealthy ?? config.whenAllUnhealthy,
        ttl: config.ttl,
        pool: new AnswerPool(interfaces, config.ttl, health),
        kind,
        serviceRegion: ep.serviceRegion,
        inboundOnly: ep.privateDnsOnlyForInboundResolverEndpoint === true,
        privateDnsNameVerification: svc.endpointService
          ? (ep.privateDnsNameVerification ?? 'verified')
          : undefined,
        unconfirmed: unconfirmedFor(ep, svc, vpc.region),
      };
      endpoints.push(info);
      if (kind === 'gateway') {
        // Gateway endpoints have no names: S3 and DynamoDB keep their public names (routed by the route table).
        info.regionalName = '';
        info.zonalNames = new Map();
        continue;
      }
      if (!verified && ep.privateDnsEnabled) {
        for (const n of defaultOrExplicit(ep, svc))
          withheld.set(n.replace(/^\*\./, ''), {
            endpoint: info,
            vpcId: vpc.id,
            reason: `the private DNS name of ${svc.name} is ${ep.privateDnsNameVerification}, not verified: it does not resolve privately, so it is forwarded`,
          });
      }
      const privTypes = recordTypes(dnsRecordIpType, 'private');
      const addPrivate = (target: View, name: string) => {
        const wildcard = name.startsWith('*.');
        const apex = wildcard ? name.slice(2) : name;
        let zone = target.apexes.get(apex);
        if (!zone) {
          zone = makeZone(apex, 'private');
          target.apexes.set(apex, zone);
        }
        const owned: OwnedName = {
          name,
          form: 'private',
          wildcard,
          endpoint: info,
          zone,
          a: privTypes.a,
          aaaa: privTypes.aaaa,
        };
        const map = wildcard ? target.wildcards : target.names;
        if (!map.has(apex)) map.set(apex, owned);
      };

      if (lattice) {
        // Resource names: public, one per resource configuration, every interface (no zonal names).
        info.regionalName = '';
        info.zonalNames = new Map();
        info.resourceHostedZoneId = resourceHostedZoneId(vpc.region, ep.resourceHostedZoneId);
        info.resourceNames = resourceNames(ep, id, vpc.region, privateDnsActive);
        const rz = resourceZone(vpc.region);
        const types = recordTypes(dnsRecordIpType, 'regional');
        for (const r of info.resourceNames) {
          if (!publicNames.has(r.name))
            publicNames.set(r.name, {
              name: r.name,
              form: 'resource',
              wildcard: false,
              endpoint: info,
              zone: rz,
              a: types.a,
              aaaa: types.aaaa,
            });
          if (r.customDomainName && r.customDomainActive) {
            info.privateDnsNames.push(r.customDomainName);
            addPrivate(view, r.customDomainName);
            if (inboundView) addPrivate(inboundView, r.customDomainName);
          } else if (r.customDomainName && privateDnsActive) {
            withheld.set(r.customDomainName.replace(/^\*\./, ''), {
              endpoint: info,
              vpcId: vpc.id,
              reason: `custom domain ${r.customDomainName} of ${r.resourceConfigurationId} is ${r.customDomainVerified ? 'verified' : 'not verified'} and privateDnsPreference is ${ep.privateDnsPreference ?? 'VERIFIED_DOMAINS_ONLY (the default)'}${ep.privateDnsSpecifiedDomains?.length ? ` with privateDnsSpecifiedDomains ${ep.privateDnsSpecifiedDomains.join(', ')}` : ''}: no private hosted zone, so it is forwarded`,
            });
          }
        }
        continue;
      }

      // Public vpce names: regional and zonal (and S3's wildcard forms of both).
      const vz = vpceZone(svc.region);
      const pubTypes = recordTypes(dnsRecordIpType, 'regional');
      const addPublic = (name: string, form: NameForm, az?: string) => {
        const owned: OwnedName = {
          name,
          form,
          wildcard: false,
          endpoint: info,
          az,
          zone: vz,
          a: pubTypes.a,
          aaaa: pubTypes.aaaa,
        };
        if (!publicNames.has(name)) publicNames.set(name, owned);
        if (hasEndpointWildcards(svc) && !publicWildcards.has(name)) {
          publicWildcards.set(name, { ...owned, name: ['*.', name].join(''), wildcard: true });
        }
      };
      addPublic(info.regionalName, 'regional');
      for (const [az, name] of info.zonalNames) addPublic(name, 'zonal', az);

      // Private names live in the VPC's view only (and in its inbound-resolver view).
      if (!privateDnsActive) continue;
      for (const name of info.privateDnsNames) {
        if (inboundView) addPrivate(inboundView, name);
        if (info.inboundOnly) {
          withheld.set(name.replace(/^\*\./, ''), {
            endpoint: info,
            vpcId: vpc.id,
            reason: `${info.id} has privateDnsOnlyForInboundResolverEndpoint: its private names answer only clients in inboundResolverCidrs of ${vpc.id}; other clients get the public answer (forwarded)`,
          });
        } else addPrivate(view, name);
      }
    }
  }

  // Private hosted zones: built once the endpoint names are known (aliases point at them), then
  // associated with the views of their VPCs.
  const publicLookup = (name: string): OwnedName | null => {
    if (name.startsWith('*.')) return publicWildcards.get(name.slice(2)) ?? null;
    const exact = publicNames.get(name);
    if (exact) return exact;
    let dot = name.indexOf('.');
    while (dot >= 0) {
      const w = publicWildcards.get(name.slice(dot + 1));
      if (w) return w;
      dot = name.indexOf('.', dot + 1);
    }
    return null;
  };
  const hostedZones = buildHostedZones(config.privateHostedZones ?? [], publicLookup);
  const recordChecks: Catalog['recordChecks'] = [];
  if (hostedZones.length > 0) {
    // A VPC may have two views (its own clients, and those of its Resolver inbound endpoint):
    // its zones answer in both.
    const viewsById = new Map<string, View[]>();
    for (const v of views) {
      const list = viewsById.get(v.vpc.id);
      if (list) list.push(v);
      else viewsById.set(v.vpc.id, [v]);
    }
    for (const z of hostedZones) {
      for (const id of z.vpcs) {
        for (const v of viewsById.get(id) ?? []) if (!v.zones.has(z.name)) v.zones.set(z.name, z);
      }
    }
    for (const e of recordHealthEntries(config.privateHostedZones)) {
      healthKeys.add(e.key);
      healthEntries.push(e);
    }
    for (const z of hostedZones)
      for (const r of z.checked)
        recordChecks.push({
          healthKey: r.healthKey as string,
          healthCheck: r.healthCheck as HealthCheckConfig,
        });
  }
  let phz: PhzBase;

  const lookup = (qname: string, view: View | null): LookupResult => {
    if (view) {
      const p = view.names.get(qname);
      if (p) return { kind: 'name', owned: p };
    }
    const pub = publicNames.get(qname);
    if (pub) return { kind: 'name', owned: pub };
    const apex = view?.apexes.get(qname);
    if (apex) return { kind: 'apex', zone: apex };
    // The most specific private hosted zone decides (no fall-back to a parent zone or upstream).
    const zones = view?.zones;
    if (zones?.size) {
      const z = zones.get(qname);
      if (z) return { kind: 'phz', zone: z, deps: phz };
    }
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
        if (zones?.size) {
          const hz = zones.get(anc);
          if (hz) return { kind: 'phz', zone: hz, deps: phz };
        }
      }
      dot = qname.indexOf('.', dot + 1);
    }
    return null;
  };

  phz = { health, lookup, random: Math.random };
  return {
    ttl: config.ttl,
    endpoints,
    publicNames,
    publicWildcards,
    views,
    viewTable,
    healthKeys,
    healthEntries,
    withheld,
    lookup,
    viewFor: (address) => (viewTable.size ? viewTable.lookup(address) : null),
    hostedZones,
    recordChecks,
  };
}
