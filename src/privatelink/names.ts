/**
 * AWS PrivateLink name forms: service ids, regional/zonal/private DNS names, and the identifiers
 * derived for endpoints that omit them (stable: they depend only on the endpoint's content).
 */
import * as crypto from 'node:crypto';
import { internalized } from './intern.js';
import { REGIONLESS_SERVICES } from './service-kinds.js';

export interface ServiceInfo {
  /** The service name as configured. */
  name: string;
  region: string;
  /** The part of the name after com.amazonaws.<region>. ("ecr.dkr"), or the vpce-svc id. */
  short: string;
  /** The label form used in vpce names: labels of `short` reversed ("dkr.ecr"), or the vpce-svc id. */
  serviceId: string;
  /** True for endpoint services of other accounts (com.amazonaws.vpce.<region>.vpce-svc-…). */
  endpointService: boolean;
  /** True for services whose name has no Region (com.amazonaws.iam); `region` is then its home Region. */
  regionless?: boolean;
}

const AWS_SERVICE = /^com\.amazonaws\.([a-z]{2}(?:-gov)?-[a-z]+-\d+)\.([a-z0-9][a-z0-9.-]*[a-z0-9])$/;
const VPCE_SERVICE = /^com\.amazonaws\.vpce\.([a-z]{2}(?:-gov)?-[a-z]+-\d+)\.(vpce-svc-[0-9a-f]{8,17})$/;

/** Parses a service name; null when it is neither an AWS service nor an endpoint service. */
export function parseService(name: string): ServiceInfo | null {
  const rl = REGIONLESS_SERVICES.get(name);
  if (rl)
    return {
      name,
      region: rl.homeRegion,
      short: rl.serviceId,
      serviceId: rl.serviceId,
      endpointService: false,
      regionless: true,
    };
  const v = VPCE_SERVICE.exec(name);
  if (v) return { name, region: internalized(v[1]), short: v[2], serviceId: v[2], endpointService: true };
  const m = AWS_SERVICE.exec(name);
  if (!m || m[2].startsWith('vpce.')) return null;
  const short = m[2];
  return {
    name,
    region: internalized(m[1]),
    short,
    serviceId: short.split('.').reverse().join('.'),
    endpointService: false,
  };
}

/** The private DNS names AWS gives a service by default (wildcards included). */
export function defaultPrivateDnsNames(svc: ServiceInfo): string[] {
  if (svc.endpointService) return [];
  if (svc.regionless) return [...(REGIONLESS_SERVICES.get(svc.name)?.privateDnsNames ?? [])];
  const r = svc.region;
  switch (svc.short) {
    case 's3':
      return [
        `s3.${r}.amazonaws.com`,
        `*.s3.${r}.amazonaws.com`,
        `s3-control.${r}.amazonaws.com`,
        `*.s3-control.${r}.amazonaws.com`,
        `s3-accesspoint.${r}.amazonaws.com`,
        `*.s3-accesspoint.${r}.amazonaws.com`,
      ];
    case 'ecr.dkr':
      return [`dkr.ecr.${r}.amazonaws.com`, `*.dkr.ecr.${r}.amazonaws.com`];
    case 'execute-api':
      return [`execute-api.${r}.amazonaws.com`, `*.execute-api.${r}.amazonaws.com`];
    case 'ssm':
    case 'ssmmessages':
      return [`${svc.short}.${r}.amazonaws.com`, `${svc.short}.${r}.api.aws`];
    default:
      return [`${svc.serviceId}.${r}.amazonaws.com`];
  }
}

/** True for services whose endpoint-specific names are wildcards too (S3: bucket.vpce-…). */
export function hasEndpointWildcards(svc: ServiceInfo): boolean {
  return !svc.endpointService && svc.short === 's3';
}

// Names are joined rather than concatenated: join gives one flat string, where a template gives a
// tree of pieces (larger in memory for the life of the catalog, slower to compare as a Map key).
//
// Region and AZ names go into joins as their internalized strings (see intern.ts).

export function regionalName(endpointId: string, suffix: string, svc: ServiceInfo): string {
  return vpceName(endpointId, suffix, null, svc);
}

export function zonalName(endpointId: string, suffix: string, az: string, svc: ServiceInfo): string {
  return vpceName(endpointId, suffix, az, svc);
}

/** `<id>-<suffix>[-<az>].<service id>.<region>.vpce.amazonaws.com`, one flat one-byte string. */
function vpceName(endpointId: string, suffix: string, az: string | null, svc: ServiceInfo): string {
  const parts = [endpointId, '-', suffix];
  if (az !== null) parts.push('-', internalized(az));
  parts.push('.', svc.serviceId, '.', internalized(svc.region), '.vpce.amazonaws.com');
  return parts.join('');
}

/** The apex of the public zone that holds a region's vpce names. */
export function vpceZoneApex(region: string): string {
  return `${region}.vpce.amazonaws.com`;
}

// One-shot hashing where Node has it (20.12+): a third of the cost of createHash().update().digest().
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'buffer') => Buffer }).hash;

function digest(parts: readonly string[]): Buffer {
  const text = parts.join('\n');
  return oneShot ? oneShot('sha256', text, 'buffer') : crypto.createHash('sha256').update(text).digest();
}

/** The first 17 hex digits of a digest. */
function hex17(d: Buffer): string {
  return d.toString('hex', 0, 9).slice(0, 17);
}

/** Endpoint content that identifies it: VPC, service and subnets (sorted, so order does not matter). */
export function deriveEndpointId(vpcId: string, service: string, subnets: readonly string[]): string {
  return ['vpce-', hex17(digest(['endpoint', vpcId, service, ...[...subnets].sort()]))].join('');
}

/** The fields that name what an endpoint connects to. */
export interface EndpointTargetFields {
  id?: string;
  service?: string;
  resourceConfigurationId?: string;
  serviceNetworkId?: string;
}

/**
 * What an endpoint connects to, as one string: its service name, else its resource configuration
 * or service network id (resource and service-network endpoints have no service name).
 */
export function endpointTarget(ep: EndpointTargetFields): string {
  return ep.service ?? ep.resourceConfigurationId ?? ep.serviceNetworkId ?? '';
}

/** Derived ids by endpoint config object: the rules and the catalog both need them. */
const derivedIds = new WeakMap<object, string>();

/** The id of an endpoint: its own, else derived (once per config object; configs are not mutated). */
export function endpointIdOf(
  vpcId: string,
  ep: EndpointTargetFields & { interfaces: { subnet: string }[] },
): string {
  if (ep.id) return ep.id;
  let id = derivedIds.get(ep);
  if (id === undefined) {
    id = deriveEndpointId(
      vpcId,
      endpointTarget(ep),
      ep.interfaces.map((i) => i.subnet),
    );
    derivedIds.set(ep, id);
  }
  return id;
}

const B36 = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function deriveDnsSuffix(endpointId: string, vpcId: string, service: string): string {
  const d = digest(['suffix', endpointId, vpcId, service]);
  let s = '';
  for (let i = 0; i < 8; i++) s += B36[d[i] % 36];
  return s;
}

export function deriveEniId(endpointId: string, subnet: string): string {
  return ['eni-', hex17(digest(['eni', endpointId, subnet]))].join('');
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A Route 53 style id (Z + 20 characters) for an endpoint's hidden private hosted zone. */
export function derivePrivateHostedZoneId(endpointId: string, vpcId: string): string {
  const d = digest(['phz', endpointId, vpcId]);
  const s = ['Z0'];
  for (let i = 0; i < 19; i++) s.push(B32[d[i] % 32]);
  return s.join('');
}
