#!/usr/bin/env node
// `npm run bench`: privatelink-dns side by side with the C servers people would pick instead
// (dnsmasq, unbound, dnsdist, Knot Resolver, PowerDNS Recursor, BIND), same records, same fake
// upstream, same dnsperf query streams, alternating runs, medians. Also: scaling curves (endpoints,
// workers) as tables and SVG plots, the new features as ratios against the same run without them,
// and `--profile` for a CPU profile of one scenario. Installs nothing: a missing peer is skipped
// with a note. Prints the tables and writes docs/benchmarks.md (between the results markers) and
// the plots in docs/bench/.
//
//   node bench/run.mjs [--quick] [--seconds S] [--reps N] [--only a,b] [--peers a,b] [--large N]
//                      [--counts a,b] [--base DIR] [--profile SCENARIO] [--no-write]
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { dnsperf } from './lib/dnsperf.mjs';
import { firewallYaml, hostedZoneQueries, hostedZonesYaml, queryLogYaml } from './lib/features.mjs';
import {
  spawned,
  startBind,
  startDnsdist,
  startDnsmasq,
  startKresd,
  startOurs,
  startPdnsRecursor,
  startUnbound,
  startUpstream,
} from './lib/peers.mjs';
import { newestProfile, readProfile, topSelfTime } from './lib/profile.mjs';
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
  zoneFiles,
} from './lib/records.mjs';
import { lineChart } from './lib/svg.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

const ALL_SCENARIOS = [
  'endpoint',
  'endpoint-5k',
  'fwd-cold',
  'fwd-warm',
  'mix',
  'tcp',
  'mix-large',
  'scale-endpoints',
  'phz',
  'firewall',
  'query-log',
];
const DEFAULT_SCENARIOS = ALL_SCENARIOS.filter((s) => s !== 'mix-large');

const { values: argv } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seconds: { type: 'string' },
    reps: { type: 'string' },
    only: { type: 'string' },
    skip: { type: 'string' },
    peers: { type: 'string' },
    large: { type: 'string', default: '10000' },
    small: { type: 'string', default: '10' },
    counts: { type: 'string' },
    'curve-reps': { type: 'string' },
    'phz-zones': { type: 'string', default: '1000' },
    'phz-records': { type: 'string', default: '100' },
    'fw-domains': { type: 'string', default: '1000000' },
    profile: { type: 'string' },
    'profile-dir': { type: 'string' },
    plots: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    base: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (argv.help) {
  process.stdout.write(
    `Usage: npm run bench -- [options]
  --quick            2 s runs, 1 repetition, curve up to 10,000 endpoints (a smoke run; rough numbers)
  --seconds S        length of each measured dnsperf run (default 4)
  --reps N           runs per peer and scenario, alternating peers; medians are reported (default 3)
  --only LIST        comma-separated scenarios (default: all but mix-large):
                     ${ALL_SCENARIOS.join(',')}
  --skip LIST        scenarios to leave out of the default set
  --peers LIST       comma-separated peers: ours,ours-2,ours-auto,dnsmasq,unbound,dnsdist,
                     knot-resolver,pdns-recursor,bind9 (default: all installed; ours-2 only where
                     auto is not 2 workers)
  --large N          endpoints in the mix-large config and the workers-auto start/RSS target (10000)
  --counts LIST      endpoint counts of the scale-endpoints curve (default 10,1000,10000,100000;
                     --quick: 10,1000,10000)
  --curve-reps N     runs per peer and count on the curve (default 1; each run starts the server)
  --phz-zones N, --phz-records N   hosted zones and records per zone of the phz scenario (1000, 100)
  --fw-domains N     domains of the firewall scenario's lists (default 1000000)
  --profile SCENARIO write a CPU profile (node --cpu-prof) of privatelink-dns (1 worker) running
                     one scenario into --profile-dir (default .bench/profiles), print its path and
                     the top 15 self-time functions; runs nothing else and writes no docs
  --plots DIR        write the SVG plots there (default docs/bench/, none with --no-write)
  --base DIR         also run another built checkout of privatelink-dns (peers base, base-auto, and
                     every feature config against the base's own run without it): the old code
                     next to the new in the same run, for before/after ratios
  --no-write         print only; leave docs/benchmarks.md and docs/bench/ alone
`,
  );
  process.exit(0);
}
const SECONDS = Number(argv.seconds ?? (argv.quick ? 2 : 4));
const REPS = Number(argv.reps ?? (argv.quick ? 1 : 3));
const CURVE_REPS = Number(argv['curve-reps'] ?? 1);
const LARGE = Number(argv.large);
const SMALL = Number(argv.small);
const COUNTS = (argv.counts ?? (argv.quick ? '10,1000,10000' : '10,1000,10000,100000'))
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const PHZ_ZONES = Number(argv['phz-zones']);
const PHZ_RECORDS = Number(argv['phz-records']);
const FW_DOMAINS = Number(argv['fw-domains']);
const FIXED_RATE = 5000;
const TCP_CLIENTS = 100;
const CORES = availableParallelism();
const PROFILE = argv.profile ?? null;
const list = (s) => (s ? s.split(',').filter(Boolean) : null);
let only = list(argv.only) ? new Set(list(argv.only)) : new Set(DEFAULT_SCENARIOS);
for (const s of list(argv.skip) ?? []) only.delete(s);
if (PROFILE) only = new Set([PROFILE]);
for (const s of only)
  if (!ALL_SCENARIOS.includes(s)) {
    process.stderr.write(`bench: unknown scenario ${s}; one of ${ALL_SCENARIOS.join(', ')}\n`);
    process.exit(2);
  }
const wantPeers = list(argv.peers) ? new Set(list(argv.peers)) : null;
const has = (id) => only.has(id);

// ---------------------------------------------------------------------------------------------
// Tools.

const onPath = (t) => {
  try {
    execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const required = ['dnsperf', 'dnsmasq'].filter((t) => !onPath(t));
if (required.length) {
  process.stderr.write(
    `bench: missing ${required.join(', ')} (dnsmasq is also the fake upstream). Install with:\n  sudo apt-get install dnsperf dnsmasq-base\n`,
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
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  return (re.exec(out)?.[1] ?? '?').trim();
}

const fmt = (x, d = 0) =>
  Number.isFinite(x)
    ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
    : '–';
const log = (s) => process.stderr.write(`${s}\n`);
const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---------------------------------------------------------------------------------------------
// Peers. `bin` must be on PATH; `apt` is the Debian package to install it from.

const PEER_DEFS = [
  { id: 'ours', label: 'privatelink-dns, 1 worker', kind: 'ours', workers: undefined, wc: 1 },
  ...(hasWorkers && CORES !== 2
    ? [{ id: 'ours-2', label: 'privatelink-dns, --workers 2', kind: 'ours', workers: 2, wc: 2 }]
    : []),
  ...(hasWorkers
    ? [
        {
          id: 'ours-auto',
          label: `privatelink-dns, --workers auto (${CORES})`,
          kind: 'ours',
          workers: 'auto',
          wc: CORES,
        },
      ]
    : []),
  ...(argv.base
    ? [
        { id: 'base', label: 'base checkout, 1 worker', kind: 'ours', root: resolve(argv.base), base: true },
        ...(hasWorkers
          ? [
              {
                id: 'base-auto',
                label: 'base checkout, --workers auto',
                kind: 'ours',
                workers: 'auto',
                root: resolve(argv.base),
                base: true,
              },
            ]
          : []),
      ]
    : []),
  {
    id: 'dnsmasq',
    label: 'dnsmasq',
    kind: 'dnsmasq',
    cacheSize: 10_000,
    bin: 'dnsmasq',
    apt: 'dnsmasq-base',
  },
  { id: 'unbound', label: 'unbound, 1 thread', kind: 'unbound', bin: 'unbound', apt: 'unbound' },
  { id: 'dnsdist', label: 'dnsdist (records: Lua spoof)', kind: 'dnsdist', bin: 'dnsdist', apt: 'dnsdist' },
  { id: 'knot-resolver', label: 'Knot Resolver (kresd)', kind: 'kresd', bin: 'kresd', apt: 'knot-resolver' },
  {
    id: 'pdns-recursor',
    label: 'PowerDNS Recursor, 1 thread',
    kind: 'pdns',
    bin: 'pdns_recursor',
    apt: 'pdns-recursor',
  },
  { id: 'bind9', label: 'BIND 9, 1 thread', kind: 'bind', bin: 'named', apt: 'bind9' },
];
const skipped = [];
const PEERS = PEER_DEFS.filter((p) => {
  if (wantPeers && !wantPeers.has(p.id)) return false;
  if (PROFILE && p.id !== 'ours') return false;
  if (p.bin && !onPath(p.bin)) {
    skipped.push(`${p.label}: \`${p.bin}\` not found (\`apt-get install ${p.apt}\`)`);
    return false;
  }
  return true;
});
if (wantPeers)
  for (const id of wantPeers)
    if (!PEER_DEFS.some((p) => p.id === id)) {
      process.stderr.write(`bench: unknown peer ${id}; one of ${PEER_DEFS.map((p) => p.id).join(', ')}\n`);
      process.exit(2);
    }
const NOCACHE = { id: 'dnsmasq-nocache', label: 'dnsmasq, cache off', kind: 'dnsmasq', cacheSize: 0 };
const ours = PEERS.filter((p) => p.kind === 'ours' && !p.base);
const peerLabel = (id) =>
  id === NOCACHE.id ? NOCACHE.label : (PEER_DEFS.find((p) => p.id === id)?.label ?? id);

const machine = {
  cpu: cpus()[0]?.model ?? '?',
  cores: CORES,
  node: process.version,
  load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  versions: [
    `dnsperf ${version('dnsperf', ['-h'], /Version (\S+)/)}`,
    `dnsmasq ${version('dnsmasq', ['--version'], /Dnsmasq version (\S+)/)}`,
    ...PEERS.map((p) => {
      if (p.id === 'unbound') return `unbound ${version('unbound', ['-V'], /Version (\S+)/)}`;
      if (p.id === 'dnsdist') return `dnsdist ${version('dnsdist', ['--version'], /dnsdist (\S+)/)}`;
      if (p.id === 'knot-resolver')
        return `Knot Resolver ${version('kresd', ['--version'], /version (\S+)/)}`;
      if (p.id === 'pdns-recursor')
        return `PowerDNS Recursor ${version('pdns_recursor', ['--version'], /Recursor (\S+)/)}`;
      if (p.id === 'bind9') return `BIND ${version('named', ['-v'], /BIND (\S+)/)}`;
      return null;
    }).filter(Boolean),
  ],
};

// ---------------------------------------------------------------------------------------------
// Work dir, records, query files.

const work = mkdtempSync(join(tmpdir(), 'pldns-bench-'));
// dnsmasq and named may drop privileges: they must be able to read the record files.
chmodSync(work, 0o755);
const benchStart = performance.now();
log(
  `bench: work dir ${work}; ${SECONDS}s runs × ${REPS}; ${machine.cores} cores, load ${machine.load}; scenarios ${[...only].join(',')}`,
);
for (const s of skipped) log(`bench: skipped ${s}`);

const needZones = PEERS.some((p) => p.kind === 'pdns' || p.kind === 'bind');
async function recordSet(n) {
  const yaml = configYaml(n);
  const names = await ownedNames(ROOT, yaml);
  const config = join(work, `endpoints-${n}.yaml`);
  writeFileSync(config, yaml);
  const hosts = join(work, `hosts-${n}`);
  writeFileSync(hosts, dnsmasqHosts(names));
  return {
    n,
    yaml,
    config,
    hosts,
    localData: PEERS.some((p) => p.kind === 'unbound') ? unboundLocalData(names) : '',
    zones: needZones ? zoneFiles(names) : new Map(),
    names,
    probeName: names[0].name,
  };
}
const small = await recordSet(SMALL);
const warm = warmQueries(1000);
const files = {
  endpoint: writeLines(join(work, 'q-endpoint.txt'), endpointQueries(small.names)),
  warm: writeLines(join(work, 'q-warm.txt'), warm),
  mix: writeLines(join(work, 'q-mix.txt'), mixQueries(small.names, warm)),
};

// ---------------------------------------------------------------------------------------------
// Starting and stopping.

const upstream = await startUpstream(work);
const running = new Set();
async function start(peer, set, tag, extra = {}) {
  const common = { work, upstreamPort: upstream.port, probeName: set.probeName, tag };
  let r;
  if (peer.kind === 'ours')
    r = await startOurs({
      ...common,
      root: peer.root ?? ROOT,
      config: extra.config ?? set.config,
      workers: peer.workers,
      nodeArgs: extra.nodeArgs,
    });
  else if (peer.kind === 'dnsmasq')
    r = await startDnsmasq({ ...common, hosts: set.hosts, cacheSize: peer.cacheSize });
  else if (peer.kind === 'unbound') r = await startUnbound({ ...common, localData: set.localData });
  else if (peer.kind === 'dnsdist') r = await startDnsdist({ ...common, hosts: set.hosts });
  else if (peer.kind === 'kresd') r = await startKresd({ ...common, hosts: set.hosts });
  else if (peer.kind === 'pdns') r = await startPdnsRecursor({ ...common, zones: set.zones });
  else if (peer.kind === 'bind') r = await startBind({ ...common, zones: set.zones });
  else throw new Error(`unknown peer kind ${peer.kind}`);
  running.add(r.server);
  return r;
}
async function stop(server, graceMs) {
  await server.stop(graceMs);
  running.delete(server);
}
async function stopAll() {
  await Promise.all([...running].map((r) => r.stop()));
  running.clear();
  await upstream.stop();
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
// Whatever happens, no server outlives the bench.
process.on('exit', () => {
  for (const c of spawned) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
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
const jit = (server, file = files.endpoint) =>
  dnsperf({ port: server.port, file, seconds: 1, out: join(work, 'jit.out') });

// ---------------------------------------------------------------------------------------------
// Scenarios measured against long-running servers (one per peer and config).

const coldFile = (tag) => writeLines(join(work, 'q-cold.txt'), coldQueries(tag, 80_000 * SECONDS));
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
    nocache: true,
    once: true,
    file: (peer, rep) => coldFile(`${peer}-${rep}`),
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
    id: 'tcp',
    title: `(e) endpoint names over TCP: ${TCP_CLIENTS} connections, queries pipelined on each`,
    file: () => files.endpoint,
    mode: 'tcp',
    clients: TCP_CLIENTS,
    outstanding: 10 * TCP_CLIENTS,
    vs: 'unbound',
  },
  {
    id: 'mix-large',
    title: `(d) the same mix with ${LARGE.toLocaleString('en-US')} endpoints`,
    prime: () => files.warm,
    file: () => files.mixLarge,
    large: true,
    group: 'scaling',
  },
].filter((s) => has(s.id));

const results = new Map(); // scenario → peer → [run]
const record = (s, p, r) => {
  if (!results.has(s)) results.set(s, new Map());
  const m = results.get(s);
  if (!m.has(p)) m.set(p, []);
  m.get(p).push(r);
};
const startup = new Map(); // `${peer}/${n}` → { ms: [], rss: [] }
const noteStartup = (peer, n, ms, server) => {
  const k = `${peer}/${n}`;
  if (!startup.has(k)) startup.set(k, { ms: [], rss: [], fp: [] });
  startup.get(k).ms.push(ms);
  startup.get(k).rss.push(server.rssMb());
  startup.get(k).fp.push(server.footprintMb());
};
const logRun = (sid, pid, r) =>
  log(
    `bench: ${sid.padEnd(15)} ${pid.padEnd(16)} ${r.qps.toFixed(0).padStart(7)} q/s  p50 ${r.p50.toFixed(3)} ms  p99 ${r.p99.toFixed(3)} ms  lost ${r.lost}  peak ${(r.peakMb ?? 0).toFixed(0)} MB (${(r.peakFpMb ?? 0).toFixed(0)} each page once)${Number.isFinite(r.cpuUs) ? `  cpu ${r.cpuUs.toFixed(1)} µs/q` : ''}`,
  );

async function runOne(server, s, pid, rep) {
  if (s.prime) await prime(server, s.prime());
  server.resetPeak();
  const cpu0 = server.cpuSeconds?.() ?? NaN;
  const r = await measure(server, s.file(pid, rep), {
    rate: s.rate,
    once: s.once,
    mode: s.mode,
    clients: s.clients,
    outstanding: s.outstanding,
  });
  r.peakMb = server.peakMb();
  r.peakFpMb = server.peakFootprintMb();
  r.rssMb = server.rssMb();
  // Server CPU per answered query, in µs.
  r.cpuUs = (1e6 * ((server.cpuSeconds?.() ?? NaN) - cpu0)) / Math.max(1, r.sent - r.lost);
  return r;
}

if (PROFILE) await profileScenario(PROFILE);

const large = has('mix-large') ? await recordSet(LARGE) : null;
if (large) files.mixLarge = writeLines(join(work, 'q-mix-large.txt'), mixQueries(large.names, warm));

// Small-config peers: start, JIT warm-up (1 s of endpoint queries).
const smallServers = new Map();
const smallIds = SCENARIOS.some((s) => !s.large);
const needNoCache = has('fwd-cold') && PEERS.some((p) => p.id === 'dnsmasq');
if (smallIds)
  for (const p of needNoCache ? [...PEERS, NOCACHE] : PEERS) {
    let started;
    try {
      started = await start(p, small, `${p.id}-${SMALL}`);
    } catch (e) {
      // Reported, never replaced: the peer's cells stay empty.
      const why = e.message.split('\n')[0];
      skipped.push(`${peerLabel(p.id)}: did not start (${why})`);
      log(`bench: ${p.label} did not start: ${why}`);
      continue;
    }
    const { server, startupMs } = started;
    noteStartup(p.id, SMALL, startupMs, server);
    log(`bench: ${p.label} (${SMALL} endpoints) up in ${startupMs.toFixed(0)} ms on port ${server.port}`);
    await jit(server);
    smallServers.set(p.id, server);
  }

// Large-config peers: started REPS times each, alternating, for startup time and RSS; the last
// instance of each stays up for the mix-large runs.
const largeServers = new Map();
if (large) {
  for (let rep = 0; rep < REPS; rep++) {
    for (const p of PEERS) {
      const prev = largeServers.get(p.id);
      if (prev) await stop(prev);
      let started;
      try {
        started = await start(p, large, `${p.id}-${LARGE}`);
      } catch (e) {
        log(`bench: ${p.label} with ${LARGE} endpoints did not start: ${e.message.split('\n')[0]}`);
        largeServers.delete(p.id);
        continue;
      }
      const { server, startupMs } = started;
      // Settle: RSS right after the first answer can still be growing.
      await new Promise((r) => setTimeout(r, 300));
      noteStartup(p.id, LARGE, startupMs, server);
      log(
        `bench: ${p.label} (${LARGE} endpoints) up in ${startupMs.toFixed(0)} ms, ${server.rssMb().toFixed(0)} MB`,
      );
      largeServers.set(p.id, server);
    }
  }
  for (const server of largeServers.values()) await jit(server);
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
        const p = s.nocache && p0.id === 'dnsmasq' ? NOCACHE : p0;
        const server = (s.large ? largeServers : smallServers).get(p.id);
        if (!server) continue;
        const r = await runOne(server, s, p.id, rep);
        record(s.id, p.id, r);
        logRun(s.id, p.id, r);
      }
    }
  }
}
for (const s of [...smallServers.values(), ...largeServers.values()]) await stop(s);

// ---------------------------------------------------------------------------------------------
// Scaling curve: endpoint-name throughput, startup and RSS against the number of endpoints. Each
// point starts a fresh server with that many endpoints (peers alternating), warms it up for 1 s
// and measures the endpoint stream (every owned name, A and AAAA).

const curve = new Map(); // `${peer}/${n}` → [run]
if (has('scale-endpoints')) {
  for (const n of COUNTS) {
    const set = n === SMALL ? small : n === LARGE && large ? large : await recordSet(n);
    const qfile = writeLines(join(work, `q-endpoint-${n}.txt`), endpointQueries(set.names));
    for (let rep = 0; rep < CURVE_REPS; rep++) {
      const order = PEERS.map((_p, i) => PEERS[(i + rep) % PEERS.length]);
      for (const p of order) {
        let started;
        try {
          started = await start(p, set, `${p.id}-curve-${n}`);
        } catch (e) {
          log(`bench: ${p.label} with ${n} endpoints did not start: ${e.message.split('\n')[0]}`);
          continue;
        }
        const { server, startupMs } = started;
        await new Promise((r) => setTimeout(r, 300));
        noteStartup(p.id, n, startupMs, server);
        await jit(server, qfile);
        server.resetPeak();
        const r = await measure(server, qfile);
        r.peakMb = server.peakMb();
        r.peakFpMb = server.peakFootprintMb();
        r.startupMs = startupMs;
        const k = `${p.id}/${n}`;
        if (!curve.has(k)) curve.set(k, []);
        curve.get(k).push(r);
        logRun(`curve-${n}`, p.id, r);
        log(`bench:   started in ${startupMs.toFixed(0)} ms`);
        await stop(server);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Features: privatelink-dns (1 worker) with the same endpoint config plus one feature, against
// the same config without it, alternating. The endpoint stream is the fastest path, so a
// per-query cost shows the most there.

const FEATURES = [];
if (has('phz') || has('firewall') || has('query-log')) {
  const fdir = join(work, 'features');
  mkdirSync(fdir, { recursive: true });
  const cfg = (name, text) => {
    const f = join(fdir, `${name}.yaml`);
    writeFileSync(f, small.yaml + text);
    return f;
  };
  FEATURES.push({ id: 'off', label: 'endpoints only', config: cfg('off', '') });
  if (has('phz')) {
    files.phz = writeLines(join(work, 'q-phz.txt'), hostedZoneQueries(PHZ_ZONES, PHZ_RECORDS));
    FEATURES.push({
      id: 'phz',
      label: `+ ${(PHZ_ZONES * PHZ_RECORDS).toLocaleString('en-US')} hosted-zone records in ${PHZ_ZONES.toLocaleString('en-US')} zones`,
      config: cfg('phz', hostedZonesYaml(PHZ_ZONES, PHZ_RECORDS)),
      extra: { id: 'phz-records', file: () => files.phz },
    });
  }
  if (has('firewall'))
    FEATURES.push({
      id: 'firewall',
      label: `+ firewall, ${FW_DOMAINS.toLocaleString('en-US')} domains in 5 lists`,
      config: cfg('firewall', firewallYaml(fdir, FW_DOMAINS)),
    });
  if (has('query-log'))
    FEATURES.push({
      id: 'query-log',
      label: '+ query log to a file',
      config: cfg('query-log', queryLogYaml(join(fdir, 'query.log'))),
    });
}
// With --base, every feature config also runs on the base checkout, against the base's own run
// without features, in the same alternation: before/after ratios of a feature's cost.
if (argv.base && FEATURES.length)
  for (const f of [...FEATURES])
    FEATURES.push({
      ...f,
      id: `base-${f.id}`,
      label: `${f.label} (base checkout)`,
      root: resolve(argv.base),
      ref: 'base-off',
      extra: f.extra && { ...f.extra, id: `base-${f.extra.id}` },
    });
const featureServers = new Map();
const featureStart = new Map(); // id → { ms, rss }
if (FEATURES.length) {
  for (const f of FEATURES) {
    const peer = { id: 'ours', kind: 'ours', root: f.root };
    const { server, startupMs } = await start(peer, small, `feature-${f.id}`, { config: f.config });
    await new Promise((r) => setTimeout(r, 300));
    featureStart.set(f.id, { ms: startupMs, rss: server.rssMb() });
    log(`bench: feature ${f.id} up in ${startupMs.toFixed(0)} ms, ${server.rssMb().toFixed(0)} MB`);
    await jit(server);
    if (f.extra) await jit(server, f.extra.file());
    featureServers.set(f.id, server);
  }
  const ep = { file: () => files.endpoint };
  for (let rep = 0; rep < REPS; rep++) {
    const order = FEATURES.map((_f, i) => FEATURES[(i + rep) % FEATURES.length]);
    for (const f of order) {
      const server = featureServers.get(f.id);
      const r = await runOne(server, ep, f.id, rep);
      record('features', f.id, r);
      logRun('feature', f.id, r);
      if (f.extra) {
        const x = await runOne(server, f.extra, f.id, rep);
        record('features', f.extra.id, x);
        logRun('feature', f.extra.id, x);
      }
    }
  }
  for (const s of featureServers.values()) await stop(s);
}

await stopAll();
const elapsed = (performance.now() - benchStart) / 1000;

// ---------------------------------------------------------------------------------------------
// Report.

const summarize = (runs) =>
  runs?.length
    ? {
        qps: median(runs.map((r) => r.qps)),
        p50: median(runs.map((r) => r.p50)),
        p99: median(runs.map((r) => r.p99)),
        peak: median(runs.map((r) => r.peakMb)),
        peakFp: median(runs.map((r) => r.peakFpMb)),
        lost: median(runs.map((r) => (r.sent ? (100 * r.lost) / r.sent : 0))),
        cpuUs: median(runs.map((r) => r.cpuUs)),
        runs: runs.map((r) => r.qps),
      }
    : null;
const summary = (sid, pid) => summarize(results.get(sid)?.get(pid));
const baseOf = (s) => (s.nocache && PEERS.some((p) => p.id === 'dnsmasq') ? NOCACHE.id : 'dnsmasq');
const idIn = (s, p) => (s.nocache && p.id === 'dnsmasq' ? NOCACHE.id : p.id);

const lines = [];
for (const s of SCENARIOS) {
  const base = summary(s.id, baseOf(s));
  const vs = s.vs && summary(s.id, s.vs);
  lines.push(`#### ${s.title}`, '');
  lines.push(
    `| server | queries/s | × dnsmasq |${s.vs ? ` × ${s.vs} |` : ''} p50 ms | p99 ms | peak RSS MB | peak MB, each page once | lost % | runs (q/s) |`,
  );
  lines.push(`|---|--:|--:|${s.vs ? '--:|' : ''}--:|--:|--:|--:|--:|---|`);
  for (const p of PEERS) {
    const id = idIn(s, p);
    const r = summary(s.id, id);
    if (!r) continue;
    lines.push(
      `| ${peerLabel(id)} | ${fmt(r.qps)} | ${fmt(base ? r.qps / base.qps : NaN, 2)} |${s.vs ? ` ${fmt(vs ? r.qps / vs.qps : NaN, 2)} |` : ''} ${fmt(r.p50, 3)} | ${fmt(r.p99, 3)} | ${fmt(r.peak)} | ${fmt(r.peakFp)} | ${fmt(r.lost, 2)} | ${r.runs.map((x) => fmt(x)).join(', ')} |`,
    );
  }
  lines.push('');
}
if (results.has('mix') && results.has('mix-large')) {
  lines.push(`#### (d) scaling: ${SMALL} vs ${LARGE.toLocaleString('en-US')} endpoints, mixed stream`, '');
  lines.push(
    `| server | mix q/s, ${SMALL} | mix q/s, ${LARGE} | ${LARGE} / ${SMALL} | startup ms, ${SMALL} | startup ms, ${LARGE} | RSS MB after start, ${LARGE} | each page once | peak RSS MB under load, ${LARGE} | each page once |`,
  );
  lines.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const p of PEERS) {
    const a = summary('mix', p.id);
    const b = summary('mix-large', p.id);
    const s1 = startup.get(`${p.id}/${SMALL}`);
    const s2 = startup.get(`${p.id}/${LARGE}`);
    lines.push(
      `| ${p.label} | ${fmt(a?.qps)} | ${fmt(b?.qps)} | ${fmt(b && a ? b.qps / a.qps : NaN, 2)} | ${fmt(median(s1?.ms ?? []))} | ${fmt(median(s2?.ms ?? []))} | ${fmt(median(s2?.rss ?? []))} | ${fmt(median(s2?.fp ?? []))} | ${fmt(b?.peak)} | ${fmt(b?.peakFp)} |`,
    );
  }
  lines.push('');
}

// Worker-count curve, from the endpoint and forwarding scenarios.
const plots = [];
const workerScenarios = ['endpoint', 'fwd-cold', 'fwd-warm', 'tcp'].filter((s) => results.has(s));
if (ours.length > 1 && workerScenarios.length) {
  lines.push('#### (f) throughput against the number of workers (queries/s; × 1 worker)', '');
  lines.push(
    `| scenario | ${ours.map((p) => `${p.wc} worker${p.wc > 1 ? 's' : ''}${p.workers === 'auto' ? ' (auto)' : ''}`).join(' | ')} | dnsmasq |`,
  );
  lines.push(`|---|${ours.map(() => '--:|').join('')}--:|`);
  for (const sid of workerScenarios) {
    const s = SCENARIOS.find((x) => x.id === sid);
    const one = summary(sid, 'ours')?.qps;
    const cells = ours.map((p) => {
      const q = summary(sid, p.id)?.qps;
      return p.id === 'ours' ? fmt(q) : `${fmt(q)} (${fmt(q / one, 2)}×)`;
    });
    lines.push(`| ${sid} | ${cells.join(' | ')} | ${fmt(summary(sid, baseOf(s))?.qps)} |`);
  }
  lines.push('');
  if (CORES === 2)
    lines.push(
      `On this ${CORES}-core machine \`--workers auto\` is 2 workers, so the 2-worker point is the auto run.`,
      '',
    );
  plots.push({
    file: 'workers.svg',
    alt: 'queries/s against the number of workers',
    svg: lineChart({
      title: 'privatelink-dns: queries/s against workers',
      xLabel: 'workers',
      yLabel: 'queries/s',
      xTicks: ours.map((p) => p.wc),
      series: workerScenarios.map((sid) => ({
        name: sid,
        points: ours.map((p) => [p.wc, summary(sid, p.id)?.qps ?? NaN]),
      })),
    }),
  });
}

// Endpoint-count curve.
if (curve.size) {
  const cs = (pid, n) => summarize(curve.get(`${pid}/${n}`));
  const st = (pid, n) => median(curve.get(`${pid}/${n}`)?.map((r) => r.startupMs) ?? []);
  const rss = (pid, n) => median(startup.get(`${pid}/${n}`)?.rss ?? []);
  const fp = (pid, n) => median(startup.get(`${pid}/${n}`)?.fp ?? []);
  const head = COUNTS.map((n) => n.toLocaleString('en-US'));
  const table = (title, cell, d = 0) => {
    lines.push(`#### ${title}`, '');
    lines.push(`| server | ${head.join(' | ')} |`, `|---|${COUNTS.map(() => '--:|').join('')}`);
    for (const p of PEERS)
      lines.push(`| ${p.label} | ${COUNTS.map((n) => fmt(cell(p.id, n), d)).join(' | ')} |`);
    lines.push('');
  };
  table(
    `(g) endpoint names, queries/s against the number of endpoints (a fresh server per point, ${CURVE_REPS} run(s) of ${SECONDS} s)`,
    (pid, n) => cs(pid, n)?.qps,
  );
  table('(g) startup, spawn to first answer (ms)', st);
  table('(g) RSS after start, all processes (MB)', rss);
  table('(g) memory after start, all processes, each page once (MB)', fp);
  plots.push({
    file: 'endpoints-qps.svg',
    alt: 'endpoint-name queries/s against the number of endpoints',
    svg: lineChart({
      title: 'Endpoint names: queries/s against endpoints',
      xLabel: 'endpoints',
      yLabel: 'queries/s',
      xScale: 'log',
      series: PEERS.map((p) => ({ name: p.label, points: COUNTS.map((n) => [n, cs(p.id, n)?.qps ?? NaN]) })),
    }),
  });
  plots.push({
    file: 'endpoints-startup.svg',
    alt: 'startup time against the number of endpoints',
    svg: lineChart({
      title: 'Startup (spawn to first answer) against endpoints',
      xLabel: 'endpoints',
      yLabel: 'ms',
      xScale: 'log',
      series: PEERS.map((p) => ({ name: p.label, points: COUNTS.map((n) => [n, st(p.id, n)]) })),
    }),
  });
  plots.push({
    file: 'endpoints-rss.svg',
    alt: 'RSS after start against the number of endpoints',
    svg: lineChart({
      title: 'RSS after start (all processes) against endpoints',
      xLabel: 'endpoints',
      yLabel: 'MB',
      xScale: 'log',
      series: PEERS.map((p) => ({ name: p.label, points: COUNTS.map((n) => [n, rss(p.id, n)]) })),
    }),
  });
}

// Features.
const feat = (id) => summary('features', id);
if (FEATURES.length) {
  const offStart = featureStart.get('off');
  lines.push(
    `#### (h) features: privatelink-dns, 1 worker, ${SMALL} endpoints plus one feature, against the same config without it`,
    '',
  );
  lines.push(
    '| config | stream | queries/s | × endpoints only | server CPU µs/query | × endpoints only | p99 ms | startup ms | RSS after start MB | runs (q/s) |',
  );
  lines.push('|---|---|--:|--:|--:|--:|--:|--:|--:|---|');
  for (const f of FEATURES) {
    for (const [id, stream] of [
      [f.id, 'endpoint names'],
      ...(f.extra ? [[f.extra.id, 'hosted-zone records']] : []),
    ]) {
      const r = feat(id);
      if (!r) continue;
      const s0 = featureStart.get(f.id);
      const ref = feat(f.ref ?? 'off');
      lines.push(
        `| ${f.label} | ${stream} | ${fmt(r.qps)} | ${fmt(ref ? r.qps / ref.qps : NaN, 3)} | ${fmt(r.cpuUs, 1)} | ${fmt(ref ? r.cpuUs / ref.cpuUs : NaN, 3)} | ${fmt(r.p99, 3)} | ${fmt(s0?.ms)} | ${fmt(s0?.rss)} | ${r.runs.map((x) => fmt(x)).join(', ')} |`,
      );
    }
  }
  lines.push('');
  if (offStart) lines.push('Startup and RSS are of one start of each config.', '');
}

// Targets of issue 19 (and of the feature issues 12 and 15), as measured in this run.
const ratio = (sid, pid, base) => {
  const a = summary(sid, pid);
  const b = summary(sid, base);
  return a && b ? a.qps / b.qps : NaN;
};
const bestOurs = (sid, base) => {
  const v = ours.map((p) => ({ p, r: ratio(sid, p.id, base) })).filter((x) => Number.isFinite(x.r));
  return v.length ? v.reduce((a, b) => (b.r > a.r ? b : a)) : { p: null, r: NaN };
};
const targets = [];
const target = (what, goal, value, ok, unit = '') =>
  targets.push(
    `| ${what} | ${goal} | ${Number.isFinite(value) ? `${fmt(value, 2)}${unit}` : '–'} | ${Number.isFinite(value) ? (ok ? 'met' : '**missed**') : 'not run'} |`,
  );
{
  const cold = SCENARIOS.find((s) => s.id === 'fwd-cold') ?? { nocache: true };
  const c1 = ratio('fwd-cold', 'ours', baseOf(cold));
  target('cache-cold forwarding, 1 worker', '≥ 0.9× dnsmasq (cache off)', c1, c1 >= 0.9, '×');
  const cb = bestOurs('fwd-cold', baseOf(cold));
  target(
    `cache-cold forwarding, best worker count${cb.p ? ` (${cb.p.wc})` : ''}`,
    '≥ 1.3× dnsmasq (cache off)',
    cb.r,
    cb.r >= 1.3,
    '×',
  );
  const e1 = ratio('endpoint', 'ours', 'dnsmasq');
  target('endpoint names, 1 worker', '≥ 1.0× dnsmasq', e1, e1 >= 1.0, '×');
  const eb = bestOurs('endpoint', 'dnsmasq');
  target(
    `endpoint names, best worker count${eb.p ? ` (${eb.p.wc})` : ''}`,
    '≥ 1.6× dnsmasq',
    eb.r,
    eb.r >= 1.6,
    '×',
  );
  const wb = bestOurs('fwd-warm', 'dnsmasq');
  target(
    `cache-warm forwarding, best worker count${wb.p ? ` (${wb.p.wc})` : ''}`,
    '≥ 1.6× dnsmasq (cache on)',
    wb.r,
    wb.r >= 1.6,
    '×',
  );
  const p99 = summary('endpoint-5k', 'ours')?.p99 ?? NaN;
  target(`p99 at ${FIXED_RATE} q/s, endpoint names, 1 worker`, '≤ 0.5 ms', p99, p99 <= 0.5, ' ms');
  const tb = bestOurs('tcp', 'unbound');
  target(
    `TCP: ${TCP_CLIENTS} connections pipelining endpoint queries, best worker count${tb.p ? ` (${tb.p.wc})` : ''}`,
    '≥ 1.0× unbound',
    tb.r,
    tb.r >= 1.0,
    '×',
  );
  // Start and RSS of --workers auto with LARGE endpoints: from the curve (or mix-large) starts.
  const auto = ours.find((p) => p.workers === 'auto');
  const sa = auto ? startup.get(`${auto.id}/${LARGE}`) : null;
  const stA = median(sa?.ms ?? []) / 1000;
  target(
    `\`--workers auto\` with ${LARGE.toLocaleString('en-US')} endpoints: start`,
    '≤ 2 s',
    stA,
    stA <= 2,
    ' s',
  );
  const rssA = median(sa?.rss ?? []);
  target(
    `\`--workers auto\` with ${LARGE.toLocaleString('en-US')} endpoints: RSS summed over all processes`,
    '≤ 250 MB',
    rssA,
    rssA <= 250,
    ' MB',
  );
  const fpA = median(sa?.fp ?? []);
  target(
    `\`--workers auto\` with ${LARGE.toLocaleString('en-US')} endpoints: memory of all processes, each page once`,
    '≤ 250 MB',
    fpA,
    fpA <= 250,
    ' MB',
  );
  // Memory (peak under load, each page once: what a container's memory cgroup is charged).
  const peakFp = (sid, pid) => summary(sid, pid)?.peakFp ?? NaN;
  const pe = peakFp('endpoint', 'ours');
  target('peak memory, endpoint names, 1 worker', '≤ 48 MB', pe, pe <= 48, ' MB');
  for (const sid of ['fwd-cold', 'fwd-warm']) {
    const v = peakFp(sid, 'ours');
    target(`peak memory, ${sid}, 1 worker`, '≤ 96 MB', v, v <= 96, ' MB');
  }
  const two = ours.find((p) => p.wc === 2);
  if (two)
    for (const sid of ['endpoint', 'fwd-cold', 'fwd-warm']) {
      const v = peakFp(sid, two.id) - peakFp(sid, 'ours');
      // One worker is one process; --workers 2 adds the primary and a second worker.
      target(
        `peak memory, ${sid}: --workers ${two.wc} over 1 worker (the primary + a worker)`,
        '≤ 40 MB',
        v,
        v <= 40,
        ' MB',
      );
    }
  const pl = peakFp('mix-large', 'ours');
  target(
    `peak memory, ${LARGE.toLocaleString('en-US')} endpoints, 1 worker`,
    '≤ 120 MB',
    pl,
    pl <= 120,
    ' MB',
  );
  const off = feat('off');
  const offS = featureStart.get('off');
  const cost = (id) => (off && feat(id) ? 100 * (1 - feat(id).qps / off.qps) : NaN);
  const recs = (PHZ_ZONES * PHZ_RECORDS).toLocaleString('en-US');
  const phzS = featureStart.get('phz');
  target(
    `hosted zones (${recs} records): start`,
    '≤ 2 s',
    phzS ? phzS.ms / 1000 : NaN,
    phzS?.ms <= 2000,
    ' s',
  );
  const phzRss = phzS && offS ? phzS.rss - offS.rss : NaN;
  target(
    `hosted zones (${recs} records): RSS over endpoints only`,
    '≤ +100 MB',
    phzRss,
    phzRss <= 100,
    ' MB',
  );
  const pc = cost('phz');
  target(`hosted zones (${recs} records): endpoint-name throughput cost`, '≤ 5%', pc, pc <= 5, '%');
  const pr = off && feat('phz-records') ? feat('phz-records').qps / off.qps : NaN;
  target('hosted-zone records vs endpoint names (endpoints only)', '≥ 0.95×', pr, pr >= 0.95, '×');
  const fwS = featureStart.get('firewall');
  const fwLoad = fwS && offS ? (fwS.ms - offS.ms) / 1000 : NaN;
  const doms = FW_DOMAINS.toLocaleString('en-US');
  target(
    `firewall (${doms} domains): load (startup over endpoints only)`,
    '≤ 5 s',
    fwLoad,
    fwLoad <= 5,
    ' s',
  );
  const fwRss = fwS && offS ? fwS.rss - offS.rss : NaN;
  target(`firewall (${doms} domains): RSS over endpoints only`, '≤ +200 MB', fwRss, fwRss <= 200, ' MB');
  const fc = cost('firewall');
  target(`firewall (${doms} domains): throughput cost`, '≤ 5%', fc, fc <= 5, '%');
  const qc = cost('query-log');
  target('query log to a file: throughput cost', '≤ 15%', qc, qc <= 15, '%');
  const boff = feat('base-off');
  const bq = feat('base-query-log');
  if (boff && bq) {
    const bc = 100 * (1 - bq.qps / boff.qps);
    target('query log to a file: throughput cost (base checkout)', '≤ 15%', bc, bc <= 15, '%');
  }
}

// Plots.
const plotDir = argv.plots ? resolve(argv.plots) : argv['no-write'] ? null : join(ROOT, 'docs', 'bench');
const plotLines = [];
if (plotDir && plots.length) {
  mkdirSync(plotDir, { recursive: true });
  for (const p of plots) {
    writeFileSync(join(plotDir, p.file), p.svg);
    log(`bench: wrote ${join(plotDir, p.file)}`);
    const rel = relative(dirname(DOC), join(plotDir, p.file));
    // Linked from the page only where the page can reach them.
    plotLines.push(rel.startsWith('..') ? `Plot: ${join(plotDir, p.file)}` : `![${p.alt}](${rel})`, '');
  }
}

const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const cmd = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const out = [
  START,
  '',
  `Run ${now} with \`${cmd}\` (${fmt(elapsed)} s).`,
  '',
  `Machine: ${machine.cores} × ${machine.cpu}; load average before the run ${machine.load}; Node ${machine.node}; ${machine.versions.join('; ')}.`,
  `Each cell is the median of ${REPS} run(s) of ${SECONDS} s unless it says otherwise; peers alternate run by run. dnsperf \`-c 20 -q 200\` (saturating) unless a fixed rate or TCP is given; p50/p99 are per-query latencies from \`dnsperf -v\`.`,
  ...(skipped.length ? ['', `Skipped: ${skipped.join('; ')}.`] : []),
  '',
  '#### Targets (issue 19; features: issues 12 and 15)',
  '',
  '| target | goal | measured | |',
  '|---|---|--:|---|',
  ...targets,
  '',
  ...lines,
  ...plotLines,
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
process.exit(0);

// ---------------------------------------------------------------------------------------------
// --profile SCENARIO: one server (1 worker) under `node --cpu-prof`, one measured run.

async function profileScenario(sid) {
  const dir = resolve(argv['profile-dir'] ?? join(ROOT, '.bench', 'profiles'));
  mkdirSync(dir, { recursive: true });
  const nodeArgs = ['--cpu-prof', '--cpu-prof-dir', dir];
  let config;
  let s = SCENARIOS.find((x) => x.id === sid);
  let set = small;
  if (sid === 'mix-large' || sid === 'scale-endpoints') {
    set = await recordSet(LARGE);
    files.mixLarge = writeLines(join(work, 'q-mix-large.txt'), mixQueries(set.names, warm));
    s =
      sid === 'mix-large'
        ? s
        : { id: sid, file: () => writeLines(join(work, 'q-endpoint-large.txt'), endpointQueries(set.names)) };
  } else if (sid === 'phz' || sid === 'firewall' || sid === 'query-log') {
    const text =
      sid === 'phz'
        ? hostedZonesYaml(PHZ_ZONES, PHZ_RECORDS)
        : sid === 'firewall'
          ? firewallYaml(work, FW_DOMAINS)
          : queryLogYaml(join(work, 'query.log'));
    config = join(work, `profile-${sid}.yaml`);
    writeFileSync(config, small.yaml + text);
    if (sid === 'phz') {
      files.phz = writeLines(join(work, 'q-phz.txt'), hostedZoneQueries(PHZ_ZONES, PHZ_RECORDS));
      s = { id: sid, file: () => files.phz };
    } else s = { id: sid, file: () => files.endpoint };
  }
  const peer = PEER_DEFS[0];
  const { server, startupMs } = await start(peer, set, `profile-${sid}`, { config, nodeArgs });
  log(`bench: profiling ${sid}: privatelink-dns up in ${startupMs.toFixed(0)} ms (node --cpu-prof)`);
  await jit(server, s.file('ours', 0));
  const r = await runOne(server, s, 'ours', 0);
  logRun(sid, 'ours', r);
  // The profile is written when the process exits.
  await stop(server, 60_000);
  await stopAll();
  const file = newestProfile(dir);
  if (!file) {
    log(`bench: no .cpuprofile was written into ${dir}`);
    process.exit(1);
  }
  const top = topSelfTime(readProfile(file), 15, ROOT);
  const rows = [
    `CPU profile of privatelink-dns (1 worker), scenario ${sid}: ${file}`,
    `${fmt(r.qps)} q/s during the measured ${SECONDS} s run (the profile covers start-up too)`,
    '',
    '| self ms | self % | function | where |',
    '|--:|--:|---|---|',
    ...top.map((t) => `| ${fmt(t.ms, 1)} | ${fmt(t.pct, 1)} | ${t.name} | ${t.where} |`),
  ];
  process.stdout.write(`${rows.join('\n')}\n`);
  process.exit(0);
}
