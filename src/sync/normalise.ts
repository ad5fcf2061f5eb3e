/**
 * Emulator output made AWS-shaped. LocalStack and moto answer DescribeVpcEndpoints with one
 * DnsEntry named like `vpce-<id>-<random>.com.amazonaws.<region>.<service>` and a random hosted
 * zone id, and give interfaces addresses that need not lie in their subnet (or no interfaces at
 * all). The config needs AWS's names and in-subnet addresses, so such endpoints get the names AWS
 * would give them (regional, one zonal name per interface AZ, the service's default private
 * names) and interfaces get addresses inside their subnets. Every change is reported in words.
 * Data from AWS itself passes through unchanged.
 */
import { VPCE_HOSTED_ZONE_IDS } from '../privatelink/hosted-zones.js';
import { VPCE_NAME } from '../privatelink/import.js';
import {
  defaultPrivateDnsNames,
  deriveDnsSuffix,
  deriveEniId,
  parseService,
  regionalName,
  zonalName,
} from '../privatelink/names.js';
import { generateAddress, inSubnet } from './addresses.js';

type Json = Record<string, unknown>;

/** The four EC2 documents, as the SDK (or the AWS CLI) returns them: PascalCase objects. */
export interface Ec2Docs {
  endpoints: Json[];
  networkInterfaces: Json[];
  subnets: Json[];
  vpcs: Json[];
  /** `describe-vpc-endpoint-associations` (the names of resource and service-network endpoints). */
  associations?: Json[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** Returns AWS-shaped copies of the documents and what was changed (one sentence each). */
export function normaliseEc2(docs: Ec2Docs): { docs: Ec2Docs; changes: string[] } {
  const changes: string[] = [];
  const subnets = new Map(docs.subnets.map((s) => [str(s.SubnetId), s]));
  const enis = new Map(docs.networkInterfaces.map((n) => [str(n.NetworkInterfaceId), { ...n }]));
  const used = new Set<string>();
  for (const n of enis.values()) {
    const ip = str(n.PrivateIpAddress);
    if (ip) used.add(ip);
  }
  const endpoints: Json[] = [];
  for (const raw of docs.endpoints) {
    const ep: Json = { ...raw };
    endpoints.push(ep);
    if ((str(ep.VpcEndpointType) ?? 'Interface') !== 'Interface') continue;
    if ((str(ep.State) ?? 'available').toLowerCase() !== 'available') continue;
    const id = str(ep.VpcEndpointId) ?? '';
    const svc = parseService(str(ep.ServiceName) ?? '');
    if (!svc) continue;

    // Interfaces: one per subnet when the emulator made none; addresses inside their subnets.
    const eniIds = (Array.isArray(ep.NetworkInterfaceIds) ? ep.NetworkInterfaceIds : []).filter(
      (x): x is string => typeof x === 'string',
    );
    const subnetIds = (Array.isArray(ep.SubnetIds) ? ep.SubnetIds : []).filter(
      (x): x is string => typeof x === 'string',
    );
    if (eniIds.length === 0 && subnetIds.length > 0) {
      for (const sid of subnetIds) {
        const eniId = deriveEniId(id, sid);
        enis.set(eniId, { NetworkInterfaceId: eniId, SubnetId: sid, VpcId: ep.VpcId });
        eniIds.push(eniId);
      }
      ep.NetworkInterfaceIds = eniIds;
      changes.push(`${id}: no network interfaces listed; made one per subnet (${eniIds.join(', ')})`);
    }
    for (const eniId of eniIds) {
      const eni = enis.get(eniId);
      if (!eni) continue;
      const subnet = subnets.get(str(eni.SubnetId));
      const cidr = str(subnet?.CidrBlock);
      if (!cidr) continue;
      eni.AvailabilityZone ??= subnet?.AvailabilityZone;
      const ip = str(eni.PrivateIpAddress);
      if (ip && inSubnet(ip, cidr)) continue;
      const fresh = generateAddress(cidr, eniId, used);
      if (!fresh) continue;
      eni.PrivateIpAddress = fresh;
      changes.push(
        ip
          ? `${eniId} of ${id}: address ${ip} is outside its subnet ${cidr}; generated ${fresh}`
          : `${eniId} of ${id}: no address; generated ${fresh} in its subnet ${cidr}`,
      );
    }

    // Names: keep AWS-shaped DnsEntries, rebuild anything else.
    const entries = (Array.isArray(ep.DnsEntries) ? ep.DnsEntries : []) as Json[];
    const names = entries.map((e) => (str(e?.DnsName) ?? '').toLowerCase().replace(/\.$/, ''));
    const regional = names.some((n) => {
      const m = VPCE_NAME.exec(n.startsWith('*.') ? n.slice(2) : n);
      return m !== null && m[3] === undefined;
    });
    if (regional) continue;
    const emulated = names
      .map((n) => /^vpce-[0-9a-z]+-([a-z0-9]{8})\./.exec(n)?.[1])
      .find((x) => x !== undefined);
    const suffix = emulated ?? deriveDnsSuffix(id, str(ep.VpcId) ?? '', svc.name);
    const zone = VPCE_HOSTED_ZONE_IDS[svc.region];
    const withZone = (name: string): Json =>
      zone ? { DnsName: name, HostedZoneId: zone } : { DnsName: name };
    const azs: string[] = [];
    for (const eniId of eniIds) {
      const eni = enis.get(eniId);
      const az = str(eni?.AvailabilityZone) ?? str(subnets.get(str(eni?.SubnetId))?.AvailabilityZone);
      if (az && !azs.includes(az)) azs.push(az);
    }
    const rebuilt: Json[] = [
      withZone(regionalName(id, suffix, svc)),
      ...azs.map((az) => withZone(zonalName(id, suffix, az, svc))),
    ];
    if (ep.PrivateDnsEnabled === true)
      for (const n of defaultPrivateDnsNames(svc)) rebuilt.push({ DnsName: n });
    ep.DnsEntries = rebuilt;
    changes.push(
      `${id}: DnsEntries ${names.length ? names.join(', ') : '(none)'} are not AWS-shaped; named it ${regionalName(id, suffix, svc)} with ${azs.length} zonal name${azs.length === 1 ? '' : 's'}${ep.PrivateDnsEnabled === true ? ' and its default private DNS names' : ''}`,
    );
  }
  // AWS refuses private DNS unless the VPC has both DNS attributes on; emulators do not check
  // (moto leaves enableDnsHostnames off in every VPC but the default one).
  const vpcs = docs.vpcs.map((v) => ({ ...v }));
  for (const vpc of vpcs) {
    const withPrivateDns = endpoints.filter(
      (e) =>
        e.VpcId === vpc.VpcId &&
        e.PrivateDnsEnabled === true &&
        (str(e.VpcEndpointType) ?? 'Interface') === 'Interface',
    );
    if (!withPrivateDns.length) continue;
    for (const key of ['EnableDnsSupport', 'EnableDnsHostnames']) {
      const v = vpc[key];
      const off = v === false || (typeof v === 'object' && v !== null && (v as Json).Value === false);
      if (!off) continue;
      vpc[key] = { Value: true };
      changes.push(
        `${String(vpc.VpcId)}: ${key} is off although ${withPrivateDns.map((e) => e.VpcEndpointId).join(', ')} ${withPrivateDns.length === 1 ? 'has' : 'have'} private DNS (AWS refuses that); took it as on`,
      );
    }
  }
  return {
    docs: { endpoints, networkInterfaces: [...enis.values()], subnets: docs.subnets, vpcs },
    changes,
  };
}
