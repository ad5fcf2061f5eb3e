#!/usr/bin/env node
// In-process cost per query of the DNS Firewall and of query logging, for a loaded machine where
// dnsperf runs vary too much: the query engine (parse → access → firewall → local → encode) is
// driven directly with pre-built queries for endpoint names, in alternating short rounds.
// Each round is timed twice: by the wall clock (the fastest round is the least disturbed) and
// by the process's CPU time (what the round cost, however often the process was preempted; the
// median round is given). The query log's rounds include formatting and writing every line.
//
//   node bench/firewall-micro.mjs [--domains N] [--rounds R] [--queries Q] [--loads L]
//                                 [--baseline DIR]
//
// --baseline DIR: a second build (DIR/dist, e.g. main built in another directory) measured in
// the same process, its rounds interleaved with ours, its list loads alternating with ours.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { configYaml, ownedNames } from './lib/records.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: argv } = parseArgs({
  options: {
    domains: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '15' },
    queries: { type: 'string', default: '20000' },
    loads: { type: 'string', default: '3' },
    baseline: { type: 'string' },
  },
});
const DOMAINS = Number(argv.domains);
const ROUNDS = Number(argv.rounds);
const QUERIES = Number(argv.queries);
const LOADS = Number(argv.loads);

/** The modules of one build. */
async function build(root) {
  const dist = async (p) => import(pathToFileURL(join(root, 'dist', p)).href);
  return {
    parseConfigText: (await dist('config/load.js')).parseConfigText,
    buildCatalog: (await dist('privatelink/catalog.js')).buildCatalog,
    HealthState: (await dist('health/state.js')).HealthState,
    Metrics: (await dist('metrics/metrics.js')).Metrics,
    ...(await dist('resolve/access.js')),
    FirewallHandler: (await dist('resolve/firewall.js')).FirewallHandler,
    LocalHandler: (await dist('resolve/local.js')).LocalHandler,
    Chain: (await dist('resolve/chain.js')).Chain,
    QueryEngine: (await dist('server/engine.js')).QueryEngine,
    QueryLog: (await dist('route53/query-log/writer.js')).QueryLog,
  };
}
const builds = { new: await build(ROOT) };
if (argv.baseline) builds.old = await build(resolve(argv.baseline));
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
lines.length = 0;
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

function engineFor(b, loaded, { log = false, tag = '' } = {}) {
  const catalog = b.buildCatalog(loaded.config, new b.HealthState());
  const metrics = new b.Metrics();
  const state = { catalog, allowed: b.allowedClientTable(loaded.config) };
  const local = new b.LocalHandler(() => catalog);
  const rest = new b.Chain([local]);
  const fw = new b.FirewallHandler({ firewall: () => loaded.firewall ?? null, rest: () => rest, metrics });
  const chain = new b.Chain([new b.AccessHandler(() => state, { metrics }), fw, local]);
  const file = join(work, `q-${tag}.log`);
  const qlog = log
    ? new b.QueryLog(file, {
        config: {
          destination: file,
          logCacheHits: false,
          accountId: '000000000000',
          maxBufferedLines: 10_000_000,
        },
        metrics,
      })
    : null;
  const engine = new b.QueryEngine({
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
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Loads of the 1,000,000-domain firewall, alternating builds; the last one of each is kept.
const loadMs = Object.fromEntries(Object.keys(builds).map((k) => [k, []]));
const loadedFw = {};
for (let r = 0; r < LOADS; r++) {
  for (const [k, b] of Object.entries(builds)) {
    loadedFw[k] = null;
    globalThis.gc?.();
    const t0 = performance.now();
    loadedFw[k] = b.parseConfigText(base + fwYaml, join(work, 'c.yaml'));
    loadMs[k].push(performance.now() - t0);
  }
}

const variants = {};
for (const [k, b] of Object.entries(builds)) {
  const plain = () => b.parseConfigText(base, join(work, 'c.yaml'));
  variants[`${k} off`] = engineFor(b, plain());
  variants[`${k} firewall`] = engineFor(b, loadedFw[k]);
  variants[`${k} query-log`] = engineFor(b, plain(), { log: true, tag: k });
  variants[`${k} off-again`] = engineFor(b, plain());
}

const wall = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
const cpu = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000; // ns
};
for (let r = 0; r < ROUNDS; r++) {
  for (const [k, v] of Object.entries(variants)) {
    const c0 = cpuNow();
    const t0 = performance.now();
    for (let i = 0; i < QUERIES; i++) {
      // A turn of the event loop every 32 queries, as a UDP socket reads at most 32 datagrams
      // a turn: the query log formats a turn's lines on the next one.
      if ((i & 31) === 31) await new Promise(setImmediate);
      v.engine.handle(msgs[i % msgs.length], '127.0.0.1', 40000 + (i & 1023), 'udp');
    }
    if (v.qlog) await v.qlog.flush(); // the log's work counts too: formatting and writing
    wall[k].push(((performance.now() - t0) * 1e6) / QUERIES);
    cpu[k].push((cpuNow() - c0) / QUERIES);
  }
}
for (const v of Object.values(variants)) await v.qlog?.close();

const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
console.log(
  `Load of ${DOMAINS.toLocaleString('en')} domains in 5 list files (parseConfigText, ${LOADS} alternating loads, median):`,
);
for (const k of Object.keys(builds))
  console.log(`  ${k.padEnd(4)} ${fmt(median(loadMs[k]))}   (loads: ${loadMs[k].map(fmt).join(', ')})`);
if (builds.old) console.log(`  new/old ${(median(loadMs.new) / median(loadMs.old)).toFixed(2)}`);
console.log(
  `Per query (${ROUNDS} interleaved rounds of ${QUERIES.toLocaleString('en')} endpoint-name queries, in process):`,
);
console.log(`  ${'variant'.padEnd(18)} ${'fastest wall'.padStart(12)}  ${'median CPU'.padStart(12)}`);
for (const k of Object.keys(variants)) {
  const off = `${k.split(' ')[0]} off`;
  const rel = (xs, f) =>
    k === off
      ? ''
      : ` (${f(xs[k]) / f(xs[off]) >= 1 ? '+' : ''}${((f(xs[k]) / f(xs[off]) - 1) * 100).toFixed(1)}%)`;
  const min = (xs) => Math.min(...xs);
  const w = `${min(wall[k]).toFixed(0)} ns${rel(wall, min)}`;
  const c = `${median(cpu[k]).toFixed(0)} ns${rel(cpu, median)}`;
  console.log(`  ${k.padEnd(18)} ${w.padStart(20)}  ${c.padStart(20)}`);
}
