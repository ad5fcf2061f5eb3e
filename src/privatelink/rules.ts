/**
 * AWS's own rules for VPCs, subnets and endpoints, checked after the schema: each returns the
 * path of the offending field and a message that says how to fix it.
 *
 * The rules are the ones EC2 enforces when it creates or modifies the resources (so a config
 * that breaks one describes something that cannot exist in AWS); docs/configuration.md lists them.
 */

import type { Config, EndpointConfig, VpcConfig } from '../config/schema.js';
import { normaliseName } from '../dns/names.js';
import type { ConfigProblemCode } from '../errors/catalog.js';
import { type Cidr, cidrContains, cidrWithin, formatAddress, parseAddress, parseCidr } from '../net/cidr.js';
import { checkHostedZones } from '../route53/rules.js';
import { checkEndpointKind } from './kind-rules.js';
import { defaultPrivateDnsNames, endpointIdOf } from './names.js';
import { ALLOWED_DNS_RECORD_IP_TYPES } from './record-types.js';
import { azIdMessage, azIdNote } from './service-list.js';

/** A step of a path into the config (a key or an index), as config/load.ts locates it. */
type PathSeg = string | number;

/** A VPC in which some endpoints failed the schema (those are null). */
export type PartialVpc = Omit<VpcConfig, 'endpoints'> & { endpoints: (EndpointConfig | null)[] };

/** One broken rule: where (a path into the config) and what to do about it. */
export interface RuleProblem {
  code: ConfigProblemCode;
  path: PathSeg[];
  message: string;
}

/** A DNS name as AWS accepts it for a private DNS name: labels of a-z, 0-9, hyphen; `*.` only first. */
const DNS_NAME = /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]\.?$/i;

/** An Availability Zone name of a region: `us-east-2a`, or a Local Zone such as `us-west-2-lax-1a`. */
function azBelongsTo(az: string, region: string): boolean {
  if (!az.startsWith(region)) return false;
  const rest = az.slice(region.length);
  return /^[a-z]$/.test(rest) || /^-[a-z0-9]+(-[a-z0-9]+)*[a-z]$/.test(rest);
}

/**
 * Checks every AWS rule on a schema-valid config and returns all problems (empty when valid).
 * Paths point at the offending field (or, when that field was left to its default, at the
 * closest field written in the file).
 */
export function checkRules(config: Config): RuleProblem[] {
  return [...checkRulesPartial(config, config.vpcs), ...checkHostedZones(config)];
}

/**
 * Like {@link checkRules}, for a config whose schema check failed: `vpcs[i]` is null for a VPC
 * whose own fields or subnets failed, an endpoint is null when it failed, and rules that need
 * the whole config are skipped when any VPC is missing. Lets the loader report rule problems
 * together with schema problems.
 */
export function checkRulesPartial(
  top: Pick<Config, 'impairedAzs'> | null,
  vpcs: readonly (PartialVpc | null)[],
): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const add: Add = (code, path, message) => problems.push({ code, path, message });

  const vpcIds = new Map<string, number>();
  const subnetOwners = new Map<string, string>();
  const endpointIds = new Map<string, PathSeg[]>();
  const eniIds = new Map<string, PathSeg[]>();

  vpcs.forEach((vpc, v) => {
    if (!vpc) return;
    const vp: PathSeg[] = ['vpcs', v];
    const prev = vpcIds.get(vpc.id);
    if (prev !== undefined)
      add(
        'config.duplicate-id',
        [...vp, 'id'],
        `VPC ${vpc.id} is already defined at vpcs[${prev}]; merge the two`,
      );
    else vpcIds.set(vpc.id, v);
    checkVpc(vpc, vp, add, subnetOwners, endpointIds, eniIds);
  });

  if (top && vpcs.every((v) => v !== null)) {
    const azs = new Set<string>();
    for (const vpc of vpcs) for (const s of vpc?.subnets ?? []) azs.add(s.az);
    top.impairedAzs.forEach((az, i) => {
      if (!azs.has(az)) {
        const known = [...azs].sort();
        add(
          'config.unknown-az',
          ['impairedAzs', i],
          `${azIdNote(az)}no subnet is in Availability Zone "${az}"; use one of: ${known.join(', ') || '(no subnets defined)'}`,
        );
      }
    });
  }
  return problems;
}

type Add = (code: ConfigProblemCode, path: PathSeg[], message: string) => void;

interface SubnetInfo {
  id: string;
  az: string;
  v4?: Cidr;
  v6?: Cidr;
}

function checkVpc(
  vpc: PartialVpc,
  vp: PathSeg[],
  add: Add,
  subnetOwners: Map<string, string>,
  endpointIds: Map<string, PathSeg[]>,
  eniIds: Map<string, PathSeg[]>,
): void {
  // Subnets: unique ids, AZ of the VPC's region, valid sizes, no overlaps.
  const subnets = new Map<string, SubnetInfo>();
  vpc.subnets.forEach((s, k) => {
    const sp: PathSeg[] = [...vp, 'subnets', k];
    const owner = subnetOwners.get(s.id);
    if (subnets.has(s.id))
      add(
        'config.duplicate-id',
        [...sp, 'id'],
        `subnet ${s.id} is listed twice in VPC ${vpc.id}; remove one`,
      );
    else if (owner !== undefined)
      add(
        'config.duplicate-id',
        [...sp, 'id'],
        `subnet ${s.id} already belongs to VPC ${owner}; a subnet is in exactly one VPC`,
      );
    subnetOwners.set(s.id, vpc.id);
    if (!azBelongsTo(s.az, vpc.region))
      add(
        'config.unknown-az',
        [...sp, 'az'],
        azIdMessage(s.az, vpc.region) ??
          `Availability Zone "${s.az}" is not in the VPC's region ${vpc.region}; use a name such as ${vpc.region}a`,
      );
    const info: SubnetInfo = { id: s.id, az: s.az };
    if (s.ipv4Cidr) {
      const c = parseCidr(s.ipv4Cidr)!;
      info.v4 = c;
      checkSubnetRange(c, s.ipv4Cidr, [...sp, 'ipv4Cidr'], 16, 28, add);
    }
    if (s.ipv6Cidr) {
      const c = parseCidr(s.ipv6Cidr)!;
      info.v6 = c;
      checkSubnetRange(c, s.ipv6Cidr, [...sp, 'ipv6Cidr'], 44, 64, add);
    }
    if (!s.ipv4Cidr && !s.ipv6Cidr)
      add('config.subnet-range', sp, `subnet ${s.id} has no address range; give ipv4Cidr, ipv6Cidr or both`);
    for (const other of subnets.values()) {
      for (const fam of ['v4', 'v6'] as const) {
        const a = info[fam];
        const b = other[fam];
        if (a && b && (cidrWithin(a, b) || cidrWithin(b, a)))
          add(
            'config.subnet-overlap',
            [...sp, fam === 'v4' ? 'ipv4Cidr' : 'ipv6Cidr'],
            `range ${a.text} of subnet ${s.id} overlaps ${b.text} of subnet ${other.id}; subnets of a VPC never overlap`,
          );
      }
    }
    if (!subnets.has(s.id)) subnets.set(s.id, info);
  });

  const addresses = new Map<string, string>();
  const privateNames = new Map<string, { endpoint: string; index: number }>();

  vpc.endpoints.forEach((ep, e) => {
    if (!ep) return;
    const ep_: PathSeg[] = [...vp, 'endpoints', e];
    checkEndpoint(vpc, ep, ep_, e, subnets, addresses, privateNames, endpointIds, eniIds, add);
  });
}

function checkSubnetRange(c: Cidr, text: string, path: PathSeg[], min: number, max: number, add: Add): void {
  const slash = text.indexOf('/');
  if (slash < 0) {
    add(
      'config.subnet-range',
      path,
      `${text} is an address, not a range; write it with a prefix length (e.g. ${text}/${max})`,
    );
    return;
  }
  if (!sameBytes(parseAddress(text.slice(0, slash))!, c.bytes)) {
    add(
      'config.subnet-range',
      path,
      `${text} has host bits set; the range starting there is ${formatCidrNetwork(c)}`,
    );
    return;
  }
  if (c.prefix < min || c.prefix > max)
    add('config.subnet-range', path, `a subnet range is /${min} to /${max} in AWS; ${text} is /${c.prefix}`);
}

function formatCidrNetwork(c: Cidr): string {
  return `${formatAddress(c.bytes)}/${c.prefix}`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** AWS reserves the first four addresses and the last one of every subnet range. */
function reservedIndex(c: Cidr, addr: Uint8Array): 'first' | 'last' | null {
  if (addr.length !== c.bytes.length) return reservedIndexWide(c, addr);
  // `addr` lies in `c`: only its host bits (those past the prefix) tell where.
  const last = addr.length - 1;
  let low = true; // every host bit above the lowest two is 0
  let high = true; // every host bit is 1
  for (let i = 0; i <= last; i++) {
    const bits = Math.max(0, Math.min(8, c.prefix - i * 8));
    const hostMask = ~(bits === 0 ? 0 : (0xff << (8 - bits)) & 0xff) & 0xff;
    const h = addr[i] & hostMask;
    if (h !== hostMask) high = false;
    if (i < last ? h !== 0 : h > 3) low = false;
  }
  if (low) return 'first';
  if (high) return 'last';
  return null;
}

/** {@link reservedIndex} for an address and a range of different lengths, in arbitrary precision. */
function reservedIndexWide(c: Cidr, addr: Uint8Array): 'first' | 'last' | null {
  const bits = c.bytes.length * 8;
  const host = bits - c.prefix;
  // Offset of addr in the range, as a bigint.
  let off = 0n;
  let size = 1n;
  for (let i = 0; i < addr.length; i++) off = (off << 8n) | BigInt(addr[i]);
  let base = 0n;
  for (let i = 0; i < c.bytes.length; i++) base = (base << 8n) | BigInt(c.bytes[i]);
  size <<= BigInt(host);
  const rel = off - base;
  if (rel < 4n) return 'first';
  if (rel === size - 1n) return 'last';
  return null;
}

/** A key that is equal for equal addresses however they are written (4 or 16 bytes as characters). */
function addressKey(b: Uint8Array): string {
  return b.length === 4
    ? String.fromCharCode(b[0], b[1], b[2], b[3])
    : String.fromCharCode(
        (b[0] << 8) | b[1],
        (b[2] << 8) | b[3],
        (b[4] << 8) | b[5],
        (b[6] << 8) | b[7],
        (b[8] << 8) | b[9],
        (b[10] << 8) | b[11],
        (b[12] << 8) | b[13],
        (b[14] << 8) | b[15],
      );
}

function checkEndpoint(
  vpc: PartialVpc,
  ep: EndpointConfig,
  path: PathSeg[],
  index: number,
  subnets: Map<string, SubnetInfo>,
  addresses: Map<string, string>,
  privateNames: Map<string, { endpoint: string; index: number }>,
  endpointIds: Map<string, PathSeg[]>,
  eniIds: Map<string, PathSeg[]>,
  add: Add,
): void {
  // What it connects to, and the fields of its kind (cross-Region, region-less, gateway, Lattice).
  const svc = checkEndpointKind(vpc, ep, path, add);
  const kind = ep.type ?? 'interface';

  const label = ep.id ?? `endpoints[${index}]`;
  const id = ep.id ?? (svc ? endpointIdOf(vpc.id, ep) : undefined);
  if (id) {
    const prev = endpointIds.get(id);
    if (prev) {
      const where = prev
        .map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`))
        .join('')
        .slice(1);
      add(
        'config.duplicate-id',
        ep.id ? [...path, 'id'] : [...path, 'service'],
        ep.id
          ? `endpoint id ${id} is already used at ${where}; endpoint ids are unique`
          : `this endpoint has the same VPC, service and subnets as ${where}, so both get the id ${id}; AWS would not create it twice: remove one or give each an explicit id`,
      );
    } else endpointIds.set(id, path);
  }

  const ipType = ep.ipAddressType;
  const recType = ep.dnsRecordIpType ?? ipType;
  if (!ALLOWED_DNS_RECORD_IP_TYPES[ipType].includes(recType)) {
    add(
      'config.ip-address-type',
      [...path, ep.dnsRecordIpType ? 'dnsRecordIpType' : 'ipAddressType'],
      `dnsRecordIpType ${recType} is not allowed with ipAddressType ${ipType}; with ${ipType} use ${ALLOWED_DNS_RECORD_IP_TYPES[ipType].join(' or ')}`,
    );
  }

  // One subnet per AZ; subnets of this VPC; address types; addresses inside the subnets.
  const azs = new Map<string, { subnet: string; k: number }>();
  ep.interfaces.forEach((itf, k) => {
    const ip: PathSeg[] = [...path, 'interfaces', k];
    if (itf.id) {
      const prevEni = eniIds.get(itf.id);
      if (prevEni)
        add(
          'config.duplicate-id',
          [...ip, 'id'],
          `network interface ${itf.id} is used twice; each interface has its own id`,
        );
      else eniIds.set(itf.id, ip);
    }
    const sub = subnets.get(itf.subnet);
    if (!sub) {
      const known = [...subnets.keys()];
      add(
        'config.interface-subnet',
        [...ip, 'subnet'],
        `subnet ${itf.subnet} is not in VPC ${vpc.id}; ${known.length ? `use one of its subnets (${known.join(', ')})` : "add it to the VPC's subnets"}`,
      );
    } else {
      const prev = azs.get(sub.az);
      if (prev) {
        add(
          'config.interface-subnet',
          [...ip, 'subnet'],
          prev.subnet === sub.id
            ? `subnet ${sub.id} is used twice in endpoint ${label}; list each subnet once`
            : `subnets ${prev.subnet} and ${sub.id} are both in ${sub.az}; an endpoint has at most one subnet per Availability Zone: remove one`,
        );
      } else azs.set(sub.az, { subnet: sub.id, k });

      if ((ipType === 'ipv4' || ipType === 'dualstack') && !sub.v4)
        add(
          'config.ip-address-type',
          [...ip, 'subnet'],
          `subnet ${sub.id} has no IPv4 range, but ipAddressType ${ipType} needs one on every subnet; add ipv4Cidr to the subnet or use ipAddressType ipv6`,
        );
      if (ipType === 'ipv6' && sub.v4)
        add(
          'config.ip-address-type',
          [...ip, 'subnet'],
          `subnet ${sub.id} has an IPv4 range, but ipAddressType ipv6 needs IPv6-only subnets; use ipAddressType dualstack or an IPv6-only subnet`,
        );
      if ((ipType === 'ipv6' || ipType === 'dualstack') && !sub.v6)
        add(
          'config.ip-address-type',
          [...ip, 'subnet'],
          `subnet ${sub.id} has no IPv6 range, but ipAddressType ${ipType} needs one on every subnet; add ipv6Cidr to the subnet or use ipAddressType ipv4`,
        );
    }

    const wants4 = ipType !== 'ipv6';
    const wants6 = ipType !== 'ipv4';
    if (wants4 && !itf.ipv4)
      add(
        'config.ip-address-type',
        [...ip, 'ipv4'],
        `interface in ${itf.subnet} has no ipv4 address; ipAddressType ${ipType} needs one`,
      );
    if (wants6 && !itf.ipv6)
      add(
        'config.ip-address-type',
        [...ip, 'ipv6'],
        `interface in ${itf.subnet} has no ipv6 address; ipAddressType ${ipType} needs one`,
      );
    if (!wants4 && itf.ipv4)
      add(
        'config.ip-address-type',
        [...ip, 'ipv4'],
        `ipAddressType ipv6 interfaces have no IPv4 address; remove ipv4 or use ipAddressType dualstack`,
      );
    if (!wants6 && itf.ipv6)
      add(
        'config.ip-address-type',
        [...ip, 'ipv6'],
        `ipAddressType ipv4 interfaces have no IPv6 address; remove ipv6 or use ipAddressType dualstack`,
      );

    for (const fam of ['ipv4', 'ipv6'] as const) {
      const text = itf[fam];
      if (!text) continue;
      const bytes = parseAddress(text)!;
      const key = addressKey(bytes);
      const range = fam === 'ipv4' ? sub?.v4 : sub?.v6;
      if (sub && range) {
        if (!cidrContains(range, bytes)) {
          add(
            'config.interface-address',
            [...ip, fam],
            `interface ${text} is outside subnet ${sub.id} (${range.text}); pick an address inside it`,
          );
        } else {
          const r = reservedIndex(range, bytes);
          if (r)
            add(
              'config.interface-address',
              [...ip, fam],
              `${text} is reserved by AWS (the ${r === 'first' ? 'first four addresses' : 'last address'} of ${range.text}); pick another address in subnet ${sub.id}`,
            );
        }
      }
      const prevUse = addresses.get(key);
      if (prevUse)
        add(
          'config.interface-address',
          [...ip, fam],
          `address ${text} is already used by ${prevUse}; each interface has its own address`,
        );
      else addresses.set(key, `endpoint ${label} interface in ${itf.subnet}`);
    }
  });

  // Private DNS names: shape, count, VPC attributes, uniqueness in the VPC.
  const explicit = ep.privateDnsNames !== undefined;
  if (explicit) {
    ep.privateDnsNames!.forEach((n, k) => {
      if (!DNS_NAME.test(n))
        add(
          'config.private-dns',
          [...path, 'privateDnsNames', k],
          `"${n}" is not a DNS name; use labels of letters, digits and hyphens, with * only as the whole first label (*.example.com)`,
        );
    });
    if (svc?.endpointService && ep.privateDnsNames!.length > 1)
      add(
        'config.private-dns',
        [...path, 'privateDnsNames'],
        `an endpoint service has at most one private DNS name (the provider's); keep one`,
      );
  }
  if (!ep.privateDnsEnabled || kind === 'gateway') return;
  if (!vpc.enableDnsSupport || !vpc.enableDnsHostnames) {
    const off = [!vpc.enableDnsSupport && 'enableDnsSupport', !vpc.enableDnsHostnames && 'enableDnsHostnames']
      .filter(Boolean)
      .join(' and ');
    add(
      'config.private-dns',
      [...path, 'privateDnsEnabled'],
      `private DNS needs enableDnsSupport and enableDnsHostnames on VPC ${vpc.id}, but ${off} ${off.includes(' and ') ? 'are' : 'is'} false; set them to true or set privateDnsEnabled: false`,
    );
  }
  if (!svc) return;
  const lattice = kind === 'resource' || kind === 'service-network';
  const names = lattice
    ? [ep.customDomainName, ...(ep.resources ?? []).map((r) => r.customDomainName)].filter(
        (n): n is string => n !== undefined,
      )
    : (ep.privateDnsNames ?? defaultPrivateDnsNames(svc));
  names.forEach((raw, k) => {
    const n = normaliseName(raw);
    const prev = privateNames.get(n);
    if (prev) {
      add(
        'config.private-dns',
        explicit ? [...path, 'privateDnsNames', k] : [...path, 'service'],
        `private DNS name ${n} is already claimed by endpoint ${prev.endpoint} in VPC ${vpc.id}; AWS refuses a second endpoint with the same private DNS name: set privateDnsEnabled: false on one of them`,
      );
    } else privateNames.set(n, { endpoint: ep.id ?? `endpoints[${index}]`, index });
  });
}
