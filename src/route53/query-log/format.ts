/**
 * One line of a Route 53 Resolver query log (format version 1.1), from a query and the response
 * sent for it. Field names and value formats are AWS's (schema/resolver-query-log.schema.json):
 * `query_name` with the trailing dot, `query_type`/`query_class`/`rcode` as names, `srcport` as a
 * string, `answers` as `{Rdata, Type, Class}` with Rdata in presentation form, and the three
 * `firewall_*` fields when a DNS Firewall rule matched.
 */
import { RcodeName, RRType, typeName } from '../../dns/constants.js';
import { readName, skipName } from '../../dns/names.js';
import type { Verdict } from '../firewall/model.js';

/** The version string real Resolver query logs carry for format 1.1. */
export const QUERY_LOG_VERSION = '1.100000';

/** What is kept of a query until its line is written (off the query's path). */
export interface QueryLogEntry {
  /** Date.now() when the query was answered. */
  time: number;
  accountId: string;
  region: string;
  vpcId: string;
  /** Lower-case name without the final dot. */
  qname: string;
  qtype: number;
  qclass: number;
  srcaddr: string;
  srcport: number;
  transport: 'udp' | 'tcp';
  /** The response as sent. */
  response: Buffer;
  firewall: Verdict | null;
}

/** A Resolver query log line (one JSON object). */
export interface QueryLogLine {
  version: string;
  account_id: string;
  region: string;
  vpc_id: string;
  query_timestamp: string;
  query_name: string;
  query_type: string;
  query_class: string;
  rcode: string;
  answers: { Rdata: string; Type: string; Class: string }[];
  srcaddr: string;
  srcport: string;
  transport: 'UDP' | 'TCP';
  firewall_rule_action?: string;
  firewall_rule_group_id?: string;
  firewall_domain_list_id?: string;
}

const CLASS_NAMES: Record<number, string> = { 1: 'IN', 3: 'CH', 4: 'HS', 254: 'NONE', 255: 'ANY' };

function className(c: number): string {
  return CLASS_NAMES[c] ?? `CLASS${c}`;
}

/** ISO 8601 in UTC to the second, as Resolver writes it: 2021-02-04T17:51:55Z. */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** The log line of one entry. */
export function queryLogLine(e: QueryLogEntry, timestamp = isoSeconds(e.time)): QueryLogLine {
  const { rcode, answers } = answersOf(e.response);
  const line: QueryLogLine = {
    version: QUERY_LOG_VERSION,
    account_id: e.accountId,
    region: e.region,
    vpc_id: e.vpcId,
    query_timestamp: timestamp,
    query_name: `${e.qname}.`,
    query_type: typeName(e.qtype),
    query_class: className(e.qclass),
    rcode: RcodeName[rcode] ?? String(rcode),
    answers,
    srcaddr: e.srcaddr,
    srcport: String(e.srcport),
    transport: e.transport === 'udp' ? 'UDP' : 'TCP',
  };
  const f = e.firewall;
  if (f && f.kind === 'rule') {
    line.firewall_rule_action = f.action;
    line.firewall_rule_group_id = f.group.id;
    line.firewall_domain_list_id = f.list.id;
  }
  return line;
}

/**
 * The rcode and the answer records of a response, read in place: owner names are skipped, not
 * read (the log does not show them). The rcodes sent here all fit the header's four bits.
 */
function answersOf(buf: Buffer): { rcode: number; answers: QueryLogLine['answers'] } {
  const answers: QueryLogLine['answers'] = [];
  if (buf.length < 12) return { rcode: 2, answers };
  const rcode = buf[3] & 0xf;
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  let p = 12;
  for (let i = 0; i < qd && p >= 0; i++) {
    p = skipName(buf, p);
    if (p >= 0) p += 4;
  }
  for (let i = 0; i < an && p >= 0; i++) {
    p = skipName(buf, p);
    if (p < 0 || p + 10 > buf.length) break;
    const type = buf.readUInt16BE(p);
    const cls = buf.readUInt16BE(p + 2);
    const end = p + 10 + buf.readUInt16BE(p + 8);
    if (end > buf.length) break;
    answers.push({ Rdata: rdataText(buf, type, p + 10, end), Type: typeName(type), Class: className(cls) });
    p = end;
  }
  return { rcode, answers };
}

/** Presentation form of the rdata of the common types; others as RFC 3597 `\# LEN HEX`. */
export function rdataText(buf: Buffer, type: number, start: number, end: number): string {
  const len = end - start;
  const name = (at: number) => {
    const n = readName(buf, at);
    return n ? `${n.name}.` : '';
  };
  switch (type) {
    case RRType.A:
      if (len === 4) return `${buf[start]}.${buf[start + 1]}.${buf[start + 2]}.${buf[start + 3]}`;
      break;
    case RRType.AAAA:
      if (len === 16) {
        const groups: string[] = [];
        for (let i = 0; i < 16; i += 2) groups.push(buf.readUInt16BE(start + i).toString(16));
        return compressV6(groups);
      }
      break;
    case RRType.CNAME:
    case RRType.NS:
    case RRType.PTR:
      return name(start);
    case RRType.MX:
      if (len >= 3) return `${buf.readUInt16BE(start)} ${name(start + 2)}`;
      break;
    case RRType.TXT: {
      const parts: string[] = [];
      let p = start;
      while (p < end) {
        const l = buf[p];
        parts.push(`"${buf.toString('latin1', p + 1, Math.min(end, p + 1 + l)).replace(/["\\]/g, '\\$&')}"`);
        p += 1 + l;
      }
      return parts.join(' ');
    }
    case RRType.SOA: {
      const m = readName(buf, start);
      const r = m ? readName(buf, m.end) : null;
      if (m && r && r.end + 20 <= end) {
        const nums = [0, 4, 8, 12, 16].map((o) => buf.readUInt32BE(r.end + o));
        return `${m.name}. ${r.name}. ${nums.join(' ')}`;
      }
      break;
    }
    case RRType.SRV:
      if (len >= 7)
        return `${buf.readUInt16BE(start)} ${buf.readUInt16BE(start + 2)} ${buf.readUInt16BE(start + 4)} ${name(start + 6)}`;
      break;
  }
  return `\\# ${len}${len ? ` ${buf.toString('hex', start, end)}` : ''}`;
}

function compressV6(groups: string[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
