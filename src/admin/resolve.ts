/**
 * `GET /v1/resolve`: what the server would answer a client, and why. It walks the same steps as
 * the handler chain (access → view → owned names → forward) and answers owned names with the same
 * function the local handler uses, so the explanation cannot drift from real answers. Like a real
 * query, an answer from an endpoint's pool advances its round robin by one step.
 */
import { isIP } from 'node:net';
import { parseType, RcodeName, RRClass, RRType, typeName } from '../dns/constants.js';
import { normaliseName, readName, skipName } from '../dns/names.js';
import type { RRset } from '../dns/response.js';
import { formatAddress } from '../net/cidr.js';
import type { Catalog, LookupResult, WithheldName } from '../privatelink/catalog.js';
import type { NameForm } from '../privatelink/record-types.js';
import { UNCONFIRMED } from '../privatelink/service-kinds.js';
import { allowedClientTable } from '../resolve/access.js';
import { answerOwned } from '../resolve/local.js';
import { verdictSentence, verdictView } from '../route53/firewall/view.js';
import type { AdminContext } from './context.js';
import { AdminError } from './errors.js';

/** One record of an explained answer. */
export interface ExplainedRecord {
  name: string;
  type: string;
  ttl: number;
  /** The address (A/AAAA), or the record's target for SOA/NS. */
  data: string;
}

/** An interface of the matched endpoint and whether it is in the answer. */
export interface ExplainedInterface {
  az: string;
  eniId: string;
  addresses: string[];
  healthy: boolean;
  reason: string;
  inAnswer: boolean;
}

/** The body of `GET /v1/resolve`. */
export interface Explanation {
  question: { name: string; type: string; client: string };
  client: { allowed: boolean; view: string | null };
  /**
   * local = answered from the catalog; forwarded = sent upstream; refused = client not allowed;
   * firewall = answered by a DNS Firewall BLOCK (or SERVFAIL while it fails closed).
   */
  outcome: 'local' | 'forwarded' | 'refused' | 'firewall';
  /** The DNS Firewall verdict, when the client's VPC has rule groups (null: no rule matched). */
  firewall?: Record<string, unknown> | null;
  /** True when the client is over resolverLimits.packetsPerSecondPerInterface right now. */
  throttled?: boolean;
  /** The rcode of a local answer (null when forwarded: the upstream decides). */
  rcode: string | null;
  answer: ExplainedRecord[];
  authority: ExplainedRecord[];
  match: {
    endpoint: string | null;
    vpc: string | null;
    service: string | null;
    form: NameForm | null;
    /** The owned name that matched (a wildcard like *.s3.… when it matched through one). */
    name: string | null;
    wildcard: boolean;
    az: string | null;
    zone: string | null;
  } | null;
  /** The private hosted zone that answered (Route 53 records), or null. */
  hostedZone: { name: string; id: string; vpcs: string[] } | null;
  /** A CNAME target outside our names that the forwarder resolves for the rest of the chain. */
  chase: string | null;
  interfaces: ExplainedInterface[];
  /** Interfaces left out of the answer because they are unhealthy. */
  leftOut: ExplainedInterface[];
  whenAllUnhealthy: 'fail-open' | 'servfail' | null;
  /** The reasoning, one sentence per step. */
  explanation: string[];
  /**
   * Choices this answer rests on that AWS does not document (cross-Region and region-less names,
   * resource endpoint names, inbound-only private DNS …), one sentence each; [] when none.
   */
  unconfirmed: string[];
}

/** Decodes the records of pre-encoded RRsets (owners are either a pointer to the question or a full name). */
export function decodeRRsets(sets: readonly RRset[], qname: string): ExplainedRecord[] {
  const out: ExplainedRecord[] = [];
  for (const set of sets) {
    const b = set.bytes;
    let off = 0;
    for (let n = 0; n < set.count && off < b.length; n++) {
      const pointer = (b[off] & 0xc0) === 0xc0;
      const owner = pointer ? qname : (readName(b, off)?.name ?? '?');
      off = skipName(b, off);
      if (off < 0) return out;
      const type = b.readUInt16BE(off);
      const ttl = b.readUInt32BE(off + 4);
      const len = b.readUInt16BE(off + 8);
      const rdata = b.subarray(off + 10, off + 10 + len);
      off += 10 + len;
      let data: string;
      if (type === RRType.A) data = [...rdata].join('.');
      else if (type === RRType.AAAA) data = formatAddress(rdata);
      else if (type === RRType.NS || type === RRType.SOA || type === RRType.CNAME || type === RRType.PTR)
        data = readName(rdata, 0)?.name ?? '';
      else if (type === RRType.MX && rdata.length > 2)
        data = `${rdata.readUInt16BE(0)} ${readName(rdata, 2)?.name ?? ''}`;
      else data = rdata.toString('hex');
      out.push({ name: owner, type: typeName(type), ttl, data });
    }
  }
  return out;
}

function validName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  return name.split('.').every((l) => l.length > 0 && l.length <= 63);
}

/** Explains the answer to `name`/`type` for `client`. Throws {@link AdminError} for bad parameters. */
export function explain(ctx: AdminContext, params: URLSearchParams): Explanation {
  const rawName = params.get('name');
  if (rawName === null || rawName.trim() === '') {
    throw new AdminError(
      400,
      'bad_query',
      'give the name to resolve: /v1/resolve?name=…[&type=A][&client=IP]',
    );
  }
  const qname = normaliseName(rawName.trim());
  if (!validName(qname)) {
    throw new AdminError(400, 'bad_query', `name "${rawName}" is not a valid DNS name`);
  }
  const typeText = params.get('type') ?? 'A';
  const qtype = parseType(typeText);
  if (qtype === undefined) {
    throw new AdminError(
      400,
      'bad_query',
      `type "${typeText}" is not a DNS record type (e.g. A, AAAA, ANY, TYPE65)`,
    );
  }
  const client = params.get('client') ?? '127.0.0.1';
  if (!isIP(client)) {
    throw new AdminError(400, 'bad_query', `client "${client}" is not an IP address`);
  }
  for (const k of params.keys()) {
    if (k !== 'name' && k !== 'type' && k !== 'client') {
      throw new AdminError(400, 'bad_query', `unknown parameter "${k}" (known: name, type, client)`);
    }
  }

  const catalog = ctx.catalog();
  const config = ctx.config();
  const ex: Explanation = {
    question: { name: qname, type: typeName(qtype), client },
    client: { allowed: true, view: null },
    outcome: 'local',
    rcode: null,
    answer: [],
    authority: [],
    match: null,
    hostedZone: null,
    chase: null,
    interfaces: [],
    leftOut: [],
    whenAllUnhealthy: null,
    explanation: [],
    unconfirmed: [],
  };
  const say = (s: string) => ex.explanation.push(s);

  if (!allowedClientTable(config).lookup(client)) {
    ex.client.allowed = false;
    ex.outcome = 'refused';
    ex.rcode = 'REFUSED';
    say(`client ${client} is not in allowedClients: REFUSED, nothing is forwarded for it`);
    return ex;
  }
  const view = catalog.viewFor(client);
  ex.client.view = view?.vpc.id ?? null;
  say(
    view?.inbound
      ? `client ${client} reaches ${view.vpc.id} through a Resolver inbound endpoint (inboundResolverCidrs: its private DNS names apply, inbound-only ones included)`
      : view
        ? `client ${client} is inside ${view.vpc.id} (its private DNS names apply)`
        : `client ${client} is in no VPC view`,
  );

  if (ctx.throttled?.(client)) {
    ex.throttled = true;
    say(
      `client ${client} is over resolverLimits.packetsPerSecondPerInterface right now: its queries are dropped unanswered (as the VPC resolver drops them past 1,024 packets/s per interface)`,
    );
  }
  // The DNS Firewall comes before every other answer (AWS: it filters private hosted zone and
  // VPC endpoint names too). evaluate() counts nothing; only real queries do.
  const fw = ctx.firewall?.() ?? null;
  if (fw && view && fw.byVpc.has(view.vpc.id)) {
    const v = fw.evaluate(view.vpc.id, qname, qtype);
    ex.firewall = v ? verdictView(v) : null;
    say(verdictSentence(v, view.vpc.id, qname));
    if (v?.kind === 'fail-closed') {
      ex.outcome = 'firewall';
      ex.rcode = 'SERVFAIL';
      return ex;
    }
    if (v?.kind === 'rule' && v.action === 'BLOCK') {
      ex.outcome = 'firewall';
      ex.rcode = v.blockResponse === 'NXDOMAIN' ? 'NXDOMAIN' : 'NOERROR';
      if (v.blockResponse === 'OVERRIDE' && v.overrideDomain)
        ex.answer = [{ name: qname, type: 'CNAME', ttl: v.overrideTtl, data: v.overrideDomain }];
      return ex;
    }
  }

  const r = catalog.lookup(qname, view);
  if (!r) {
    ex.outcome = 'forwarded';
    const elsewhere = catalog.views
      .filter((v) => v !== view)
      .map((v) => ({ v, r: catalog.lookup(qname, v) }))
      .find((x) => x.r !== null);
    const held = withheldFor(catalog.withheld, qname);
    if (held) {
      say(`${qname}: ${held.reason}`);
      ex.unconfirmed = (held.endpoint.unconfirmed ?? []).map((k) => UNCONFIRMED[k]);
    } else if (elsewhere) {
      say(
        `${qname} is private to ${elsewhere.v.vpc.id}; outside that VPC it resolves publicly, so it is forwarded upstream`,
      );
    } else {
      say(`${qname} is not an owned name: forwarded upstream`);
    }
    return ex;
  }

  const trace: string[] = [];
  const a = answerOwned(r, qtype, RRClass.IN, qname, view, trace);
  ex.rcode = RcodeName[a.rcode] ?? String(a.rcode);
  ex.answer = decodeRRsets(a.answer, qname);
  ex.authority = decodeRRsets(a.authority, qname);
  if (r.kind === 'phz') {
    const z = r.zone;
    ex.hostedZone = { name: z.name, id: z.id, vpcs: z.vpcs };
    ex.match = {
      endpoint: null,
      vpc: view?.vpc.id ?? null,
      service: null,
      form: null,
      name: null,
      wildcard: false,
      az: null,
      zone: z.name,
    };
    ex.chase = a.chase ?? null;
    say(
      `the most specific private hosted zone of ${view?.vpc.id} holding ${qname} is ${z.name} (${z.id}): it alone decides the answer`,
    );
    for (const t of trace) say(t);
    return ex;
  }
  describeMatch(ctx, ex, r, qname);
  if (ex.rcode === 'NOERROR' && ex.answer.length === 0 && r.kind !== 'nxdomain') {
    say(`no ${typeName(qtype)} records at this name: NODATA (NOERROR, SOA in the authority section)`);
  }
  return ex;
}

/** The withheld private name `qname` falls under (itself or an ancestor), if any. */
function withheldFor(map: Catalog['withheld'], qname: string): WithheldName | undefined {
  if (!map?.size) return undefined;
  let name = qname;
  for (;;) {
    const w = map.get(name);
    if (w) return w;
    const dot = name.indexOf('.');
    if (dot < 0) return undefined;
    name = name.slice(dot + 1);
  }
}

function describeMatch(
  ctx: AdminContext,
  ex: Explanation,
  r: NonNullable<LookupResult>,
  qname: string,
): void {
  const say = (s: string) => ex.explanation.push(s);
  if (r.kind === 'phz') return;
  if (r.kind !== 'name') {
    ex.match = {
      endpoint: null,
      vpc: null,
      service: null,
      form: null,
      name: null,
      wildcard: false,
      az: null,
      zone: r.zone.apex,
    };
  }
  if (r.kind === 'nxdomain') {
    say(
      `${qname} is under the private hosted zone ${r.zone.apex}, which has no such name: NXDOMAIN (never forwarded)`,
    );
    return;
  }
  if (r.kind === 'apex') {
    say(`${qname} is the apex of the private hosted zone ${r.zone.apex}`);
    return;
  }
  const o = r.owned;
  const ep = o.endpoint;
  ex.match = {
    endpoint: ep.id,
    vpc: ep.vpcId,
    service: ep.service.name,
    form: o.form,
    name: o.name,
    wildcard: o.wildcard,
    az: o.az ?? null,
    zone: o.zone.apex,
  };
  ex.whenAllUnhealthy = ep.whenAllUnhealthy;
  ex.unconfirmed = (ep.unconfirmed ?? []).map((k) => UNCONFIRMED[k]);
  if (ep.serviceRegion) say(`${ep.id} is a cross-Region endpoint to ${ep.serviceRegion}`);
  const via = o.wildcard ? ` through the wildcard ${o.name}` : '';
  say(`${qname} is the ${o.form} name of ${ep.id} (${ep.service.name}, ${ep.vpcId})${via}`);

  const inAnswer = new Set(ex.answer.map((x) => x.data));
  ex.interfaces = ep.interfaces.map((itf) => {
    const v = ctx.health.view(itf.healthKey);
    const addresses = [itf.ipv4, itf.ipv6].filter((x): x is string => !!x);
    return {
      az: itf.az,
      eniId: itf.eniId,
      addresses,
      healthy: v.healthy,
      reason: v.reason,
      inAnswer: addresses.some((x) => inAnswer.has(x)),
    };
  });
  if (ex.answer.length === 0 && ex.rcode === 'NOERROR') return;

  if (o.form === 'zonal') {
    const own = ex.interfaces.find((i) => i.az === o.az);
    if (own && !own.healthy) {
      say(
        `the ${o.az} interface is unhealthy (${own.reason}) but zonal names never fail over: it is answered anyway`,
      );
    } else {
      say(`zonal names answer with their own AZ's interface only (${o.az})`);
    }
    return;
  }
  const healthy = ex.interfaces.filter((i) => i.healthy);
  if (healthy.length === 0) {
    if (ep.whenAllUnhealthy === 'servfail') {
      say(`no interface of ${ep.id} is healthy and whenAllUnhealthy is servfail: SERVFAIL`);
    } else {
      say(
        `no interface of ${ep.id} is healthy: failing open, every interface is answered (whenAllUnhealthy: fail-open)`,
      );
    }
    return;
  }
  ex.leftOut = ex.interfaces.filter((i) => !i.healthy);
  for (const i of ex.leftOut) say(`left out ${i.az} (${i.addresses.join(', ')}): ${i.reason}`);
  say(
    `answered with the ${healthy.length} healthy interface(s), rotated by round robin: consecutive queries put a different one first`,
  );
}
