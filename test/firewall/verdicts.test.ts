/**
 * DNS Firewall verdicts, as tables: wildcards, rule and association priorities, query-type
 * filters, per-VPC associations and fail-open. Each row is a query from a VPC and the rule that
 * must decide it (or none).
 */
import { describe, expect, it } from 'vitest';
import { parseConfigObject } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { RRType } from '../../src/dns/constants.js';
import { isSpecError, parseDomainSpec } from '../../src/route53/firewall/domains.js';
import type { Firewall } from '../../src/route53/firewall/model.js';

const VPC_A = 'vpc-0a1b2c3d4e5f60718';
const VPC_B = 'vpc-0b1b2c3d4e5f60718';

function vpc(id: string, cidr: string) {
  return { id, region: 'us-east-2', cidrs: [cidr], subnets: [], endpoints: [] };
}

function firewallOf(firewall: ConfigInput['firewall']): Firewall {
  const loaded = parseConfigObject({
    vpcs: [vpc(VPC_A, '10.1.0.0/16'), vpc(VPC_B, '10.2.0.0/16')],
    firewall,
  });
  if (!loaded.firewall) throw new Error('no firewall compiled');
  return loaded.firewall;
}

/** "group/rule" of the verdict, "fail-open"/"fail-closed", or null. */
function decide(fw: Firewall, vpcId: string, name: string, type = 'A'): string | null {
  const t = RRType[type as keyof typeof RRType];
  const v = fw.evaluate(vpcId, name, t);
  if (v === null) return null;
  return v.kind === 'rule' ? `${v.group.name}/${v.name}` : v.kind;
}

describe('domain specifications', () => {
  it.each([
    ['example.com', { name: 'example.com', wildcard: false }],
    ['Example.COM.', { name: 'example.com', wildcard: false }],
    ['*.example.com', { name: 'example.com', wildcard: true }],
    ['*', { name: '', wildcard: true }],
    ['a-b.c0', { name: 'a-b.c0', wildcard: false }],
  ])('%s is accepted', (text, spec) => {
    expect(parseDomainSpec(text)).toEqual(spec);
  });
  it.each([
    ['a..b', 2],
    ['*example.com', 1],
    ['a.*.com', 2],
    ['under_score.com', 5],
    ['sp ace.com', 2],
    ['.lead', 0],
    [`${'a'.repeat(64)}.com`, 0],
  ])('%s is refused at character %i', (text, at) => {
    const r = parseDomainSpec(text);
    expect(isSpecError(r)).toBe(true);
    if (isSpecError(r)) expect(r.at).toBe(at);
  });
});

describe('wildcards as AWS defines them', () => {
  const fw = firewallOf({
    domainLists: [
      { name: 'exact', domains: ['exact.example'] },
      { name: 'wild', domains: ['*.wild.example'] },
      { name: 'both', domains: ['both.example', '*.both.example'] },
      { name: 'all', domains: ['*'] },
    ],
    ruleGroups: [
      {
        name: 'g',
        rules: [
          { name: 'exact', priority: 1, domainList: 'exact', action: 'ALERT' },
          { name: 'wild', priority: 2, domainList: 'wild', action: 'ALERT' },
          { name: 'both', priority: 3, domainList: 'both', action: 'ALERT' },
        ],
      },
      { name: 'catchall', rules: [{ name: 'all', priority: 1, domainList: 'all', action: 'ALERT' }] },
    ],
    associations: [
      { ruleGroup: 'g', vpc: VPC_A, priority: 101 },
      { ruleGroup: 'catchall', vpc: VPC_B, priority: 101 },
    ],
  });
  it.each([
    ['exact.example', 'g/exact'],
    ['www.exact.example', null], // an exact name does not cover its subdomains
    ['wild.example', null], // *.wild.example does not cover wild.example itself
    ['a.wild.example', 'g/wild'],
    ['a.b.c.wild.example', 'g/wild'], // any depth
    ['xwild.example', null], // labels, not characters
    ['both.example', 'g/both'],
    ['x.both.example', 'g/both'],
    ['example', null],
  ])('%s → %s', (name, verdict) => {
    expect(decide(fw, VPC_A, name)).toBe(verdict);
  });
  it.each([['anything.at.all'], ['com'], ['x']])('* matches %s', (name) => {
    expect(decide(fw, VPC_B, name)).toBe('catchall/all');
  });
});

describe('priorities: associations first, then rules; the first match decides', () => {
  const fw = firewallOf({
    domainLists: [
      { name: 'corp', domains: ['*.corp.example'] },
      { name: 'bad', domains: ['evil.corp.example', 'evil.example'] },
    ],
    ruleGroups: [
      {
        name: 'late',
        rules: [
          // written out of order: priority decides, not the order in the file
          { name: 'block-bad', priority: 200, domainList: 'bad', action: 'BLOCK', blockResponse: 'NXDOMAIN' },
          { name: 'allow-corp', priority: 100, domainList: 'corp', action: 'ALLOW' },
        ],
      },
      {
        name: 'early',
        rules: [{ name: 'alert-bad', priority: 500, domainList: 'bad', action: 'ALERT' }],
      },
    ],
    associations: [
      { ruleGroup: 'late', vpc: VPC_A, priority: 300 },
      { ruleGroup: 'early', vpc: VPC_A, priority: 200 },
      { ruleGroup: 'late', vpc: VPC_B, priority: 101 },
    ],
  });
  it.each([
    [VPC_A, 'evil.corp.example', 'early/alert-bad'], // association 200 before 300
    [VPC_A, 'evil.example', 'early/alert-bad'],
    [VPC_A, 'www.corp.example', 'late/allow-corp'],
    [VPC_B, 'evil.corp.example', 'late/allow-corp'], // rule 100 before 200
    [VPC_B, 'evil.example', 'late/block-bad'],
    [VPC_B, 'good.example', null],
  ])('%s %s → %s', (v, name, verdict) => {
    expect(decide(fw, v, name)).toBe(verdict);
  });
});

describe('query type filters', () => {
  const fw = firewallOf({
    domainLists: [{ name: 'l', domains: ['t.example'] }],
    ruleGroups: [
      {
        name: 'g',
        rules: [
          { name: 'txt', priority: 1, domainList: 'l', action: 'ALERT', qtype: 'TXT' },
          {
            name: 'aaaa',
            priority: 2,
            domainList: 'l',
            action: 'BLOCK',
            blockResponse: 'NODATA',
            qtype: 'TYPE28',
          },
          { name: 'rest', priority: 3, domainList: 'l', action: 'ALLOW' },
        ],
      },
    ],
    associations: [{ ruleGroup: 'g', vpc: VPC_A, priority: 101 }],
  });
  it.each([
    ['TXT', 'g/txt'],
    ['AAAA', 'g/aaaa'],
    ['A', 'g/rest'],
    ['MX', 'g/rest'],
  ])('%s → %s', (type, verdict) => {
    expect(decide(fw, VPC_A, 't.example', type)).toBe(verdict);
  });
});

describe('per-VPC associations', () => {
  const fw = firewallOf({
    domainLists: [{ name: 'l', domains: ['x.example'] }],
    ruleGroups: [{ name: 'g', rules: [{ name: 'r', priority: 1, domainList: 'l', action: 'ALERT' }] }],
    associations: [{ ruleGroup: 'g', vpc: VPC_A, priority: 101 }],
  });
  it('applies in the associated VPC only', () => {
    expect(decide(fw, VPC_A, 'x.example')).toBe('g/r');
    expect(decide(fw, VPC_B, 'x.example')).toBeNull();
    expect(fw.byVpc.has(VPC_B)).toBe(false);
  });
});

describe('fail-open', () => {
  const base = {
    domainLists: [{ name: 'l', domains: ['x.example'] }],
    ruleGroups: [
      { name: 'g', rules: [{ name: 'r', priority: 1, domainList: 'l', action: 'ALERT' as const }] },
    ],
    associations: [
      { ruleGroup: 'g', vpc: VPC_A, priority: 101 },
      { ruleGroup: 'g', vpc: VPC_B, priority: 101 },
    ],
    firewallConfigs: [{ vpc: VPC_A, firewallFailOpen: 'ENABLED' as const }],
  };
  it('while available, fail-open changes nothing', () => {
    const fw = firewallOf(base);
    expect(decide(fw, VPC_A, 'x.example')).toBe('g/r');
    expect(decide(fw, VPC_B, 'y.example')).toBeNull();
  });
  it.each([
    [VPC_A, 'x.example', 'fail-open'],
    [VPC_A, 'other.example', 'fail-open'],
    [VPC_B, 'x.example', 'fail-closed'], // DISABLED is the default
  ])('unavailable: %s %s → %s', (v, name, verdict) => {
    const fw = firewallOf({ ...base, unavailable: true });
    expect(decide(fw, v, name)).toBe(verdict);
  });
});
