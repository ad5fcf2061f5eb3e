/** `serve --workers N` (2 unless told) as a child process on a temporary config, for the CLI and cluster tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { cloudwatch, oneVpc } from '../helpers/configs.js';
import { poll } from '../helpers/poll.js';

const ROOT = join(import.meta.dirname, '..', '..');

export interface ClusterCli {
  child: ChildProcess;
  dir: string;
  configFile: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
}

/** Starts the built CLI (two workers unless told); `admin` is `off` or an address. */
export function spawnCluster(
  admin: string,
  opts: { detached?: boolean; args?: string[]; config?: object; workers?: number } = {},
): ClusterCli {
  const dir = mkdtempSync(join(tmpdir(), 'pldns-cluster-'));
  const configFile = join(dir, 'endpoints.yaml');
  writeFileSync(configFile, stringify(opts.config ?? oneVpc([cloudwatch()])));
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin', 'privatelink-dns'),
      'serve',
      '--config',
      configFile,
      '--listen',
      '127.0.0.1:0',
      '--upstream',
      '127.0.0.1:9',
      '--admin',
      admin,
      '--workers',
      String(opts.workers ?? 2),
      '--log-level',
      'info',
      ...(opts.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached ?? false },
  );
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  return { child, dir, configFile, output: () => out };
}

/** Stops it with SIGTERM (if it still runs) and removes its folder. */
export async function stopCluster(cli: ClusterCli | undefined): Promise<void> {
  if (!cli) return;
  if (cli.child.exitCode === null) {
    const exited = new Promise((r) => cli.child.once('exit', r));
    cli.child.kill('SIGTERM');
    await exited;
  }
  rmSync(cli.dir, { recursive: true, force: true });
}

/** The port the cluster listens on, once it says so (two workers). */
export async function listeningPort(cli: ClusterCli): Promise<number> {
  const l = await poll(
    () => `the cluster to listen:\n${cli.output()}`,
    () => /listening on 127\.0\.0\.1:(\d+) \(udp\+tcp, 2 workers\)/.exec(cli.output()),
    30_000,
  );
  return Number(l[1]);
}

/** Pids of the workers that logged "worker serving", by worker id (the latest for each id). */
export function workerPids(cli: ClusterCli): Map<number, number> {
  const out = new Map<number, number>();
  for (const l of cli.output().split('\n')) {
    if (!l.startsWith('{')) continue;
    const j = JSON.parse(l) as { worker?: unknown; msg?: string; pid?: number };
    if (typeof j.worker === 'number' && j.msg === 'worker serving') out.set(j.worker, j.pid as number);
  }
  return out;
}

/** Whether a process runs. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
