/**
 * One full garbage collection once a process has built what it serves: the start (the config's
 * decode, the catalog's build, the loading thread's reply) leaves garbage that V8 would collect
 * only when the heap grows again, and pages that stay resident until then. Collected at once, a
 * worker of `--workers N` with 10,000 endpoints is several MB smaller for its whole life.
 *
 * `gc()` is taken from a fresh context with `--expose-gc` set at run time, so the process starts
 * with the flags it was given (the global `gc` is not defined, nothing else changes).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null | undefined;

/** Runs a full collection now; false when this V8 gives no `gc` to call. */
export function collectGarbage(): boolean {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('typeof gc === "function" ? gc : null') as (() => void) | null;
      collect = gc;
    } catch {
      collect = null;
    }
  }
  if (!collect) return false;
  collect();
  return true;
}

/** {@link collectGarbage} once the current turn of the event loop and its I/O callbacks are done. */
export function collectGarbageSoon(): void {
  setImmediate(() => collectGarbage()).unref();
}
