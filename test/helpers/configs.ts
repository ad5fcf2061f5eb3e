/** Config objects shared by tests (the same shapes users write in YAML). */
import type { ConfigInput } from '../../src/config/schema.js';

export const VPC_ID = 'vpc-0a1b2c3d4e5f60718';
export const CW_ID = 'vpce-099deb00b40f00e22';
export const CW_REGIONAL = 'vpce-099deb00b40f00e22-lj2wisx3.monitoring.us-east-2.vpce.amazonaws.com';
export const cwZonal = (az: string) =>
  `vpce-099deb00b40f00e22-lj2wisx3-${az}.monitoring.us-east-2.vpce.amazonaws.com`;

export const SUBNETS = [
  { id: 'subnet-0aaa', az: 'us-east-2a', ipv4Cidr: '10.0.1.0/24', ipv6Cidr: '2600:1f16:1:a01::/64' },
  { id: 'subnet-0bbb', az: 'us-east-2b', ipv4Cidr: '10.0.2.0/24', ipv6Cidr: '2600:1f16:1:a02::/64' },
  { id: 'subnet-0ccc', az: 'us-east-2c', ipv4Cidr: '10.0.3.0/24', ipv6Cidr: '2600:1f16:1:a03::/64' },
];

type EndpointInput = NonNullable<NonNullable<ConfigInput['vpcs']>[number]['endpoints']>[number];

export const cloudwatch = (over: Partial<EndpointInput> = {}): EndpointInput => ({
  id: CW_ID,
  dnsSuffix: 'lj2wisx3',
  service: 'com.amazonaws.us-east-2.monitoring',
  privateDnsEnabled: true,
  ipAddressType: 'ipv4',
  interfaces: [
    { subnet: 'subnet-0aaa', ipv4: '10.0.1.23' },
    { subnet: 'subnet-0bbb', ipv4: '10.0.2.23' },
    { subnet: 'subnet-0ccc', ipv4: '10.0.3.23' },
  ],
  ...over,
});

/** One VPC (clients 127.0.0.0/8 and ::1 inside it) with the given endpoints. */
export function oneVpc(
  endpoints: EndpointInput[],
  over: Partial<ConfigInput> = {},
  vpcOver = {},
): ConfigInput {
  return {
    ...over,
    vpcs: [
      {
        id: VPC_ID,
        region: 'us-east-2',
        cidrs: ['10.0.0.0/16', '127.0.0.0/8', '::1/128'],
        subnets: SUBNETS,
        endpoints,
        ...vpcOver,
      },
    ],
  };
}

export const dualstackEndpoint = (
  dnsRecordIpType: 'ipv4' | 'ipv6' | 'dualstack' | 'service-defined',
): EndpointInput => ({
  id: 'vpce-0d3c1f2e4b5a69788',
  dnsSuffix: 'q7w8e9r0',
  service: 'com.amazonaws.us-east-2.ssm',
  ipAddressType: 'dualstack',
  dnsRecordIpType,
  interfaces: [
    { subnet: 'subnet-0aaa', ipv4: '10.0.1.60', ipv6: '2600:1f16:1:a01::60' },
    { subnet: 'subnet-0bbb', ipv4: '10.0.2.60', ipv6: '2600:1f16:1:a02::60' },
  ],
});
