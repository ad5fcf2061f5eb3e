import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkRegion,
  checkServiceName,
  closest,
  editDistance,
  REGION_LIST_SOURCE,
  REGIONAL_SERVICES,
  REGIONLESS_SERVICES,
  REGIONS,
  SERVICE_LIST_DATE,
  SERVICE_LIST_SOURCE,
  serviceWarnings,
} from '../../src/privatelink/service-list.js';

const ROOT = join(import.meta.dirname, '..', '..');

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else if (/\.(md|ya?ml|json|mjs|ts|tf)$/.test(name)) out.push(p);
  }
  return out;
}

describe('the shipped list of PrivateLink services', () => {
  it('says where it comes from and when it was last compared with its source', () => {
    expect(SERVICE_LIST_SOURCE).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    expect(REGION_LIST_SOURCE).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    expect(SERVICE_LIST_DATE).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Number.isNaN(Date.parse(SERVICE_LIST_DATE))).toBe(false);
    const src = readFileSync(join(ROOT, 'src/privatelink/service-list.ts'), 'utf8');
    expect(src).toMatch(/Freshness: /);
  });

  it('is sorted and has no duplicates', () => {
    for (const list of [REGIONAL_SERVICES, REGIONLESS_SERVICES, REGIONS]) {
      expect([...list].sort()).toEqual(list);
      expect(new Set(list).size).toBe(list.length);
    }
  });

  it('has every service named in the README, docs, examples, deploy files and the bundled config', () => {
    const files = [
      join(ROOT, 'README.md'),
      ...filesUnder(join(ROOT, 'docs')),
      ...filesUnder(join(ROOT, 'examples')),
      ...filesUnder(join(ROOT, 'deploy')),
      ...filesUnder(join(ROOT, 'config')),
    ];
    const named = new Set<string>();
    for (const f of files)
      for (const line of readFileSync(f, 'utf8').split('\n')) {
        // The docs show what a typo gets: those lines name a service that does not exist on purpose.
        if (/warning: .* is not in the list of services/.test(line)) continue;
        for (const m of line.matchAll(/com\.amazonaws\.[a-z0-9][a-z0-9.-]*[a-z0-9]/g)) named.add(m[0]);
      }
    const services = [...named].filter(
      (s) => s !== 'com.amazonaws.vpce' && !s.startsWith('com.amazonaws.vpce.'),
    );
    // The README names at least the bundled services: the scan found something.
    expect(services).toContain('com.amazonaws.us-east-2.monitoring');
    const unknown = services.filter((s) => checkServiceName(s).kind !== 'known');
    expect(unknown).toEqual([]);
  });

  it('lists the region-less services (IAM, Route 53) as services', () => {
    expect(checkServiceName('com.amazonaws.iam')).toEqual({ kind: 'known' });
    expect(checkServiceName('com.amazonaws.route53')).toEqual({ kind: 'known' });
  });
});

describe('did you mean', () => {
  it('measures swaps as one edit', () => {
    expect(editDistance('sqs', 'sqs')).toBe(0);
    expect(editDistance('sqss', 'sqs')).toBe(1);
    expect(editDistance('smm', 'ssm')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('suggests the service a typo is closest to', () => {
    expect(checkServiceName('com.amazonaws.eu-west-1.sqss')).toEqual({
      kind: 'unknown-service',
      name: 'sqss',
      suggestions: ['sqs', 'sns'].filter((s) => editDistance('sqss', s) <= 1),
    });
    const secret = checkServiceName('com.amazonaws.eu-west-1.secretmanager');
    expect(secret).toMatchObject({ kind: 'unknown-service', suggestions: ['secretsmanager'] });
    expect(closest('zzzzzzzz', REGIONAL_SERVICES)).toEqual([]);
  });

  it('tells a malformed Region from an unknown one, and never suggests the input', () => {
    expect(checkRegion('eu-west-01')).toEqual({
      kind: 'malformed-region',
      region: 'eu-west-01',
      suggestions: ['eu-west-1'],
    });
    const far = checkRegion('eu-west-9');
    expect(far.kind).toBe('unknown-region');
    expect(checkRegion('us-east-2')).toEqual({ kind: 'known' });
  });

  it('warns about unknown services and Regions, with paths, without failing', () => {
    const w = serviceWarnings({
      vpcs: [
        {
          region: 'eu-west-1',
          endpoints: [
            { service: 'com.amazonaws.eu-west-1.sqss' },
            { service: 'com.amazonaws.eu-west-1.sqs' },
            { service: 'com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0' },
            { service: 'com.amazonaws.eu-west-1.brand-new-service' },
          ],
        },
        { region: 'zz-nowhere-7', endpoints: [] },
        { region: 'eu-west-7', endpoints: [] },
      ],
    });
    expect(w).toEqual([
      {
        code: 'config.unknown-service',
        path: ['vpcs', 0, 'endpoints', 0, 'service'],
        message: `com.amazonaws.eu-west-1.sqss is not in the list of services that support PrivateLink (as of ${SERVICE_LIST_DATE}); did you mean com.amazonaws.eu-west-1.sqs?`,
      },
      {
        code: 'config.unknown-service',
        path: ['vpcs', 0, 'endpoints', 3, 'service'],
        message: `com.amazonaws.eu-west-1.brand-new-service is not in the list of services that support PrivateLink (as of ${SERVICE_LIST_DATE}); a newer service works all the same`,
      },
      {
        code: 'config.unknown-region',
        path: ['vpcs', 1, 'region'],
        message: `"zz-nowhere-7" is not a Region this version knows (list of ${SERVICE_LIST_DATE}); a newer Region works all the same`,
      },
      {
        code: 'config.unknown-region',
        path: ['vpcs', 2, 'region'],
        message: `"eu-west-7" is not a Region this version knows (list of ${SERVICE_LIST_DATE}); did you mean eu-west-1, eu-west-2 or eu-west-3?`,
      },
    ]);
  });
});
