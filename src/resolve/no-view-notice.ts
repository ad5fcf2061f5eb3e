/**
 * Says (at info, once per client and name) when a private DNS name is forwarded because the
 * client is in no VPC view: the commonest reason a container "gets public answers". It never
 * answers; it sits between the local handler and the cache, so it sees exactly the queries
 * the catalog did not answer.
 *
 * Cost: nothing for clients inside a view or when no VPC has private names; otherwise one
 * lookup per view for the query's name, until the name has been reported for that client.
 */
import type { Logger } from 'pino';
import { troubleshooting } from '../errors/troubleshooting.js';
import type { Catalog } from '../privatelink/catalog.js';
import type { Handler, QueryContext } from './types.js';

/** Client+name pairs remembered at most; then the memory starts afresh (a few lines may repeat). */
export const NOTICE_MEMORY = 4096;

export class NoViewNotice implements Handler {
  readonly name = 'no-view-notice';
  private readonly seen = new Set<string>();

  constructor(
    private readonly catalog: () => Catalog,
    private readonly log: Logger,
  ) {}

  handle(ctx: QueryContext): undefined {
    if (ctx.view !== null || !this.log.isLevelEnabled('info')) return undefined;
    const catalog = this.catalog();
    if (catalog.views.length === 0) return undefined;
    const key = `${ctx.clientAddress} ${ctx.q.qname}`;
    if (this.seen.has(key)) return undefined;
    for (const view of catalog.views) {
      const r = catalog.lookup(ctx.q.qname, view);
      if (!r) continue;
      if (this.seen.size >= NOTICE_MEMORY) this.seen.clear();
      this.seen.add(key);
      this.log.info(
        { client: ctx.clientAddress, name: ctx.q.qname, vpc: view.vpc.id },
        `${ctx.q.qname} is a private name of ${view.vpc.id}, but client ${ctx.clientAddress} is in no VPC view (no VPC's cidrs contain it): forwarded upstream; add its range to the VPC's cidrs (see ${troubleshooting('my-container-gets-public-answers')})`,
      );
      return undefined;
    }
    return undefined;
  }
}
