#!/usr/bin/env node
// In-process cost per query of the DNS Firewall and of query logging, for a loaded machine where
// dnsperf runs vary too much: the query engine (parse → access → firewall → local → encode) is
// driven directly with pre-built queries for endpoint names, in alternating short rounds; the
// fastest round of each variant is compared (the least disturbed by other processes).
//
//   node bench/firewall-micro.mjs [--domains N] [--rounds R] [--queries Q]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { configYaml, ownedNames } from './lib/records.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = async (p) => import(pathToFileURL(join(ROOT, 'dist', p)).href);
const { values: argv } = parseArgs({
  options: {
    domains: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '15' },
    queries: { type: 'string', default: '20000' },
  },
});
const DOMAINS = Number(argv.domains);
const ROUNDS = Number(argv.rounds);
const QUERIES = Number(argv.queries);

const { parseConfigText } = await dist('config/load.js');
const { buildCatalog } = await dist('privatelink/catalog.js');
const { HealthState } = await dist('health/state.js');
const { Metrics } = await dist('metrics/metrics.js');
const { AccessHandler, allowedClientTable } = await dist('resolve/access.js');
const { FirewallHandler } = await dist('resolve/firewall.js');
const { LocalHandler } = await dist('resolve/local.js');
const { Chain } = await dist('resolve/chain.js');
const { QueryEngine } = await dist('server/engine.js');
const { QueryLog } = await dist('route53/query-log/writer.js');
const { pino } = await import('pino');

const work = mkdtempSync(join(tmpdir(), 'pldns-fw-micro-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const lines = [];
for (let i = 0; i < DOMAINS; i++)
  lines.push(i % 5 === 0 ? `*.d${i}.blocked.example` : `d${i}.blocked.example`);
const per = Math.ceil(DOMAINS / 5);
const lists = [0, 1, 2, 3, 4].map((k) => {
  const f = join(work, `l${k}.txt`);
  writeFileSync(f, `${lines.slice(k * per, (k + 1) * per).join('\n')}\n`);
  return f;
});
const base = configYaml(10);
const fwYaml = `firewall:
  domainLists:
${lists.map((f, k) => `    - { name: l${k}, file: ${JSON.stringify(f)} }`).join('\n')}
  ruleGroups:
    - name: g
      rules:
${lists.map((_, k) => `        - { name: r${k}, priority: ${k + 1}, domainList: l${k}, action: BLOCK, blockResponse: NXDOMAIN }`).join('\n')}
  associations:
    - { ruleGroup: g, vpc: vpc-0b0e0c0b0e0c0b0e0, priority: 101 }
`;
const names = (await ownedNames(ROOT, base)).map((n) => n.name);
const silent = pino({ level: 'silent' });

function engineFor(yaml, { log = false } = {}) {
  const loaded = parseConfigText(yaml, join(work, 'c.yaml'));
  const catalog = buildCatalog(loaded.config, new HealthState());
  const metrics = new Metrics();
  const state = { catalog, allowed: allowedClientTable(loaded.config) };
  const local = new LocalHandler(() => catalog);
  const rest = new Chain([local]);
  const fw = new FirewallHandler({ firewall: () => loaded.firewall ?? null, rest: () => rest, metrics });
  const chain = new Chain([new AccessHandler(() => state, { metrics }), fw, local]);
  const qlog = log
    ? new QueryLog(join(work, 'q.log'), {
        config: {
          destination: join(work, 'q.log'),
          logCacheHits: false,
          accountId: '000000000000',
          maxBufferedLines: 10_000_000,
        },
        metrics,
      })
    : null;
  const engine = new QueryEngine({
    chain: () => chain,
    metrics,
    logger: silent,
    maxUdpSize: () => 1232,
    onAnswer: qlog ? (ctx, res) => qlog.record(ctx, res) : undefined,
  });
  return { engine, qlog };
}

function query(name, id) {
  const labels = name.split('.');
  const len = labels.reduce((n, l) => n + l.length + 1, 1);
  const b = Buffer.alloc(12 + len + 4);
  b.writeUInt16BE(id, 0);
  b.writeUInt16BE(0x0100, 2);
  b.writeUInt16BE(1, 4);
  let p = 12;
  for (const l of labels) {
    b[p++] = l.length;
    p += b.write(l, p, 'ascii');
  }
  b[p++] = 0;
  b.writeUInt16BE(1, p);
  b.writeUInt16BE(1, p + 2);
  return b;
}
const msgs = Array.from({ length: 1000 }, (_, i) => query(names[i % names.length], i));

let t = performance.now();
const variants = { off: engineFor(base) };
const loadOff = performance.now() - t;
t = performance.now();
variants.firewall = engineFor(base + fwYaml);
const loadFw = performance.now() - t;
variants['query-log'] = engineFor(base, { log: true });
variants['off-again'] = engineFor(base);

const best = Object.fromEntries(Object.keys(variants).map((k) => [k, Number.POSITIVE_INFINITY]));
for (let r = 0; r < ROUNDS; r++) {
  for (const [k, v] of Object.entries(variants)) {
    const t0 = performance.now();
    for (let i = 0; i < QUERIES; i++)
      v.engine.handle(msgs[i % msgs.length], '127.0.0.1', 40000 + (i & 1023), 'udp');
    if (v.qlog) await v.qlog.flush(); // the log's work counts too: formatting and writing
    const ns = ((performance.now() - t0) * 1e6) / QUERIES;
    best[k] = Math.min(best[k], ns);
  }
}
await variants['query-log'].qlog.close();
console.log(
  `Load: config without firewall ${loadOff.toFixed(0)} ms; with ${DOMAINS.toLocaleString('en')} domains in 5 list files ${loadFw.toFixed(0)} ms`,
);
console.log(
  `Per query (fastest of ${ROUNDS} rounds of ${QUERIES.toLocaleString('en')} endpoint-name queries, in process):`,
);
for (const k of Object.keys(variants)) {
  const rel = k === 'off' ? '' : ` (+${((best[k] / best.off - 1) * 100).toFixed(1)}%)`;
  console.log(`  ${k.padEnd(10)} ${best[k].toFixed(0).padStart(6)} ns${rel}`);
}
