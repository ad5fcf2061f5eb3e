#!/usr/bin/env node
/**
 * Coverage-guided fuzzing with Jazzer.js (libFuzzer): runs each fuzz target of fuzz/targets/ for
 * N seconds against the built code in dist/.
 *
 *   npm run fuzz -- --seconds 60 [--target query|relay|config]... [--no-build] [--jobs N]
 *
 * Seeds are read from fuzz/corpus/<target>/ (committed, never written); inputs that reach new
 * coverage are kept in .fuzz/corpus/<target>/ (ignored by git, reused by the next run), and a
 * crashing input is written to .fuzz/crashes/<target>-crash-<sha1>. Exits 1 when a target crashed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureFuzzerAddon } from './fuzz-addon.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Per target: extra Jazzer.js options. */
const TARGETS = {
  query: [],
  relay: [],
  // The config names list files to read: reading them is the loader's job, not a traversal.
  config: ['--disable_bug_detectors=path-traversal'],
};

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    target: { type: 'string', multiple: true },
    build: { type: 'boolean', default: true },
    'no-build': { type: 'boolean', default: false },
    'max-len': { type: 'string', default: '4096' },
    coverage: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
if (!Number.isInteger(seconds) || seconds < 1) throw new Error(`--seconds must be a whole number ≥ 1`);
const targets = values.target ?? Object.keys(TARGETS);
for (const t of targets)
  if (!(t in TARGETS)) throw new Error(`unknown target "${t}" (known: ${Object.keys(TARGETS).join(', ')})`);

if (values.build && !values['no-build']) {
  const b = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const note = ensureFuzzerAddon();
if (note) console.log(`fuzz: ${note}`);

const jazzer = join(root, 'node_modules', '@jazzer.js', 'core', 'dist', 'cli.js');
const results = [];
for (const t of targets) {
  const work = join(root, '.fuzz', 'corpus', t);
  const crashes = join(root, '.fuzz', 'crashes');
  mkdirSync(work, { recursive: true });
  mkdirSync(crashes, { recursive: true });
  const seeds = join(root, 'fuzz', 'corpus', t);
  const args = [
    jazzer,
    join('fuzz', 'targets', `${t}.mjs`),
    work,
    seeds,
    '--sync',
    '-i',
    `${join(root, 'dist')}/`,
    '-e',
    'node_modules',
    ...TARGETS[t],
    '--',
    `-max_total_time=${seconds}`,
    `-max_len=${values['max-len']}`,
    `-artifact_prefix=${crashes}/${t}-`,
    '-print_final_stats=1',
  ];
  console.log(
    `fuzz: ${t} for ${seconds} s (seeds ${readdirSync(seeds).length}, kept ${readdirSync(work).length})`,
  );
  // libFuzzer reports on stderr: shown as it comes, and kept for the summary.
  const r = await new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      stderr = (stderr + chunk).slice(-200_000);
    });
    child.on('close', (status) => done({ status, stderr }));
  });
  const stat = (k) => r.stderr.match(new RegExp(`stat::${k}:\\s+(\\d+)`))?.[1];
  const last = [
    ...r.stderr.matchAll(
      /#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)\/\S+(?: lim: \d+)? exec\/s: (\d+)/g,
    ),
  ].pop();
  if (values.coverage) {
    // Line and branch coverage of the corpus (kept and seeds), replayed once without fuzzing.
    const dir = join(root, '.fuzz', 'coverage', t);
    const cov = spawnSync(
      process.execPath,
      [
        ...args.slice(0, 4),
        '--sync',
        '-i',
        `${join(root, 'dist')}/`,
        '-e',
        'node_modules',
        ...TARGETS[t],
      ].concat([
        '--mode',
        'regression',
        '--coverage',
        '--coverage_directory',
        dir,
        '--coverage_reporters=text',
      ]),
      { cwd: root, encoding: 'utf8' },
    );
    const table = cov.stdout.split('\n').filter((l) => /^(All files|-+\||File|\s+\S+\.js)/.test(l));
    console.log(`fuzz: ${t} coverage of the corpus (${dir})\n${table.join('\n')}`);
  }
  results.push({
    target: t,
    ok: r.status === 0,
    runs: stat('number_of_executed_units') ?? last?.[1] ?? '?',
    perSecond: stat('average_exec_per_sec') ?? last?.[5] ?? '?',
    cov: last?.[2] ?? '?',
    ft: last?.[3] ?? '?',
    corpus: last?.[4] ?? '?',
  });
}
console.log('\nfuzz: target  status  runs  exec/s  cov (edges)  ft (features)  corpus');
for (const r of results)
  console.log(
    `fuzz: ${r.target.padEnd(7)} ${r.ok ? 'ok   ' : 'CRASH'}  ${r.runs}  ${r.perSecond}  ${r.cov}  ${r.ft}  ${r.corpus}`,
  );
process.exit(results.every((r) => r.ok) ? 0 : 1);
