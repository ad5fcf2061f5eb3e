/**
 * A test-driven clock for upstream deadlines. The upstream resolver keeps its timeouts in one
 * deadline heap (src/upstream/deadlines.ts) read from `performance.now()` and armed with
 * `setTimeout`; faking those two lets a test expire a timeout by moving the clock instead of
 * waiting for it. Sockets, `setImmediate` and `Date` stay real, and so do the timers of the
 * poll helper (taken before the fake ones are installed).
 *
 * ```ts
 * const clock = fakeClock();                       // until the end of this test
 * const pending = h.ask('a.example.test', 'A');
 * await poll('the query upstream', () => up.count() === 1);
 * await clock.advance(1000);                       // the attempt timeout passes
 * ```
 */
import { onTestFinished, vi } from 'vitest';

export interface FakeClock {
  /** Moves the clock on by `ms`, running the timers that fall due and the promises they settle. */
  advance(ms: number): Promise<void>;
}

/** Fakes `setTimeout`, `clearTimeout` and `performance.now()` until the current test finishes. */
export function fakeClock(): FakeClock {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  // After the afterEach hooks, so that harnesses are closed while the fake timers are in place.
  onTestFinished(() => {
    vi.useRealTimers();
  });
  return {
    async advance(ms) {
      await vi.advanceTimersByTimeAsync(ms);
    },
  };
}
