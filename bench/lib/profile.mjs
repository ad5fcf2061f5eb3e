// Reading a V8 CPU profile (`node --cpu-prof`): self time per function.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The newest *.cpuprofile in `dir`, or null. */
export function newestProfile(dir) {
  let best = null;
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.cpuprofile')) continue;
    const p = join(dir, f);
    const t = statSync(p).mtimeMs;
    if (!best || t > best.t) best = { p, t };
  }
  return best?.p ?? null;
}

/**
 * The `n` functions with the most self time: [{ name, where, ms, pct }]. Samples are weighed by
 * their time deltas; functions are grouped by name, file and line (a function V8 compiled twice
 * counts once).
 */
export function topSelfTime(profile, n = 15, root = '') {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const self = new Map();
  const { samples = [], timeDeltas = [] } = profile;
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    // A sample's time is the gap to the next one.
    const dt = Math.max(0, timeDeltas[i + 1] ?? 0);
    self.set(samples[i], (self.get(samples[i]) ?? 0) + dt);
    total += dt;
  }
  const groups = new Map();
  for (const [id, us] of self) {
    const cf = byId.get(id)?.callFrame;
    if (!cf) continue;
    const url = cf.url
      ? root && cf.url.startsWith('file://')
        ? relative(root, cf.url.slice(7))
        : cf.url
      : '';
    const where = url ? `${url}:${cf.lineNumber + 1}` : '';
    const name = cf.functionName || '(anonymous)';
    const k = `${name}\u0000${where}`;
    const g = groups.get(k) ?? { name, where, us: 0 };
    g.us += us;
    groups.set(k, g);
  }
  return [...groups.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, n)
    .map((g) => ({ name: g.name, where: g.where, ms: g.us / 1000, pct: total ? (100 * g.us) / total : 0 }));
}

/** Reads a .cpuprofile file. */
export function readProfile(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}
