/**
 * The response relay shared by the cache and the forward handler: an upstream reply (fresh, or
 * from the cache) becomes the response for this client, with its CNAME chain completed from our
 * records when it reaches a name we own in the client's view (as Route 53 Resolver does for
 * private hosted zones).
 */
import { RRType } from '../../dns/constants.js';
import { encodeName, readName } from '../../dns/names.js';
import { withOwner } from '../../dns/records.js';
import { relayResponse, type ScannedMessage } from '../../dns/relay.js';
import { buildResponse, type RRset } from '../../dns/response.js';
import { scrubResponse } from '../../dns/scrub.js';
import type { Catalog, LookupResult } from '../../privatelink/catalog.js';
import { answerOwned } from '../local.js';
import type { QueryContext } from '../types.js';

/** No TTL cap (the reply was capped when it arrived). */
const MAX_TTL_ANY = 0xffff_ffff;

/**
 * Turns an upstream reply (fresh, or from the cache aged `age` seconds) into the response for
 * this client: the CNAME chain completed from our records when it reaches a name we own in the
 * client's view, else the reply relayed as it is.
 */
export function respond(
  ctx: QueryContext,
  reply: Buffer,
  scan: ScannedMessage,
  age: number,
  catalog: Catalog,
): Buffer {
  if (ctx.q.qtype !== RRType.CNAME && (catalog.endpoints.length > 0 || catalog.hostedZones.length > 0)) {
    const done = completeChain(ctx, reply, scan, age, catalog);
    if (done) return done;
  }
  const view = ctx.view;
  if (view !== null && catalog.endpoints.length > 0) {
    // The reply was scrubbed of names every client sees as ours when it arrived; names only
    // this client's VPC owns (private DNS names) go here, per client.
    const s = scrubResponse(reply, scan, {
      owned: (name) => catalog.lookup(name, view) !== null,
      maxTtl: MAX_TTL_ANY,
    });
    return relayResponse(s.reply, s.scan, ctx.msg, ctx.q, ctx.maxSize, undefined, age);
  }
  return relayResponse(reply, scan, ctx.msg, ctx.q, ctx.maxSize, undefined, age);
}

/**
 * Completes a CNAME chain whose target is a name we own in the client's view: the upstream's
 * answer records up to that CNAME (kept in place, so their compression pointers stay valid),
 * then our answer for the target. Null when the chain does not reach an owned name.
 */
export function completeChain(
  ctx: QueryContext,
  reply: Buffer,
  scan: ScannedMessage,
  age: number,
  catalog: Catalog,
): Buffer | null {
  const recs = scan.records;
  let name = scan.qname;
  let k = -1;
  let owned: LookupResult = null;
  let target = '';
  for (let i = 0; i < recs.length && recs[i].section === 0; i++) {
    const r = recs[i];
    if (r.type !== RRType.CNAME || r.name !== name) continue;
    const t = readName(reply, r.rdataStart);
    if (!t) return null;
    owned = catalog.lookup(t.name, ctx.view);
    if (owned) {
      k = i;
      target = t.name;
      break;
    }
    name = t.name;
  }
  if (k < 0 || !owned) return null;
  const prefixEnd = recs[k].end;
  let prefix = reply.subarray(scan.questionEnd, prefixEnd);
  if (age > 0) {
    prefix = Buffer.from(prefix);
    for (let i = 0; i <= k; i++) {
      const r = recs[i];
      prefix.writeUInt32BE(r.ttl > age ? r.ttl - age : 0, r.ttlOffset - scan.questionEnd);
    }
  }
  const local = answerOwned(owned, ctx.q.qtype, ctx.q.qclass, target, ctx.view);
  const owner = encodeName(target);
  const answer: RRset[] = [{ bytes: prefix, count: k + 1 }];
  for (const set of local.answer) answer.push(withOwner(set, owner));
  ctx.source = 'forward';
  return buildResponse(ctx.msg, ctx.q, {
    rcode: local.rcode,
    answer,
    authority: local.authority,
    maxSize: ctx.maxSize,
  });
}
