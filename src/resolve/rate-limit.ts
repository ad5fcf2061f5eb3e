/**
 * Per-client rate limiting: one token bucket per client address, kept in a bounded map.
 *
 * Each query costs one token; a bucket refills at `queriesPerSecond` up to `burst`. The map is
 * ordered by last use (a hit moves the entry to the end), so when it is full the least recently
 * seen client is evicted: O(1) per query, no timers, memory bounded by `maxClients`.
 */

/** What to do with a query over the limit (`rateLimit.action`). */
export type RateLimitAction = 'refuse' | 'drop' | 'slip';

/** The `rateLimit:` config section. */
export interface RateLimitOptions {
  /** Sustained queries per second per client address. */
  queriesPerSecond: number;
  /** Bucket size: queries a client may send at once after being quiet. @default 100 */
  burst: number;
  /** Answer REFUSED, send nothing, or answer with TC=1 and no records (the client retries over TCP). @default 'refuse' */
  action: RateLimitAction;
}

/** Clients remembered at once; the least recently seen one is forgotten beyond this. */
export const DEFAULT_MAX_CLIENTS = 65_536;

interface Bucket {
  tokens: number;
  /** Clock reading (ms) of the last refill. */
  at: number;
}

/** Token buckets per client address. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private opts: RateLimitOptions | null = null;

  constructor(
    opts?: RateLimitOptions | null,
    private readonly maxClients = DEFAULT_MAX_CLIENTS,
    /** Milliseconds, monotonic. */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.configure(opts);
  }

  /** Swaps in new settings (config reload); `null`/`undefined` turns limiting off. Buckets are kept. */
  configure(opts: RateLimitOptions | null | undefined): void {
    this.opts = opts ?? null;
    if (!this.opts) this.buckets.clear();
  }

  /** True when limiting is on. */
  get enabled(): boolean {
    return this.opts !== null;
  }

  /** The configured action for queries over the limit, or null when limiting is off. */
  get action(): RateLimitAction | null {
    return this.opts?.action ?? null;
  }

  /** Number of clients currently tracked. */
  get size(): number {
    return this.buckets.size;
  }

  /** True when the next query of `client` would be over the limit (takes no token). */
  throttled(client: string): boolean {
    const o = this.opts;
    const b = o ? this.buckets.get(client) : undefined;
    if (!o || b === undefined) return false;
    const elapsed = this.now() - b.at;
    return Math.min(o.burst, b.tokens + (Math.max(0, elapsed) * o.queriesPerSecond) / 1000) < 1;
  }

  /** Takes one token for `client`. Returns true when the query may go ahead. */
  allow(client: string): boolean {
    const o = this.opts;
    if (!o) return true;
    const t = this.now();
    const b = this.buckets.get(client);
    if (b === undefined) {
      if (this.buckets.size >= this.maxClients) {
        // Map iteration order is insertion order: the first key is the least recently seen.
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      this.buckets.set(client, { tokens: o.burst - 1, at: t });
      return true;
    }
    // Move to the end (most recently seen).
    this.buckets.delete(client);
    this.buckets.set(client, b);
    const elapsed = t - b.at;
    if (elapsed > 0) {
      b.tokens = Math.min(o.burst, b.tokens + (elapsed * o.queriesPerSecond) / 1000);
      b.at = t;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    return false;
  }
}
