import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/config/load.js';
import { editLine, insertAfter, problemsOf, type RuleCase, ruleTable } from '../helpers/config-rules.js';

/** A valid config; each case below edits one line of it. Line numbers refer to this text. */
const BASE = `vpcs:
  - id: vpc-0a1b2c3d4e5f60718
    region: us-east-2
    cidrs: [10.0.0.0/16]
    subnets:
      - id: subnet-0aaa
        az: us-east-2a
        ipv4Cidr: 10.0.1.0/24
        ipv6Cidr: 2600:1f16:1:a01::/64
      - id: subnet-0bbb
        az: us-east-2b
        ipv4Cidr: 10.0.2.0/24
        ipv6Cidr: 2600:1f16:1:a02::/64
      - id: subnet-0ccc
        az: us-east-2c
        ipv6Cidr: 2600:1f16:1:a03::/64
    endpoints:
      - id: vpce-099deb00b40f00e22
        service: com.amazonaws.us-east-2.monitoring
        ipAddressType: ipv4
        interfaces:
          - subnet: subnet-0aaa
            ipv4: 10.0.1.10
          - subnet: subnet-0bbb
            ipv4: 10.0.2.10
`;

const edit = (line: number, text: string, base = BASE) => editLine(base, line, text);
const insert = (line: number, text: string, base = BASE) => insertAfter(base, line, text);
const problems = (text: string) => problemsOf(text);

const cases: RuleCase[] = [
  {
    rule: 'YAML syntax error',
    yaml: edit(4, '    cidrs: [10.0.0.0/16'),
    // At the [ that is never closed, not where the parser noticed (the next line).
    line: 4,
    col: 12,
    path: '',
    message: /^YAML: the list opened here with \[ is never closed; add the \]$/,
  },
  {
    rule: 'unknown field with a suggestion',
    yaml: edit(20, '        ipAdressType: ipv4'),
    line: 20,
    col: 9,
    path: 'vpcs[0].endpoints[0].ipAdressType',
    message: /unknown field "ipAdressType"; did you mean "ipAddressType"\?/,
  },
  {
    rule: 'wrong type',
    yaml: insert(3, '    enableDnsSupport: "yes"'),
    line: 4,
    col: 23,
    path: 'vpcs[0].enableDnsSupport',
    message: /expected boolean/,
  },
  {
    rule: 'bad CIDR',
    yaml: edit(8, '        ipv4Cidr: 10.0.1.0/33'),
    line: 8,
    col: 19,
    path: 'vpcs[0].subnets[0].ipv4Cidr',
    message: /not an IPv4 CIDR range/,
  },
  {
    rule: 'bad address',
    yaml: edit(23, '            ipv4: 10.0.1.300'),
    line: 23,
    col: 19,
    path: 'vpcs[0].endpoints[0].interfaces[0].ipv4',
    message: /not an IPv4 address/,
  },
  {
    rule: 'subnet range with host bits set',
    yaml: edit(8, '        ipv4Cidr: 10.0.1.7/24'),
    line: 8,
    col: 19,
    path: 'vpcs[0].subnets[0].ipv4Cidr',
    message: /10\.0\.1\.7\/24 has host bits set; the range starting there is 10\.0\.1\.0\/24/,
  },
  {
    rule: 'subnet range size outside /16../28',
    yaml: edit(8, '        ipv4Cidr: 10.0.1.0/29', edit(23, '            ipv4: 10.0.1.5')),
    line: 8,
    col: 19,
    path: 'vpcs[0].subnets[0].ipv4Cidr',
    message: /a subnet range is \/16 to \/28 in AWS; 10\.0\.1\.0\/29 is \/29/,
  },
  {
    rule: 'more than one subnet per AZ',
    yaml: edit(11, '        az: us-east-2a'),
    line: 24,
    col: 21,
    path: 'vpcs[0].endpoints[0].interfaces[1].subnet',
    message:
      /subnets subnet-0aaa and subnet-0bbb are both in us-east-2a; an endpoint has at most one subnet per Availability Zone/,
  },
  {
    rule: 'interface subnet not in the VPC',
    yaml: edit(24, '          - subnet: subnet-0zzz'),
    line: 24,
    col: 21,
    path: 'vpcs[0].endpoints[0].interfaces[1].subnet',
    message:
      /subnet subnet-0zzz is not in VPC vpc-0a1b2c3d4e5f60718; use one of its subnets \(subnet-0aaa, subnet-0bbb, subnet-0ccc\)/,
  },
  {
    rule: 'address outside the subnet',
    yaml: edit(23, '            ipv4: 10.0.9.5'),
    line: 23,
    col: 19,
    path: 'vpcs[0].endpoints[0].interfaces[0].ipv4',
    message:
      /interface 10\.0\.9\.5 is outside subnet subnet-0aaa \(10\.0\.1\.0\/24\); pick an address inside it/,
  },
  {
    rule: 'address reserved by AWS',
    yaml: edit(23, '            ipv4: 10.0.1.2'),
    line: 23,
    col: 19,
    path: 'vpcs[0].endpoints[0].interfaces[0].ipv4',
    message: /10\.0\.1\.2 is reserved by AWS \(the first four addresses of 10\.0\.1\.0\/24\)/,
  },
  {
    rule: 'same address twice',
    yaml: insert(
      25,
      `      - id: vpce-0aaaaaaaaaaaaaaa1
        service: com.amazonaws.us-east-2.logs
        interfaces:
          - subnet: subnet-0bbb
            ipv4: 10.0.2.10`,
    ),
    line: 30,
    col: 19,
    path: 'vpcs[0].endpoints[1].interfaces[0].ipv4',
    message:
      /address 10\.0\.2\.10 is already used by endpoint vpce-099deb00b40f00e22 interface in subnet-0bbb/,
  },
  {
    rule: 'ipv4 endpoint on an IPv6-only subnet',
    yaml: edit(24, '          - subnet: subnet-0ccc'),
    line: 24,
    col: 21,
    path: 'vpcs[0].endpoints[0].interfaces[1].subnet',
    message: /subnet subnet-0ccc has no IPv4 range, but ipAddressType ipv4 needs one on every subnet/,
  },
  {
    rule: 'ipv6 endpoint on a subnet with IPv4',
    yaml: edit(
      20,
      '        ipAddressType: ipv6',
      edit(
        21,
        `        interfaces:
          - subnet: subnet-0ccc
            ipv6: 2600:1f16:1:a03::10
          - subnet: subnet-0bbb
            ipv6: 2600:1f16:1:a02::10`,
        BASE.split('\n').slice(0, 21).join('\n'),
      ),
    ),
    line: 24,
    col: 21,
    path: 'vpcs[0].endpoints[0].interfaces[1].subnet',
    message: /subnet subnet-0bbb has an IPv4 range, but ipAddressType ipv6 needs IPv6-only subnets/,
  },
  {
    rule: 'dualstack endpoint without the IPv6 address',
    yaml: edit(20, '        ipAddressType: dualstack'),
    line: 22,
    col: 13,
    path: 'vpcs[0].endpoints[0].interfaces[0].ipv6',
    message: /interface in subnet-0aaa has no ipv6 address; ipAddressType dualstack needs one/,
    count: 2,
  },
  {
    rule: 'DnsRecordIpType not allowed with the IP address type',
    yaml: insert(20, '        dnsRecordIpType: dualstack'),
    line: 21,
    col: 26,
    path: 'vpcs[0].endpoints[0].dnsRecordIpType',
    message: /dnsRecordIpType dualstack is not allowed with ipAddressType ipv4; with ipv4 use ipv4/,
  },
  {
    rule: 'private DNS without the VPC DNS attributes',
    yaml: insert(4, '    enableDnsHostnames: false'),
    line: 19,
    col: 9,
    path: 'vpcs[0].endpoints[0].privateDnsEnabled',
    message:
      /private DNS needs enableDnsSupport and enableDnsHostnames on VPC vpc-0a1b2c3d4e5f60718, but enableDnsHostnames is false/,
  },
  {
    rule: 'two endpoints claiming one private DNS name',
    yaml: insert(
      25,
      `      - id: vpce-0aaaaaaaaaaaaaaa1
        service: com.amazonaws.us-east-2.logs
        privateDnsNames: [logs.us-east-2.amazonaws.com, monitoring.us-east-2.amazonaws.com]
        interfaces:
          - subnet: subnet-0bbb
            ipv4: 10.0.2.11`,
    ),
    line: 28,
    col: 57,
    path: 'vpcs[0].endpoints[1].privateDnsNames[1]',
    message:
      /private DNS name monitoring\.us-east-2\.amazonaws\.com is already claimed by endpoint vpce-099deb00b40f00e22/,
  },
  {
    rule: 'malformed endpoint id',
    yaml: edit(18, '      - id: vpce-XYZ'),
    line: 18,
    col: 13,
    path: 'vpcs[0].endpoints[0].id',
    message: /an endpoint id is vpce- followed by 17 \(or 8\) lowercase hex digits/,
  },
  {
    rule: 'malformed DNS suffix',
    yaml: insert(18, '        dnsSuffix: LJ2WISX3'),
    line: 19,
    col: 20,
    path: 'vpcs[0].endpoints[0].dnsSuffix',
    message: /a DNS suffix is 8 characters of a-z and 0-9/,
  },
  {
    rule: 'malformed service name',
    yaml: edit(19, '        service: monitoring'),
    line: 19,
    col: 18,
    path: 'vpcs[0].endpoints[0].service',
    message: /"monitoring" is not a service name; use com\.amazonaws\.<region>\.<service>/,
  },
  {
    rule: 'service of another region',
    yaml: edit(19, '        service: com.amazonaws.us-west-2.monitoring'),
    line: 19,
    col: 18,
    path: 'vpcs[0].endpoints[0].service',
    message: /service com\.amazonaws\.us-west-2\.monitoring is in us-west-2 but VPC .* is in us-east-2/,
  },
  {
    rule: 'AZ not in the region',
    yaml: edit(11, '        az: us-west-2b'),
    line: 11,
    col: 13,
    path: 'vpcs[0].subnets[1].az',
    message: /Availability Zone "us-west-2b" is not in the VPC's region us-east-2/,
  },
  {
    rule: 'overlapping subnets',
    yaml: edit(13, '        ipv6Cidr: 2600:1f16:1:a01::/64'),
    line: 13,
    col: 19,
    path: 'vpcs[0].subnets[1].ipv6Cidr',
    message:
      /range 2600:1f16:1:a01::\/64 of subnet subnet-0bbb overlaps 2600:1f16:1:a01::\/64 of subnet subnet-0aaa/,
  },
  {
    rule: 'malformed private hosted zone id',
    yaml: insert(19, '        privateHostedZoneId: z123'),
    line: 20,
    col: 30,
    path: 'vpcs[0].endpoints[0].privateHostedZoneId',
    message: /a hosted zone id is Z followed by capital letters and digits/,
  },
  {
    rule: 'impaired AZ without subnets',
    yaml: `impairedAzs: [us-east-2d]\n${BASE}`,
    line: 1,
    col: 15,
    path: 'impairedAzs[0]',
    message: /no subnet is in Availability Zone "us-east-2d"; use one of: us-east-2a, us-east-2b, us-east-2c/,
  },
  {
    rule: 'probe knob out of range',
    yaml: insert(
      23,
      `            healthCheck:
              tcp: 10.0.1.10:443
              intervalSeconds: 0`,
    ),
    line: 26,
    col: 32,
    path: 'vpcs[0].endpoints[0].interfaces[0].healthCheck.intervalSeconds',
    message: /Too small/,
  },
];

describe('config rules', () => {
  ruleTable(BASE, cases);

  it('reports every problem at once, schema and rules together, in file order', () => {
    const yaml = `colour: blue\n${edit(23, '            ipv4: 10.0.9.5')}`;
    expect(problems(yaml).map((x) => `${x.line}:${x.col} ${x.path}`)).toEqual([
      '1:1 colour',
      '24:19 vpcs[0].endpoints[0].interfaces[0].ipv4',
    ]);
    // The subnets are still checked when an endpoint fails the schema.
    const yaml2 = insert(20, '        colour: blue', edit(11, '        az: us-west-2b'));
    expect(problems(yaml2).map((x) => `${x.line}:${x.col} ${x.path}`)).toEqual([
      '11:13 vpcs[0].subnets[1].az',
      '21:9 vpcs[0].endpoints[0].colour',
    ]);
  });

  it('formats a problem as FILE:LINE:COL  path  message', () => {
    const p = problems(edit(23, '            ipv4: 10.0.9.5'));
    expect(formatProblem(p[0])).toBe(
      'endpoints.yaml:23:19  vpcs[0].endpoints[0].interfaces[0].ipv4  interface 10.0.9.5 is outside subnet subnet-0aaa (10.0.1.0/24); pick an address inside it',
    );
  });

  it('checks two endpoints that derive the same id', () => {
    const yaml = `vpcs:
  - id: vpc-0a1b2c3d4e5f60718
    region: us-east-2
    subnets: [{ id: subnet-0aaa, az: us-east-2a, ipv4Cidr: 10.0.1.0/24 }]
    endpoints:
      - service: com.amazonaws.us-east-2.monitoring
        interfaces: [{ subnet: subnet-0aaa, ipv4: 10.0.1.10 }]
      - service: com.amazonaws.us-east-2.monitoring
        privateDnsEnabled: false
        interfaces: [{ subnet: subnet-0aaa, ipv4: 10.0.1.11 }]
`;
    const p = problems(yaml);
    expect(p.map((x) => `${x.line}:${x.col} ${x.path}`)).toEqual(['8:18 vpcs[0].endpoints[1].service']);
    expect(p[0].message).toMatch(/same VPC, service and subnets as vpcs\[0\]\.endpoints\[0\]/);
  });
});
