// Start-up time and resident memory of `serve` on a generated config, summed over the whole
// process tree (the primary and every worker): spawn, wait for the "listening on" log line, wait
// 1.5 s more, read VmRSS (and its anonymous part, RssAnon) of every process in the tree, and the
// tree's footprint (every physical page once, as a memory cgroup counts it: the node binary and
// libraries that each process maps are the same pages; see lib/footprint.mjs), stop.
//
//   npm run build && node bench/start-rss.mjs                      # --workers auto, 10,000 endpoints
//   node bench/start-rss.mjs --endpoints 10 --workers 1 --runs 5
//   node bench/start-rss.mjs --root ../other-checkout              # another build of the server
//
// Prints one line per run and the medians. Runs on 127.0.0.1 with an unprivileged port; the
// temporary config is removed at the end.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { footprintKb } from './lib/footprint.mjs';
import { configYaml } from './lib/records.mjs';

const { values } = parseArgs({
  options: {
    endpoints: { type: 'string', default: '10000' },
    workers: { type: 'string', default: 'auto' },
    runs: { type: 'string', default: '3' },
    settle: { type: 'string', default: '1500' },
    root: { type: 'string', default: '.' },
    'node-args': { type: 'string', default: '' },
    json: { type: 'boolean', default: false },
  },
});
const root = resolve(values.root);
const n = Number(values.endpoints);
const runs = Number(values.runs);
const settleMs = Number(values.settle);

const dir = mkdtempSync(join(tmpdir(), 'pldns-start-rss-'));
const configPath = join(dir, 'config.yaml');
writeFileSync(configPath, configYaml(n));

/** Children of `pid` (from /proc/PID/task/TID/children). */
function children(pid) {
  const out = [];
  let tasks = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/))
        if (c) out.push(Number(c));
    } catch {
      // gone
    }
  }
  return out;
}

function tree(pid) {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...children(all[i]));
  return all;
}

function statusKb(pid, field) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

async function once() {
  const args = [
    ...values['node-args'].split(' ').filter(Boolean),
    join(root, 'bin/privatelink-dns'),
    'serve',
    '--config',
    configPath,
    '--listen',
    '127.0.0.1:0',
    '--admin',
    'off',
    '--workers',
    values.workers,
    '--upstream',
    '127.0.0.1:9',
  ];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let listenedAt = 0;
  await new Promise((res, rej) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      if (!listenedAt && buf.includes('listening on')) {
        listenedAt = performance.now();
        res();
      }
    });
    child.once('exit', (code) => rej(new Error(`server exited (${code}) before listening`)));
  });
  child.stdout.resume();
  await new Promise((r) => setTimeout(r, settleMs));
  const pids = tree(child.pid);
  const per = pids.map((p) => ({ pid: p, rssKb: statusKb(p, 'VmRSS'), anonKb: statusKb(p, 'RssAnon') }));
  const total = per.reduce((s, p) => s + p.rssKb, 0);
  const anon = per.reduce((s, p) => s + p.anonKb, 0);
  const fp = footprintKb(pids);
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  return {
    startMs: listenedAt - t0,
    rssMb: total / 1024,
    anonMb: anon / 1024,
    footprintMb: fp.kb / 1024,
    footprintMethod: fp.method,
    perMb: per.map((p) => +(p.rssKb / 1024).toFixed(1)),
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = [];
try {
  for (let i = 0; i < runs; i++) {
    const r = await once();
    results.push(r);
    if (!values.json)
      console.log(
        `run ${i + 1}: start ${r.startMs.toFixed(0)} ms, RSS ${r.rssMb.toFixed(1)} MB (${r.perMb.join(' + ')}; anonymous ${r.anonMb.toFixed(1)} MB, the rest is the node binary and libraries mapped from files), footprint ${r.footprintMb.toFixed(1)} MB (each page once, ${r.footprintMethod})`,
      );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const summary = {
  endpoints: n,
  workers: values.workers,
  runs,
  startMs: Math.round(median(results.map((r) => r.startMs))),
  rssMb: +median(results.map((r) => r.rssMb)).toFixed(1),
  anonMb: +median(results.map((r) => r.anonMb)).toFixed(1),
  footprintMb: +median(results.map((r) => r.footprintMb)).toFixed(1),
  loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
};
console.log(
  values.json
    ? JSON.stringify(summary)
    : `median: start ${summary.startMs} ms, RSS ${summary.rssMb} MB, footprint ${summary.footprintMb} MB (load ${summary.loadavg})`,
);
