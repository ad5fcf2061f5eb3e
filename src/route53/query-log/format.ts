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
  // Bytes read by hand: Buffer#readUInt16BE checks its argument on every call.
  const qd = (buf[4] << 8) | buf[5];
  const an = (buf[6] << 8) | buf[7];
  let p = 12;
  for (let i = 0; i < qd && p >= 0; i++) {
    p = skipName(buf, p);
    if (p >= 0) p += 4;
  }
  for (let i = 0; i < an && p >= 0; i++) {
    p = skipName(buf, p);
    if (p < 0 || p + 10 > buf.length) break;
    const end = p + 10 + ((buf[p + 8] << 8) | buf[p + 9]);
    if (end > buf.length) break;
    visit(buf, (buf[p] << 8) | buf[p + 1], (buf[p + 2] << 8) | buf[p + 3], p + 10, end, i);
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
const QUERY_NAME = '","query_name":"';
const RDATA = JSON_BYTES('{"Rdata":"');
const UDP_END = JSON_BYTES('","transport":"UDP"');
const TCP_END = JSON_BYTES('","transport":"TCP"');
const UDP_LINE_END = JSON_BYTES('","transport":"UDP"}\n');
const TCP_LINE_END = JSON_BYTES('","transport":"TCP"}\n');
const LINE_END = JSON_BYTES('}\n');
const HEX = '0123456789abcdef';

/** Buffer's own latin1Write (not in the typings): Buffer#write checks its arguments first. */
interface Latin1Writer {
  latin1Write(s: string, offset: number): number;
}

/** Bytes of a new buffer of the encoder (more when one line needs it). */
const ENCODER_BUFFER = 1024 * 1024;
/** Client addresses whose `],"srcaddr":"…","srcport":"` is kept (the cache starts over when full). */
const ADDRESS_CACHE = 1024;

/**
 * Writes query log lines as bytes, one after the other into a buffer: byte for byte
 * `JSON.stringify(queryLogLine(e))` and a newline per {@link line}. The bytes in
 * `buf[base, pos)` are the lines not yet taken; {@link take} hands out a run of them (a view of
 * the buffer that is never written again), and a full buffer is replaced by a new one that
 * starts with the bytes not yet taken.
 *
 * A line is a few copies of cached fragments (`TypedArray#set`, whose cost hardly depends on the
 * length, where a loop costs a few ns a byte): the line head with the second's timestamp (per
 * VPC head and second), the query type, class and rcode, the client address, the transport;
 * only the name, the port and the rdata are written per line.
 */
export class LineEncoder {
  buf: Buffer = Buffer.alloc(0);
  pos = 0;
  /** Where the bytes not yet taken start. */
  base = 0;
  /** Where the last line written starts. */
  lineStart = 0;
  /** `.","query_type":"A","query_class":"IN","rcode":"NOERROR","answers":[` per type, class and rcode. */
  private readonly questions = new Map<number, Buffer>();
  /** `","Type":"A","Class":"IN"}` per type and class. */
  private readonly answerTails = new Map<number, Buffer>();
  /** `],"srcaddr":"…","srcport":"` per client address. */
  private addresses = new Map<string, Buffer>();
  /** The firewall fields of a rule. */
  private readonly rules = new WeakMap<CompiledRule, Buffer>();
  /** The head, timestamp and `","query_name":"` of the lines of head `prefixHead` in second `second`. */
  private prefixHead: LineHead | null = null;
  private second = -1;
  private prefix: Buffer = Buffer.alloc(0);

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
    if (this.pos + n > this.buf.length) this.ensure(n);
    this.buf.set(b, this.pos);
    this.pos += n;
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

  /**
   * A name as {@link readName} gives it: printable ASCII only (other bytes, `.` and `\` in labels
   * are `\DDD`), so only `"` and `\` need escaping, and a name without them is copied natively.
   */
  private name(s: string): void {
    if (s.indexOf('\\') >= 0 || s.indexOf('"') >= 0) {
      this.text(s);
      return;
    }
    this.ensure(s.length);
    this.pos += (this.buf as unknown as Latin1Writer).latin1Write(s, this.pos);
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

  /**
   * The head of `head`'s lines up to the query name: `{"version":…,"query_timestamp":"…Z",
   * "query_name":"`, made again when the second or the head (a reload) changes.
   */
  private prefixOf(head: LineHead, ms: number): Buffer {
    const sec = Math.floor(ms / 1000);
    if (sec !== this.second || head !== this.prefixHead) {
      this.second = sec;
      this.prefixHead = head;
      this.prefix = Buffer.concat([head.bytes, JSON_BYTES(isoSeconds(ms) + QUERY_NAME)]);
    }
    return this.prefix;
  }

  private question(type: number, cls: number, rcode: number): Buffer {
    const key = (type * 65536 + cls) * 16 + rcode;
    let b = this.questions.get(key);
    if (b === undefined) {
      const j = JSON.stringify;
      b = JSON_BYTES(
        `.","query_type":${j(typeName(type))},"query_class":${j(className(cls))},"rcode":${j(RcodeName[rcode] ?? String(rcode))},"answers":[`,
      );
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

  private address(srcaddr: string): Buffer {
    let b = this.addresses.get(srcaddr);
    if (b === undefined) {
      if (this.addresses.size >= ADDRESS_CACHE) this.addresses = new Map();
      b = JSON_BYTES(`],"srcaddr":${JSON.stringify(srcaddr)},"srcport":"`);
      this.addresses.set(srcaddr, b);
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
    this.write(
      e.time,
      e.head,
      e.qname,
      e.qtype,
      e.qclass,
      e.srcaddr,
      e.srcport,
      e.transport,
      e.response,
      e.firewall,
    );
  }

  /**
   * Appends the line of one query and its newline: {@link line} without an entry object, for the
   * writer, which encodes each query as it is answered. `qname` is in {@link readName}'s form.
   */
  write(
    time: number,
    head: LineHead,
    qname: string,
    qtype: number,
    qclass: number,
    srcaddr: string,
    srcport: number,
    transport: 'udp' | 'tcp',
    response: Buffer,
    firewall: Verdict | null | undefined,
  ): void {
    this.lineStart = this.pos;
    this.bytes(this.prefixOf(head, time));
    this.name(qname);
    if (response.length < 12) this.bytes(this.question(qtype, qclass, 2));
    else {
      this.bytes(this.question(qtype, qclass, response[3] & 0xf));
      walkAnswers(response, this.answer);
    }
    this.bytes(this.address(srcaddr));
    this.decimal(srcport);
    if (firewall && firewall.kind === 'rule') {
      this.bytes(transport === 'udp' ? UDP_END : TCP_END);
      this.bytes(this.rule(firewall));
      this.bytes(LINE_END);
    } else this.bytes(transport === 'udp' ? UDP_LINE_END : TCP_LINE_END);
  }

  /** One answer record, read in place as {@link answersOf} does (made once per encoder: no closure per line). */
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
    else if (type === RRType.AAAA && end - start === 16) this.ipv6(buf, start);
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

  /** 16 bytes as {@link formatAddress} writes them (the longest run of two or more zero groups, the first of equal ones, as `::`). */
  private ipv6(src: Buffer, at: number): void {
    let bestStart = -1;
    let bestLen = 0;
    for (let i = 0; i < 8; ) {
      if (src[at + 2 * i] !== 0 || src[at + 2 * i + 1] !== 0) {
        i++;
        continue;
      }
      let j = i;
      while (j < 8 && src[at + 2 * j] === 0 && src[at + 2 * j + 1] === 0) j++;
      if (j - i > bestLen && j - i > 1) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    this.ensure(39);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < 8; i++) {
      if (i === bestStart) {
        buf[p++] = 0x3a;
        buf[p++] = 0x3a;
        i += bestLen - 1;
        continue;
      }
      if (i > 0 && i !== bestStart + bestLen) buf[p++] = 0x3a;
      const g = (src[at + 2 * i] << 8) | src[at + 2 * i + 1];
      if (g >= 0x1000) buf[p++] = HEX.charCodeAt(g >> 12);
      if (g >= 0x100) buf[p++] = HEX.charCodeAt((g >> 8) & 15);
      if (g >= 0x10) buf[p++] = HEX.charCodeAt((g >> 4) & 15);
      buf[p++] = HEX.charCodeAt(g & 15);
    }
    this.pos = p;
  }
}
