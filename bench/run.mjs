#!/usr/bin/env node
// `npm run bench`: privatelink-dns side by side with dnsmasq and unbound, same records, same fake
// upstream, same dnsperf query mix, alternating runs, medians. Installs nothing: it checks for
// dnsperf, dnsmasq and unbound and says how to get them. Prints the tables and writes
// docs/benchmarks.md (between the results markers, keeping the rest of the file).
//
//   node bench/run.mjs [--quick] [--seconds S] [--reps N] [--only a,b] [--peers a,b]
//                      [--large N] [--base DIR] [--no-write]
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { dnsperf } from './lib/dnsperf.mjs';
import { spawned, startDnsmasq, startOurs, startUnbound, startUpstream } from './lib/peers.mjs';
import {
  coldQueries,
  configYaml,
  dnsmasqHosts,
  endpointQueries,
  mixQueries,
  ownedNames,
  unboundLocalData,
  warmQueries,
  writeLines,
} from './lib/records.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

const { values: argv } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seconds: { type: 'string' },
    reps: { type: 'string' },
    only: { type: 'string' },
    peers: { type: 'string' },
    large: { type: 'string', default: '10000' },
    small: { type: 'string', default: '10' },
    'no-write': { type: 'boolean', default: false },
    base: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (argv.help) {
  process.stdout.write(
    `Usage: npm run bench -- [--quick] [--seconds S] [--reps N] [--only SCENARIOS] [--peers PEERS] [--large N] [--no-write]
  --quick       2 s runs, 1 repetition (a smoke run; numbers are rough)
  --seconds S   length of each measured dnsperf run (default 5)
  --reps N      runs per peer and scenario, alternating peers; medians are reported (default 3)
  --only        comma-separated scenarios: endpoint,endpoint-5k,fwd-cold,fwd-warm,mix,mix-large
  --peers       comma-separated peers: ours,ours-auto,dnsmasq,unbound
  --large N     endpoints in the scaling config (default 10000)
  --base DIR    also run another built checkout of privatelink-dns (peers base, base-auto): the
                old code next to the new in the same run, for before/after ratios
  --no-write    print only; leave docs/benchmarks.md alone
`,
  );
  process.exit(0);
}
const SECONDS = Number(argv.seconds ?? (argv.quick ? 2 : 5));
const REPS = Number(argv.reps ?? (argv.quick ? 1 : 3));
const LARGE = Number(argv.large);
const SMALL = Number(argv.small);
const FIXED_RATE = 5000;
const only = argv.only ? new Set(argv.only.split(',')) : null;
const wantPeers = argv.peers ? new Set(argv.peers.split(',')) : null;

// ---------------------------------------------------------------------------------------------
// Tools.

const missing = ['dnsperf', 'dnsmasq', 'unbound'].filter((t) => {
  try {
    execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
});
if (missing.length) {
  process.stderr.write(
    `bench: missing ${missing.join(', ')}. Install them with:\n  sudo apt-get install dnsperf dnsmasq-base unbound\n`,
  );
  process.exit(2);
}
if (!existsSync(join(ROOT, 'dist', 'cli.js'))) {
  process.stderr.write('bench: dist/ is not built; run `npm run build` first (`npm run bench` does)\n');
  process.exit(2);
}
const serveHelp = execFileSync(process.execPath, [join(ROOT, 'bin', 'privatelink-dns'), 'serve', '--help'], {
  encoding: 'utf8',
});
const hasWorkers = serveHelp.includes('--workers');

function version(cmd, args, re) {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return (re.exec(out)?.[1] ?? out.split('\n')[0]).trim();
  } catch (e) {
    return (re.exec(`${e.stdout ?? ''}${e.stderr ?? ''}`)?.[1] ?? '?').trim();
  }
}
const machine = {
  cpu: cpus()[0]?.model ?? '?',
  cores: cpus().length,
  node: process.version,
  dnsperf: version('dnsperf', ['-h'], /Version (\S+)/),
  dnsmasq: version('dnsmasq', ['--version'], /Dnsmasq version (\S+)/),
  unbound: version('unbound', ['-V'], /Version (\S+)/),
  load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
};

const log = (s) => process.stderr.write(`${s}\n`);
const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---------------------------------------------------------------------------------------------
// Records and query files.

const work = mkdtempSync(join(tmpdir(), 'pldns-bench-'));
// dnsmasq drops privileges to nobody: it must be able to read the hosts files.
chmodSync(work, 0o755);
const benchStart = performance.now();
log(`bench: work dir ${work}; ${SECONDS}s runs × ${REPS}; ${machine.cores} cores, load ${machine.load}`);

async function recordSet(n) {
  const yaml = configYaml(n);
  const names = await ownedNames(ROOT, yaml);
  const config = join(work, `endpoints-${n}.yaml`);
  writeFileSync(config, yaml);
  const hosts = join(work, `hosts-${n}`);
  writeFileSync(hosts, dnsmasqHosts(names));
  const probeName = names[0].name;
  return { n, config, hosts, localData: unboundLocalData(names), names, probeName };
}
const small = await recordSet(SMALL);
const needLarge = !only || only.has('mix-large');
const large = needLarge ? await recordSet(LARGE) : null;
const warm = warmQueries(1000);
const files = {
  endpoint: writeLines(join(work, 'q-endpoint.txt'), endpointQueries(small.names)),
  warm: writeLines(join(work, 'q-warm.txt'), warm),
  mix: writeLines(join(work, 'q-mix.txt'), mixQueries(small.names, warm)),
  mixLarge: large ? writeLines(join(work, 'q-mix-large.txt'), mixQueries(large.names, warm)) : null,
};

// ---------------------------------------------------------------------------------------------
// Peers.

const PEERS = [
  { id: 'ours', label: 'privatelink-dns, 1 worker', kind: 'ours', workers: undefined },
  ...(hasWorkers
    ? [{ id: 'ours-auto', label: `privatelink-dns, --workers auto`, kind: 'ours', workers: 'auto' }]
    : []),
  ...(argv.base
    ? [
        { id: 'base', label: 'base checkout, 1 worker', kind: 'ours', workers: undefined, root: argv.base },
        ...(hasWorkers
          ? [
              {
                id: 'base-auto',
                label: 'base checkout, --workers auto',
                kind: 'ours',
                workers: 'auto',
                root: argv.base,
              },
            ]
          : []),
      ]
    : []),
  { id: 'dnsmasq', label: 'dnsmasq', kind: 'dnsmasq', cacheSize: 10_000 },
  { id: 'unbound', label: 'unbound, 1 thread', kind: 'unbound' },
].filter((p) => !wantPeers || wantPeers.has(p.id));
const NOCACHE = { id: 'dnsmasq-nocache', label: 'dnsmasq, cache off', kind: 'dnsmasq', cacheSize: 0 };

const upstream = await startUpstream(work);
const running = [];
async function start(peer, set, tag) {
  const common = { work, upstreamPort: upstream.port, probeName: set.probeName, tag };
  let r;
  if (peer.kind === 'ours')
    r = await startOurs({ ...common, root: peer.root ?? ROOT, config: set.config, workers: peer.workers });
  else if (peer.kind === 'dnsmasq')
    r = await startDnsmasq({ ...common, hosts: set.hosts, cacheSize: peer.cacheSize });
  else r = await startUnbound({ ...common, localData: set.localData });
  running.push(r.server);
  return r;
}
async function stopAll() {
  await Promise.all(running.map((r) => r.stop()));
  await upstream.stop();
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
// Whatever happens, no server outlives the bench.
process.on('exit', () => {
  for (const c of spawned) if (c.exitCode === null) c.kill('SIGKILL');
});
process.on('uncaughtException', (e) => {
  log(`bench: ${e?.stack ?? e}`);
  process.exit(1);
});
process.on('unhandledRejection', (e) => {
  log(`bench: ${e?.stack ?? e}`);
  process.exit(1);
});

let runNo = 0;
async function measure(server, file, extra = {}) {
  runNo++;
  return dnsperf({
    port: server.port,
    file,
    seconds: SECONDS,
    out: join(work, `dnsperf-${runNo}.out`),
    ...extra,
  });
}
/** Sends every name in `file` `times` times (fills caches; with workers, each worker's). */
async function prime(server, file, times = 3) {
  for (let i = 0; i < times; i++) {
    runNo++;
    await dnsperf({
      port: server.port,
      file,
      seconds: 30,
      once: true,
      out: join(work, `prime-${runNo}.out`),
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Scenarios.

const SCENARIOS = [
  {
    id: 'endpoint',
    title: '(a) endpoint names (regional, zonal, private; A and AAAA)',
    file: () => files.endpoint,
  },
  {
    id: 'endpoint-5k',
    title: `(a) endpoint names at a fixed ${FIXED_RATE} queries/s (latency)`,
    file: () => files.endpoint,
    rate: FIXED_RATE,
  },
  {
    id: 'fwd-cold',
    title: '(b) forwarded names, cache cold (every name unique; dnsmasq with --cache-size=0)',
    base: 'dnsmasq-nocache',
    once: true,
    file: (peer, rep) =>
      writeLines(join(work, `q-cold.txt`), coldQueries(`${peer}-${rep}`, 80_000 * SECONDS)),
  },
  {
    id: 'fwd-warm',
    title: '(b) forwarded names, cache warm (1,000 names, primed)',
    prime: () => files.warm,
    file: () => files.warm,
  },
  {
    id: 'mix',
    title: `(c) mixed stream: 80% forwarded (cached), 20% endpoint names, ${SMALL} endpoints`,
    prime: () => files.warm,
    file: () => files.mix,
    group: 'scaling',
  },
  {
    id: 'mix-large',
    title: `(d) the same mix with ${LARGE.toLocaleString('en-US')} endpoints`,
    prime: () => files.warm,
    file: () => files.mixLarge,
    large: true,
    group: 'scaling',
  },
].filter((s) => !only || only.has(s.id));

const results = new Map(); // scenario → peer → [run]
const record = (s, p, r) => {
  if (!results.has(s)) results.set(s, new Map());
  const m = results.get(s);
  if (!m.has(p)) m.set(p, []);
  m.get(p).push(r);
};

// Small-config peers: start, JIT warm-up (1 s of endpoint queries), prime the warm set.
const smallServers = new Map();
const startup = new Map(); // `${peer}/${n}` → { ms: [], rss: [] }
const noteStartup = (peer, n, ms, rss) => {
  const k = `${peer}/${n}`;
  if (!startup.has(k)) startup.set(k, { ms: [], rss: [] });
  startup.get(k).ms.push(ms);
  startup.get(k).rss.push(rss);
};
const needNoCache = SCENARIOS.some((s) => s.id === 'fwd-cold') && (!wantPeers || wantPeers.has('dnsmasq'));
for (const p of needNoCache ? [...PEERS, NOCACHE] : PEERS) {
  const { server, startupMs } = await start(p, small, `${p.id}-${SMALL}`);
  noteStartup(p.id, SMALL, startupMs, server.rssMb());
  log(`bench: ${p.label} (${SMALL} endpoints) up in ${startupMs.toFixed(0)} ms on port ${server.port}`);
  await dnsperf({ port: server.port, file: files.endpoint, seconds: 1, out: join(work, 'jit.out') });
  smallServers.set(p.id, server);
}

// Large-config peers: started REPS times each, alternating, for startup time and RSS; the last
// instance of each stays up for the mix-large runs.
const largeServers = new Map();
if (large && SCENARIOS.some((s) => s.large)) {
  for (let rep = 0; rep < REPS; rep++) {
    for (const p of PEERS) {
      const prev = largeServers.get(p.id);
      if (prev) {
        await prev.stop();
        running.splice(running.indexOf(prev), 1);
      }
      const { server, startupMs } = await start(p, large, `${p.id}-${LARGE}`);
      // Settle: RSS right after the first answer can still be growing.
      await new Promise((r) => setTimeout(r, 300));
      noteStartup(p.id, LARGE, startupMs, server.rssMb());
      log(
        `bench: ${p.label} (${LARGE} endpoints) up in ${startupMs.toFixed(0)} ms, ${server.rssMb().toFixed(0)} MB`,
      );
      largeServers.set(p.id, server);
    }
  }
  for (const p of PEERS) {
    await dnsperf({
      port: largeServers.get(p.id).port,
      file: files.endpoint,
      seconds: 1,
      out: join(work, 'jit.out'),
    });
  }
}

// Measured runs: for each group of scenarios, for each repetition, peers in rotating order.
const groups = [];
for (const s of SCENARIOS) {
  const g = s.group ? groups.find((x) => x[0].group === s.group) : null;
  if (g) g.push(s);
  else groups.push([s]);
}
for (const group of groups) {
  for (let rep = 0; rep < REPS; rep++) {
    const order = PEERS.map((_p, i) => PEERS[(i + rep) % PEERS.length]);
    for (const p0 of order) {
      for (const s of group) {
        const p = s.id === 'fwd-cold' && p0.id === 'dnsmasq' ? NOCACHE : p0;
        const server = (s.large ? largeServers : smallServers).get(p.id);
        if (!server) continue;
        if (s.prime) await prime(server, s.prime());
        server.resetPeak();
        const r = await measure(server, s.file(p.id, rep), { rate: s.rate, once: s.once });
        r.peakMb = server.peakMb();
        r.rssMb = server.rssMb();
        record(s.id, p.id, r);
        log(
          `bench: ${s.id.padEnd(11)} ${p.id.padEnd(16)} ${r.qps.toFixed(0).padStart(7)} q/s  p50 ${r.p50.toFixed(3)} ms  p99 ${r.p99.toFixed(3)} ms  lost ${r.lost}  peak ${r.peakMb.toFixed(0)} MB`,
        );
      }
    }
  }
}
await stopAll();
const elapsed = (performance.now() - benchStart) / 1000;

// ---------------------------------------------------------------------------------------------
// Report.

const fmt = (x, d = 0) =>
  Number.isFinite(x)
    ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
    : '–';
const summary = (sid, pid) => {
  const runs = results.get(sid)?.get(pid);
  if (!runs) return null;
  return {
    qps: median(runs.map((r) => r.qps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    peak: median(runs.map((r) => r.peakMb)),
    lost: median(runs.map((r) => (r.sent ? (100 * r.lost) / r.sent : 0))),
    runs: runs.map((r) => r.qps),
  };
};

const lines = [];
const label = (id) => (id === NOCACHE.id ? NOCACHE.label : (PEERS.find((p) => p.id === id)?.label ?? id));
for (const s of SCENARIOS) {
  const base = summary(s.id, s.base ?? 'dnsmasq');
  lines.push(`#### ${s.title}`, '');
  lines.push('| server | queries/s | × dnsmasq | p50 ms | p99 ms | peak RSS MB | lost % | runs (q/s) |');
  lines.push('|---|--:|--:|--:|--:|--:|--:|---|');
  const ids = PEERS.map((p) => (s.id === 'fwd-cold' && p.id === 'dnsmasq' ? NOCACHE.id : p.id));
  for (const id of ids) {
    const r = summary(s.id, id);
    if (!r) continue;
    const ratio = base ? r.qps / base.qps : NaN;
    lines.push(
      `| ${label(id)} | ${fmt(r.qps)} | ${fmt(ratio, 2)} | ${fmt(r.p50, 3)} | ${fmt(r.p99, 3)} | ${fmt(r.peak)} | ${fmt(r.lost, 2)} | ${r.runs.map((x) => fmt(x)).join(', ')} |`,
    );
  }
  lines.push('');
}
if (results.has('mix') && results.has('mix-large')) {
  lines.push(`#### (d) scaling: ${SMALL} vs ${LARGE.toLocaleString('en-US')} endpoints`, '');
  lines.push(
    `| server | mix q/s, ${SMALL} | mix q/s, ${LARGE} | ${LARGE} / ${SMALL} | startup ms, ${SMALL} | startup ms, ${LARGE} | RSS MB after start, ${LARGE} | peak RSS MB under load, ${LARGE} |`,
  );
  lines.push('|---|--:|--:|--:|--:|--:|--:|--:|');
  for (const p of PEERS) {
    const a = summary('mix', p.id);
    const b = summary('mix-large', p.id);
    const s1 = startup.get(`${p.id}/${SMALL}`);
    const s2 = startup.get(`${p.id}/${LARGE}`);
    lines.push(
      `| ${p.label} | ${fmt(a?.qps)} | ${fmt(b?.qps)} | ${fmt(b && a ? b.qps / a.qps : NaN, 2)} | ${fmt(median(s1?.ms ?? []))} | ${fmt(median(s2?.ms ?? []))} | ${fmt(median(s2?.rss ?? []))} | ${fmt(b?.peak)} |`,
    );
  }
  lines.push('');
}

// Targets of issue 6, as measured in this run.
const ratio = (sid, pid, base = 'dnsmasq') => {
  const a = summary(sid, pid);
  const b = summary(sid, base);
  return a && b ? a.qps / b.qps : NaN;
};
const best = (sid, base) =>
  Math.max(
    ...PEERS.filter((p) => p.kind === 'ours')
      .map((p) => ratio(sid, p.id, base))
      .filter(Number.isFinite),
  );
const targets = [];
const target = (what, goal, value, ok, unit = '') =>
  targets.push(
    `| ${what} | ${goal} | ${Number.isFinite(value) ? `${fmt(value, 2)}${unit}` : '–'} | ${Number.isFinite(value) ? (ok ? 'met' : '**missed**') : 'not run'} |`,
  );
{
  const v1 = ratio('endpoint', 'ours');
  target('endpoint names, 1 worker (floor)', '≥ 0.60× dnsmasq', v1, v1 >= 0.6, '×');
  const vb = best('endpoint');
  target('endpoint names, best worker count', '≥ 1.0× dnsmasq', vb, vb >= 1.0, '×');
  const w = best('fwd-warm');
  target('forwarded, cache warm', '≥ 1.0× dnsmasq (cache on)', w, w >= 1.0, '×');
  const c = best('fwd-cold', NOCACHE.id);
  target('forwarded, cache cold', '≥ 0.9× dnsmasq (cache off)', c, c >= 0.9, '×');
  const p99 = summary('endpoint-5k', 'ours')?.p99 ?? NaN;
  target(`p99 latency at ${FIXED_RATE} q/s, endpoint names, 1 worker`, '≤ 1 ms', p99, p99 <= 1, ' ms');
  for (const p of PEERS.filter((x) => x.kind === 'ours')) {
    const a = summary('mix', p.id);
    const b = summary('mix-large', p.id);
    const cost = a && b ? 1 - b.qps / a.qps : NaN;
    target(`${LARGE} endpoints: throughput cost (${p.id})`, '≤ 10%', cost * 100, cost <= 0.1, '%');
    const st = median(startup.get(`${p.id}/${LARGE}`)?.ms ?? []) / 1000;
    target(`${LARGE} endpoints: startup (${p.id})`, '≤ 2 s', st, st <= 2, ' s');
    const rss = Math.max(median(startup.get(`${p.id}/${LARGE}`)?.rss ?? []), b?.peak ?? 0);
    target(`${LARGE} endpoints: RSS, all processes (${p.id})`, '< 200 MB', rss, rss < 200, ' MB');
  }
}

const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const cmd = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const out = [
  START,
  '',
  `Run ${now} with \`${cmd}\` (${fmt(elapsed)} s).`,
  '',
  `Machine: ${machine.cores} × ${machine.cpu}; load average before the run ${machine.load}; Node ${machine.node}; dnsperf ${machine.dnsperf}; dnsmasq ${machine.dnsmasq}; unbound ${machine.unbound}.`,
  `Each cell is the median of ${REPS} run(s) of ${SECONDS} s; peers alternate run by run. dnsperf \`-c 20 -q 200\` (saturating) unless a fixed rate is given; p50/p99 are per-query latencies from \`dnsperf -v\`.`,
  '',
  '#### Targets (issue 6)',
  '',
  '| target | goal | measured | |',
  '|---|---|--:|---|',
  ...targets,
  '',
  ...lines,
  END,
].join('\n');

process.stdout.write(
  `\n${out
    .split('\n')
    .filter((l) => !l.startsWith('<!--'))
    .join('\n')}\n`,
);
if (!argv['no-write']) {
  let doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '';
  const a = doc.indexOf(START);
  const b = doc.indexOf(END);
  if (a >= 0 && b > a) doc = doc.slice(0, a) + out + doc.slice(b + END.length);
  else doc = `# Benchmarks\n\n${out}\n`;
  writeFileSync(DOC, doc);
  log(`bench: wrote ${DOC}`);
}
rmSync(work, { recursive: true, force: true });
