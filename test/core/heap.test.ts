/** The full collection after start: available without --expose-gc, and no global `gc` appears. */
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../src/core/heap.js';

describe('collectGarbage', () => {
  it('collects (a dropped object is gone) without defining a global gc', async () => {
    let ref: WeakRef<object> | undefined;
    (() => {
      ref = new WeakRef({ big: new Array(1000).fill(0) });
    })();
    // A WeakRef's target is kept until the end of the job that made or read it.
    await new Promise((r) => setImmediate(r));
    expect(collectGarbage()).toBe(true);
    expect(ref?.deref()).toBeUndefined();
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
