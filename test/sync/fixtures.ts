/** The data the fake AWS APIs serve in the sync tests, built from the AWS CLI fixtures. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FakeAwsData } from '../helpers/fake-aws.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'aws');

// biome-ignore lint/suspicious/noExplicitAny: AWS CLI JSON
export const cliJson = (set: string, name: string): any =>
  JSON.parse(readFileSync(join(FIX, set, `${name}.json`), 'utf8'));

export const VPC = 'vpc-0e5b2f4a3c1d67890';

/** A private hosted zone of the us-east-2 VPC, as GetHostedZone and ListResourceRecordSets print it. */
export function internalZone() {
  return {
    hostedZone: {
      HostedZone: {
        Id: '/hostedzone/Z0123456789ABCDEFGHIJ',
        Name: 'corp.internal.',
        CallerReference: 'sync-test-1',
        Config: { Comment: 'test zone', PrivateZone: true },
        ResourceRecordSetCount: 7,
      },
      VPCs: [{ VPCRegion: 'us-east-2', VPCId: VPC }],
    },
    recordSets: [
      {
        Name: 'corp.internal.',
        Type: 'NS',
        TTL: 172800,
        ResourceRecords: [
          { Value: 'ns-1536.awsdns-00.co.uk.' },
          { Value: 'ns-0.awsdns-00.com.' },
          { Value: 'ns-1024.awsdns-00.org.' },
          { Value: 'ns-512.awsdns-00.net.' },
        ],
      },
      {
        Name: 'corp.internal.',
        Type: 'SOA',
        TTL: 900,
        ResourceRecords: [
          { Value: 'ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400' },
        ],
      },
      { Name: '\\052.corp.internal.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '10.20.9.9' }] },
      {
        Name: 'api.corp.internal.',
        Type: 'A',
        SetIdentifier: 'blue',
        Weight: 70,
        TTL: 30,
        ResourceRecords: [{ Value: '10.20.1.10' }, { Value: '10.20.2.10' }],
        HealthCheckId: 'abcdef01-2345-6789-abcd-ef0123456789',
      },
      {
        Name: 'api.corp.internal.',
        Type: 'A',
        SetIdentifier: 'green',
        Weight: 30,
        TTL: 30,
        ResourceRecords: [{ Value: '10.20.3.10' }],
      },
      {
        Name: 'monitoring.corp.internal.',
        Type: 'A',
        AliasTarget: {
          HostedZoneId: 'ZC8PG0KIFKBRI',
          DNSName: 'vpce-0a1b2c3d4e5f60001-k3j9x2qa.monitoring.us-east-2.vpce.amazonaws.com.',
          EvaluateTargetHealth: true,
        },
      },
      {
        Name: 'corp.internal.',
        Type: 'TXT',
        TTL: 300,
        ResourceRecords: [{ Value: '"v=spf1 -all"' }],
      },
    ],
  };
}

/** The us-east-2 fixtures, with the VPC's DNS attributes, and one private hosted zone. */
export function us2Data(): FakeAwsData {
  return { ...cliData('us-east-2'), zones: [internalZone()] };
}

/** The four EC2 documents of a fixture set, the VPCs with both DNS attributes on. */
function cliData(set: string): Omit<FakeAwsData, 'zones'> {
  return {
    endpoints: cliJson(set, 'endpoints').VpcEndpoints,
    networkInterfaces: cliJson(set, 'network-interfaces').NetworkInterfaces,
    subnets: cliJson(set, 'subnets').Subnets,
    vpcs: cliJson(set, 'vpcs').Vpcs.map((v: Record<string, unknown>) => ({
      ...v,
      EnableDnsSupport: true,
      EnableDnsHostnames: true,
    })),
  };
}

/**
 * What LocalStack (moto underneath) answers after create-vpc / create-subnet /
 * create-vpc-endpoint: one DnsEntry named `<id>-<random>.<service name>` with a random zone id,
 * no IpAddressType or DnsOptions, no DNS attributes on the VPC, and the interface addresses not
 * in the subnets (or no interfaces at all).
 */
export function emulatorData(): FakeAwsData {
  const vpc = 'vpc-1a2b3c4d5e6f70809';
  return {
    vpcs: [
      {
        VpcId: vpc,
        CidrBlock: '10.0.0.0/16',
        State: 'available',
        CidrBlockAssociationSet: [
          {
            AssociationId: 'vpc-cidr-assoc-1',
            CidrBlock: '10.0.0.0/16',
            CidrBlockState: { State: 'associated' },
          },
        ],
        IsDefault: false,
      },
    ],
    subnets: [
      {
        SubnetId: 'subnet-0aa0000000000001a',
        VpcId: vpc,
        CidrBlock: '10.0.1.0/24',
        AvailabilityZone: 'us-east-1a',
      },
      {
        SubnetId: 'subnet-0aa0000000000002b',
        VpcId: vpc,
        CidrBlock: '10.0.2.0/24',
        AvailabilityZone: 'us-east-1b',
      },
    ],
    endpoints: [
      {
        VpcEndpointId: 'vpce-1a2b3c4d5e6f70809',
        VpcEndpointType: 'Interface',
        VpcId: vpc,
        ServiceName: 'com.amazonaws.us-east-1.sqs',
        State: 'available',
        SubnetIds: ['subnet-0aa0000000000001a', 'subnet-0aa0000000000002b'],
        NetworkInterfaceIds: ['eni-0bb0000000000001a', 'eni-0bb0000000000002b'],
        DnsEntries: [
          {
            DnsName: 'vpce-1a2b3c4d5e6f70809-w8hx3kq2.com.amazonaws.us-east-1.sqs',
            HostedZoneId: 'R0FWPQXKSD0LI',
          },
        ],
        PrivateDnsEnabled: true,
      },
      {
        VpcEndpointId: 'vpce-2b3c4d5e6f7080910',
        VpcEndpointType: 'Interface',
        VpcId: vpc,
        ServiceName: 'com.amazonaws.us-east-1.ssm',
        State: 'available',
        SubnetIds: ['subnet-0aa0000000000001a'],
        NetworkInterfaceIds: [],
        DnsEntries: [
          { DnsName: 'vpce-2b3c4d5e6f7080910-abcdefgh.com.amazonaws.us-east-1.ssm', HostedZoneId: 'ZFAKE' },
        ],
        PrivateDnsEnabled: false,
      },
      {
        VpcEndpointId: 'vpce-3c4d5e6f708091011',
        VpcEndpointType: 'Gateway',
        VpcId: vpc,
        ServiceName: 'com.amazonaws.us-east-1.s3',
        State: 'available',
        RouteTableIds: ['rtb-0123456789abcdef0'],
      },
    ],
    networkInterfaces: [
      // moto picks addresses without looking at the subnet
      {
        NetworkInterfaceId: 'eni-0bb0000000000001a',
        SubnetId: 'subnet-0aa0000000000001a',
        VpcId: vpc,
        PrivateIpAddress: '10.96.32.7',
        Status: 'in-use',
      },
      {
        NetworkInterfaceId: 'eni-0bb0000000000002b',
        SubnetId: 'subnet-0aa0000000000002b',
        VpcId: vpc,
        AvailabilityZone: 'us-east-1b',
        PrivateIpAddress: '10.0.2.44',
        Status: 'in-use',
      },
    ],
    zones: [],
  };
}

export const KINDS_VPC = 'vpc-0b0e03534b5f3f8ef';

/**
 * The us-east-1 fixtures of every endpoint kind (a resource endpoint, a service-network endpoint
 * with two resources, cross-Region, region-less, gateway, inbound-only S3), with the VPC's DNS
 * attributes and the describe-vpc-endpoint-associations output for the resource names.
 */
export function kindsData(): FakeAwsData {
  return {
    ...cliData('kinds-us-east-1'),
    associations: cliJson('kinds-us-east-1', 'associations').VpcEndpointAssociations,
    zones: [],
  };
}
