/**
 * describe --hosted-zones → import --route53-records on a realistic fixture: every zone printed
 * as Route 53's list-resource-record-sets and get-hosted-zone JSON comes back as the zone it was
 * printed from (TTL defaults, name case and record order aside), and describing the imported
 * zones prints the same JSON again.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { run as describeCli } from '../../src/cli/describe.js';
import { run as importCli } from '../../src/cli/import.js';
import { memIo } from '../helpers/mem-io.js';

const FIXTURE = 'test/fixtures/route53/round-trip.yaml';

type Rec = Record<string, unknown> & { name: string; type: string };
interface Zone {
  name: string;
  id: string;
  vpcs: string[];
  records: Rec[];
}

/** A zone as the config means it: default TTL and alias health spelled out, names lower case without the final dot. */
function canonical(z: Zone): Zone {
  const name = (n: string) => n.toLowerCase().replace(/\.$/, '');
  const records = z.records.map((r) => {
    const out: Rec = { ...r, name: name(r.name) };
    if (r.values && r.ttl === undefined) out.ttl = 300;
    if (r.aliasTarget) {
      const a = r.aliasTarget as { dnsName: string; evaluateTargetHealth?: boolean };
      out.aliasTarget = { dnsName: name(a.dnsName), evaluateTargetHealth: a.evaluateTargetHealth ?? false };
    }
    return out;
  });
  const key = (r: Rec) => `${r.name} ${r.type} ${r.setIdentifier ?? ''}`;
  records.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return { name: name(z.name), id: z.id, vpcs: [...z.vpcs].sort(), records };
}

async function describeConfig(file: string) {
  const m = memIo();
  expect(await describeCli(['--config', file, '--hosted-zones'], m.io)).toBe(0);
  return JSON.parse(m.stdout()).HostedZones as {
    HostedZone: { Id: string; Name: string };
    VPCs: unknown[];
    ResourceRecordSets: unknown[];
  }[];
}

describe('describe --hosted-zones → import --route53-records', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pldns-r53-round-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const original = parse(readFileSync(FIXTURE, 'utf8'));

  it('gives back every zone of the fixture, and the same describe output again', async () => {
    const described = await describeConfig(FIXTURE);
    expect(described.map((z) => z.HostedZone.Name)).toEqual([
      'sqs.us-east-1.amazonaws.com.',
      'corp.internal.',
      '20.10.in-addr.arpa.',
      'legacy.internal.',
    ]);
    const imported: Zone[] = [];
    const notes: string[] = [];
    for (const [i, z] of described.entries()) {
      const rr = join(dir, `rr-${i}.json`);
      const hz = join(dir, `hz-${i}.json`);
      writeFileSync(rr, JSON.stringify({ ResourceRecordSets: z.ResourceRecordSets }));
      writeFileSync(hz, JSON.stringify({ HostedZone: z.HostedZone, VPCs: z.VPCs }));
      const m = memIo();
      expect(await importCli(['--route53-records', rr, '--hosted-zone', hz], m.io), m.stderr()).toBe(0);
      notes.push(m.stderr());
      const out = parse(m.stdout()) as { privateHostedZones: Zone[] };
      expect(out.privateHostedZones).toHaveLength(1);
      imported.push(out.privateHostedZones[0]);
    }
    expect(imported.map(canonical)).toEqual((original.privateHostedZones as Zone[]).map(canonical));
    // Only the zone with an SOA and NS of its own keeps them (with a note); the others' are Route 53's.
    expect(imported.map((z) => z.records.filter((r) => r.type === 'SOA' || r.type === 'NS').length)).toEqual([
      0, 1, 0, 2,
    ]);
    expect(notes[3]).toMatch(/SOA/);

    // The imported zones, in the fixture's VPCs, describe as the fixture did.
    const again = join(dir, 'again.yaml');
    writeFileSync(again, stringify({ vpcs: original.vpcs, privateHostedZones: imported }));
    expect(await describeConfig(again)).toEqual(described);
  });
});
