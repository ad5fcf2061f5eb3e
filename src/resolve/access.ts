/**
 * First handler: who may ask, and which VPC view the client sees. Clients outside
 * `allowedClients` get REFUSED (with an Extended DNS Error when they sent EDNS) and nothing is
 * forwarded for them.
 */

import type { Config } from '../config/schema.js';
import { EdeCode, Rcode } from '../dns/constants.js';
import { buildResponse } from '../dns/wire.js';
import { CidrTable, parseCidr } from '../net/cidr.js';
import type { Catalog } from '../privatelink/catalog.js';
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

export function allowedClientTable(config: Config): CidrTable<true> {
  const table = new CidrTable<true>();
  const list = config.allowedClients ?? [...DEFAULT_ALLOWED_CLIENTS, ...config.vpcs.flatMap((v) => v.cidrs)];
  for (const c of list) {
    const cidr = parseCidr(c);
    if (cidr) table.add(cidr, true);
  }
  return table;
}

export interface AccessState {
  catalog: Catalog;
  allowed: CidrTable<true>;
}

export class AccessHandler implements Handler {
  readonly name = 'access';
  constructor(private readonly state: () => AccessState) {}

  handle(ctx: QueryContext): Buffer | undefined {
    const s = this.state();
    if (!s.allowed.lookup(ctx.clientAddress)) {
      ctx.source = 'access';
      return buildResponse(ctx.msg, ctx.q, {
        rcode: Rcode.REFUSED,
        maxSize: ctx.maxSize,
        ede: { code: EdeCode.PROHIBITED, text: 'client not in allowedClients' },
      });
    }
    ctx.view = s.catalog.viewFor(ctx.clientAddress);
    return undefined;
  }
}
