/**
 * The size of V8's young generation in the processes that serve. By default it grows from 1 MB
 * to 16 MB per semi-space (32 MB in all) as soon as a process allocates much that survives, and
 * the pages stay committed for the process's life. Loading the modules already takes it to 8 MB,
 * a large config's decode and catalog build to the full 32 MB; the short-lived objects of a query,
 * its answer or a forwarded exchange need far less. So:
 *
 * - cluster workers start with `--max-semi-space-size=2` (`workerExecArgv` in
 *   `src/cluster/primary.ts`);
 * - the single server and the cluster primary keep it at its first size, with
 *   `--semi-space-growth-factor=1` set at run time: by `bin/privatelink-dns` before the command
 *   line's modules load, and again after every loading thread starts (starting a worker thread
 *   resets the V8 flags set at run time: `flagsAgain`).
 *
 * A semi-space size or growth factor given to `node` or in NODE_OPTIONS is the operator's choice
 * and wins: nothing is set then.
 *
 * The old generation: V8 lets it grow to up to 4× what is live before it collects, which a server
 * driven hard with unique forwarded names reaches (each answer is cached, then evicted: old-space
 * garbage at the answer rate), about 250–300 MB for one process. `PRIVATELINK_DNS_HEAP_GROWTH_PERCENT`
 * (1–300) caps that growth factor at 1 + N/100 (`--heap-growing-percent`): 50 brought that peak
 * to about 150 MB for 12% more CPU per cold-forwarded query, and no cost measured on cached or
 * endpoint answers (docs/operations.md, Memory). The image sets 50.
 */
import { setFlagsFromString } from 'node:v8';

/** The run-time flag that keeps the young generation at its first size. */
export const KEEP_SMALL_FLAG = '--semi-space-growth-factor=1';

/** Whether this process keeps it small (and so sets the flag again after a worker thread). */
let kept = false;

/** Whether the Node flags or NODE_OPTIONS size the young generation already (the operator's choice wins). */
export function youngGenerationSized(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
): boolean {
  return [...execArgv, ...nodeOptions.split(/\s+/)].some((a) =>
    /^--(max|min)[-_]semi[-_]space[-_]size\b|^--semi[-_]space[-_]growth[-_]factor\b/.test(a),
  );
}

/**
 * Keeps this process's young generation at its size now, unless the operator sized it; true when
 * the flag is set. Idempotent.
 */
export function keepYoungGenerationSmall(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
): boolean {
  if (youngGenerationSized(execArgv, nodeOptions)) return false;
  kept = true;
  setFlagsFromString(KEEP_SMALL_FLAG);
  return true;
}

/** `--heap-growing-percent=N` from PRIVATELINK_DNS_HEAP_GROWTH_PERCENT, or null when unset or not 1–300. */
export function heapGrowthFlag(env: NodeJS.ProcessEnv = process.env): string | null {
  const v = env.PRIVATELINK_DNS_HEAP_GROWTH_PERCENT;
  if (v === undefined || !/^\d+$/.test(v)) return null;
  const n = Number(v);
  return n >= 1 && n <= 300 ? `--heap-growing-percent=${n}` : null;
}

let growth: string | null = null;

/** Caps the old generation's growth as the environment says (see above); true when set. */
export function capHeapGrowth(env: NodeJS.ProcessEnv = process.env): boolean {
  growth = heapGrowthFlag(env);
  if (growth) setFlagsFromString(growth);
  return growth !== null;
}

/** Sets the flags again, if they were set: after a worker thread starts or ends (it resets them). */
export function flagsAgain(): void {
  if (kept) setFlagsFromString(KEEP_SMALL_FLAG);
  if (growth) setFlagsFromString(growth);
}
