/**
 * The forwarding side, assembled: upstream groups and rules, the upstream resolver (failover,
 * health, coalescing, spoofing checks), the cache and the two handlers the chain uses.
 */

import type { Logger } from 'pino';
import { type ConfigProblem, type LoadedConfig, pathText } from '../../config/problems.js';
import type { Config } from '../../config/schema.js';
import { parseQuery, WireError } from '../../dns/query.js';
import { memorySamples } from '../../metrics/memory.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { Catalog } from '../../privatelink/catalog.js';
import { configProblemCode, UpstreamIsSelfError } from '../../upstream/errors.js';
import { RuleTable, UpstreamGroup, upstreamFor } from '../../upstream/groups.js';
import { newLoopToken, readHops } from '../../upstream/query.js';
import { UpstreamResolver } from '../../upstream/resolver.js';
import { isSelf } from '../../upstream/self.js';
import type { Upstream } from '../../upstream/upstream.js';
import { CacheHandler, ResponseCache } from '../cache.js';
import type { Handler } from '../types.js';
import { ForwardHandler } from './handler.js';

export interface ForwardingOptions {
  /** Checked config: `forwarder`, `forwardingRules` and `cache` are used. */
  config: Config;
  /**
   * Default upstreams, already chosen by the app (CLI --upstream > config.upstreams >
   * resolv.conf): HOST, HOST:PORT, IPV6 or [IPV6]:PORT, default port 53.
   */
  upstreams: string[];
  logger: Logger;
  metrics: Metrics;
  /** The current catalog (CNAME-chain completion; owned names are cleared from the cache on reload). */
  catalog: () => Catalog;
  /** Our own listen sockets: an upstream that is one of them is refused. */
  selfAddresses: () => { address: string; port: number }[];
  /**
   * Clock in ms for the cache (injectable for tests).
   * @default Date.now
   */
  now?: () => number;
  /**
   * UDP sockets per upstream used for upstream queries (random ports, connected, random IDs).
   * @default 16
   */
  udpPoolSize?: number;
}

export interface Forwarding {
  /** Answers from the cache, or returns undefined. */
  cache: Handler;
  /** Always answers (relayed response or SERVFAIL), or returns null to drop. */
  forward: Handler;
  /**
   * Checks new upstreams, rules, forwarder and cache settings and returns what applies them:
   * the commit clears cached answers for names `catalog` owns (and everything when upstreams or
   * rules changed). Throws {@link UpstreamIsSelfError} / BadUpstreamError, changing nothing.
   */
  prepare(config: Config, upstreams: string[], catalog: Catalog): () => void;
  /** {@link prepare} and commit at once, for the current catalog. */
  reload(config: Config, upstreams: string[]): void;
  /**
   * True when `msg` is a query this server sent upstream that came back to it (it carries our
   * loop marker). The forward handler already answers those SERVFAIL; listeners may use this to
   * recognise them earlier.
   */
  isOwnOutgoing(msg: Buffer): boolean;
  /** Upstream state for admin/diagnostics: address, up/down, consecutive failures. */
  upstreams(): { upstream: string; up: boolean; fails: number; rule: string }[];
  /** Number of cached answers. */
  cacheSize(): number;
  close(): Promise<void>;
}

/** The TTL cap of relayed records when the cache is off (the cache's default maxTtl). */
const DEFAULT_MAX_TTL = 86_400;

function buildRules(config: Config, upstreams: readonly string[], known: Map<string, Upstream>): RuleTable {
  const defaults = new UpstreamGroup(
    'default',
    upstreams.map((u) => upstreamFor(u, known)),
  );
  return new RuleTable(defaults, config.forwardingRules, known);
}

function rulesSignature(config: Config, upstreams: readonly string[]): string {
  return JSON.stringify([upstreams, config.forwardingRules]);
}

/** Creates the forwarding side. Throws when an upstream does not parse or is this server. */
export function createForwarding(opts: ForwardingOptions): Forwarding {
  const { metrics } = opts;
  const logger = opts.logger;
  const now = opts.now ?? Date.now;
  const token = newLoopToken();
  let known = new Map<string, Upstream>();
  let rules = buildRules(opts.config, opts.upstreams, known);
  let signature = rulesSignature(opts.config, opts.upstreams);
  checkSelf(rules, opts.selfAddresses());
  let selfChecked = opts.selfAddresses().length > 0;

  const resolver = new UpstreamResolver({
    settings: opts.config.forwarder,
    logger,
    metrics,
    token,
    poolSize: opts.udpPoolSize,
  });
  let cache: ResponseCache | null =
    opts.config.cache === false ? null : new ResponseCache(opts.config.cache, now);

  metrics.gauge('cache_entries', () => cache?.size ?? 0);
  metrics.gauge('memory_bytes', () =>
    memorySamples({ cacheBytes: cache?.bytes ?? 0, inFlight: resolver.pending }),
  );
  metrics.gauge('upstream_up', () =>
    [...known.values()].map((u) => [{ upstream: u.key }, u.down || u.isSelf ? 0 : 1] as const),
  );

  const cacheHandler = new CacheHandler({
    cache: () => cache,
    catalog: opts.catalog,
    rules: () => rules,
    metrics,
  });
  const forwardHandler = new ForwardHandler({
    resolver,
    rules: () => rules,
    catalog: opts.catalog,
    token,
    logger,
    metrics,
    maxTtl: () => (cache ? cache.settings.maxTtl : DEFAULT_MAX_TTL),
    store: (key, ctx, reply, scan) => {
      cache?.put(key, ctx.q.qname, reply, scan);
    },
  });

  /** Listeners bound to port 0 are only known after start: mark self upstreams on first use. */
  const markSelf = () => {
    const self = opts.selfAddresses();
    if (self.length === 0) return;
    selfChecked = true;
    for (const u of known.values()) {
      if (!u.isSelf && isSelf(u, self)) {
        u.isSelf = true;
        logger.error({ upstream: u.key }, 'upstream is this server itself; not forwarding to it');
      }
    }
  };

  const forward: Handler = {
    name: 'forward',
    handle(ctx) {
      if (!selfChecked) markSelf();
      return forwardHandler.handle(ctx);
    },
  };

  let closed = false;
  return {
    cache: cacheHandler,
    forward,
    prepare(config, upstreams, catalog) {
      const nextKnown = new Map<string, Upstream>();
      // Keep the health of upstreams that stay.
      for (const [k, u] of known) nextKnown.set(k, u);
      const nextRules = buildRules(config, upstreams, nextKnown);
      checkSelf(nextRules, opts.selfAddresses());
      return () => {
        const used = new Set<Upstream>();
        for (const g of nextRules.groups()) for (const u of g.upstreams) used.add(u);
        for (const [k, u] of nextKnown) {
          if (!used.has(u)) {
            resolver.stopProbe(u);
            nextKnown.delete(k);
          }
        }
        known = nextKnown;
        rules = nextRules;
        selfChecked = false;
        markSelf();
        resolver.settings = config.forwarder;
        const sig = rulesSignature(config, upstreams);
        if (config.cache === false) cache = null;
        else if (!cache) cache = new ResponseCache(config.cache, now);
        else {
          cache.configure(config.cache);
          if (sig !== signature) cache.clear();
          else {
            const dropped = cache.deleteWhere(
              (name) =>
                catalog.lookup(name, null) !== null ||
                catalog.views.some((v) => catalog.lookup(name, v) !== null),
            );
            if (dropped > 0) logger.info({ dropped }, 'cleared cached answers for names we now own');
          }
        }
        signature = sig;
      };
    },
    reload(config, upstreams) {
      this.prepare(config, upstreams, opts.catalog())();
    },
    isOwnOutgoing(msg) {
      const q = parseQuery(msg);
      if (q instanceof WireError || !q.edns) return false;
      return readHops(q.edns.options, token).loop;
    },
    upstreams() {
      const out: { upstream: string; up: boolean; fails: number; rule: string }[] = [];
      for (const g of rules.groups())
        for (const u of g.upstreams)
          out.push({ upstream: u.key, up: !u.down && !u.isSelf, fails: u.fails, rule: g.id });
      return out;
    },
    cacheSize: () => cache?.size ?? 0,
    async close() {
      if (closed) return;
      closed = true;
      resolver.close(rules.groups());
      cache?.clear();
    },
  };
}

function checkSelf(rules: RuleTable, self: { address: string; port: number }[]): void {
  if (self.length === 0) return;
  for (const g of rules.groups())
    for (const u of g.upstreams) if (isSelf(u, self)) throw new UpstreamIsSelfError(u.key);
}

/**
 * Checks upstreams and forwarding rules as the forwarder would take them, without making one:
 * throws as {@link Forwarding.prepare} does (an upstream that does not parse, or is `self`).
 */
export function checkForwarding(
  config: Config,
  upstreams: readonly string[],
  self: { address: string; port: number }[],
): void {
  checkSelf(buildRules(config, upstreams, new Map()), self);
}

/** A problem for an upstream the forwarder refused, placed at that upstream in the config when it is there. */
export function forwardingProblem(l: LoadedConfig, e: unknown): ConfigProblem {
  const bad = (e as { upstream?: unknown }).upstream;
  let path: (string | number)[] = [];
  const rules = l.config.forwardingRules;
  for (let i = rules.length - 1; i >= 0; i--) {
    const j = rules[i].upstreams.indexOf(bad as string);
    if (j >= 0) path = ['forwardingRules', i, 'upstreams', j];
  }
  const k = l.config.upstreams?.indexOf(bad as string) ?? -1;
  if (k >= 0) path = ['upstreams', k];
  const pos = l.locate(path);
  return {
    code: configProblemCode(e),
    file: l.file,
    line: pos.line,
    col: pos.col,
    path: pathText(path),
    message: e instanceof Error ? e.message : String(e),
  };
}
