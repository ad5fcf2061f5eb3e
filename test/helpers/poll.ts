/**
 * Waiting for state reached asynchronously (a socket closed, a log line written, a probe round
 * done) by polling it, instead of sleeping for a fixed time and hoping it happened.
 *
 * The timers are the real ones, taken when this module loads, so polling keeps working while a
 * test fakes `setTimeout` (see clock.ts).
 */

const realSetTimeout = globalThis.setTimeout;
const realSetImmediate = globalThis.setImmediate;
const realNow = Date.now;

const pause = (ms: number) => new Promise<void>((r) => realSetTimeout(r, ms));

/**
 * Resolves with the first truthy value of `fn`, checking every `everyMs`. Rejects after
 * `timeoutMs` with "timed out … waiting for <what>" (and the last error `fn` threw, if any);
 * `what` may be a function, read only then, to describe the state at that moment. The timeout
 * is a generous cap for a loaded machine, not a timing assertion.
 */
export async function poll<T>(
  what: string | (() => string),
  fn: () => T | Promise<T>,
  timeoutMs = 15_000,
  everyMs = 10,
): Promise<NonNullable<T>> {
  const until = realNow() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = undefined;
    } catch (e) {
      last = e;
    }
    if (realNow() > until) {
      const said = typeof what === 'function' ? what() : what;
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${said}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await pause(everyMs);
  }
}

/** Lets pending promise callbacks and I/O callbacks run. */
export function flush(): Promise<void> {
  return new Promise((r) => realSetImmediate(r));
}
