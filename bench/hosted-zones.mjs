#!/usr/bin/env node
// Private hosted zones at scale: the same endpoints served with and without 100,000 private
// hosted zone records in 1,000 zones, in one run, so the cost of the zones is read against the
// endpoint-only numbers of the same machine state. Reports start-up time, RSS after start,
// endpoint-name throughput (both configs) and hosted-zone-record throughput (dnsperf, medians).
// With --baseline DIR (another checkout, built), that checkout's server is run with the zones
// too, interleaved with this one's, so old and new code are compared in the same run.
//
//   node bench/hosted-zones.mjs [--quick] [--seconds S] [--reps N] [--zones N] [--records N]
//                               [--endpoints N] [--baseline DIR]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { dnsperf } from './lib/dnsperf.mjs';
import { spawned, startOurs, startUpstream } from './lib/peers.mjs';
import { configYaml, ownedNames, rng, shuffle, writeLines } from './lib/records.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: argv } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seconds: { type: 'string' },
    reps: { type: 'string' },
    zones: { type: 'string', default: '1000' },
    records: { type: 'string', default: '100' },
    endpoints: { type: 'string', default: '1000' },
    baseline: { type: 'string' },
  },
});
const SECONDS = Number(argv.seconds ?? (argv.quick ? 2 : 5));
const REPS = Number(argv.reps ?? (argv.quick ? 1 : 3));
const ZONES = Number(argv.zones);
const PER_ZONE = Number(argv.records);
const ENDPOINTS = Number(argv.endpoints);
const VPC = 'vpc-0b0e0c0b0e0c0b0e0';

/** ZONES zones of PER_ZONE A records each, associated with the bench VPC (clients on loopback). */
function zonesYaml() {
  const out = ['privateHostedZones:'];
  for (let z = 0; z < ZONES; z++) {
    out.push(`  - name: z${z}.phz.bench`, `    vpcs: [${VPC}]`, '    records:');
    for (let r = 0; r < PER_ZONE; r++) {
      const n = z * PER_ZONE + r;
      out.push(
        `      - { name: r${r}.z${z}.phz.bench, type: A, ttl: 60, values: [10.${200 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}] }`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

/**
 * CPU time (ms, user + system, every thread's, exited ones included) a process has used: the
 * start-up cost read without the other jobs of a loaded machine, which stretch the wall time.
 */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in USER_HZ (100)
}

const work = mkdtempSync(join(tmpdir(), 'pldns-bench-phz-'));
const cleanup = () => {
  for (const c of spawned) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
};
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

const base = configYaml(ENDPOINTS);
const withZones = base + zonesYaml();
const files = { endpoints: join(work, 'endpoints.yaml'), zones: join(work, 'zones.yaml') };
writeFileSync(files.endpoints, base);
writeFileSync(files.zones, withZones);

const names = (await ownedNames(ROOT, base)).filter((n) => n.v4.length > 0);
const epQueries = shuffle(
  names.map((n) => `${n.name} A`),
  3,
);
const r = rng(11);
const phzQueries = Array.from(
  { length: 20_000 },
  () => `r${Math.floor(r() * PER_ZONE)}.z${Math.floor(r() * ZONES)}.phz.bench A`,
);
const epFile = writeLines(join(work, 'endpoint.txt'), epQueries);
const phzFile = writeLines(join(work, 'phz.txt'), phzQueries);

const upstream = await startUpstream(work);
const BASELINE = argv.baseline;
const results = {
  endpoints: { start: [], cpu: [], rss: [], ep: [] },
  zones: { start: [], cpu: [], rss: [], ep: [], phz: [] },
  baseline: { start: [], cpu: [], rss: [], ep: [], phz: [] },
};
const order = BASELINE ? ['endpoints', 'zones', 'baseline'] : ['endpoints', 'zones'];
for (let rep = 0; rep < REPS; rep++) {
  // A different order each rep, so no config always runs first or last.
  const shift = rep % order.length;
  const runs = [...order.slice(shift), ...order.slice(0, shift)];
  for (const which of rep % 2 ? runs.reverse() : runs) {
    const { server, startupMs } = await startOurs({
      root: which === 'baseline' ? BASELINE : ROOT,
      work,
      config: files[which === 'baseline' ? 'zones' : which],
      upstreamPort: upstream.port,
      probeName: names[0].name,
      tag: `${which}-${rep}`,
    });
    const res = results[which];
    res.start.push(startupMs);
    res.cpu.push(cpuMs(server.child.pid));
    res.rss.push(server.rssMb());
    // Warm-up (both streams: the JIT and the collector settle after the start-up allocations),
    // then the measured runs.
    await dnsperf({ port: server.port, file: epFile, seconds: 2, out: join(work, 'warm.out') });
    if (which !== 'endpoints')
      await dnsperf({ port: server.port, file: phzFile, seconds: 2, out: join(work, 'warm.out') });
    res.ep.push(
      await dnsperf({ port: server.port, file: epFile, seconds: SECONDS, out: join(work, 'ep.out') }),
    );
    if (which !== 'endpoints')
      res.phz.push(
        await dnsperf({ port: server.port, file: phzFile, seconds: SECONDS, out: join(work, 'phz.out') }),
      );
    await server.stop();
  }
}
await upstream.stop();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : Number.NaN;
};
const qps = (runs) => median(runs.map((x) => x.qps));
const e = results.endpoints;
const z = results.zones;
const b = results.baseline;
const f = (x, d = 0) => x.toFixed(d);
const lines = [
  `${ENDPOINTS} endpoints; with ${ZONES} zones × ${PER_ZONE} records = ${ZONES * PER_ZONE} hosted-zone records; ${REPS} rep(s) of ${SECONDS} s, medians`,
  '',
  '| config | start (ms) | start CPU (ms) | RSS after start (MB) | endpoint names (q/s) | hosted-zone records (q/s) |',
  '|---|--:|--:|--:|--:|--:|',
  `| endpoints only | ${f(median(e.start))} | ${f(median(e.cpu))} | ${f(median(e.rss))} | ${f(qps(e.ep))} | – |`,
  `| endpoints + zones | ${f(median(z.start))} | ${f(median(z.cpu))} | ${f(median(z.rss))} | ${f(qps(z.ep))} | ${f(qps(z.phz))} |`,
  ...(BASELINE
    ? [
        `| endpoints + zones, baseline | ${f(median(b.start))} | ${f(median(b.cpu))} | ${f(median(b.rss))} | ${f(qps(b.ep))} | ${f(qps(b.phz))} |`,
      ]
    : []),
  '',
  `start +${f(median(z.start) - median(e.start))} ms (CPU +${f(median(z.cpu) - median(e.cpu))} ms), RSS +${f(median(z.rss) - median(e.rss))} MB, endpoint-name throughput ${f((qps(z.ep) / qps(e.ep)) * 100, 1)}% of endpoint-only, hosted-zone records ${f(qps(z.phz) / qps(e.ep), 2)}× endpoint-only endpoint names`,
  ...(BASELINE
    ? [
        `baseline (${BASELINE}): start +${f(median(b.start) - median(e.start))} ms (CPU +${f(median(b.cpu) - median(e.cpu))} ms), RSS +${f(median(b.rss) - median(e.rss))} MB; the zones' start CPU here ${f((median(z.cpu) - median(e.cpu)) / (median(b.cpu) - median(e.cpu)), 2)}× the baseline's, their RSS ${f((median(z.rss) - median(e.rss)) / (median(b.rss) - median(e.rss)), 2)}×`,
      ]
    : []),
  `starts (ms, CPU ms): ${JSON.stringify(Object.fromEntries(order.map((k) => [k, results[k].start.map((x, i) => [Math.round(x), results[k].cpu[i]])])))}`,
  `lost: ${[...e.ep, ...z.ep, ...z.phz].reduce((n, x) => n + x.lost, 0)}; rcodes of the zone runs: ${JSON.stringify(z.phz.map((x) => x.rcodes))}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
