/**
 * Follows a private hosted zone CNAME whose target is a public name, as a recursive resolver
 * does: the target is asked through the rest of the chain (cache, then forward, with the
 * client's view and transport), and its answer is appended to ours. The response keeps our
 * records first and takes the rcode of the target's answer (NXDOMAIN for a missing target).
 */
import { Rcode, RRClass } from '../dns/constants.js';
import { expandSection } from '../dns/expand.js';
import { encodeName } from '../dns/names.js';
import { parseQuery, WireError } from '../dns/query.js';
import { scanMessage } from '../dns/relay.js';
import { buildResponse, type RRset } from '../dns/response.js';
import type { ChaseFn, LocalAnswer } from './local.js';
import type { Handler, HandlerResult, QueryContext } from './types.js';

/** A query for `name` with the type of `q` and RD set. */
function subQuery(id: number, name: string, qtype: number): Buffer {
  const n = encodeName(name);
  const out = Buffer.alloc(12 + n.length + 4);
  out.writeUInt16BE(id, 0);
  out.writeUInt16BE(0x0100, 2); // RD
  out.writeUInt16BE(1, 4);
  n.copy(out, 12);
  out.writeUInt16BE(qtype, 12 + n.length);
  out.writeUInt16BE(RRClass.IN, 14 + n.length);
  return out;
}

async function run(handlers: readonly Handler[], ctx: QueryContext): Promise<HandlerResult> {
  for (const h of handlers) {
    const r = await h.handle(ctx);
    if (r !== undefined) return r;
  }
  return undefined;
}

/** The chase function over `handlers` (the cache and forward handlers, in chain order). */
export function chaseThrough(handlers: () => readonly Handler[]): ChaseFn {
  return async (ctx: QueryContext, a: LocalAnswer): Promise<Buffer | null> => {
    const own = (rcode: number, answer: RRset[], authority: RRset[]) =>
      buildResponse(ctx.msg, ctx.q, { rcode, answer, authority, maxSize: ctx.maxSize });
    const msg = subQuery(ctx.q.id, a.chase!, ctx.q.qtype);
    const q = parseQuery(msg);
    if (q instanceof WireError) return own(a.rcode, a.answer, a.authority);
    const sub: QueryContext = {
      ...ctx,
      msg,
      q,
      maxSize: 65535,
      source: 'error',
      key: '',
      group: null,
    };
    const reply = await run(handlers(), sub);
    if (reply === null) return null;
    const scan = reply ? scanMessage(reply) : null;
    if (!reply || !scan) return own(Rcode.SERVFAIL, [], []);
    if (scan.rcode === Rcode.SERVFAIL || scan.rcode === Rcode.REFUSED) return own(scan.rcode, [], []);
    const answer = expandSection(reply, scan.records, 0);
    const authority = expandSection(reply, scan.records, 1);
    if (!answer || !authority) return own(Rcode.SERVFAIL, [], []);
    return own(scan.rcode, answer.count ? [...a.answer, answer] : a.answer, answer.count ? [] : [authority]);
  };
}
