/**
 * Seeing the firewall: `/v1/firewall` (rule groups, associations, match counts), `/v1/resolve`
 * naming the rule that decides, and `privatelink-dns firewall test NAME [--client IP]` offline.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { run } from '../../src/cli/firewall.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { type AdminHarness, startHarness } from '../admin/harness.js';
import { cloudwatch, oneVpc, VPC_ID } from '../helpers/configs.js';
import { query } from '../helpers/dns-client.js';
import { memIo } from '../helpers/mem-io.js';

const CW_PRIVATE = 'monitoring.us-east-2.amazonaws.com';
const firewall: ConfigInput['firewall'] = {
  domainLists: [
    { name: 'malware', domains: ['evil.example', '*.bad.example'] },
    { name: 'endpoints', domains: [CW_PRIVATE] },
    { name: 'walled', domains: ['walled.example'] },
  ],
  ruleGroups: [
    {
      name: 'baseline',
      rules: [
        {
          name: 'block-malware',
          priority: 200,
          domainList: 'malware',
          action: 'BLOCK',
          blockResponse: 'NXDOMAIN',
        },
        { name: 'watch-endpoints', priority: 300, domainList: 'endpoints', action: 'ALERT' },
        {
          name: 'walled',
          priority: 400,
          domainList: 'walled',
          action: 'BLOCK',
          blockResponse: 'OVERRIDE',
          blockOverrideDomain: 'blocked.corp.internal',
          blockOverrideTtl: 0,
        },
      ],
    },
  ],
  associations: [{ ruleGroup: 'baseline', vpc: VPC_ID, priority: 101 }],
};
const config = oneVpc([cloudwatch()], { firewall });

let h: AdminHarness;
beforeAll(async () => {
  h = await startHarness(config);
});
afterAll(async () => h?.close());

describe('/v1/firewall', () => {
  it('lists lists, groups, associations, with match counts that follow queries', async () => {
    await query(h.dns, 'x.bad.example');
    await query(h.dns, 'evil.example');
    const r = await h.api('GET', '/v1/firewall');
    expect(r.status).toBe(200);
    const body = r.json as {
      enabled: boolean;
      domainLists: { name: string; domains: number }[];
      ruleGroups: { name: string; id: string; matches: number; rules: { name: string; matches: number }[] }[];
      associations: {
        vpc: string;
        firewallFailOpen: string;
        ruleGroups: { ruleGroup: string; priority: number }[];
      }[];
    };
    expect(body.enabled).toBe(true);
    expect(body.domainLists.map((l) => [l.name, l.domains])).toEqual([
      ['malware', 2],
      ['endpoints', 1],
      ['walled', 1],
    ]);
    expect(body.ruleGroups[0].id).toMatch(/^rslvr-frg-[0-9a-f]{17}$/);
    expect(body.ruleGroups[0].rules.find((x) => x.name === 'block-malware')?.matches).toBe(2);
    expect(body.ruleGroups[0].matches).toBe(2);
    expect(body.associations).toEqual([
      {
        vpc: VPC_ID,
        firewallFailOpen: 'DISABLED',
        ruleGroups: [{ ruleGroup: 'baseline', priority: 101, name: null }],
      },
    ]);
  });
});

describe('/v1/resolve names the rule', () => {
  it.each([
    ['evil.example', 'firewall', 'NXDOMAIN', 'block-malware', /BLOCK with NXDOMAIN/],
    ['walled.example', 'firewall', 'NOERROR', 'walled', /OVERRIDE, a CNAME to blocked\.corp\.internal/],
    [CW_PRIVATE, 'local', 'NOERROR', 'watch-endpoints', /ALERT, answered as usual and logged/],
  ])('%s → %s %s by %s', async (name, outcome, rcode, rule, says) => {
    const r = await h.api('GET', `/v1/resolve?name=${name}&client=127.0.0.1`);
    const ex = r.json as {
      outcome: string;
      rcode: string;
      firewall: { rule: string; ruleGroup: string };
      explanation: string[];
    };
    expect(ex.outcome).toBe(outcome);
    expect(ex.rcode).toBe(rcode);
    expect(ex.firewall).toMatchObject({ rule, ruleGroup: 'baseline' });
    expect(ex.explanation.join(' ')).toMatch(says);
  });

  it('says when no rule matched, and evaluates nothing for clients outside the VPC', async () => {
    const r = await h.api('GET', '/v1/resolve?name=www.example.org&client=127.0.0.1');
    const ex = r.json as { outcome: string; firewall: unknown; explanation: string[] };
    expect(ex.outcome).toBe('forwarded');
    expect(ex.firewall).toBeNull();
    expect(ex.explanation.join(' ')).toMatch(/no DNS Firewall rule of vpc-0a1b2c3d4e5f60718 matches/);
    const out = await h.api('GET', '/v1/resolve?name=evil.example&client=192.168.7.7');
    expect((out.json as { firewall?: unknown }).firewall).toBeUndefined();
    expect((out.json as { outcome: string }).outcome).toBe('forwarded');
  });

  it('is not counted as a match (only real queries are)', async () => {
    const before = ((await h.api('GET', '/v1/firewall')).json as { ruleGroups: { matches: number }[] })
      .ruleGroups[0].matches;
    await h.api('GET', '/v1/resolve?name=evil.example&client=127.0.0.1');
    const after = ((await h.api('GET', '/v1/firewall')).json as { ruleGroups: { matches: number }[] })
      .ruleGroups[0].matches;
    expect(after).toBe(before);
  });
});

describe('privatelink-dns firewall test', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-cli-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, stringify(config));

  it("prints the verdict for the client's VPC", async () => {
    const m = memIo();
    expect(await run(['test', 'x.bad.example', '--client', '127.0.0.1', '--config', file], m.io)).toBe(0);
    expect(m.stdout()).toBe(
      `${VPC_ID} (client 127.0.0.1) A x.bad.example: rule "block-malware" (priority 200) of rule group "baseline" matches x.bad.example through domain list "malware": BLOCK with NXDOMAIN\n`,
    );
  });

  it('without --client, for every VPC with rule groups; --json', async () => {
    const m = memIo();
    expect(await run(['test', 'walled.example', '--config', file, '--json'], m.io)).toBe(0);
    expect(JSON.parse(m.stdout())).toMatchObject({
      name: 'walled.example',
      vpcs: [
        {
          vpc: VPC_ID,
          verdict: {
            rule: 'walled',
            action: 'BLOCK',
            blockResponse: 'OVERRIDE',
            blockOverrideDomain: 'blocked.corp.internal',
          },
        },
      ],
    });
  });

  it('a client outside every VPC, and a name no rule matches', async () => {
    const m = memIo();
    expect(await run(['test', 'evil.example', '--client', '192.168.1.1', '--config', file], m.io)).toBe(0);
    expect(m.stdout()).toMatch(/in no VPC view: DNS Firewall does not apply/);
    const n = memIo();
    expect(await run(['test', 'fine.example', '--config', file], n.io)).toBe(0);
    expect(n.stdout()).toMatch(/no DNS Firewall rule of vpc-0a1b2c3d4e5f60718 matches fine\.example/);
  });

  it('usage errors exit 2, an invalid config exits 1 with FILE:LINE:COL', async () => {
    expect(await run(['nope'], memIo().io)).toBe(2);
    expect(await run(['test', 'x.example', '--client', 'not-an-ip', '--config', file], memIo().io)).toBe(2);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      stringify({
        ...config,
        firewall: { ...firewall, associations: [{ ruleGroup: 'nope', vpc: VPC_ID, priority: 101 }] },
      }),
    );
    const m = memIo();
    expect(await run(['test', 'x.example', '--config', bad], m.io)).toBe(1);
    expect(m.stderr()).toMatch(
      /bad\.yaml:\d+:\d+ {2}firewall\.associations\[0\]\.ruleGroup {2}no rule group "nope"/,
    );
  });
});
