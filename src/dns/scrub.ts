/**
 * Scrubbing of upstream responses before they are relayed or cached, as Unbound's scrubber does
 * for a forwarder: only records that answer the question survive.
 *
 * - **Answer**: records owned by the question name or a name on its CNAME/DNAME chain (followed
 *   from the question in any order), and DNAME records above such a name.
 * - **Authority**: NS and SOA only at or above a name of the chain (the zone the answer comes
 *   from); other types (NSEC, NSEC3, DS, RRSIG) only in that zone; never CNAME, DNAME, A, AAAA.
 * - **Additional**: A/AAAA only for the targets of the NS records kept; other types only in the
 *   zone; never CNAME, DNAME, NS. The OPT record is kept (the relay replaces it).
 * - Records whose owner `owned` says is ours are dropped in every section.
 * - TTLs above `maxTtl` are lowered to it.
 *
 * When nothing is dropped and no TTL is lowered, the reply and its scan are returned as they are
 * (the common case costs a pass over the scan, no copy). Otherwise the message is re-encoded:
 * removing records would break compression pointers into them, so every record kept is written
 * with its names decompressed (owner, and the names inside the RDATA of the types that may be
 * compressed, RFC 3597 §4), letter case kept.
 */
import { Flag, HEADER_SIZE, RRType } from './constants.js';
import { readName } from './names.js';
import { type ScannedMessage, type ScannedRecord, scanMessage } from './relay.js';

export interface ScrubOptions {
  /** True for a (lower-case) name whose records are never relayed: a name we own. */
  owned: ((name: string) => boolean) | null;
  /** Record TTLs above this are lowered to it (seconds). */
  maxTtl: number;
}

export interface Scrubbed {
  reply: Buffer;
  scan: ScannedMessage;
  /** Records left out. */
  dropped: number;
}

const DNAME = 39;
const RRSIG = 46;

/** True when `anc` is `name` or one of its ancestors (lower-case presentation names). */
export function atOrAbove(anc: string, name: string): boolean {
  if (anc === '') return true;
  if (name.length === anc.length) return name === anc;
  return (
    name.length > anc.length && name.charCodeAt(name.length - anc.length - 1) === 0x2e && name.endsWith(anc)
  );
}

function onChain(chain: string[], name: string): boolean {
  for (let i = 0; i < chain.length; i++) if (chain[i] === name) return true;
  return false;
}

function aboveChain(chain: string[], name: string): boolean {
  for (let i = 0; i < chain.length; i++) if (atOrAbove(name, chain[i])) return true;
  return false;
}

/**
 * The names of the chain from the question: the question name, then every CNAME target (and
 * DNAME synthesis) reachable from it through the answer section.
 */
function chainOf(reply: Buffer, scan: ScannedMessage): string[] {
  const chain = [scan.qname];
  if (scan.qtype === RRType.CNAME) return chain;
  const recs = scan.records;
  let grown = true;
  while (grown && chain.length <= recs.length) {
    grown = false;
    const last = chain[chain.length - 1];
    for (let i = 0; i < recs.length && recs[i].section === 0; i++) {
      const r = recs[i];
      let next: string | null = null;
      if (r.type === RRType.CNAME && r.name === last) {
        const t = readName(reply, r.rdataStart);
        if (t) next = t.name;
      } else if (r.type === DNAME && r.name !== last && atOrAbove(r.name, last) && scan.qtype !== DNAME) {
        const t = readName(reply, r.rdataStart);
        if (t) {
          const prefix = last.slice(0, last.length - r.name.length - (r.name === '' ? 0 : 1));
          next = t.name === '' ? prefix : `${prefix}.${t.name}`;
        }
      }
      if (next !== null && !onChain(chain, next)) {
        chain.push(next);
        grown = true;
        break;
      }
    }
  }
  return chain;
}

/** Whether record `r` stays (before the additional-section NS target check). */
function keepRecord(r: ScannedRecord, chain: string[], zone: string | null): boolean {
  const t = r.type;
  if (r.section === 0) {
    if (onChain(chain, r.name)) return true;
    return (t === DNAME || t === RRSIG) && aboveChain(chain, r.name);
  }
  if (t === RRType.CNAME || t === DNAME) return false;
  if (r.section === 1) {
    if (t === RRType.A || t === RRType.AAAA) return false;
    if (t === RRType.NS || t === RRType.SOA) return aboveChain(chain, r.name);
    return aboveChain(chain, r.name) || (zone !== null && atOrAbove(zone, r.name));
  }
  if (t === RRType.NS) return false;
  return zone !== null && atOrAbove(zone, r.name);
}

/**
 * Scrubs a scanned upstream response (see the module comment). Returns the input itself when
 * nothing changes; otherwise a re-encoded message and its scan.
 */
export function scrubResponse(reply: Buffer, scan: ScannedMessage, opts: ScrubOptions): Scrubbed {
  const recs = scan.records;
  const n = recs.length;
  if (n === 0) return { reply, scan, dropped: 0 };
  const chain = chainOf(reply, scan);
  // The zone the answer comes from: the deepest SOA/NS owner in the authority section at or
  // above a name of the chain.
  let zone: string | null = null;
  for (let i = 0; i < n; i++) {
    const r = recs[i];
    if (r.section !== 1 || (r.type !== RRType.SOA && r.type !== RRType.NS)) continue;
    if (aboveChain(chain, r.name) && (zone === null || r.name.length > zone.length)) zone = r.name;
  }
  const owned = opts.owned;
  let keep: Uint8Array | null = null;
  let dropped = 0;
  let capped = false;
  let nsTargets: string[] | null = null;
  for (let i = 0; i < n; i++) {
    const r = recs[i];
    if (i === scan.opt) continue;
    let ok: boolean;
    if (r.section === 2 && (r.type === RRType.A || r.type === RRType.AAAA)) {
      if (nsTargets === null) nsTargets = targetsOfNs(reply, recs, chain, owned);
      ok = onChain(nsTargets, r.name);
    } else ok = keepRecord(r, chain, zone);
    if (ok && owned?.(r.name)) ok = false;
    if (!ok) {
      if (keep === null) keep = new Uint8Array(n).fill(1);
      keep[i] = 0;
      dropped++;
    } else if (r.ttl > opts.maxTtl) capped = true;
  }
  if (keep === null && !capped) return { reply, scan, dropped: 0 };
  if (keep === null) return capTtls(reply, scan, opts.maxTtl);
  const out = reencode(reply, scan, keep, opts.maxTtl);
  const outScan = out ? scanMessage(out) : null;
  if (!out || !outScan) return { reply, scan, dropped: 0 };
  return { reply: out, scan: outScan, dropped };
}

/** Target names of the NS records that stay (answer at a chain name, authority above one). */
function targetsOfNs(
  reply: Buffer,
  recs: ScannedRecord[],
  chain: string[],
  owned: ((name: string) => boolean) | null,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i];
    if (r.type !== RRType.NS || r.section === 2) continue;
    if (r.section === 0 ? !onChain(chain, r.name) : !aboveChain(chain, r.name)) continue;
    if (owned?.(r.name)) continue;
    const t = readName(reply, r.rdataStart);
    if (t) out.push(t.name);
  }
  return out;
}

/** A copy with TTLs above `maxTtl` lowered (no record dropped: the layout stays). */
function capTtls(reply: Buffer, scan: ScannedMessage, maxTtl: number): Scrubbed {
  const out = Buffer.from(reply);
  const records = scan.records.map((r, i) => {
    if (i === scan.opt || r.ttl <= maxTtl) return r;
    out.writeUInt32BE(maxTtl, r.ttlOffset);
    return { ...r, ttl: maxTtl };
  });
  return { reply: out, scan: { ...scan, records }, dropped: 0 };
}

/** Largest message written; what would not fit is left out (TC set when it is an answer or authority record). */
const MAX_MESSAGE = 65535;
let scratch: Buffer | null = null;

/**
 * Writes the (possibly compressed) name at `off` of `src` uncompressed into `dst` at `pos`.
 * Returns the end in `dst`, or -1 when the name is malformed or does not fit.
 */
function writeName(src: Buffer, off: number, dst: Buffer, pos: number, limit: number): number {
  let p = off;
  let lowest = off;
  let hops = 0;
  let wire = 0;
  for (;;) {
    if (p >= src.length) return -1;
    const len = src[p];
    if (len === 0) {
      if (pos >= limit) return -1;
      dst[pos++] = 0;
      return pos;
    }
    if ((len & 0xc0) === 0xc0) {
      if (p + 1 >= src.length) return -1;
      const ptr = ((len & 0x3f) << 8) | src[p + 1];
      if (ptr >= lowest || ptr < HEADER_SIZE || ++hops > 64) return -1;
      lowest = ptr;
      p = ptr;
      continue;
    }
    if ((len & 0xc0) !== 0) return -1;
    wire += len + 1;
    if (wire > 254 || p + 1 + len > src.length || pos + 1 + len > limit) return -1;
    src.copy(dst, pos, p, p + 1 + len);
    pos += 1 + len;
    p += 1 + len;
  }
}

/** End of the (possibly compressed) name at `off` in place, or -1. */
function skipName(src: Buffer, off: number, end: number): number {
  let p = off;
  while (p < end) {
    const len = src[p];
    if (len === 0) return p + 1;
    if ((len & 0xc0) === 0xc0) return p + 2 <= end ? p + 2 : -1;
    if ((len & 0xc0) !== 0) return -1;
    p += len + 1;
  }
  return -1;
}

/** RDATA layout of the types whose names may be compressed: [bytes before the first name, names]. */
function rdataNames(type: number): [number, number] | null {
  switch (type) {
    case RRType.NS:
    case RRType.CNAME:
    case RRType.PTR:
    case DNAME:
    case 3: // MD
    case 4: // MF
    case 7: // MB
    case 8: // MG
    case 9: // MR
      return [0, 1];
    case RRType.SOA:
    case 14: // MINFO
    case 17: // RP
      return [0, 2];
    case RRType.MX:
    case 18: // AFSDB
    case 21: // RT
    case 36: // KX
      return [2, 1];
    case RRType.SRV:
      return [6, 1];
    default:
      return null;
  }
}

/** Writes the records `keep` marks (OPT last), names decompressed; null when one is malformed. */
function reencode(reply: Buffer, scan: ScannedMessage, keep: Uint8Array, maxTtl: number): Buffer | null {
  if (scratch === null) scratch = Buffer.allocUnsafe(MAX_MESSAGE);
  const out = scratch;
  const recs = scan.records;
  reply.copy(out, 0, 0, scan.questionEnd);
  let pos = scan.questionEnd;
  const counts = [0, 0, 0];
  let tc = false;
  // Room for the OPT record, written last as it is.
  const optLen = scan.opt >= 0 ? recs[scan.opt].end - recs[scan.opt].start : 0;
  const limit = MAX_MESSAGE - optLen;
  for (let i = 0; i < recs.length; i++) {
    if (keep[i] === 0 || i === scan.opt) continue;
    const r = recs[i];
    const start = pos;
    const p = writeName(reply, r.start, out, pos, limit);
    if (p < 0 || p + 10 > limit) {
      // The owner name was checked by the scan: it did not fit.
      if (r.section !== 2) tc = true;
      break;
    }
    pos = p;
    const fixed = r.ttlOffset - 4; // type, class
    reply.copy(out, pos, fixed, fixed + 4);
    out.writeUInt32BE(Math.min(r.ttl, maxTtl), pos + 4);
    const rdlenAt = pos + 8;
    pos += 10;
    const layout = rdataNames(r.type);
    let q = r.rdataStart;
    let fits = true;
    if (layout) {
      const [lead, names] = layout;
      if (q + lead > r.end || pos + lead > limit) fits = false;
      else {
        reply.copy(out, pos, q, q + lead);
        pos += lead;
        q += lead;
        for (let k = 0; k < names && fits; k++) {
          const e = skipName(reply, q, r.end);
          if (e < 0) return null;
          const w = writeName(reply, q, out, pos, limit);
          if (w < 0) fits = false;
          else {
            pos = w;
            q = e;
          }
        }
      }
    }
    if (fits && pos + (r.end - q) <= limit) {
      reply.copy(out, pos, q, r.end);
      pos += r.end - q;
    } else fits = false;
    if (!fits) {
      pos = start;
      if (r.section !== 2) tc = true;
      break;
    }
    out.writeUInt16BE(pos - rdlenAt - 2, rdlenAt);
    counts[r.section]++;
  }
  if (scan.opt >= 0) {
    const o = recs[scan.opt];
    reply.copy(out, pos, o.start, o.end);
    pos += optLen;
    counts[2]++;
  }
  out.writeUInt16BE(counts[0], 6);
  out.writeUInt16BE(counts[1], 8);
  out.writeUInt16BE(counts[2], 10);
  if (tc) out.writeUInt16BE(out.readUInt16BE(2) | Flag.TC, 2);
  return Buffer.from(out.subarray(0, pos));
}
