/**
 * First handler: who may ask, and which VPC view the client sees. Clients outside
 * `allowedClients` get REFUSED (with an Extended DNS Error when they sent EDNS) and nothing is
 * forwarded for them. Allowed clients then pass the optional per-client rate limit (UDP only:
 * TCP needs a handshake, so it cannot be spoofed, and it is where slipped clients retry).
 */

import type { Config } from '../config/schema.js';
import { EdeCode, Rcode } from '../dns/constants.js';
import { buildResponse } from '../dns/response.js';
import type { Metrics } from '../metrics/metrics.js';
import { CidrTable, parseCidr } from '../net/cidr.js';
import type { Catalog } from '../privatelink/catalog.js';
import type { RateLimiter } from './rate-limit.js';
import type { Handler, QueryContext } from './types.js';

/** Loopback, RFC 1918, RFC 4193 and link-local: the default allowed clients (plus every VPC's cidrs). */
export const DEFAULT_ALLOWED_CLIENTS = [
  '127.0.0.0/8',
  '::1/128',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  'fc00::/7',
  '169.254.0.0/16',
  'fe80::/10',
];

/** The table of allowed client ranges: `allowedClients`, or the defaults plus every VPC's cidrs. */
export function allowedClientTable(config: Config): CidrTable<true> {
  const table = new CidrTable<true>();
  const list = config.allowedClients ?? [...DEFAULT_ALLOWED_CLIENTS, ...config.vpcs.flatMap((v) => v.cidrs)];
  for (const c of list) {
    const cidr = parseCidr(c);
    if (cidr) table.add(cidr, true);
  }
  return table;
}

/** What the access handler reads per query (swapped as a whole on reload). */
export interface AccessState {
  catalog: Catalog;
  allowed: CidrTable<true>;
}

/** Optional parts of the access handler. */
export interface AccessOptions {
  /** Per-client rate limit for UDP queries (reconfigured in place on reload). */
  rateLimiter?: RateLimiter;
  /** Counts `rate_limited{action}` and `refused_clients`. */
  metrics?: Metrics;
  /**
   * `resolverLimits.packetsPerSecondPerInterface`: queries (UDP and TCP) per client address over
   * it are dropped unanswered, as the VPC resolver drops them per network interface.
   */
  packetLimiter?: RateLimiter;
}

/** The access handler: allowed clients, rate limit, then the client's VPC view. */
export class AccessHandler implements Handler {
  readonly name = 'access';
  constructor(
    private readonly state: () => AccessState,
    private readonly opts: AccessOptions = {},
  ) {}

  handle(ctx: QueryContext): Buffer | null | undefined {
    const s = this.state();
    if (!s.allowed.lookup(ctx.clientAddress)) {
      ctx.source = 'access';
      this.opts.metrics?.inc('refused_clients', {
        transport: ctx.transport,
      });
      return buildResponse(ctx.msg, ctx.q, {
        rcode: Rcode.REFUSED,
        maxSize: ctx.maxSize,
        ede: { code: EdeCode.PROHIBITED, text: 'client not in allowedClients' },
      });
    }
    const pl = this.opts.packetLimiter;
    if (pl?.enabled && !pl.allow(ctx.clientAddress)) {
      this.opts.metrics?.inc('resolver_limit_dropped', { transport: ctx.transport });
      ctx.source = 'access';
      return null;
    }
    const rl = this.opts.rateLimiter;
    if (rl?.enabled && ctx.transport === 'udp' && !rl.allow(ctx.clientAddress)) {
      const action = rl.action ?? 'refuse';
      this.opts.metrics?.inc('rate_limited', { action });
      ctx.source = 'access';
      if (action === 'drop') return null;
      if (action === 'slip') {
        return buildResponse(ctx.msg, ctx.q, { rcode: Rcode.NOERROR, maxSize: ctx.maxSize, tc: true });
      }
      return buildResponse(ctx.msg, ctx.q, {
        rcode: Rcode.REFUSED,
        maxSize: ctx.maxSize,
        ede: { code: EdeCode.OTHER, text: 'rate limit exceeded' },
      });
    }
    ctx.view = s.catalog.viewFor(ctx.clientAddress);
    return undefined;
  }
}
