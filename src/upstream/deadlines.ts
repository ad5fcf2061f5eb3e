/**
 * One shared timer for many deadlines: a binary min-heap ordered by deadline and a single
 * `setTimeout` armed for the earliest one. Settled items stay in the heap until their deadline
 * passes (lazy deletion), so cancelling costs nothing.
 */

/** Something with a deadline. `expire` is called once, when the deadline passes unsettled. */
export interface Timed {
  /** Absolute time in ms on the {@link Deadlines} clock. */
  deadline: number;
  /** Set by the owner when it no longer needs the timeout. */
  settled: boolean;
  expire(): void;
}

/** How {@link Deadlines} arms its one timer (a test can drive its own). */
export interface DeadlineTimer {
  /** Calls `fire` once, about `ms` from now; returns a handle for {@link clear}. */
  set(fire: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** Node's timers, unref'd: a pending deadline never keeps the process alive. */
export const nodeTimer: DeadlineTimer = {
  set(fire, ms) {
    const t = setTimeout(fire, ms);
    t.unref();
    return t;
  },
  clear(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

export class Deadlines {
  private heap: Timed[] = [];
  private timer: unknown = null;
  private armedAt = Number.POSITIVE_INFINITY;

  constructor(
    readonly now: () => number = () => performance.now(),
    private readonly timers: DeadlineTimer = nodeTimer,
  ) {}

  /** Number of items waiting (settled ones included until they are swept). */
  get size(): number {
    return this.heap.length;
  }

  add(item: Timed): void {
    const h = this.heap;
    let i = h.length;
    h.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p].deadline <= item.deadline) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = item;
    if (item.deadline < this.armedAt) this.arm(item.deadline);
  }

  /** Drops every item without expiring it. */
  clear(): void {
    this.heap = [];
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    this.armedAt = Number.POSITIVE_INFINITY;
  }

  private arm(at: number): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.armedAt = at;
    const delay = Math.max(0, Math.ceil(at - this.now()));
    this.timer = this.timers.set(this.fire, delay);
  }

  private readonly fire = (): void => {
    this.timer = null;
    this.armedAt = Number.POSITIVE_INFINITY;
    const now = this.now();
    const h = this.heap;
    while (h.length > 0 && h[0].deadline <= now) {
      const top = this.pop();
      if (!top.settled) {
        top.settled = true;
        top.expire();
      }
    }
    // Skip settled items at the head so the timer is not armed for nothing.
    while (h.length > 0 && h[0].settled) this.pop();
    if (h.length > 0) this.arm(h[0].deadline);
  };

  private pop(): Timed {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    const n = h.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && h[r].deadline < h[l].deadline ? r : l;
        if (h[c].deadline >= last.deadline) break;
        h[i] = h[c];
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
