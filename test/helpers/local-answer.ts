/** Runs the access + local handlers on a query built by dns-packet, without sockets. */
import { parseConfigObject } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { clientUdpLimit, parseQuery, WireError } from '../../src/dns/query.js';
import { HealthState } from '../../src/health/state.js';
import { buildCatalog, type Catalog } from '../../src/privatelink/catalog.js';
import { AccessHandler, allowedClientTable } from '../../src/resolve/access.js';
import { Chain } from '../../src/resolve/chain.js';
import { LocalHandler } from '../../src/resolve/local.js';
import type { QueryContext } from '../../src/resolve/types.js';
import { type Decoded, decode, makeQuery, type QueryOptions } from './dns-client.js';

export interface LocalHarness {
  catalog: Catalog;
  health: HealthState;
  /** Answers like the server would; `undefined` means "not ours: forwarded". */
  ask(name: string, o?: QueryOptions & { client?: string; tcp?: boolean }): Decoded | undefined;
}

export function localHarness(config: ConfigInput): LocalHarness {
  const { config: c } = parseConfigObject(config);
  const health = new HealthState();
  health.setConfigImpaired(c.impairedAzs);
  const catalog = buildCatalog(c, health);
  health.adopt(catalog.healthEntries);
  const state = { catalog, allowed: allowedClientTable(c) };
  const chain = new Chain([new AccessHandler(() => state), new LocalHandler(() => catalog)]);
  return {
    catalog,
    health,
    ask(name, o = {}) {
      const msg = makeQuery(name, o);
      const q = parseQuery(msg);
      if (q instanceof WireError) throw new Error(q.message);
      const ctx: QueryContext = {
        msg,
        q,
        clientAddress: o.client ?? '127.0.0.1',
        clientPort: 5000,
        transport: o.tcp ? 'tcp' : 'udp',
        maxSize: o.tcp ? 65535 : clientUdpLimit(q.edns),
        view: null,
        source: 'error',
        key: '',
        group: null,
      };
      const r = chain.run(ctx);
      if (r instanceof Promise) throw new Error('local chain went async');
      return r ? decode(r) : undefined;
    },
  };
}
