/**
 * glibc's allocator and the memory a start leaves behind.
 *
 * glibc raises its mmap threshold (from 128 KB, up to 32 MB) each time a block it had mapped on
 * its own is freed, and its trim threshold to twice that: after one large transient buffer (the
 * loading thread's JSON of a 10,000-endpoint config is 6.4 MB), every block smaller than that
 * comes from the arenas, and up to twice that much freed memory stays resident in each arena for
 * the life of the process. The config text is read and hashed in small pieces for that reason
 * (`src/config/text-io.ts`); the rest of the start's large buffers remain. Setting `MALLOC_TRIM_THRESHOLD_` turns the raising off: large
 * blocks (128 KB and up) are mapped and unmapped on their own, and freed memory beyond the
 * threshold at the top of an arena goes back to the system. Measured on 10,000 endpoints (`node
 * bench/start-rss.mjs`): 11 MB less for one process (30 MB before the text was read in pieces). The threshold is 1 MB, not glibc's starting
 * 128 KB: at 128 KB, forwarding (two datagram sockets' buffers per query) trims and grows the
 * heap so often that cache-cold throughput drops by a fifth; at 1 MB it is unchanged, for 2 MB
 * more RSS.
 *
 * glibc reads the variable once, as the process starts, so a process cannot set it for itself:
 * the image sets it (`ENV` in the Dockerfile), cluster workers get it from the primary
 * ({@link workerMallocEnv}), and docs/operations.md says how to give it to a server started by
 * hand. Any malloc setting the operator made (`MALLOC_*_` or `GLIBC_TUNABLES` with
 * `glibc.malloc.`) wins: nothing is added then. Other C libraries (musl, macOS) ignore it.
 */

/** The trim threshold the serving processes run with (bytes). */
export const MALLOC_TRIM_THRESHOLD = '1048576';

/** Whether the environment sets glibc's malloc already (the operator's choice wins). */
export function mallocTuned(env: NodeJS.ProcessEnv = process.env): boolean {
  if (/\bglibc\.malloc\./.test(env.GLIBC_TUNABLES ?? '')) return true;
  return ['MALLOC_TRIM_THRESHOLD_', 'MALLOC_MMAP_THRESHOLD_', 'MALLOC_TOP_PAD_', 'MALLOC_MMAP_MAX_'].some(
    (k) => env[k] !== undefined && env[k] !== '',
  );
}

/** The variables a cluster worker gets on top of the primary's environment. */
export function workerMallocEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return mallocTuned(env) ? {} : { MALLOC_TRIM_THRESHOLD_: MALLOC_TRIM_THRESHOLD };
}
