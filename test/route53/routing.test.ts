/**
 * Routing policies of private hosted zone records: weighted (drawn in proportion, checked with
 * statistical bounds), failover (transitions on health and AZ impairment, on the next query),
 * multivalue (up to eight healthy records in random order).
 */
import { describe, expect, it } from 'vitest';
import { type HostedZone, setOf } from '../../src/route53/zones.js';
import { localHarness } from '../helpers/local-answer.js';
import { centralized, IN_A, IN_B } from './fixture.js';

const h = localHarness(centralized());
const corp = h.catalog.hostedZones.find((z) => z.name === 'corp.internal') as HostedZone;
const keyOf = (name: string, set: string): string =>
  setOf(corp.nodes.get(name)!, 1)!.records.find((r) => r.setIdentifier === set)!.healthKey!;
const addrs = (name: string, client = IN_A): string[] =>
  (h.ask(name, { client })!.answers ?? []).map((a) => String((a as { data: unknown }).data));

/** Counts the first address of `n` answers. */
function draw(name: string, n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const a = addrs(name, i % 2 ? IN_A : IN_B);
    expect(a).toHaveLength(1);
    m.set(a[0], (m.get(a[0]) ?? 0) + 1);
  }
  return m;
}

/** |count - n p| within 6 standard deviations of a binomial (a false failure about once in 10^9 runs). */
function within(count: number, n: number, p: number): void {
  const sd = Math.sqrt(n * p * (1 - p));
  expect(Math.abs(count - n * p)).toBeLessThan(6 * sd);
}

describe('weighted', () => {
  it('draws records in proportion to their weight; weight 0 never while others are not 0', () => {
    const n = 4000;
    const m = draw('w.corp.internal', n);
    within(m.get('10.9.0.1') ?? 0, n, 0.75);
    within(m.get('10.9.0.2') ?? 0, n, 0.25);
    expect(m.get('10.9.0.3') ?? 0).toBe(0);
  });

  it('gives every record an equal chance when all weights are 0', () => {
    const n = 2000;
    const m = draw('w0.corp.internal', n);
    within(m.get('10.9.1.1') ?? 0, n, 0.5);
    within(m.get('10.9.1.2') ?? 0, n, 0.5);
  });

  it('leaves out an alias whose target is unhealthy (evaluateTargetHealth), from the next query on', () => {
    const before = draw('wa.corp.internal', 1000);
    within(before.get('10.0.1.40') ?? 0, 1000, 0.5);
    h.health.setAzImpaired('us-east-2a', true);
    try {
      const during = draw('wa.corp.internal', 500);
      expect([...during.keys()]).toEqual(['10.9.6.1']);
    } finally {
      h.health.setAzImpaired('us-east-2a', false);
    }
    const after = draw('wa.corp.internal', 1000);
    within(after.get('10.0.1.40') ?? 0, 1000, 0.5);
  });
});

describe('failover', () => {
  it('an alias primary with evaluateTargetHealth fails over when its AZ is impaired, and back', () => {
    expect(addrs('fo.corp.internal')).toEqual(['10.0.1.40']);
    h.health.setAzImpaired('us-east-2a', true);
    expect(addrs('fo.corp.internal')).toEqual(['10.9.9.9']);
    h.health.setAzImpaired('us-east-2a', false);
    expect(addrs('fo.corp.internal')).toEqual(['10.0.1.40']);
  });

  it('an alias primary fails over when its interface is unhealthy', () => {
    const itf = h.catalog.endpoints[0].interfaces[0];
    h.health.setOverride(itf.healthKey, false);
    expect(addrs('fo.corp.internal')).toEqual(['10.9.9.9']);
    h.health.setOverride(itf.healthKey, null);
    expect(addrs('fo.corp.internal')).toEqual(['10.0.1.40']);
  });

  it('a primary with a health check fails over on its verdict, and back', () => {
    const key = keyOf('fh.corp.internal', 'main');
    expect(addrs('fh.corp.internal')).toEqual(['10.9.8.1']);
    h.health.setProbe(key, false, 'tcp 127.0.0.1:9: refused');
    expect(addrs('fh.corp.internal')).toEqual(['10.9.8.2']);
    h.health.setProbe(key, true, 'tcp 127.0.0.1:9: connected');
    expect(addrs('fh.corp.internal')).toEqual(['10.9.8.1']);
  });
});

describe('multivalue', () => {
  const all = Array.from({ length: 10 }, (_, i) => `10.9.7.${i + 1}`);

  it('answers up to eight healthy records, distinct, in random order', () => {
    const firsts = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const a = addrs('mv.corp.internal');
      expect(a).toHaveLength(8);
      expect(new Set(a).size).toBe(8);
      for (const x of a) expect(all).toContain(x);
      firsts.add(a[0]);
    }
    expect(firsts.size).toBeGreaterThanOrEqual(8);
  });

  it('leaves unhealthy records out', () => {
    h.health.setOverride(keyOf('mv.corp.internal', 'm1'), false);
    h.health.setOverride(keyOf('mv.corp.internal', 'm2'), false);
    try {
      for (let i = 0; i < 50; i++) expect([...addrs('mv.corp.internal')].sort()).toEqual(all.slice(2).sort());
    } finally {
      h.health.setOverride(keyOf('mv.corp.internal', 'm1'), null);
      h.health.setOverride(keyOf('mv.corp.internal', 'm2'), null);
    }
  });
});
