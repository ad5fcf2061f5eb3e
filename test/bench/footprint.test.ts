/**
 * The bench's memory of a process tree, each page once (bench/lib/footprint.mjs): a process
 * listed twice counts once, two Node processes count the node binary's pages once (so less than
 * their summed RSS), and a process's own allocation shows in full.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { footprintKb } from '../../bench/lib/footprint.mjs';

const kids: ChildProcess[] = [];
afterEach(() => {
  for (const k of kids.splice(0)) k.kill('SIGKILL');
});

/** A node process that allocates and touches `mb` MB, then says so and waits. */
async function node(mb: number): Promise<number> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `globalThis.b = Buffer.alloc(${mb} * 1048576, 1); console.log('ready'); setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  kids.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`exited ${code}`)));
  });
  return child.pid ?? 0;
}

const rssKb = (pid: number) =>
  Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

describe('footprintKb', () => {
  it('counts each physical page once', async () => {
    const a = await node(1);
    const b = await node(30);
    const one = footprintKb([a]);
    const twice = footprintKb([a, a]);
    const both = footprintKb([a, b]);
    if (one.method === 'pagemap') {
      expect(twice.kb).toBe(one.kb);
      // The binary's pages are in both RSS figures, once in the footprint.
      expect(both.kb).toBeLessThan(rssKb(a) + rssKb(b) - 10_000);
      expect(both.fileKb).toBeLessThan(one.fileKb + 5_000);
    } else {
      // Without frame numbers (not root): PSS, which splits the shared pages.
      expect(both.kb).toBeLessThan(rssKb(a) + rssKb(b));
    }
    // The 30 MB buffer is b's own.
    expect(both.kb - one.kb).toBeGreaterThan(30 * 1024);
    expect(one.kb).toBeLessThanOrEqual(rssKb(a));
    expect(one.kb).toBeGreaterThan(rssKb(a) - 4096);
  });

  it('skips processes that are gone', () => {
    expect(footprintKb([2 ** 22 + 7]).kb).toBe(0);
  });
});
