/** One VPC with an endpoint of every newer kind (privatelink-dns.md §7.2), as users write them. */
import type { ConfigInput } from '../../src/config/schema.js';
import { SUBNETS, VPC_ID } from './configs.js';

type EndpointInput = NonNullable<NonNullable<ConfigInput['vpcs']>[number]['endpoints']>[number];

/** Clients: 127.0.0.1 is in the VPC, 192.168.50.0/24 reaches it through a Resolver inbound endpoint. */
export const INBOUND_CLIENT = '192.168.50.9';
export const OUTSIDE_CLIENT = '192.168.7.7';

export const XR_S3_ID = 'vpce-0c1a2b3c4d5e6f701';
export const XR_S3_REGIONAL = `${XR_S3_ID}-x1r2g3n4.s3.us-west-2.vpce.amazonaws.com`;
export const xrS3Zonal = (az: string) => `${XR_S3_ID}-x1r2g3n4-${az}.s3.us-west-2.vpce.amazonaws.com`;
export const IAM_ID = 'vpce-0d1a2b3c4d5e6f702';
export const IAM_REGIONAL = `${IAM_ID}-i4m5n6o7.iam.us-east-1.vpce.amazonaws.com`;
export const RSC_ID = 'vpce-019b90d6f16d4f958';
export const RSC_NAME = `${RSC_ID}.rcfg-07129f3acded87625.4232ccc.vpc-lattice-rsc.us-east-2.on.aws`;
export const SN_ID = 'vpce-0057aabf75896925f';
export const SN_NAME_1 = `${SN_ID}-snra-08ab290695bf1e2f5.rcfg-03eb9d30003e44cbc.4232ccc.vpc-lattice-rsc.us-east-2.on.aws`;
export const SN_NAME_2 = `${SN_ID}-snra-06dd45332f4d40737.rcfg-02068184d728a2883.4232ccc.vpc-lattice-rsc.us-east-2.on.aws`;
export const S3_IN_ID = 'vpce-0e1a2b3c4d5e6f703';
export const S3_IN_REGIONAL = `${S3_IN_ID}-g8h9j0k1.s3.us-east-2.vpce.amazonaws.com`;
export const SVC_ID = 'vpce-0f1a2b3c4d5e6f704';

export const kindEndpoints = (): EndpointInput[] => [
  {
    id: XR_S3_ID,
    dnsSuffix: 'x1r2g3n4',
    service: 'com.amazonaws.us-west-2.s3',
    serviceRegion: 'us-west-2',
    interfaces: [
      { subnet: 'subnet-0aaa', ipv4: '10.0.1.71' },
      { subnet: 'subnet-0bbb', ipv4: '10.0.2.71' },
    ],
  },
  {
    id: IAM_ID,
    dnsSuffix: 'i4m5n6o7',
    service: 'com.amazonaws.iam',
    serviceRegion: 'us-east-1',
    interfaces: [
      { subnet: 'subnet-0aaa', ipv4: '10.0.1.72' },
      { subnet: 'subnet-0bbb', ipv4: '10.0.2.72' },
    ],
  },
  {
    id: RSC_ID,
    type: 'resource',
    resourceConfigurationId: 'rcfg-07129f3acded87625',
    customDomainName: 'db.example.internal',
    ipAddressType: 'dualstack',
    interfaces: [
      { subnet: 'subnet-0aaa', ipv4: '10.0.1.73', ipv6: '2600:1f16:1:a01::73' },
      { subnet: 'subnet-0bbb', ipv4: '10.0.2.73', ipv6: '2600:1f16:1:a02::73' },
    ],
  },
  {
    id: SN_ID,
    type: 'service-network',
    serviceNetworkId: 'sn-0f7a8ceee967ecf4b',
    resources: [
      {
        associationId: 'snra-08ab290695bf1e2f5',
        resourceConfigurationId: 'rcfg-03eb9d30003e44cbc',
        customDomainName: 'cache.example.internal',
        customDomainVerified: false,
      },
      { associationId: 'snra-06dd45332f4d40737', resourceConfigurationId: 'rcfg-02068184d728a2883' },
    ],
    interfaces: [
      { subnet: 'subnet-0aaa', ipv4: '10.0.1.74' },
      { subnet: 'subnet-0ccc', ipv4: '10.0.3.74' },
    ],
  },
  { id: 'vpce-0a0b0c0d0e0f00001', type: 'gateway', service: 'com.amazonaws.us-east-2.s3' },
  {
    id: S3_IN_ID,
    dnsSuffix: 'g8h9j0k1',
    service: 'com.amazonaws.us-east-2.s3',
    privateDnsOnlyForInboundResolverEndpoint: true,
    interfaces: [
      { subnet: 'subnet-0aaa', ipv4: '10.0.1.75' },
      { subnet: 'subnet-0bbb', ipv4: '10.0.2.75' },
    ],
  },
  {
    id: SVC_ID,
    dnsSuffix: 'p3n4d5g6',
    service: 'com.amazonaws.vpce.us-east-2.vpce-svc-0123456789abcdef0',
    privateDnsNames: ['api.partner.example.com'],
    privateDnsNameVerification: 'pendingVerification',
    interfaces: [{ subnet: 'subnet-0aaa', ipv4: '10.0.1.76' }],
  },
];

/** The VPC of {@link kindEndpoints}: 127.0.0.0/8 inside, 192.168.50.0/24 through the inbound endpoint. */
export function kindsVpc(
  endpoints: EndpointInput[] = kindEndpoints(),
  over: Partial<ConfigInput> = {},
): ConfigInput {
  return {
    ...over,
    vpcs: [
      {
        id: VPC_ID,
        region: 'us-east-2',
        cidrs: ['10.0.0.0/16', '127.0.0.0/8', '::1/128'],
        inboundResolverCidrs: ['192.168.50.0/24'],
        subnets: SUBNETS,
        endpoints,
      },
    ],
  };
}
