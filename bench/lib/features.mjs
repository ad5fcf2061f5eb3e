// Config additions for the feature scenarios of the benchmark: private hosted zones, a Resolver
// DNS Firewall with a large domain list, query logging to a file. Each is appended to the same
// endpoint config, so a feature's cost reads as a ratio against the same config without it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rng } from './records.mjs';

/** The VPC of configYaml() (its clients are 127.0.0.0/8). */
export const BENCH_VPC = 'vpc-0b0e0c0b0e0c0b0e0';

/** `zones` private hosted zones of `perZone` A records each, associated with the bench VPC. */
export function hostedZonesYaml(zones, perZone, vpc = BENCH_VPC) {
  const out = ['privateHostedZones:'];
  for (let z = 0; z < zones; z++) {
    out.push(`  - name: z${z}.phz.bench`, `    vpcs: [${vpc}]`, '    records:');
    for (let r = 0; r < perZone; r++) {
      const n = z * perZone + r;
      out.push(
        `      - { name: r${r}.z${z}.phz.bench, type: A, ttl: 60, values: [10.${200 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}] }`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

/** `count` queries for random hosted-zone records (deterministic). */
export function hostedZoneQueries(zones, perZone, count = 20_000, seed = 11) {
  const r = rng(seed);
  return Array.from(
    { length: count },
    () => `r${Math.floor(r() * perZone)}.z${Math.floor(r() * zones)}.phz.bench A`,
  );
}

/**
 * A firewall of `domains` domains over `lists` list files written into `dir`
 * (d<i>.l<k>.blocked.example, every fifth a wildcard), one BLOCK rule per list, associated with
 * the bench VPC. No benchmark query matches, so every label of every name is looked up.
 */
export function firewallYaml(dir, domains, lists = 5, vpc = BENCH_VPC) {
  const files = [];
  for (let k = 0; k < lists; k++) {
    const lines = [];
    for (let i = k; i < domains; i += lists)
      lines.push(i % 5 === 0 ? `*.d${i}.l${k}.blocked.example` : `d${i}.l${k}.blocked.example`);
    const f = join(dir, `fw-list${k}.txt`);
    writeFileSync(f, `# bench list ${k}\n${lines.join('\n')}\n`);
    files.push(f);
  }
  return `${[
    'firewall:',
    '  domainLists:',
    ...files.map((f, k) => `    - { name: list${k}, file: ${JSON.stringify(f)} }`),
    '  ruleGroups:',
    '    - name: bench',
    '      rules:',
    ...files.map(
      (_, k) =>
        `        - { name: r${k}, priority: ${k + 1}, domainList: list${k}, action: BLOCK, blockResponse: NXDOMAIN }`,
    ),
    '  associations:',
    `    - { ruleGroup: bench, vpc: ${vpc}, priority: 101 }`,
  ].join('\n')}\n`;
}

/** Resolver query logs of every query, to `file`. */
export function queryLogYaml(file) {
  return `queryLogs: { destination: ${JSON.stringify(file)} }\n`;
}
