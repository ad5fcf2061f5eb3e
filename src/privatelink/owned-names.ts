/**
 * Every name a catalog owns, as plain data: for `RunningServer.names()`, so that tests and
 * embedders need not reach into the catalog's lookup tables.
 */
import type { Catalog, OwnedName } from './catalog.js';
import type { NameForm } from './record-types.js';

/** One owned name. */
export interface NameInfo {
  /** The name, lower case, without the final dot; wildcards start with `*.`. */
  name: string;
  /** regional and zonal names are seen by every client; private names only inside their VPC. */
  kind: NameForm;
  wildcard: boolean;
  /** The endpoint the name belongs to (vpce-…). */
  endpoint: string;
  /** The VPC whose view holds a private name; null for regional and zonal names (everyone sees them). */
  vpc: string | null;
  /** The AZ of a zonal name. */
  az?: string;
  /**
   * The configured addresses the name answers with (A and/or AAAA, as the record types allow),
   * before health: `/v1/resolve` shows the answer of the moment.
   */
  addresses: string[];
}

function info(o: OwnedName, vpc: string | null): NameInfo {
  const ifaces = o.az ? o.endpoint.interfaces.filter((i) => i.az === o.az) : o.endpoint.interfaces;
  const addresses: string[] = [];
  if (o.a) for (const i of ifaces) if (i.ipv4) addresses.push(i.ipv4);
  if (o.aaaa) for (const i of ifaces) if (i.ipv6) addresses.push(i.ipv6);
  const out: NameInfo = {
    name: o.name,
    kind: o.form,
    wildcard: o.wildcard,
    endpoint: o.endpoint.id,
    vpc,
    addresses,
  };
  if (o.az) out.az = o.az;
  return out;
}

/**
 * Every owned name, endpoint by endpoint in config order: its regional name, its zonal names (in
 * interface order), then its private names. A name two endpoints claim is listed once, under the
 * endpoint that answers it.
 */
export function ownedNames(catalog: Catalog): NameInfo[] {
  const out: NameInfo[] = [];
  const add = (o: OwnedName | undefined, ep: Catalog['endpoints'][number], vpc: string | null) => {
    if (o && o.endpoint === ep) out.push(info(o, vpc));
  };
  const views = new Map(catalog.views.map((v) => [v.vpc.id, v]));
  for (const ep of catalog.endpoints) {
    add(catalog.publicNames.get(ep.regionalName), ep, null);
    add(catalog.publicWildcards.get(ep.regionalName), ep, null);
    for (const name of ep.zonalNames.values()) {
      add(catalog.publicNames.get(name), ep, null);
      add(catalog.publicWildcards.get(name), ep, null);
    }
    const view = views.get(ep.vpcId);
    if (!view || !ep.privateDnsActive) continue;
    for (const name of ep.privateDnsNames) {
      const o = name.startsWith('*.') ? view.wildcards.get(name.slice(2)) : view.names.get(name);
      add(o?.form === 'private' ? o : undefined, ep, ep.vpcId);
    }
  }
  return out;
}
