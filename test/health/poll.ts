/** Polling helpers for state reached asynchronously (probe rounds, sockets). */

/**
 * Resolves with the first truthy value of `fn`, polling every `everyMs`; rejects with `what`
 * after `capMs` (a generous cap, not a timing assertion).
 */
export async function waitFor<T>(
  what: string,
  fn: () => T | Promise<T>,
  capMs = 15_000,
  everyMs = 25,
): Promise<NonNullable<T>> {
  const until = Date.now() + capMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Lets pending promise callbacks and I/O callbacks run. */
export function flush(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
