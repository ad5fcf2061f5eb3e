// The same scenarios against builds of the server started with different environments, the
// variants interleaved (each round in the other order), medians: for settings a process reads only
// at its start, such as glibc's MALLOC_TRIM_THRESHOLD_. One process each, 10 endpoints, the fake
// upstream of `npm run bench` (dnsmasq on loopback), dnsperf as the load.
//
//   node bench/env-ab.mjs --variant plain= --variant trim1m=MALLOC_TRIM_THRESHOLD_=1048576 \
//     [--variant old@../old-checkout=] [--only fwd-cold,fwd-warm] [--rounds 3] [--seconds 4]
//
// A variant is NAME[@ROOT]=VAR=VALUE,VAR=VALUE (ROOT: another checkout, default this one). Prints
// queries/s per scenario and variant (median and every run), then each server's peak and final RSS.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { dnsperf } from './lib/dnsperf.mjs';
import { spawned, startOurs, startUpstream } from './lib/peers.mjs';
import { coldQueries, configYaml, FWD_ZONE, warmQueries, writeLines } from './lib/records.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    variant: { type: 'string', multiple: true, default: [] },
    only: { type: 'string', default: 'fwd-cold,fwd-warm' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '4' },
  },
});
const variants = values.variant.map((v) => {
  const eq = v.indexOf('=');
  if (eq < 1) throw new Error(`--variant ${v}: NAME[@ROOT]=VAR=VALUE,...`);
  const [id, root] = v.slice(0, eq).split('@');
  const env = {};
  for (const kv of v
    .slice(eq + 1)
    .split(',')
    .filter(Boolean)) {
    const i = kv.indexOf('=');
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return { id, root: resolve(root ?? ROOT), env };
});
if (variants.length < 2) throw new Error('give at least two --variant');
const scenarios = values.only.split(',');
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);

const work = mkdtempSync(join(tmpdir(), 'pldns-env-ab-'));
try {
  const config = join(work, 'config.yaml');
  writeFileSync(config, configYaml(10));
  const upstream = await startUpstream(work);
  const servers = new Map();
  for (const v of variants) {
    const { server } = await startOurs({
      root: v.root,
      work,
      config,
      upstreamPort: upstream.port,
      probeName: `probe.${FWD_ZONE}`,
      tag: v.id,
      env: v.env,
    });
    servers.set(v.id, server);
  }
  const warm = writeLines(join(work, 'warm.txt'), warmQueries(1000));
  for (const v of variants)
    await dnsperf({ port: servers.get(v.id).port, file: warm, seconds: 2, out: join(work, 'prime.out') });
  const runs = new Map();
  const cpu = new Map();
  for (let r = 0; r < rounds; r++)
    for (const s of scenarios)
      for (const v of r % 2 ? [...variants].reverse() : variants) {
        const cold = s === 'fwd-cold';
        const file = cold
          ? writeLines(join(work, 'cold.txt'), coldQueries(`${v.id}-${r}`, 80_000 * seconds))
          : warm;
        const cpu0 = servers.get(v.id).cpuSeconds();
        const out = await dnsperf({
          port: servers.get(v.id).port,
          file,
          seconds,
          once: cold,
          out: join(work, 'run.out'),
        });
        const key = `${s} ${v.id}`;
        runs.set(key, [...(runs.get(key) ?? []), Math.round(out.qps)]);
        // Server CPU per answered query (µs): steadier than throughput on a shared machine.
        const us = (1e6 * (servers.get(v.id).cpuSeconds() - cpu0)) / Math.max(1, out.sent - out.lost);
        cpu.set(key, [...(cpu.get(key) ?? []), us]);
      }
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`env-ab: ${rounds} rounds × ${seconds} s, load ${load}`);
  for (const [key, qps] of runs) {
    const median = [...qps].sort((a, b) => a - b)[qps.length >> 1];
    const us = [...cpu.get(key)].sort((a, b) => a - b)[qps.length >> 1];
    console.log(
      `${key.padEnd(28)} ${String(median).padStart(7)} q/s  cpu ${us.toFixed(1)} µs/q   runs ${qps.join(', ')}`,
    );
  }
  const kb = (pid, field) =>
    Number(
      new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0,
    );
  for (const v of variants) {
    const pid = servers.get(v.id).child.pid;
    console.log(
      `${v.id.padEnd(16)} peak RSS ${(kb(pid, 'VmHWM') / 1024).toFixed(1)} MB, now ${(kb(pid, 'VmRSS') / 1024).toFixed(1)} MB`,
    );
  }
} finally {
  for (const c of spawned) c.kill();
  rmSync(work, { recursive: true, force: true });
}
