/**
 * The handler contract. A query passes through the handlers in one declared order
 * (access → local → cache → forward); each returns a response, or undefined to pass it on.
 */
import type { Query } from '../dns/query.js';
import type { View } from '../privatelink/catalog.js';
import type { Verdict } from '../route53/firewall/model.js';
import type { UpstreamGroup } from '../upstream/groups.js';

export type Transport = 'udp' | 'tcp';
export type AnswerSource = 'local' | 'cache' | 'forward' | 'access' | 'error' | 'firewall';

export interface QueryContext {
  /** The raw query message. */
  msg: Buffer;
  q: Query;
  clientAddress: string;
  clientPort: number;
  transport: Transport;
  /** Largest response the transport takes (client's UDP size, or 65535 on TCP). */
  maxSize: number;
  /** The client's VPC view (set by the access handler), or null outside every VPC. */
  view: View | null;
  /** Who answered (set by the handler that answered). */
  source: AnswerSource;
  /** The forwarding key of this query ('' until the cache or forward handler computes it). */
  key: string;
  /** The forwarding rule group of this query, set with {@link key}. */
  group: UpstreamGroup | null;
  /** The DNS Firewall verdict (set by the firewall handler when a rule matched), for the query log. */
  firewall?: Verdict | null;
  /** Set when the caller has gone away (server shutting down, TCP closed). */
  signal?: AbortSignal;
}

export type HandlerResult = Buffer | null | undefined;

/** A handler answers (Buffer), drops (null) or passes to the next (undefined). */
export interface Handler {
  readonly name: string;
  handle(ctx: QueryContext): HandlerResult | Promise<HandlerResult>;
}
