/**
 * The hand check of hosted zone records decides exactly as HostedZoneRecordSchema does: a record
 * it passes has the schema's output (keys and order included), a record the schema refuses is
 * never passed, and a config with a bad record reports the same problems with or without it.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../../src/config/load.js';
import { checkedRecords, fastRecord, withoutCheckedRecords } from '../../src/config/record-fast-path.js';
import { HostedZoneRecordSchema } from '../../src/config/schema.js';

const CASES: unknown[] = [
  { name: 'a.corp.internal', type: 'A', ttl: 60, values: ['10.0.0.1'] },
  { values: ['10.0.0.1', '10.0.0.2'], type: 'A', name: 'b.corp.internal' },
  { name: 'c.corp.internal', type: 'TXT', values: ['"v=spf1 -all"'] },
  { name: 'w.corp.internal', type: 'A', values: ['10.0.0.3'], setIdentifier: 'blue', weight: 3 },
  { name: 'f.corp.internal', type: 'A', values: ['10.0.0.4'], setIdentifier: 'p', failover: 'PRIMARY' },
  { name: 'm.corp.internal', type: 'A', values: ['10.0.0.5'], setIdentifier: 'm', multiValueAnswer: true },
  { name: 'al.corp.internal', type: 'A', aliasTarget: { dnsName: 'api.corp.internal' } },
  {
    name: 'al2.corp.internal',
    type: 'AAAA',
    aliasTarget: { hostedZoneId: 'Z1', evaluateTargetHealth: true, dnsName: 'api.corp.internal' },
  },
  { name: 'x.corp.internal', type: 'A', ttl: 0, values: ['10.0.0.1'] },
  { name: 'x.corp.internal', type: 'A', ttl: 2_147_483_647, values: ['10.0.0.1'] },
  { name: 'x.corp.internal', type: 'A', weight: 255, setIdentifier: 'x'.repeat(128), values: ['192.0.2.11'] },
  // Refused by the schema.
  { name: '', type: 'A', values: ['10.0.0.1'] },
  { name: 'x'.repeat(256), type: 'A', values: ['10.0.0.1'] },
  { name: 'x.corp.internal', type: 'a', values: ['10.0.0.1'] },
  { name: 'x.corp.internal', type: 'DNAME', values: ['y'] },
  { name: 'x.corp.internal', type: 'A', ttl: -1, values: ['10.0.0.1'] },
  { name: 'x.corp.internal', type: 'A', ttl: 1.5, values: ['10.0.0.1'] },
  { name: 'x.corp.internal', type: 'A', ttl: 2_147_483_648, values: ['10.0.0.1'] },
  { name: 'x.corp.internal', type: 'A', ttl: '60', values: ['10.0.0.1'] },
  { name: 'x.corp.internal', type: 'A', ttl: Number.NaN, values: ['10.0.0.1'] },
  { name: 'x.corp.internal', type: 'A', values: [] },
  { name: 'x.corp.internal', type: 'A', values: [10] },
  { name: 'x.corp.internal', type: 'A', values: '10.0.0.1' },
  { name: 'x.corp.internal', type: 'A', values: ['192.0.2.11'], weight: 256, setIdentifier: 's' },
  { name: 'x.corp.internal', type: 'A', values: ['192.0.2.11'], weight: 1.5, setIdentifier: 's' },
  { name: 'x.corp.internal', type: 'A', values: ['192.0.2.11'], setIdentifier: '' },
  { name: 'x.corp.internal', type: 'A', values: ['192.0.2.11'], setIdentifier: 'x'.repeat(129) },
  { name: 'x.corp.internal', type: 'A', values: ['192.0.2.11'], setIdentifier: 's', failover: 'primary' },
  { name: 'x.corp.internal', type: 'A', values: ['192.0.2.11'], setIdentifier: 's', multiValueAnswer: 'yes' },
  { name: 'x.corp.internal', type: 'A', values: ['192.0.2.11'], valuse: ['192.0.2.11'] },
  { name: 'x.corp.internal', type: 'A', aliasTarget: { dnsName: '' } },
  { name: 'x.corp.internal', type: 'A', aliasTarget: { dnsName: 'y', evaluateTargetHealth: 'true' } },
  { name: 'x.corp.internal', type: 'A', aliasTarget: { dnsName: 'y', hostedZoneId: 5 } },
  { name: 'x.corp.internal', type: 'A', aliasTarget: { dnsName: 'y', zone: 'Z1' } },
  { name: 'x.corp.internal', type: 'A', aliasTarget: 'y' },
  { name: 7, type: 'A', values: ['192.0.2.11'] },
  ['x.corp.internal', 'A'],
  null,
  'x.corp.internal A 192.0.2.11',
  // Left to the schema (the hand check does not decide them).
  { name: 'x.corp.internal', type: 'A', values: ['192.0.2.11'], ttl: undefined },
  {
    name: 'h.corp.internal',
    type: 'A',
    values: ['192.0.2.11'],
    setIdentifier: 'h',
    failover: 'PRIMARY',
    healthCheck: { tcp: '10.0.0.9:443' },
  },
  { name: 'x.corp.internal', type: 'A', values: ['192.0.2.11'], region: 'us-east-1' },
];

describe('fastRecord', () => {
  it('passes only what the schema passes, with the schema output', () => {
    let passed = 0;
    let refused = 0;
    for (const c of CASES) {
      const fast = fastRecord(c);
      const zod = HostedZoneRecordSchema.safeParse(c);
      if (!zod.success) {
        refused++;
        expect(fast, JSON.stringify(c)).toBeNull();
      } else if (fast) {
        passed++;
        expect(fast).toEqual(zod.data);
        expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.data));
      }
    }
    expect(passed).toBe(11);
    expect(refused).toBe(28);
  });

  it('checkedRecords falls back to the schema per record and refuses a list with a bad one', () => {
    const good = CASES.slice(0, 11);
    const health = CASES.at(-2);
    const out = checkedRecords([...good, health]);
    expect(out).toEqual([...good, health].map((r) => HostedZoneRecordSchema.parse(r)));
    expect(checkedRecords([...good, CASES[11]])).toBeNull();
  });

  it('leaves the raw config as it was', () => {
    const raw = {
      privateHostedZones: [{ name: 'corp.internal', vpcs: ['vpc-1'], records: CASES.slice(0, 3) }],
    };
    const copy = structuredClone(raw);
    const { raw: stripped } = withoutCheckedRecords(raw);
    expect(raw).toEqual(copy);
    expect((stripped as typeof raw).privateHostedZones[0].records).toEqual([]);
  });
});

describe('a config with hosted zone records', () => {
  const yaml = (bad: string) => `vpcs:
  - id: vpc-0a1b2c3d4e5f60718
    region: us-east-2
    cidrs: [10.0.0.0/16]
    subnets: [{ id: subnet-a, az: us-east-2a, ipv4Cidr: 10.0.1.0/24 }]
privateHostedZones:
  - name: corp.internal
    vpcs: [vpc-0a1b2c3d4e5f60718]
    records:
      - { name: a.corp.internal, type: A, ttl: 60, values: [10.0.5.1] }
  - name: other.internal
    vpcs: [vpc-0a1b2c3d4e5f60718]
    records:
      - { name: b.other.internal, type: A, values: [10.0.5.2] }
${bad}
`;

  it('loads with the records as given', () => {
    const { config } = parseConfigText(yaml(''), 'c.yaml');
    expect(config.privateHostedZones.map((z) => z.records)).toEqual([
      [{ name: 'a.corp.internal', type: 'A', ttl: 60, values: ['10.0.5.1'] }],
      [{ name: 'b.other.internal', type: 'A', values: ['10.0.5.2'] }],
    ]);
  });

  it('reports a bad record with its file, line, column and field', () => {
    const problems = (text: string) => {
      try {
        parseConfigText(text, 'c.yaml');
      } catch (e) {
        if (e instanceof ConfigError) return e.problems;
      }
      throw new Error('no problems');
    };
    const p = problems(yaml('      - { name: c.other.internal, type: A, ttl: -5, values: [10.0.5.3] }'));
    expect(p).toEqual([
      expect.objectContaining({
        file: 'c.yaml',
        code: 'config.invalid-value',
        line: 15,
        col: 49,
        path: 'privateHostedZones[1].records[1].ttl',
        message: 'Too small: expected number to be >=0',
      }),
    ]);
    const u = problems(yaml('      - { name: c.other.internal, type: A, valuse: [10.0.5.3] }'));
    expect(u).toContainEqual(
      expect.objectContaining({
        code: 'config.unknown-field',
        line: 15,
        col: 44,
        message: 'unknown field "valuse"; did you mean "values"?',
      }),
    );
  });
});
