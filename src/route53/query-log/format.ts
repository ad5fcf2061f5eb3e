/**
 * One line of a Route 53 Resolver query log (format version 1.1), from a query and the response
 * sent for it. Field names and value formats are AWS's (schema/resolver-query-log.schema.json):
 * `query_name` with the trailing dot, `query_type`/`query_class`/`rcode` as names, `srcport` as a
 * string, `answers` as `{Rdata, Type, Class}` with Rdata in presentation form, and the three
 * `firewall_*` fields when a DNS Firewall rule matched.
 *
 * {@link LineEncoder} writes the line as bytes, the way the writer does it: the constant parts
 * encoded once (per VPC, query type, rcode, answer type, rule), the rest written byte by byte
 * and JSON-escaped only when a string needs it. {@link queryLogLine} is the same line as an
 * object: what `JSON.stringify` of it gives is what the encoder must write, byte for byte
 * (test/query-log/format.test.ts).
 */
import { RcodeName, RRType, typeName } from '../../dns/constants.js';
import { readName, skipName } from '../../dns/names.js';
import { formatAddress } from '../../net/cidr.js';
import type { CompiledRule, Verdict } from '../firewall/model.js';

/** The version string real Resolver query logs carry for format 1.1. */
export const QUERY_LOG_VERSION = '1.100000';

/** The fields every line of one VPC starts with, and their JSON, encoded once. */
export interface LineHead {
  accountId: string;
  region: string;
  vpcId: string;
  /** `{"version":"1.100000",…,"vpc_id":"…","query_timestamp":"` */
  bytes: Buffer;
}

/** The head of the lines of a VPC. */
export function lineHead(accountId: string, region: string, vpcId: string): LineHead {
  const j = JSON.stringify;
  const text = `{"version":${j(QUERY_LOG_VERSION)},"account_id":${j(accountId)},"region":${j(region)},"vpc_id":${j(vpcId)},"query_timestamp":"`;
  return { accountId, region, vpcId, bytes: Buffer.from(text, 'utf8') };
}

/** What is kept of a query until its line is written (off the query's path). */
export interface QueryLogEntry {
  /** Date.now() when the query was answered. */
  time: number;
  /** The VPC's fields (and the account's). */
  head: LineHead;
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
    account_id: e.head.accountId,
    region: e.head.region,
    vpc_id: e.head.vpcId,
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
  walkAnswers(buf, (b, type, cls, start, end) =>
    answers.push({ Rdata: rdataText(b, type, start, end), Type: typeName(type), Class: className(cls) }),
  );
  return { rcode: buf[3] & 0xf, answers };
}

/**
 * Calls `visit` for each whole answer record of a response (at least 12 bytes), read in place:
 * owner names are skipped, not read; the walk stops at the first record that runs past the end.
 */
function walkAnswers(
  buf: Buffer,
  visit: (buf: Buffer, type: number, cls: number, start: number, end: number, index: number) => void,
): void {
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
    const end = p + 10 + buf.readUInt16BE(p + 8);
    if (end > buf.length) break;
    visit(buf, buf.readUInt16BE(p), buf.readUInt16BE(p + 2), p + 10, end, i);
    p = end;
  }
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
      if (len === 16) return formatAddress(buf.subarray(start, end));
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

const JSON_BYTES = (text: string) => Buffer.from(text, 'utf8');
const QUERY_NAME = JSON_BYTES('","query_name":"');
const RDATA = JSON_BYTES('{"Rdata":"');
const SRCADDR = JSON_BYTES('],"srcaddr":"');
const SRCPORT = JSON_BYTES('","srcport":"');
const UDP_END = JSON_BYTES('","transport":"UDP"');
const TCP_END = JSON_BYTES('","transport":"TCP"');
const LINE_END = JSON_BYTES('}\n');

/** Bytes of a new buffer of the encoder (more when one line needs it). */
const ENCODER_BUFFER = 256 * 1024;

/**
 * Writes query log lines as bytes, one after the other into a buffer: byte for byte
 * `JSON.stringify(queryLogLine(e))` and a newline per {@link line}. The bytes in
 * `buf[base, pos)` are the lines not yet taken; {@link take} hands out a run of them (a view of
 * the buffer that is never written again), and a full buffer is replaced by a new one that
 * starts with the bytes not yet taken.
 */
export class LineEncoder {
  buf: Buffer = Buffer.alloc(0);
  pos = 0;
  /** Where the bytes not yet taken start. */
  base = 0;
  /** Where the last line written starts. */
  lineStart = 0;
  /** `","query_type":"A","query_class":"IN","rcode":"` per type and class. */
  private readonly questions = new Map<number, Buffer>();
  /** `NOERROR","answers":[` per rcode. */
  private readonly rcodes: Buffer[] = [];
  /** `","Type":"A","Class":"IN"}` per type and class. */
  private readonly answerTails = new Map<number, Buffer>();
  /** The firewall fields of a rule. */
  private readonly rules = new WeakMap<CompiledRule, Buffer>();
  /** The timestamp text of second `second`. */
  private second = -1;
  private stamp: Buffer = Buffer.alloc(0);

  constructor() {
    for (let r = 0; r < 16; r++)
      this.rcodes.push(JSON_BYTES(`${JSON.stringify(RcodeName[r] ?? String(r)).slice(1)},"answers":[`));
  }

  /** Hands out `buf[base, end)` and moves `base` to `end`. */
  take(end: number): Buffer {
    const b = this.buf.subarray(this.base, end);
    this.base = end;
    return b;
  }

  /** Makes room for `n` more bytes: a new buffer, with the bytes not yet taken moved to its start. */
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const keep = this.pos - this.base;
    const next = Buffer.allocUnsafe(Math.max(ENCODER_BUFFER, 2 * (keep + n)));
    this.buf.copy(next, 0, this.base, this.pos);
    this.lineStart -= this.base;
    this.pos = keep;
    this.base = 0;
    this.buf = next;
  }

  private bytes(b: Buffer): void {
    const n = b.length;
    this.ensure(n);
    // A loop: these are short, and TypedArray#set costs more than the copy itself at this size.
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = b[i];
    this.pos = p;
  }

  /** The inside of the JSON string of `s` (without its quotes): as is when nothing needs escaping. */
  private text(s: string): void {
    const n = s.length;
    this.ensure(n);
    const buf = this.buf;
    const start = this.pos;
    let p = start;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) {
        this.pos = start;
        this.escaped(s);
        return;
      }
      buf[p++] = c;
    }
    this.pos = p;
  }

  private escaped(s: string): void {
    const json = JSON.stringify(s);
    // At most 3 bytes of UTF-8 per UTF-16 unit of the JSON text.
    this.ensure(json.length * 3);
    this.pos += this.buf.write(json.slice(1, -1), this.pos, 'utf8');
  }

  /** A number 0 to 65535 (a port), in decimal. */
  private decimal(v: number): void {
    this.ensure(5);
    const buf = this.buf;
    let p = this.pos;
    if (v >= 10000) buf[p++] = 0x30 + ((v / 10000) | 0);
    if (v >= 1000) buf[p++] = 0x30 + (((v / 1000) | 0) % 10);
    if (v >= 100) buf[p++] = 0x30 + (((v / 100) | 0) % 10);
    if (v >= 10) buf[p++] = 0x30 + (((v / 10) | 0) % 10);
    buf[p++] = 0x30 + (v % 10);
    this.pos = p;
  }

  /** The second's timestamp (`2021-02-04T17:51:55Z`), encoded once a second. */
  private timestamp(ms: number): void {
    const sec = Math.floor(ms / 1000);
    if (sec !== this.second) {
      this.second = sec;
      this.stamp = JSON_BYTES(isoSeconds(ms));
    }
    this.bytes(this.stamp);
  }

  private question(type: number, cls: number): Buffer {
    const key = type * 65536 + cls;
    let b = this.questions.get(key);
    if (b === undefined) {
      const j = JSON.stringify;
      b = JSON_BYTES(`","query_type":${j(typeName(type))},"query_class":${j(className(cls))},"rcode":"`);
      this.questions.set(key, b);
    }
    return b;
  }

  private answerTail(type: number, cls: number): Buffer {
    const key = type * 65536 + cls;
    let b = this.answerTails.get(key);
    if (b === undefined) {
      const j = JSON.stringify;
      b = JSON_BYTES(`","Type":${j(typeName(type))},"Class":${j(className(cls))}}`);
      this.answerTails.set(key, b);
    }
    return b;
  }

  private rule(r: CompiledRule): Buffer {
    let b = this.rules.get(r);
    if (b === undefined) {
      const j = JSON.stringify;
      b = JSON_BYTES(
        `,"firewall_rule_action":${j(r.action)},"firewall_rule_group_id":${j(r.group.id)},"firewall_domain_list_id":${j(r.list.id)}`,
      );
      this.rules.set(r, b);
    }
    return b;
  }

  /** Appends the line of `e` and its newline. */
  line(e: QueryLogEntry): void {
    this.lineStart = this.pos;
    this.bytes(e.head.bytes);
    this.timestamp(e.time);
    this.bytes(QUERY_NAME);
    this.text(e.qname);
    this.ensure(1);
    this.buf[this.pos++] = 0x2e;
    this.bytes(this.question(e.qtype, e.qclass));
    this.answers(e.response);
    this.bytes(SRCADDR);
    this.text(e.srcaddr);
    this.bytes(SRCPORT);
    this.decimal(e.srcport);
    this.bytes(e.transport === 'udp' ? UDP_END : TCP_END);
    const f = e.firewall;
    if (f && f.kind === 'rule') this.bytes(this.rule(f));
    this.bytes(LINE_END);
  }

  /** `rcode","answers":[…` of a response, read in place as {@link answersOf} does. */
  private answers(buf: Buffer): void {
    if (buf.length < 12) {
      this.bytes(this.rcodes[2]);
      return;
    }
    this.bytes(this.rcodes[buf[3] & 0xf]);
    walkAnswers(buf, this.answer);
  }

  /** One answer record (made once per encoder: no closure per line). */
  private readonly answer = (
    buf: Buffer,
    type: number,
    cls: number,
    start: number,
    end: number,
    i: number,
  ) => {
    if (i > 0) {
      this.ensure(1);
      this.buf[this.pos++] = 0x2c;
    }
    this.bytes(RDATA);
    if (type === RRType.A && end - start === 4) this.ipv4(buf, start);
    else this.text(rdataText(buf, type, start, end));
    this.bytes(this.answerTail(type, cls));
  };

  private ipv4(src: Buffer, at: number): void {
    this.ensure(15);
    const buf = this.buf;
    let p = this.pos;
    for (let k = 0; k < 4; k++) {
      if (k > 0) buf[p++] = 0x2e;
      const v = src[at + k];
      if (v >= 100) buf[p++] = 0x30 + ((v / 100) | 0);
      if (v >= 10) buf[p++] = 0x30 + (((v / 10) | 0) % 10);
      buf[p++] = 0x30 + (v % 10);
    }
    this.pos = p;
  }
}
