/**
 * The cache of forwarded answers: positive answers for their TTL, NXDOMAIN/NODATA for
 * min(SOA TTL, SOA MINIMUM) capped by `negativeTtl` (RFC 2308; no SOA, no caching), bounded by
 * `maxEntries` and by `maxBytes` (least recently used goes first; see {@link entryBytes} for what
 * an entry is counted as), keyed as forward/key.ts says (name, type,
 * class, DO, the RD/CD/AD bits and the rule group). Truncated answers, SERVFAIL and other errors are not cached. TTLs count down in
 * the answers given from the cache.
 */
import type { Config } from '../config/schema.js';
import { Flag, Rcode, RRType } from '../dns/constants.js';
import { type ScannedMessage, scanMessage } from '../dns/relay.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Catalog } from '../privatelink/catalog.js';
import type { RuleTable } from '../upstream/groups.js';
import { contextKey } from './forward/key.js';
import { respond } from './forward/relay.js';
import type { Handler, QueryContext } from './types.js';

export type CacheSettings = Exclude<Config['cache'], false>;

/** `cache.maxBytes` when a settings object has none (built by hand, not by the schema). */
export const DEFAULT_CACHE_MAX_BYTES = 16 * 1024 * 1024;

interface Entry {
  qname: string;
  reply: Buffer;
  /**
   * The reply's scan, kept from the entry's first hit on (null until then). Most answers stored
   * under a burst of unique names are never asked again before they go; without their scans
   * (an object per record) they take a third of the heap, and the heap's garbage when they are
   * evicted, which V8 lets grow to several times what is live before it collects, shrinks too.
   */
  scan: ScannedMessage | null;
  /** ms on the cache clock. */
  stored: number;
  expires: number;
  /** What the entry is counted as against maxBytes ({@link entryBytes}). */
  bytes: number;
}

/**
 * Bytes of the parts of an entry besides its reply and its key and name strings: the entry
 * object and its Map slot, the reply's Buffer object with its ArrayBuffer and backing-store
 * record. Calibrated on Node 20 (64-bit, no pointer compression) by filling a cache with 10,000
 * entries and measuring heap and array buffers after gc(). The constants are rounded up;
 * test/forward/cache-bytes.test.ts checks that the count is never below what an entry retains,
 * before and after its scan is kept.
 */
export const ENTRY_OVERHEAD = 450;
/** Bytes of a kept scan besides its records: the scanned message and its records array. */
export const SCAN_OVERHEAD = 600;
/** Bytes of one scanned record (its object, its slot, the pieces of its owner name). */
export const RECORD_OVERHEAD = 600;

/** Heap bytes of a one-byte string of `n` characters (header, length rounded up to 8). */
function stringBytes(n: number): number {
  return 24 + ((n + 7) & ~7);
}

/**
 * What one cache entry costs, in bytes: the reply (copied into a buffer of its own when stored,
 * so no slice keeps a larger receive buffer alive), the key and name strings and the fixed
 * bookkeeping ({@link ENTRY_OVERHEAD}); with `scan` (kept from the first hit), its cost too
 * ({@link scanBytes}).
 */
export function entryBytes(key: string, qname: string, reply: Buffer, scan?: ScannedMessage | null): number {
  const n = ENTRY_OVERHEAD + reply.byteLength + stringBytes(key.length) + stringBytes(qname.length);
  return scan ? n + scanBytes(scan) : n;
}

/** What a kept scan costs: its message object, and every record with its owner name. */
export function scanBytes(scan: ScannedMessage): number {
  let n = SCAN_OVERHEAD + stringBytes(scan.qname.length);
  const recs = scan.records;
  for (let i = 0; i < recs.length; i++) n += RECORD_OVERHEAD + stringBytes(recs[i].name.length);
  return n;
}

/**
 * `reply` in a buffer of its own: a slice of a larger buffer (a TCP read, the shared pool that
 * small Buffer copies come from) is copied, so the cache never keeps more alive than it counts.
 */
function owned(reply: Buffer): Buffer {
  if (reply.byteOffset === 0 && reply.buffer.byteLength === reply.byteLength) return reply;
  const out = Buffer.allocUnsafeSlow(reply.byteLength);
  reply.copy(out);
  return out;
}

/** A cache hit: the stored upstream reply and how many whole seconds it has aged. */
export interface CacheHit {
  reply: Buffer;
  scan: ScannedMessage;
  age: number;
}

/**
 * How long (seconds) an upstream answer may be cached, or 0 when it may not. Positive answers:
 * the smallest record TTL clamped to [minTtl, maxTtl]. Negative answers (NXDOMAIN, or NOERROR
 * without answer records): min(SOA TTL, SOA MINIMUM) capped by negativeTtl, only with an SOA.
 */
export function cacheTtl(reply: Buffer, scan: ScannedMessage, s: CacheSettings): number {
  if (scan.flags & Flag.TC) return 0;
  if (scan.rcode !== Rcode.NOERROR && scan.rcode !== Rcode.NXDOMAIN) return 0;
  const recs = scan.records;
  let answers = 0;
  for (let i = 0; i < recs.length; i++) if (recs[i].section === 0) answers++;
  if (scan.rcode === Rcode.NOERROR && answers > 0) {
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < recs.length; i++) {
      const r = recs[i];
      if (r.type !== RRType.OPT && r.ttl < min) min = r.ttl;
    }
    const ttl = Math.min(Math.max(min, s.minTtl), s.maxTtl);
    return ttl;
  }
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i];
    if (r.section !== 1 || r.type !== RRType.SOA || r.end - r.rdataStart < 22) continue;
    const minimum = reply.readUInt32BE(r.end - 4);
    const ttl = Math.min(r.ttl, minimum, s.negativeTtl);
    return ttl;
  }
  return 0;
}

export class ResponseCache {
  private readonly map = new Map<string, Entry>();
  /**
   * Eviction cursor: a live iterator over the keys, oldest first. Every key it has passed was
   * evicted, and moved keys are re-inserted at the end, so its next key is always the least
   * recently used. Reusing it matters: a fresh iterator would walk over every deleted slot at the
   * front of the Map's table on each eviction (about 20 µs per insert at 10,000 entries).
   */
  private evictCursor: IterableIterator<string> | null = null;
  hits = 0;
  misses = 0;
  private total = 0;

  constructor(
    public settings: CacheSettings,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.map.size;
  }

  /** What the entries are counted as right now ({@link entryBytes}); never above maxBytes. */
  get bytes(): number {
    return this.total;
  }

  private drop(key: string, e: Entry): void {
    this.map.delete(key);
    this.total -= e.bytes;
  }

  /** The entry for `key` if still fresh (it becomes the most recently used). */
  get(key: string): CacheHit | undefined {
    const e = this.map.get(key);
    if (!e) {
      this.misses++;
      return undefined;
    }
    const now = this.now();
    if (now >= e.expires) {
      this.drop(key, e);
      this.misses++;
      return undefined;
    }
    let scan = e.scan;
    if (scan === null) {
      // The stored reply was scanned when it came; the same bytes scan the same.
      scan = scanMessage(e.reply);
      if (scan === null) {
        this.drop(key, e);
        this.misses++;
        return undefined;
      }
      e.scan = scan;
      const more = scanBytes(scan);
      e.bytes += more;
      this.total += more;
    }
    this.map.delete(key);
    this.map.set(key, e);
    this.hits++;
    const hit = { reply: e.reply, scan, age: Math.floor((now - e.stored) / 1000) };
    // Within maxBytes again (the entry itself is the most recently used, so it goes last).
    this.trim();
    return hit;
  }

  /** Stores an upstream reply if it may be cached; returns the TTL used (0: not stored). */
  put(key: string, qname: string, reply: Buffer, scan: ScannedMessage): number {
    const ttl = cacheTtl(reply, scan, this.settings);
    if (ttl === 0) return 0;
    const bytes = entryBytes(key, qname, reply);
    const old = this.map.get(key);
    if (old) this.drop(key, old);
    // An answer larger than the whole budget (with its scan) is not kept (it would evict everything else).
    if (bytes + scanBytes(scan) > this.maxBytes()) return 0;
    const now = this.now();
    this.map.set(key, {
      qname,
      reply: owned(reply),
      scan: null,
      stored: now,
      expires: now + ttl * 1000,
      bytes,
    });
    this.total += bytes;
    this.trim();
    return ttl;
  }

  /** Drops entries whose (lower-case) name matches. Returns how many went. */
  deleteWhere(match: (qname: string) => boolean): number {
    let n = 0;
    for (const [k, e] of this.map) {
      if (match(e.qname)) {
        this.drop(k, e);
        n++;
      }
    }
    return n;
  }

  clear(): void {
    this.map.clear();
    this.total = 0;
    this.evictCursor = null;
  }

  private maxBytes(): number {
    return this.settings.maxBytes ?? DEFAULT_CACHE_MAX_BYTES;
  }

  /** Applies new settings (a smaller maxEntries or maxBytes evicts at once). */
  configure(s: CacheSettings): void {
    this.settings = s;
    this.trim();
  }

  private trim(): void {
    const max = this.settings.maxEntries;
    const maxBytes = this.maxBytes();
    if (this.map.size <= max && this.total <= maxBytes) return;
    let it = this.evictCursor ?? this.map.keys();
    while (this.map.size > 0 && (this.map.size > max || this.total > maxBytes)) {
      let r = it.next();
      if (r.done) {
        it = this.map.keys();
        r = it.next();
      }
      const key = r.value as string;
      this.drop(key, this.map.get(key) as Entry);
    }
    this.evictCursor = it;
  }
}

/** Answers from the cache, or passes the query on (undefined). */
export class CacheHandler implements Handler {
  readonly name = 'cache';
  constructor(
    private readonly deps: {
      cache: () => ResponseCache | null;
      catalog: () => Catalog;
      rules: () => RuleTable;
      metrics: Metrics;
    },
  ) {}

  handle(ctx: QueryContext): Buffer | undefined {
    const cache = this.deps.cache();
    if (!cache) return undefined;
    const hit = cache.get(contextKey(ctx, this.deps.rules()));
    if (!hit) {
      this.deps.metrics.inc('cache_misses');
      return undefined;
    }
    this.deps.metrics.inc('cache_hits');
    ctx.source = 'cache';
    const out = respond(ctx, hit.reply, hit.scan, hit.age, this.deps.catalog());
    ctx.source = 'cache';
    return out;
  }
}
