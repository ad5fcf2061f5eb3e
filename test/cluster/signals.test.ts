// serve --workers 2 and signals: a SIGHUP to the whole process group (what a terminal, a
// supervisor or `kill -HUP -PGID` sends) reloads once and kills nothing; a worker that dies is
// restarted with backoff and the primary stays up. Runs the built CLI (npm test builds first).
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKER_SEMI_SPACE_MB } from '../../src/cluster/primary.js';
import { MALLOC_TRIM_THRESHOLD } from '../../src/core/malloc.js';
import { CW_REGIONAL } from '../helpers/configs.js';
import { addresses, query } from '../helpers/dns-client.js';
import { poll } from '../helpers/poll.js';
import { alive, type ClusterCli, spawnCluster, stopCluster, workerPids } from './cli.js';

const ALL = ['10.0.1.23', '10.0.2.23', '10.0.3.23'];

let child: ChildProcess;
let port = 0;
let cli: ClusterCli;
const output = () => cli.output();

const lines = () =>
  output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
beforeAll(async () => {
  // Its own process group, so that the test can signal the group as a terminal would.
  const c = spawnCluster('off', { detached: true });
  child = c.child;
  cli = c;
  const l = await poll(
    () => `the cluster to listen:\n${output()}`,
    () => /listening on 127\.0\.0\.1:(\d+) \(udp\+tcp, 2 workers\)/.exec(output()),
    30_000,
  );
  port = Number(l[1]);
}, 60_000);

afterAll(() => stopCluster(cli));

describe('serve --workers 2 under signals', () => {
  it("workers run with glibc's trim threshold and a small young generation; the primary as it was started", () => {
    /** A process's environment and command line, from /proc. */
    const proc = (pid: number) => ({
      env: readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0'),
      argv: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'),
    });
    // The test's own environment sets neither (else the primary would pass them on as they are).
    expect(process.env.MALLOC_TRIM_THRESHOLD_).toBeUndefined();
    const primary = proc(child.pid as number);
    expect(primary.env.filter((e) => e.startsWith('MALLOC_'))).toEqual([]);
    const pids = [...workerPids(cli).values()];
    expect(pids).toHaveLength(2);
    for (const pid of pids) {
      const w = proc(pid);
      expect(w.env).toContain(`MALLOC_TRIM_THRESHOLD_=${MALLOC_TRIM_THRESHOLD}`);
      expect(w.argv).toContain(`--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`);
    }
  });

  it('a SIGHUP to the process group reloads the config once and every process lives on', async () => {
    const before = workerPids(cli);
    expect(before.size).toBe(2);
    process.kill(-(child.pid as number), 'SIGHUP');
    await poll(
      () => `a reload after SIGHUP:\n${output()}`,
      () =>
        lines().some(
          (l) =>
            l.worker === undefined &&
            (l.msg === 'config reloaded' || l.msg === 'config unchanged; nothing to reload'),
        ),
    );
    // Every worker applied it and still answers; none died, none was restarted.
    for (let i = 0; i < 20; i++) expect(addresses(await query(port, CW_REGIONAL)).sort()).toEqual(ALL);
    expect(child.exitCode).toBeNull();
    for (const pid of before.values()) expect(alive(pid)).toBe(true);
    expect(lines().filter((l) => l.msg === 'worker exited; starting a new one')).toEqual([]);
  });

  it('a worker that dies is restarted (with backoff) and the primary stays up', async () => {
    const [id, pid] = [...workerPids(cli)][0];
    process.kill(pid, 'SIGKILL');
    const exited = await poll(
      () => `the primary to see worker ${id} exit:\n${output()}`,
      () => lines().find((l) => l.msg === 'worker exited; starting a new one'),
    );
    expect(exited.restartInMs).toBe(1000);
    await poll(
      () => `a new worker listening:\n${output()}`,
      () => [...workerPids(cli).values()].filter((p) => p !== pid && alive(p)).length === 2,
    );
    expect(child.exitCode).toBeNull();
    for (let i = 0; i < 20; i++) expect(addresses(await query(port, CW_REGIONAL)).sort()).toEqual(ALL);
  });
});
