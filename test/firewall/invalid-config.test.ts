/**
 * Every firewall rule of `validate`, as a table: a YAML config with one mistake, the code and
 * the FILE:LINE:COL that must be reported. Bad lines of a domain list file are placed in that
 * file, at the bad character.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigProblem, loadConfigFile } from '../../src/config/load.js';

const VPC = 'vpc-0a1b2c3d4e5f60718';
const dir = mkdtempSync(join(tmpdir(), 'fw-invalid-'));

/** A config whose firewall section is `fw` (YAML lines, indented by two). */
function configText(fw: string, extra = ''): string {
  return `vpcs:
  - id: ${VPC}
    region: us-east-2
    cidrs: [127.0.0.0/8]
${extra}firewall:
${fw}`;
}

let n = 0;
function problemsOf(text: string, files: Record<string, string> = {}): ConfigProblem[] {
  const d = mkdtempSync(join(dir, `c${n++}-`));
  for (const [name, body] of Object.entries(files)) writeFileSync(join(d, name), body);
  const path = join(d, 'config.yaml');
  writeFileSync(path, text);
  try {
    loadConfigFile(path);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => ({ ...p, file: p.file.replace(d, '.') }));
    throw e;
  }
  throw new Error('the config was accepted');
}

const LISTS = `  domainLists:
    - { name: bad, domains: [evil.example] }
`;
const GROUP = (rule: string) => `  ruleGroups:
    - name: g
      rules:
        - ${rule}
`;
const ASSOC = `  associations:
    - { ruleGroup: g, vpc: ${VPC}, priority: 101 }
`;

interface Row {
  what: string;
  text: string;
  files?: Record<string, string>;
  code: string;
  at: string;
  says: RegExp;
}

const rows: Row[] = [
  {
    what: 'a rule names an unknown domain list',
    text: configText(`${LISTS}${GROUP('{ name: r, priority: 1, domainList: bda, action: ALERT }')}`),
    code: 'config.firewall-unknown-domain-list',
    at: './config.yaml:11:47',
    says: /no domain list "bda"; did you mean "bad"\?/,
  },
  {
    what: 'an association names an unknown rule group',
    text: configText(`${LISTS}${GROUP('{ name: r, priority: 1, domainList: bad, action: ALERT }')}  associations:
    - { ruleGroup: gg, vpc: ${VPC}, priority: 101 }
`),
    code: 'config.firewall-unknown-rule-group',
    at: './config.yaml:13:20',
    says: /no rule group "gg"; did you mean "g"\?/,
  },
  {
    what: 'an association names an unknown VPC',
    text: configText(`${LISTS}${GROUP('{ name: r, priority: 1, domainList: bad, action: ALERT }')}  associations:
    - { ruleGroup: g, vpc: vpc-0a1b2c3d4e5f60719, priority: 101 }
`),
    code: 'config.firewall-unknown-vpc',
    at: './config.yaml:13:28',
    says: /no VPC vpc-0a1b2c3d4e5f60719 in vpcs; did you mean "vpc-0a1b2c3d4e5f60718"\?/,
  },
  {
    what: 'two rules of a group share a priority',
    text: configText(`${LISTS}  ruleGroups:
    - name: g
      rules:
        - { name: a, priority: 5, domainList: bad, action: ALERT }
        - { name: b, priority: 5, domainList: bad, action: ALLOW }
`),
    code: 'config.firewall-duplicate-priority',
    at: './config.yaml:12:32',
    says: /priority 5 is taken by rule "a"/,
  },
  {
    what: 'two associations of a VPC share a priority',
    text: configText(`${LISTS}  ruleGroups:
    - { name: g, rules: [] }
    - { name: h, rules: [] }
  associations:
    - { ruleGroup: g, vpc: ${VPC}, priority: 200 }
    - { ruleGroup: h, vpc: ${VPC}, priority: 200 }
`),
    code: 'config.firewall-duplicate-priority',
    at: './config.yaml:13:61',
    says: /priority 200 in vpc-0a1b2c3d4e5f60718 is taken by rule group "g"/,
  },
  {
    what: 'one rule group associated twice with a VPC',
    text: configText(`${LISTS}  ruleGroups:
    - { name: g, rules: [] }
  associations:
    - { ruleGroup: g, vpc: ${VPC}, priority: 200 }
    - { ruleGroup: g, vpc: ${VPC}, priority: 300 }
`),
    code: 'config.firewall-duplicate-association',
    at: './config.yaml:12:20',
    says: /associated with vpc-0a1b2c3d4e5f60718 already/,
  },
  {
    what: 'OVERRIDE without a domain',
    text: configText(
      `${LISTS}${GROUP('{ name: r, priority: 1, domainList: bad, action: BLOCK, blockResponse: OVERRIDE }')}`,
    ),
    code: 'config.firewall-override-domain',
    at: './config.yaml:11:82',
    says: /OVERRIDE needs blockOverrideDomain/,
  },
  {
    what: 'override settings on a rule that does not OVERRIDE',
    text: configText(
      `${LISTS}${GROUP('{ name: r, priority: 1, domainList: bad, action: BLOCK, blockResponse: NXDOMAIN, blockOverrideTtl: 5 }')}`,
    ),
    code: 'config.firewall-override-domain',
    at: './config.yaml:11:110',
    says: /blockOverrideTtl is for blockResponse: OVERRIDE only/,
  },
  {
    what: 'BLOCK without a blockResponse',
    text: configText(`${LISTS}${GROUP('{ name: r, priority: 1, domainList: bad, action: BLOCK }')}`),
    code: 'config.firewall-block-response',
    at: './config.yaml:11:60',
    says: /a BLOCK rule needs blockResponse/,
  },
  {
    what: 'a blockResponse on an ALLOW rule',
    text: configText(
      `${LISTS}${GROUP('{ name: r, priority: 1, domainList: bad, action: ALLOW, blockResponse: NODATA }')}`,
    ),
    code: 'config.firewall-block-response',
    at: './config.yaml:11:82',
    says: /blockResponse is for BLOCK rules only \(this one is ALLOW\)/,
  },
  {
    what: 'an unknown query type',
    text: configText(
      `${LISTS}${GROUP('{ name: r, priority: 1, domainList: bad, action: ALERT, qtype: NOPE }')}`,
    ),
    code: 'config.firewall-unknown-qtype',
    at: './config.yaml:11:74',
    says: /unknown query type "NOPE"/,
  },
  {
    what: 'two domain lists of one name',
    text: configText(`  domainLists:
    - { name: a, domains: [x.example] }
    - { name: a, domains: [y.example] }
`),
    code: 'config.firewall-duplicate-name',
    at: './config.yaml:8:15',
    says: /domain list "a" is defined twice/,
  },
  {
    what: 'two rule groups of one name',
    text: configText(`  ruleGroups:
    - { name: g, rules: [] }
    - { name: g, rules: [] }
`),
    code: 'config.firewall-duplicate-name',
    at: './config.yaml:8:15',
    says: /rule group "g" is defined twice/,
  },
  {
    what: 'two rules of one name in a group',
    text: configText(`${LISTS}  ruleGroups:
    - name: g
      rules:
        - { name: a, priority: 1, domainList: bad, action: ALERT }
        - { name: a, priority: 2, domainList: bad, action: ALERT }
`),
    code: 'config.firewall-duplicate-name',
    at: './config.yaml:12:19',
    says: /rule "a" is twice in rule group "g"/,
  },
  {
    what: 'a list with both domains and a file',
    text: configText(`  domainLists:
    - { name: a, domains: [x.example], file: a.txt }
`),
    files: { 'a.txt': 'y.example\n' },
    code: 'config.firewall-list-source',
    at: './config.yaml:7:7',
    says: /either domains or file, not both/,
  },
  {
    what: 'a list with neither',
    text: configText(`  domainLists:
    - { name: a }
`),
    code: 'config.firewall-list-source',
    at: './config.yaml:7:7',
    says: /give the domains/,
  },
  {
    what: 'a bad inline domain',
    text: configText(`  domainLists:
    - { name: a, domains: [ok.example, "bad..example"] }
`),
    code: 'config.firewall-bad-domain',
    at: './config.yaml:7:40',
    says: /"bad\.\.example": empty label/,
  },
  {
    what: 'a missing list file',
    text: configText(`  domainLists:
    - { name: a, file: lists/missing.txt }
`),
    code: 'config.firewall-list-file',
    at: './config.yaml:7:24',
    says: /cannot read the domain list file .*lists\/missing\.txt: no such file/,
  },
  {
    what: 'a bad line of a list file (placed in the list file, at the bad character)',
    text: configText(`  domainLists:
    - { name: a, file: a.txt }
`),
    files: { 'a.txt': '# comment\nok.example\n\n   bad_one.example  # why\n*.fine.example\n' },
    code: 'config.firewall-bad-domain',
    at: './a.txt:4:7',
    says: /domain list "a": character '_' is not allowed/,
  },
  {
    what: 'queryLogs names an unknown VPC',
    text: `vpcs:
  - id: ${VPC}
    region: us-east-2
queryLogs:
  destination: stdout
  vpcs: [vpc-00000000]
`,
    code: 'config.firewall-unknown-vpc',
    at: './config.yaml:6:10',
    says: /no VPC vpc-00000000 in vpcs/,
  },
];

describe('firewall config problems', () => {
  it.each(rows)('$what', (row) => {
    const problems = problemsOf(row.text, row.files);
    const p = problems.find((x) => x.code === row.code);
    expect(p, JSON.stringify(problems)).toBeDefined();
    if (!p) return;
    expect(`${p.file}:${p.line}:${p.col}`).toBe(row.at);
    expect(p.message).toMatch(row.says);
  });

  it('a list file with many bad lines reports the first 20 and the count', () => {
    const body = Array.from({ length: 50 }, (_, i) => `bad_${i}.example`).join('\n');
    const problems = problemsOf(configText(`  domainLists:\n    - { name: a, file: a.txt }\n`), {
      'a.txt': body,
    });
    const inFile = problems.filter((p) => p.file === './a.txt');
    expect(inFile).toHaveLength(20);
    expect(inFile.map((p) => p.line)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(problems.some((p) => /50 bad lines in all/.test(p.message))).toBe(true);
  });

  it('a valid firewall loads, with list file paths made absolute', () => {
    const d = mkdtempSync(join(dir, 'ok-'));
    writeFileSync(join(d, 'a.txt'), 'x.example\n*.y.example\n');
    const path = join(d, 'config.yaml');
    writeFileSync(
      path,
      configText(`  domainLists:
    - { name: a, file: a.txt }
${GROUP('{ name: r, priority: 1, domainList: a, action: ALERT }')}${ASSOC}`),
    );
    const loaded = loadConfigFile(path);
    expect(loaded.config.firewall?.domainLists[0].file).toBe(join(d, 'a.txt'));
    expect(loaded.firewall?.lists[0].size).toBe(2);
  });
});
