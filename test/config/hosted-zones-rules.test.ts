/**
 * The invalid-config table for private hosted zones: every rule Route 53 (and EC2, for private
 * DNS) enforces, each located at FILE:LINE:COL with a message that says how to fix it.
 */
import { describe } from 'vitest';
import { editLine, insertAfter, type RuleCase, ruleTable } from '../helpers/config-rules.js';

/** A valid config; each case edits it. Line numbers refer to this text. */
const BASE = `vpcs:
  - id: vpc-0a1b2c3d4e5f60718
    region: us-east-2
    cidrs: [10.0.0.0/16]
    subnets:
      - id: subnet-0aaa
        az: us-east-2a
        ipv4Cidr: 10.0.1.0/24
    endpoints:
      - id: vpce-0c1a2b3c4d5e6f708
        dnsSuffix: abcd1234
        service: com.amazonaws.us-east-2.sqs
        privateDnsEnabled: false
        interfaces:
          - subnet: subnet-0aaa
            ipv4: 10.0.1.40
  - id: vpc-0aaaaaaaaaaaaaaa1
    region: us-east-2
    cidrs: [10.10.0.0/16]
privateHostedZones:
  - name: sqs.us-east-2.amazonaws.com
    vpcs: [vpc-0aaaaaaaaaaaaaaa1]
    records:
      - name: sqs.us-east-2.amazonaws.com
        type: A
        aliasTarget: { dnsName: vpce-0c1a2b3c4d5e6f708-abcd1234.sqs.us-east-2.vpce.amazonaws.com }
  - name: corp.internal
    vpcs: [vpc-0aaaaaaaaaaaaaaa1]
    records:
      - { name: api.corp.internal, type: A, ttl: 300, values: [10.0.5.10] }
      - { name: www.corp.internal, type: CNAME, values: [api.corp.internal] }
      - { name: w.corp.internal, type: A, values: [10.9.0.1], setIdentifier: blue, weight: 3 }
      - { name: w.corp.internal, type: A, values: [10.9.0.2], setIdentifier: green, weight: 1 }
`;

const edit = (line: number, text: string, base = BASE) => editLine(base, line, text);
const insert = (line: number, text: string, base = BASE) => insertAfter(base, line, text);

const rec = (s: string) => `      - ${s}`;

const cases: RuleCase[] = [
  {
    rule: 'a CNAME beside other data at its name',
    yaml: insert(31, rec(`{ name: www.corp.internal, type: TXT, values: ['"x"'] }`)),
    line: 32,
    at: 'TXT',
    code: 'config.hosted-zone-cname',
    path: 'privateHostedZones[1].records[2].type',
    message: /www\.corp\.internal has a CNAME and a TXT record; .*make the CNAME an alias record/,
  },
  {
    rule: 'a CNAME at the zone apex',
    yaml: edit(31, rec('{ name: corp.internal, type: CNAME, values: [api.corp.internal] }')),
    line: 31,
    at: 'CNAME',
    code: 'config.hosted-zone-cname',
    path: 'privateHostedZones[1].records[1].type',
    message: /a CNAME cannot sit at the zone apex corp\.internal .*use an A alias record instead/,
  },
  {
    rule: 'a record outside its zone',
    yaml: edit(30, rec('{ name: api.corp.example, type: A, ttl: 300, values: [10.0.5.10] }')),
    line: 30,
    at: 'api.corp.example',
    code: 'config.hosted-zone-record',
    path: 'privateHostedZones[1].records[0].name',
    message: /record api\.corp\.example is outside the zone corp\.internal; name it …\.corp\.internal/,
  },
  {
    rule: 'a value that is not in presentation format',
    yaml: edit(30, rec('{ name: api.corp.internal, type: A, ttl: 300, values: [10.0.5.300] }')),
    line: 30,
    at: '10.0.5.300',
    code: 'config.hosted-zone-record',
    path: 'privateHostedZones[1].records[0].values[0]',
    message: /"10\.0\.5\.300" is not an IPv4 address; write it like 10\.0\.5\.10/,
  },
  {
    rule: 'an MX value without its preference',
    yaml: insert(33, rec('{ name: corp.internal, type: MX, values: [mail.corp.internal] }')),
    line: 34,
    at: 'mail.corp.internal',
    code: 'config.hosted-zone-record',
    path: 'privateHostedZones[1].records[4].values[0]',
    message: /is not "PREFERENCE HOST"; write it like 10 mail\.corp\.internal/,
  },
  {
    rule: 'both values and aliasTarget',
    yaml: edit(
      30,
      rec(
        '{ name: api.corp.internal, type: A, values: [10.0.5.10], aliasTarget: { dnsName: w.corp.internal } }',
      ),
    ),
    line: 30,
    at: '{ dnsName',
    code: 'config.hosted-zone-record',
    path: 'privateHostedZones[1].records[0].aliasTarget',
    message: /values or an aliasTarget, not both/,
  },
  {
    rule: 'neither values nor aliasTarget',
    yaml: edit(30, rec('{ name: api.corp.internal, type: A }')),
    line: 30,
    at: '{ name',
    code: 'config.hosted-zone-record',
    path: 'privateHostedZones[1].records[0]',
    message: /has neither values nor aliasTarget; add values/,
  },
  {
    rule: 'a TTL on an alias',
    yaml: insert(25, '        ttl: 60'),
    line: 26,
    at: '60',
    code: 'config.hosted-zone-record',
    path: 'privateHostedZones[0].records[0].ttl',
    message: /an alias answers with its target's TTL; remove ttl/,
  },
  {
    rule: 'a simple record set declared twice',
    yaml: insert(30, rec('{ name: api.corp.internal, type: A, values: [10.0.5.11] }')),
    line: 31,
    at: '{ name',
    code: 'config.hosted-zone-record',
    path: 'privateHostedZones[1].records[1]',
    message: /api\.corp\.internal A is declared twice .*merge their values/,
  },
  {
    rule: 'an alias to a name nothing answers',
    yaml: edit(
      26,
      '        aliasTarget: { dnsName: vpce-0c1a2b3c4d5e6f708-zzzz9999.sqs.us-east-2.vpce.amazonaws.com }',
    ),
    line: 26,
    at: 'vpce-',
    code: 'config.hosted-zone-alias',
    path: 'privateHostedZones[0].records[0].aliasTarget.dnsName',
    message:
      /points at vpce-0c1a2b3c4d5e6f708-zzzz9999\.sqs\.us-east-2\.vpce\.amazonaws\.com, which nothing answers: no endpoint .*; point it at an endpoint regional or zonal name/,
  },
  {
    rule: 'an alias to a record of another type',
    yaml: insert(
      33,
      rec('{ name: a.corp.internal, type: AAAA, aliasTarget: { dnsName: api.corp.internal } }'),
    ),
    line: 34,
    at: 'api.corp.internal }',
    code: 'config.hosted-zone-alias',
    path: 'privateHostedZones[1].records[4].aliasTarget.dnsName',
    message: /zone corp\.internal has no AAAA record api\.corp\.internal/,
  },
  {
    rule: 'an alias loop',
    yaml: insert(
      33,
      [
        rec('{ name: a.corp.internal, type: A, aliasTarget: { dnsName: b.corp.internal } }'),
        rec('{ name: b.corp.internal, type: A, aliasTarget: { dnsName: a.corp.internal } }'),
      ].join('\n'),
    ),
    line: 34,
    at: 'b.corp.internal }',
    code: 'config.hosted-zone-alias',
    path: 'privateHostedZones[1].records[4].aliasTarget.dnsName',
    message: /aliases form a loop: a\.corp\.internal A → b\.corp\.internal A → a\.corp\.internal A/,
  },
  {
    rule: 'mixing routing policies in one name',
    yaml: edit(
      33,
      rec('{ name: w.corp.internal, type: A, values: [10.9.0.2], setIdentifier: green, failover: PRIMARY }'),
    ),
    line: 33,
    at: '{ name',
    code: 'config.hosted-zone-routing',
    path: 'privateHostedZones[1].records[3]',
    message: /w\.corp\.internal A mixes weighted routing \(records\[2\]\) with failover routing/,
  },
  {
    rule: 'a simple record beside weighted ones',
    yaml: insert(33, rec('{ name: w.corp.internal, type: A, values: [10.9.0.4] }')),
    line: 34,
    at: '{ name',
    code: 'config.hosted-zone-routing',
    path: 'privateHostedZones[1].records[4]',
    message: /mixes weighted routing \(records\[2\]\) with simple routing/,
  },
  {
    rule: 'duplicate set identifiers',
    yaml: edit(
      33,
      rec('{ name: w.corp.internal, type: A, values: [10.9.0.2], setIdentifier: blue, weight: 1 }'),
    ),
    line: 33,
    at: 'blue',
    code: 'config.hosted-zone-routing',
    path: 'privateHostedZones[1].records[3].setIdentifier',
    message: /set identifier "blue" is already used by records\[2\]/,
  },
  {
    rule: 'a weighted record without a set identifier',
    yaml: edit(33, rec('{ name: w.corp.internal, type: A, values: [10.9.0.2], weight: 1 }')),
    line: 33,
    at: '1 }',
    code: 'config.hosted-zone-routing',
    path: 'privateHostedZones[1].records[3].weight',
    message: /weighted records need a setIdentifier/,
  },
  {
    rule: 'two primaries in a failover set',
    yaml: edit(
      32,
      [
        rec('{ name: w.corp.internal, type: A, values: [10.9.0.1], setIdentifier: blue, failover: PRIMARY }'),
        rec(
          '{ name: w.corp.internal, type: A, values: [10.9.0.2], setIdentifier: green, failover: PRIMARY }',
        ),
      ].join('\n'),
      edit(33, ''),
    ),
    line: 33,
    at: 'PRIMARY',
    code: 'config.hosted-zone-routing',
    path: 'privateHostedZones[1].records[3].failover',
    message:
      /already has a PRIMARY record \(records\[2\]\); a failover set has one PRIMARY and one SECONDARY/,
  },
  {
    rule: 'latency routing is rejected with why',
    yaml: edit(
      33,
      rec(
        '{ name: w.corp.internal, type: A, values: [10.9.0.2], setIdentifier: green, weight: 1, region: us-east-2 }',
      ),
    ),
    line: 33,
    at: 'us-east-2 }',
    code: 'config.hosted-zone-routing',
    path: 'privateHostedZones[1].records[3].region',
    message: /latency routing is not supported: it depends on where AWS sees the query from/,
  },
  {
    rule: 'geolocation routing is rejected with why',
    yaml: edit(
      33,
      rec(
        '{ name: w.corp.internal, type: A, values: [10.9.0.2], setIdentifier: green, weight: 1, geoLocation: { countryCode: DE } }',
      ),
    ),
    line: 33,
    at: '{ countryCode',
    code: 'config.hosted-zone-routing',
    path: 'privateHostedZones[1].records[3].geoLocation',
    message: /geolocation routing is not supported: it depends on where AWS sees the query from/,
  },
  {
    rule: 'IP-based routing is rejected with why',
    yaml: edit(
      33,
      rec(
        '{ name: w.corp.internal, type: A, values: [10.9.0.2], setIdentifier: green, weight: 1, cidrRoutingConfig: { collectionId: c, locationName: l } }',
      ),
    ),
    line: 33,
    at: '{ collectionId',
    code: 'config.hosted-zone-routing',
    path: 'privateHostedZones[1].records[3].cidrRoutingConfig',
    message: /IP-based routing is not supported/,
  },
  {
    rule: 'a health check on a simple record',
    yaml: edit(
      30,
      rec('{ name: api.corp.internal, type: A, values: [10.0.5.10], healthCheck: { tcp: "127.0.0.1:9" } }'),
    ),
    line: 30,
    at: '{ tcp',
    code: 'config.hosted-zone-routing',
    path: 'privateHostedZones[1].records[0].healthCheck',
    message: /a health check only changes the answer of weighted, failover and multivalue records/,
  },
  {
    rule: 'a zone associated with an unknown VPC',
    yaml: edit(28, '    vpcs: [vpc-0fffffffffffffff9]'),
    line: 28,
    at: 'vpc-0fffffffffffffff9',
    code: 'config.hosted-zone-vpc',
    path: 'privateHostedZones[1].vpcs[0]',
    message:
      /VPC vpc-0fffffffffffffff9 is not in this config; associate the zone with one of: vpc-0a1b2c3d4e5f60718, vpc-0aaaaaaaaaaaaaaa1/,
  },
  {
    rule: 'two zones of the same name in one VPC',
    yaml: `${BASE}  - name: Corp.Internal.\n    vpcs: [vpc-0aaaaaaaaaaaaaaa1]\n`,
    line: 35,
    at: 'vpc-0aaaaaaaaaaaaaaa1',
    code: 'config.hosted-zone-vpc',
    path: 'privateHostedZones[2].vpcs[0]',
    message:
      /VPC vpc-0aaaaaaaaaaaaaaa1 is already associated with a zone named corp\.internal \(privateHostedZones\[1\]\); .*merge the two zones/,
  },
  {
    rule: 'an endpoint with private DNS enabled whose name is an associated zone',
    yaml: edit(
      13,
      '        privateDnsEnabled: true',
      edit(22, '    vpcs: [vpc-0aaaaaaaaaaaaaaa1, vpc-0a1b2c3d4e5f60718]'),
    ),
    line: 13,
    at: 'true',
    code: 'config.private-dns-conflict',
    path: 'vpcs[0].endpoints[0].privateDnsEnabled',
    message:
      /private-dns-enabled cannot be set because there is already a conflicting DNS domain for sqs\.us-east-2\.amazonaws\.com in the VPC vpc-0a1b2c3d4e5f60718 .*set privateDnsEnabled: false/,
  },
  {
    rule: 'a zone record of an unknown type (schema)',
    yaml: edit(30, rec('{ name: api.corp.internal, type: HINFO, values: [x] }')),
    line: 30,
    at: 'HINFO',
    code: 'config.invalid-choice',
    path: 'privateHostedZones[1].records[0].type',
    message: /must be one of: A, AAAA, CNAME, TXT, MX, SRV, PTR, CAA, NAPTR, SPF, NS, SOA/,
  },
];

describe('private hosted zone rules', () => {
  ruleTable(BASE, cases, 'zones.yaml');
});
