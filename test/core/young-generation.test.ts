/**
 * The serving processes' young generation: kept at its first size by a flag set at run time, again
 * after a worker thread resets the flags, and left alone when the operator sized it. Each case runs
 * in a fresh `node` (the flags are process-wide) against the built module, and reads V8's own
 * new-space size after allocating 100 MB that survives (which grows an unbounded young generation
 * to its default maximum of 32 MB).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { heapGrowthFlag, youngGenerationSized } from '../../src/core/young-generation.js';

const MODULE = fileURLToPath(new URL('../../dist/core/young-generation.js', import.meta.url));

/** The new space's size (MB) in a fresh node after `setup` ran and surviving objects were allocated. */
function newSpaceMb(setup: string, nodeArgs: string[] = [], env: NodeJS.ProcessEnv = {}): number {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { Worker } from 'node:worker_threads';
    const yg = await import(${JSON.stringify(MODULE)});
    ${setup}
    const kept = [];
    for (let i = 0; i < 2e6; i++) kept.push({ i, s: 'x' + i });
    const s = getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
    console.log(String(s.space_size / 1048576), kept.length);
  `;
  const out = execFileSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '', ...env },
  });
  return Number(out.split(' ')[0]);
}

describe('young generation', () => {
  it('grows to its default maximum when nothing keeps it small (the case the flag exists for)', () => {
    expect(newSpaceMb('')).toBeGreaterThanOrEqual(16);
  });

  it('stays at its first size once kept small', () => {
    expect(newSpaceMb('if (!yg.keepYoungGenerationSmall()) throw new Error("not set");')).toBeLessThanOrEqual(
      2,
    );
  });

  it('stays small after a worker thread started, with the flag set again once it is online', () => {
    const setup = `
      yg.keepYoungGenerationSmall();
      const w = new Worker('setTimeout(() => {}, 10)', { eval: true });
      w.once('online', yg.flagsAgain);
      await new Promise((r) => w.once('exit', r));
      yg.flagsAgain();
    `;
    expect(newSpaceMb(setup)).toBeLessThanOrEqual(2);
  });

  it('leaves a size given to node or in NODE_OPTIONS alone', () => {
    const setup = 'if (yg.keepYoungGenerationSmall()) throw new Error("set over the operator");';
    expect(newSpaceMb(setup, ['--max-semi-space-size=8'])).toBe(16);
    expect(newSpaceMb(setup, [], { NODE_OPTIONS: '--max-semi-space-size=4' })).toBe(8);
  });

  it('tells an operator-sized young generation by any spelling of the flags', () => {
    expect(youngGenerationSized(['--max-semi-space-size=8'], '')).toBe(true);
    expect(youngGenerationSized([], '--trace-gc --min_semi_space_size=2')).toBe(true);
    expect(youngGenerationSized([], '--semi-space-growth-factor=3')).toBe(true);
    expect(youngGenerationSized(['--enable-source-maps'], '--trace-gc')).toBe(false);
  });
});

/**
 * The old generation's largest size (MB) in a fresh node after `setup`, while a ring of 300,000
 * objects is replaced over and over: each lives long enough to be promoted, then is garbage (as
 * cached answers are, evicted under a stream of unique forwarded names).
 */
function oldSpacePeakMb(setup: string): number {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { Worker } from 'node:worker_threads';
    const yg = await import(${JSON.stringify(MODULE)});
    ${setup}
    const R = 300000;
    const ring = new Array(R);
    let max = 0;
    for (let k = 0; k < 8e6; k++) {
      ring[k % R] = { k, b: [k, k + 1, k + 2], s: 'x' + k };
      if (k % 10000 === 0) max = Math.max(max, getHeapSpaceStatistics().find((x) => x.space_name === 'old_space').space_size);
    }
    console.log(String(max / 1048576), ring.length);
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return Number(out.split(' ')[0]);
}

describe('old generation growth (PRIVATELINK_DNS_HEAP_GROWTH_PERCENT)', () => {
  it('reads 1-300 as the flag, anything else as unset', () => {
    expect(heapGrowthFlag({ PRIVATELINK_DNS_HEAP_GROWTH_PERCENT: '50' })).toBe('--heap-growing-percent=50');
    expect(heapGrowthFlag({ PRIVATELINK_DNS_HEAP_GROWTH_PERCENT: '300' })).toBe('--heap-growing-percent=300');
    for (const v of [undefined, '', '0', '301', '-5', '1.5', 'lots'])
      expect(heapGrowthFlag({ PRIVATELINK_DNS_HEAP_GROWTH_PERCENT: v })).toBeNull();
  });

  it('caps how far the old generation grows over what is live (a worker thread started meanwhile)', {
    timeout: 60_000,
  }, () => {
    const free = oldSpacePeakMb('');
    const capped = oldSpacePeakMb(`
      if (!yg.capHeapGrowth({ PRIVATELINK_DNS_HEAP_GROWTH_PERCENT: '25' })) throw new Error('not set');
      const w = new Worker('setTimeout(() => {}, 10)', { eval: true });
      w.once('online', yg.flagsAgain);
      await new Promise((r) => w.once('exit', r));
      yg.flagsAgain();
    `);
    expect(capped).toBeLessThan(free / 2);
  });
});
