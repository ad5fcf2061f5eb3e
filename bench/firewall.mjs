#!/usr/bin/env node
// `npm run bench:firewall`: what Route 53 Resolver DNS Firewall and query logs cost, side by side
// with the same run without them. Needs dnsperf and a build (dist/).
//
//   node bench/firewall.mjs [--domains N] [--seconds S] [--reps N]
//
// 1. Load: a config whose firewall has N domains (default 1,000,000) over 5 list files (a fifth
//    of them wildcards), loaded and checked in a fresh process: time and RSS over the same
//    process loading the config without the firewall.
// 2. Throughput: dnsperf against the server answering endpoint names (the fastest path, so the
//    relative cost is the largest), alternating runs of: no firewall; the N-domain firewall
//    associated with the clients' VPC (no query matches, so every label of every name is looked
//    up); query logging to a file. Medians of queries/s.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { dnsperf } from './lib/dnsperf.mjs';
import { spawned, startOurs } from './lib/peers.mjs';
import { configYaml, endpointQueries, ownedNames, writeLines } from './lib/records.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: argv } = parseArgs({
  options: {
    domains: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '5' },
    reps: { type: 'string', default: '3' },
  },
});
const DOMAINS = Number(argv.domains);
const SECONDS = Number(argv.seconds);
const REPS = Number(argv.reps);
const LISTS = 5;
const work = mkdtempSync(join(tmpdir(), 'pldns-bench-fw-'));
const cleanup = () => {
  for (const c of spawned) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
};
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

// Lists: d<i>.l<k>.blocked.example, every fifth one a wildcard.
const listFiles = [];
for (let k = 0; k < LISTS; k++) {
  const lines = [];
  for (let i = k; i < DOMAINS; i += LISTS)
    lines.push(i % 5 === 0 ? `*.d${i}.l${k}.blocked.example` : `d${i}.l${k}.blocked.example`);
  const f = join(work, `list${k}.txt`);
  writeFileSync(f, `# bench list ${k}\n${lines.join('\n')}\n`);
  listFiles.push(f);
}
const base = configYaml(10);
const firewallYaml = [
  'firewall:',
  '  domainLists:',
  ...listFiles.map((f, k) => `    - { name: list${k}, file: ${JSON.stringify(f)} }`),
  '  ruleGroups:',
  '    - name: bench',
  '      rules:',
  ...listFiles.map(
    (_, k) =>
      `        - { name: r${k}, priority: ${k + 1}, domainList: list${k}, action: BLOCK, blockResponse: NXDOMAIN }`,
  ),
  '  associations:',
  '    - { ruleGroup: bench, vpc: vpc-0b0e0c0b0e0c0b0e0, priority: 101 }',
  '',
].join('\n');
const qlogFile = join(work, 'query.log');
const variants = {
  off: base,
  firewall: base + firewallYaml,
  'query-log': `${base}queryLogs: { destination: ${JSON.stringify(qlogFile)} }\n`,
};
const configs = {};
for (const [k, text] of Object.entries(variants)) {
  configs[k] = join(work, `${k}.yaml`);
  writeFileSync(configs[k], text);
}

// 1. Load time and memory, each in a fresh process.
const loadScript = `
const { parseConfigText } = await import(${JSON.stringify(join(ROOT, 'dist', 'config', 'load.js'))});
const { readFileSync } = await import('node:fs');
const text = readFileSync(process.argv[1], 'utf8');
globalThis.gc(); const rss0 = process.memoryUsage().rss;
const t0 = performance.now();
const loaded = parseConfigText(text, process.argv[1]);
const ms = performance.now() - t0;
globalThis.gc(); const rss1 = process.memoryUsage().rss;
// The machine's own speed for comparison: a plain Map of as many short names.
const n = loaded.firewall ? loaded.firewall.table.size : 0;
const t1 = performance.now();
const m = new Map();
for (let i = 0; i < n; i++) m.set('d' + i + '.bench.example', i);
const mapMs = performance.now() - t1;
process.stdout.write(JSON.stringify({ ms, rssMb: (rss1 - rss0) / 1048576, names: n, mapMs }));
`;
const load = (file) =>
  JSON.parse(
    execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', loadScript, file], {
      encoding: 'utf8',
    }),
  );
const loadOff = load(configs.off);
const loadFw = load(configs.firewall);
console.log(
  `Load (${DOMAINS.toLocaleString('en')} domains over ${LISTS} list files, ${loadFw.names.toLocaleString('en')} names in the table):`,
);
console.log(`  without firewall: ${loadOff.ms.toFixed(0)} ms, +${loadOff.rssMb.toFixed(0)} MB RSS`);
console.log(`  with firewall:    ${loadFw.ms.toFixed(0)} ms, +${loadFw.rssMb.toFixed(0)} MB RSS`);
console.log(
  `  firewall costs:   ${(loadFw.ms - loadOff.ms).toFixed(0)} ms, ${(loadFw.rssMb - loadOff.rssMb).toFixed(0)} MB RSS`,
);
console.log(
  `  (this machine fills a plain Map with ${loadFw.names.toLocaleString('en')} names in ${loadFw.mapMs.toFixed(0)} ms)`,
);

// 2. Throughput, alternating variants.
const names = await ownedNames(ROOT, base);
const qfile = join(work, 'endpoint.txt');
writeLines(qfile, endpointQueries(names, 20_000));
const probe = names[0].name;
const results = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let rep = 0; rep < REPS; rep++) {
  for (const k of Object.keys(variants)) {
    const { server } = await startOurs({
      root: ROOT,
      work,
      config: configs[k],
      upstreamPort: 9,
      probeName: probe,
      tag: `${k}-${rep}`,
    });
    try {
      await dnsperf({ port: server.port, file: qfile, seconds: 1, out: join(work, 'warm.out') });
      const r = await dnsperf({
        port: server.port,
        file: qfile,
        seconds: SECONDS,
        out: join(work, `${k}.out`),
      });
      results[k].push(r.qps);
    } finally {
      await server.stop();
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const off = median(results.off);
console.log(`\nThroughput (endpoint names, dnsperf ${SECONDS} s x ${REPS}, medians):`);
for (const k of Object.keys(variants)) {
  const m = median(results[k]);
  const rel = k === 'off' ? '' : ` (${((m / off - 1) * 100).toFixed(1)}% vs off)`;
  console.log(
    `  ${k.padEnd(10)} ${m.toFixed(0).padStart(7)} q/s${rel}   runs: ${results[k].map((x) => x.toFixed(0)).join(', ')}`,
  );
}
