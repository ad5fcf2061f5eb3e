/**
 * A config from Terraform: the JSON `terraform show -json` prints for a state (format 0.x or
 * 1.x), root module and every child module, managed resources and data sources alike:
 *
 * - `aws_vpc`, `aws_subnet`, `aws_vpc_endpoint` and `aws_network_interface` become the EC2
 *   documents `import` reads (the same PascalCase shapes as the AWS CLI), so the config is the
 *   one `import` would write;
 * - `aws_route53_zone` (with `vpc` blocks: private) and its `aws_route53_record`s become private
 *   hosted zones (route53.ts).
 *
 * Interface addresses come from the endpoint's `subnet_configuration`, else from
 * `aws_network_interface` entries (resources or data sources) with the endpoint's interface ids,
 * else they are generated inside each subnet (addresses.ts) and listed as generated. A plan
 * (`terraform show -json PLANFILE`) is refused: its computed values are not known yet.
 */

import { ImportError } from '../privatelink/import.js';
import { deriveEniId } from '../privatelink/names.js';
import { generateAddress } from './addresses.js';
import type { HostedZoneSnapshot } from './aws.js';
import type { Ec2Docs } from './normalise.js';

type Json = Record<string, unknown>;

interface TfResource {
  address: string;
  mode: string;
  type: string;
  values: Json;
}

export interface TerraformRead {
  ec2: Ec2Docs;
  zones: HostedZoneSnapshot[];
  /** What was generated because the state does not hold it (one sentence each). */
  generated: string[];
  /** The Terraform version that wrote the state, when it says. */
  terraformVersion?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const strs = (v: unknown): string[] => arr(v).filter((x): x is string => typeof x === 'string' && x !== '');
const first = (v: unknown): Json | undefined => arr(v)[0] as Json | undefined;

function collect(module: Json | undefined, out: TfResource[]): void {
  if (!module) return;
  for (const r of arr(module.resources) as Json[]) {
    if (r && typeof r === 'object' && typeof r.type === 'string' && r.values && typeof r.values === 'object')
      out.push({
        address: String(r.address ?? r.type),
        mode: String(r.mode ?? 'managed'),
        type: r.type,
        values: r.values as Json,
      });
  }
  for (const m of arr(module.child_modules) as Json[]) collect(m, out);
}

/** Checks the document's kind and format; throws ImportError with one line. */
function resourcesOf(doc: unknown, file: string): { resources: TfResource[]; version?: string } {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw new ImportError([
      `--terraform ${file}: not the JSON of "terraform show -json" (expected an object)`,
    ]);
  const d = doc as Json;
  if ('planned_values' in d || 'resource_changes' in d)
    throw new ImportError([
      `--terraform ${file}: this is a plan ("terraform show -json PLANFILE"); its computed values (endpoint ids, DNS names, addresses) are unknown until apply: run "terraform show -json" without a plan file after "terraform apply"`,
    ]);
  if (typeof d.version === 'number' && Array.isArray(d.resources))
    throw new ImportError([
      `--terraform ${file}: this is a raw state file (terraform.tfstate version ${d.version}); pass the output of "terraform show -json" instead`,
    ]);
  const fv = str(d.format_version);
  if (!fv)
    throw new ImportError([
      `--terraform ${file}: no "format_version"; expected the output of "terraform show -json" (a state)`,
    ]);
  const major = Number(fv.split('.')[0]);
  if (!(major === 0 || major === 1))
    throw new ImportError([
      `--terraform ${file}: state format_version ${fv} is not supported (this version reads 0.x and 1.x)`,
    ]);
  const resources: TfResource[] = [];
  collect((d.values as Json | undefined)?.root_module as Json | undefined, resources);
  return { resources, version: str(d.terraform_version) };
}

/** Reads a `terraform show -json` document. */
export function readTerraformState(doc: unknown, file = 'STATE.json'): TerraformRead {
  const { resources, version } = resourcesOf(doc, file);
  const of = (type: string) => resources.filter((r) => r.type === type);
  const byId = <T>(list: T[], id: (x: T) => string | undefined) => {
    const m = new Map<string, T>();
    for (const x of list) {
      const k = id(x);
      if (k && !m.has(k)) m.set(k, x); // a resource and a data source of the same object
    }
    return m;
  };

  const vpcs = [
    ...byId(
      of('aws_vpc').map(({ values: v }) => {
        const out: Json = { VpcId: str(v.id), CidrBlock: str(v.cidr_block) };
        const assoc: Json[] = [];
        if (str(v.cidr_block))
          assoc.push({ CidrBlock: v.cidr_block, CidrBlockState: { State: 'associated' } });
        out.CidrBlockAssociationSet = assoc;
        if (str(v.ipv6_cidr_block))
          out.Ipv6CidrBlockAssociationSet = [
            { Ipv6CidrBlock: v.ipv6_cidr_block, Ipv6CidrBlockState: { State: 'associated' } },
          ];
        if (typeof v.enable_dns_support === 'boolean') out.EnableDnsSupport = v.enable_dns_support;
        if (typeof v.enable_dns_hostnames === 'boolean') out.EnableDnsHostnames = v.enable_dns_hostnames;
        return out;
      }),
      (v) => str(v.VpcId),
    ).values(),
  ];
  const subnets = [
    ...byId(
      of('aws_subnet').map(({ values: v }) => {
        const out: Json = {
          SubnetId: str(v.id),
          VpcId: str(v.vpc_id),
          AvailabilityZone: str(v.availability_zone),
          CidrBlock: str(v.cidr_block),
        };
        if (str(v.ipv6_cidr_block))
          out.Ipv6CidrBlockAssociationSet = [
            { Ipv6CidrBlock: v.ipv6_cidr_block, Ipv6CidrBlockState: { State: 'associated' } },
          ];
        return out;
      }),
      (s) => str(s.SubnetId),
    ).values(),
  ];
  const subnetById = new Map(subnets.map((s) => [s.SubnetId as string, s]));
  const eniState = byId(of('aws_network_interface'), (r) => str(r.values.id));

  const problems: string[] = [];
  const generated: string[] = [];
  const used = new Set<string>();
  for (const r of eniState.values())
    for (const ip of [str(r.values.private_ip), ...strs(r.values.private_ips)]) if (ip) used.add(ip);
  for (const r of of('aws_vpc_endpoint'))
    for (const c of arr(r.values.subnet_configuration) as Json[])
      if (str(c?.ipv4)) used.add(c.ipv4 as string);

  const endpoints: Json[] = [];
  const networkInterfaces: Json[] = [];
  const seen = new Set<string>();
  for (const r of of('aws_vpc_endpoint')) {
    const v = r.values;
    const id = str(v.id);
    if (!id || seen.has(id)) continue;
    seen.add(id);
    const type = str(v.vpc_endpoint_type) ?? 'Gateway';
    const ep: Json = {
      VpcEndpointId: id,
      VpcEndpointType: type,
      VpcId: str(v.vpc_id),
      ServiceName: str(v.service_name),
      State: str(v.state) ?? 'available',
      SubnetIds: strs(v.subnet_ids),
      PrivateDnsEnabled: v.private_dns_enabled === true,
      DnsEntries: (arr(v.dns_entry) as Json[]).map((e) => ({
        DnsName: str(e?.dns_name),
        HostedZoneId: str(e?.hosted_zone_id),
      })),
    };
    if (str(v.ip_address_type)) ep.IpAddressType = v.ip_address_type;
    const dnsType = str(first(v.dns_options)?.dns_record_ip_type);
    if (dnsType) ep.DnsOptions = { DnsRecordIpType: dnsType };
    endpoints.push(ep);
    if (type !== 'Interface') continue;

    const ipType = str(v.ip_address_type) ?? 'ipv4';
    const config = new Map((arr(v.subnet_configuration) as Json[]).map((c) => [str(c?.subnet_id), c]));
    const stateIds = strs(v.network_interface_ids);
    const known = stateIds.map((e) => eniState.get(e)).filter((x): x is TfResource => x !== undefined);
    const eniIds: string[] = [];
    const bySubnet = new Map(known.map((k) => [str(k.values.subnet_id), k]));
    let derived = false;
    for (const sid of strs(v.subnet_ids)) {
      const subnet = subnetById.get(sid);
      if (!subnet) {
        problems.push(
          `${r.address} (${id}): its subnet ${sid} is not in the state; add it, e.g. as a data source: data "aws_subnet" "x" { id = "${sid}" }`,
        );
        continue;
      }
      const tfEni = bySubnet.get(sid);
      const eniId = str(tfEni?.values.id) ?? deriveEniId(id, sid);
      const eni: Json = {
        NetworkInterfaceId: eniId,
        SubnetId: sid,
        VpcId: ep.VpcId,
        AvailabilityZone: subnet.AvailabilityZone,
      };
      const cfg = config.get(sid);
      let v4: string | undefined =
        str(cfg?.ipv4) ?? str(tfEni?.values.private_ip) ?? strs(tfEni?.values.private_ips)[0];
      let v6: string | undefined = str(cfg?.ipv6) ?? strs(tfEni?.values.ipv6_addresses)[0];
      if (!v4 && ipType !== 'ipv6' && str(subnet.CidrBlock)) {
        v4 = generateAddress(subnet.CidrBlock as string, eniId, used) ?? undefined;
        if (v4) generated.push(`${id} in ${sid}: IPv4 address ${v4} generated (the state does not hold it)`);
      }
      const v6Cidr = str(first(subnet.Ipv6CidrBlockAssociationSet)?.Ipv6CidrBlock);
      if (!v6 && ipType !== 'ipv4' && v6Cidr) {
        v6 = generateAddress(v6Cidr, eniId, used) ?? undefined;
        if (v6) generated.push(`${id} in ${sid}: IPv6 address ${v6} generated (the state does not hold it)`);
      }
      if (v4) eni.PrivateIpAddress = v4;
      if (v6) eni.Ipv6Addresses = [{ Ipv6Address: v6 }];
      if (!tfEni) derived = true;
      networkInterfaces.push(eni);
      eniIds.push(eniId);
    }
    if (derived && stateIds.length)
      generated.push(
        `${id}: interface ids derived per subnet (the state lists ${stateIds.join(', ')} but not which subnet each is in; data "aws_network_interface" sources keep them)`,
      );
    ep.NetworkInterfaceIds = eniIds;
  }

  // Private hosted zones.
  const zones: HostedZoneSnapshot[] = [];
  const records = of('aws_route53_record');
  for (const z of byId(of('aws_route53_zone'), (r) => str(r.values.zone_id) ?? str(r.values.id)).values()) {
    const zv = z.values;
    const vpcBlocks = arr(zv.vpc) as Json[];
    const zoneId = str(zv.zone_id) ?? str(zv.id);
    if (!zoneId || (vpcBlocks.length === 0 && zv.private_zone !== true)) continue;
    const zoneName = str(zv.name) ?? '';
    const recordSets = records
      .filter((rec) => str(rec.values.zone_id) === zoneId)
      .map(({ values: rv }) => {
        const type = (str(rv.type) ?? '').toUpperCase();
        const fqdn = str(rv.fqdn) ?? qualify(str(rv.name) ?? '', zoneName);
        const rs: Json = { Name: `${fqdn.replace(/\.$/, '')}.`, Type: type };
        if (str(rv.set_identifier)) rs.SetIdentifier = rv.set_identifier;
        const w = first(rv.weighted_routing_policy)?.weight;
        if (typeof w === 'number') rs.Weight = w;
        const f = str(first(rv.failover_routing_policy)?.type);
        if (f) rs.Failover = f;
        if (rv.multivalue_answer_routing_policy === true) rs.MultiValueAnswer = true;
        if (str(rv.health_check_id)) rs.HealthCheckId = rv.health_check_id;
        const alias = first(rv.alias);
        if (alias) {
          rs.AliasTarget = {
            HostedZoneId: str(alias.zone_id),
            DNSName: str(alias.name),
            EvaluateTargetHealth: alias.evaluate_target_health === true,
          };
        } else {
          if (typeof rv.ttl === 'number') rs.TTL = rv.ttl;
          rs.ResourceRecords = strs(rv.records).map((value) => ({ Value: presentation(type, value) }));
        }
        return rs;
      });
    zones.push({
      hostedZone: {
        HostedZone: { Id: `/hostedzone/${zoneId}`, Name: zoneName, Config: { PrivateZone: true } },
        VPCs: vpcBlocks.map((b) => ({ VPCId: str(b?.vpc_id), VPCRegion: str(b?.vpc_region) })),
      },
      recordSets,
    });
  }
  if (problems.length) throw new ImportError(problems);
  return {
    ec2: { endpoints, networkInterfaces, subnets, vpcs },
    zones,
    generated,
    terraformVersion: version,
  };
}

/** A record name as Terraform holds it (relative or full) made a full name. */
function qualify(name: string, zone: string): string {
  const n = name.replace(/\.$/, '').toLowerCase();
  const z = zone.replace(/\.$/, '').toLowerCase();
  return n === z || n.endsWith(`.${z}`) ? n : `${n}.${z}`;
}

/** Terraform keeps TXT/SPF strings unquoted; Route 53's presentation format quotes them. */
function presentation(type: string, value: string): string {
  if ((type === 'TXT' || type === 'SPF') && !value.startsWith('"'))
    return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return value;
}
