/**
 * Rules of the newer endpoint kinds: each row edits a valid config and expects one problem at
 * FILE:LINE:COL with its code and a message that says how to fix it.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/validate.js';
import { editLine, insertAfter, type RuleCase, ruleTable } from '../helpers/config-rules.js';
import { memIo } from '../helpers/mem-io.js';

/** A valid config with one endpoint of each kind. Line numbers refer to this text. */
const BASE = `vpcs:
  - id: vpc-0a1b2c3d4e5f60718
    region: us-east-2
    cidrs: [10.0.0.0/16]
    inboundResolverCidrs: [192.168.50.0/24]
    subnets:
      - id: subnet-0aaa
        az: us-east-2a
        ipv4Cidr: 10.0.1.0/24
      - id: subnet-0bbb
        az: us-east-2b
        ipv4Cidr: 10.0.2.0/24
    endpoints:
      - id: vpce-0c1a2b3c4d5e6f701
        service: com.amazonaws.us-west-2.s3
        serviceRegion: us-west-2
        interfaces:
          - subnet: subnet-0aaa
            ipv4: 10.0.1.71
      - id: vpce-0d1a2b3c4d5e6f702
        service: com.amazonaws.iam
        serviceRegion: us-east-1
        interfaces:
          - subnet: subnet-0aaa
            ipv4: 10.0.1.72
      - id: vpce-019b90d6f16d4f958
        type: resource
        resourceConfigurationId: rcfg-07129f3acded87625
        customDomainName: db.example.internal
        interfaces:
          - subnet: subnet-0aaa
            ipv4: 10.0.1.73
      - id: vpce-0057aabf75896925f
        type: service-network
        serviceNetworkId: sn-0f7a8ceee967ecf4b
        resources:
          - associationId: snra-08ab290695bf1e2f5
            resourceConfigurationId: rcfg-03eb9d30003e44cbc
        interfaces:
          - subnet: subnet-0bbb
            ipv4: 10.0.2.74
      - id: vpce-0a0b0c0d0e0f00001
        type: gateway
        service: com.amazonaws.us-east-2.s3
      - id: vpce-0e1a2b3c4d5e6f703
        service: com.amazonaws.us-east-2.s3
        privateDnsOnlyForInboundResolverEndpoint: true
        interfaces:
          - subnet: subnet-0aaa
            ipv4: 10.0.1.75
`;

const edit = (line: number, text: string, base = BASE) => editLine(base, line, text);
const insert = (line: number, text: string, base = BASE) => insertAfter(base, line, text);

const E = 'vpcs[0].endpoints';
const cases: RuleCase[] = [
  {
    rule: 'region-less service accepted, but from another Region only with serviceRegion',
    yaml: edit(22, ''),
    line: 21,
    col: 18,
    path: `${E}[1].service`,
    code: 'config.cross-region',
    message: /com\.amazonaws\.iam is served from us-east-1; .* add serviceRegion: us-east-1/,
  },
  {
    rule: 'region-less service with the wrong serviceRegion',
    yaml: edit(22, '        serviceRegion: eu-west-1'),
    line: 22,
    col: 24,
    path: `${E}[1].serviceRegion`,
    code: 'config.cross-region',
    message: /served from us-east-1: use serviceRegion: us-east-1/,
  },
  {
    rule: 'serviceRegion equal to the VPC Region',
    yaml: edit(15, '        service: com.amazonaws.us-east-2.kms').replace(
      '        serviceRegion: us-west-2\n',
      '        serviceRegion: us-east-2\n',
    ),
    line: 16,
    col: 24,
    path: `${E}[0].serviceRegion`,
    code: 'config.cross-region',
    message: /is the VPC's own Region; .* remove serviceRegion/,
  },
  {
    rule: 'service name of another Region than serviceRegion',
    yaml: edit(16, '        serviceRegion: eu-west-1'),
    line: 16,
    col: 24,
    path: `${E}[0].serviceRegion`,
    code: 'config.cross-region',
    message:
      /is in us-west-2, not in serviceRegion eu-west-1; use com\.amazonaws\.eu-west-1\.s3 or serviceRegion: us-west-2/,
  },
  {
    rule: 'service that is not cross-Region capable',
    yaml: edit(15, '        service: com.amazonaws.us-west-2.monitoring'),
    line: 15,
    col: 18,
    path: `${E}[0].service`,
    code: 'config.cross-region',
    message: /monitoring is not among the AWS services AWS lists as cross-Region capable \(s3, ecr\.api/,
  },
  {
    rule: 'another Region without serviceRegion suggests it for capable services',
    yaml: edit(16, ''),
    line: 15,
    col: 18,
    path: `${E}[0].service`,
    code: 'config.service-name',
    message:
      /is in us-west-2 but VPC .* is in us-east-2; .*or add serviceRegion: us-west-2 for a cross-Region endpoint/,
  },
  {
    rule: 'resource endpoint without resourceConfigurationId',
    yaml: edit(28, ''),
    line: 27,
    col: 15,
    path: `${E}[2].type`,
    code: 'config.endpoint-kind',
    message: /a resource endpoint needs resourceConfigurationId/,
  },
  {
    rule: 'resource endpoint with a service name',
    yaml: insert(28, '        service: com.amazonaws.us-east-2.rds'),
    line: 29,
    col: 18,
    path: `${E}[2].service`,
    code: 'config.endpoint-kind',
    message: /a resource endpoint has no service .*; remove service/,
  },
  {
    rule: 'malformed resource configuration id',
    yaml: edit(28, '        resourceConfigurationId: rcfg-123'),
    line: 28,
    col: 34,
    path: `${E}[2].resourceConfigurationId`,
    code: 'config.invalid-value',
    message: /a resource configuration id is rcfg- followed by 17/,
  },
  {
    rule: 'custom domain name that is not a domain name',
    yaml: edit(29, '        customDomainName: db..example'),
    line: 29,
    col: 27,
    path: `${E}[2].customDomainName`,
    code: 'config.endpoint-kind',
    message: /"db\.\.example" is not a domain name; use labels of letters, digits and hyphens/,
  },
  {
    rule: 'service-network endpoint without serviceNetworkId',
    yaml: edit(35, ''),
    line: 34,
    col: 15,
    path: `${E}[3].type`,
    code: 'config.endpoint-kind',
    message: /a service-network endpoint needs serviceNetworkId/,
  },
  {
    rule: 'resources on an interface endpoint',
    yaml: insert(
      16,
      '        resources:\n          - associationId: snra-08ab290695bf1e2f5\n            resourceConfigurationId: rcfg-03eb9d30003e44cbc',
    ),
    line: 18,
    col: 11,
    path: `${E}[0].resources`,
    code: 'config.endpoint-kind',
    message:
      /resources is for resource and service-network endpoints; remove it or set type: service-network/,
  },
  {
    rule: 'specified-domains preference without domains',
    yaml: insert(35, '        privateDnsPreference: SPECIFIED_DOMAINS_ONLY'),
    line: 36,
    col: 31,
    path: `${E}[3].privateDnsPreference`,
    code: 'config.endpoint-kind',
    message: /needs privateDnsSpecifiedDomains; list the domains/,
  },
  {
    rule: 'gateway endpoint for a service without one',
    yaml: insert(44, '      - type: gateway\n        service: com.amazonaws.us-east-2.monitoring'),
    line: 46,
    col: 18,
    path: `${E}[5].service`,
    code: 'config.endpoint-kind',
    message: /gateway endpoints exist for S3 and DynamoDB only/,
  },
  {
    rule: 'gateway endpoint with interfaces',
    yaml: insert(44, '        interfaces:\n          - subnet: subnet-0bbb\n            ipv4: 10.0.2.9'),
    line: 46,
    col: 11,
    path: `${E}[4].interfaces`,
    code: 'config.endpoint-kind',
    message: /a gateway endpoint has no network interfaces/,
  },
  {
    rule: 'interface endpoint without interfaces',
    yaml: BASE.replace(
      '        interfaces:\n          - subnet: subnet-0aaa\n            ipv4: 10.0.1.72\n',
      '',
    ),
    line: 20,
    col: 9,
    path: `${E}[1].interfaces`,
    code: 'config.endpoint-kind',
    message: /an interface endpoint has one network interface per subnet; add interfaces/,
  },
  {
    rule: 'inbound-only private DNS without an S3 gateway endpoint',
    yaml: BASE.replace(
      '      - id: vpce-0a0b0c0d0e0f00001\n        type: gateway\n        service: com.amazonaws.us-east-2.s3\n',
      '',
    ),
    line: 44,
    col: 51,
    path: `${E}[4].privateDnsOnlyForInboundResolverEndpoint`,
    code: 'config.inbound-resolver',
    message: /AWS requires a gateway endpoint for S3 in the same VPC: add an endpoint with type: gateway/,
  },
  {
    rule: 'inbound-only private DNS on another service',
    yaml: insert(22, '        privateDnsOnlyForInboundResolverEndpoint: true'),
    line: 23,
    col: 51,
    path: `${E}[1].privateDnsOnlyForInboundResolverEndpoint`,
    code: 'config.inbound-resolver',
    message: /is for S3 interface endpoints/,
  },
  {
    rule: 'inbound-only private DNS with private DNS off',
    yaml: insert(47, '        privateDnsEnabled: false'),
    line: 47,
    col: 51,
    path: `${E}[5].privateDnsOnlyForInboundResolverEndpoint`,
    code: 'config.inbound-resolver',
    message: /needs privateDnsEnabled: true/,
  },
  {
    rule: 'verification state on an AWS service',
    yaml: insert(16, '        privateDnsNameVerification: failed'),
    line: 17,
    col: 37,
    path: `${E}[0].privateDnsNameVerification`,
    code: 'config.endpoint-kind',
    message: /is an AWS service, whose names need no verification: remove it/,
  },
];

describe('endpoint kind rules', () => {
  ruleTable(BASE, cases);

  it('warns about an endpoint-service name that is not verified, and about inbound-only names nobody sees', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pldns-kinds-'));
    try {
      const file = join(dir, 'endpoints.yaml');
      const text = `${BASE}      - id: vpce-0f1a2b3c4d5e6f704
        service: com.amazonaws.vpce.us-east-2.vpce-svc-0123456789abcdef0
        privateDnsNames: [api.partner.example.com]
        privateDnsNameVerification: pendingVerification
        interfaces:
          - subnet: subnet-0bbb
            ipv4: 10.0.2.76
`.replace('    inboundResolverCidrs: [192.168.50.0/24]\n', '');
      writeFileSync(file, text);
      const m = memIo();
      expect(await run(['--config', file, '--codes'], m.io)).toBe(0);
      const lines = m.stderr().trim().split('\n');
      expect(lines).toEqual([
        expect.stringMatching(
          /endpoints\.yaml:46:51 {2}vpcs\[0\]\.endpoints\[5\]\.privateDnsOnlyForInboundResolverEndpoint {2}warning: VPC .* has no inboundResolverCidrs.*\[config\.inbound-resolver\]$/,
        ),
        expect.stringMatching(
          /endpoints\.yaml:53:37 {2}vpcs\[0\]\.endpoints\[6\]\.privateDnsNameVerification {2}warning: the private DNS name of .* is pendingVerification.*\[config\.private-dns-unverified\]$/,
        ),
      ]);
      expect(m.stdout()).toMatch(/valid \(1 VPC, 7 endpoints; 2 warnings\)$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
