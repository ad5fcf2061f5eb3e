/**
 * Every encoder and parser of src/dns against dns-packet, through the symmetric round-trip
 * helper: names, each record type the catalog encodes, OPT/EDE, whole and error responses,
 * relayed responses, scanned messages, queries and TCP framing. The last test fails when a new
 * function is exported from src/dns without a row here (or a reason it is not a codec).
 */
import { readdirSync } from 'node:fs';
import * as dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Flag, HEADER_SIZE, RRClass, RRType } from '../../src/dns/constants.js';
import { expandName, expandSection } from '../../src/dns/expand.js';
import { FrameReader, frame, frameAll, lengthPrefix } from '../../src/dns/framing.js';
import { encodeName, readName, skipName } from '../../src/dns/names.js';
import { parseQuery, type Query, WireError } from '../../src/dns/query.js';
import { encodeRecord, QNAME_POINTER, writeQnameRecord } from '../../src/dns/records.js';
import { relayResponse, scanMessage } from '../../src/dns/relay.js';
import {
  buildErrorResponse,
  buildResponse,
  type Ede,
  encodeOpt,
  type RRset,
} from '../../src/dns/response.js';
import { scrubResponse } from '../../src/dns/scrub.js';
import { parseAddress } from '../../src/net/cidr.js';
import { R53_SOA } from '../../src/privatelink/catalog.js';
import { type Codec, decode, fullRcode, message, QUESTION_NAME, roundTrip } from './roundtrip.js';

const SEED = 0x5eed_d45;

// ------------------------------------------------------------------------------------------------
// Values

/** A record as dns-packet presents it. `data` is the rdata in dns-packet's form. */
type Rec =
  | { name: string; type: 'A' | 'AAAA' | 'NS' | 'CNAME'; ttl: number; class: 'IN' | 'CH'; data: string }
  | { name: string; type: 'SOA'; ttl: number; class: 'IN' | 'CH'; data: dnsPacket.SoaData };

const TYPE_NUMBER = { A: RRType.A, AAAA: RRType.AAAA, NS: RRType.NS, CNAME: RRType.CNAME, SOA: RRType.SOA };
const CLASS_NUMBER = { IN: RRClass.IN, CH: RRClass.CH };

/** Rdata the way the catalog writes it: address bytes, names as labels, SOA names then numbers. */
function rdataOf(r: Rec): Buffer {
  switch (r.type) {
    case 'A':
    case 'AAAA':
      return Buffer.from(parseAddress(r.data) as Uint8Array);
    case 'NS':
    case 'CNAME':
      return encodeName(r.data);
    case 'SOA': {
      const tail = Buffer.alloc(20);
      [r.data.serial, r.data.refresh, r.data.retry, r.data.expire, r.data.minimum].forEach((v, i) => {
        tail.writeUInt32BE(v ?? 0, i * 4);
      });
      return Buffer.concat([encodeName(r.data.mname), encodeName(r.data.rname), tail]);
    }
  }
}

/** Our encoding of a record: owned by the question (a pointer) or by its own name. */
function ourRecord(r: Rec): Buffer {
  const owner = r.name === QUESTION_NAME ? QNAME_POINTER : encodeName(r.name);
  return encodeRecord(owner, TYPE_NUMBER[r.type], r.ttl, rdataOf(r), CLASS_NUMBER[r.class]);
}

function recOf(a: dnsPacket.Answer): Rec {
  const x = a as { name: string; type: Rec['type']; ttl: number; class: Rec['class']; data: unknown };
  return { name: x.name, type: x.type, ttl: x.ttl, class: x.class, data: x.data } as Rec;
}

/** Route 53's SOA values, as the catalog encodes them (the TTL is the record's, not rdata). */
const { ttl: _soaTtl, ...SOA }: typeof R53_SOA = R53_SOA;

const RECORDS: Rec[] = [
  { name: QUESTION_NAME, type: 'A', ttl: 60, class: 'IN', data: '10.0.1.23' },
  { name: QUESTION_NAME, type: 'AAAA', ttl: 60, class: 'IN', data: '2600:1f16::17' },
  { name: QUESTION_NAME, type: 'NS', ttl: 172800, class: 'IN', data: 'ns-1536.awsdns-00.co.uk' },
  { name: QUESTION_NAME, type: 'SOA', ttl: 900, class: 'IN', data: SOA },
  { name: 'us-east-2.vpce.amazonaws.com', type: 'SOA', ttl: 900, class: 'IN', data: SOA },
  { name: 'vpce-1.s3.us-east-2.vpce.amazonaws.com', type: 'A', ttl: 0, class: 'IN', data: '192.0.2.1' },
  { name: 'x.example', type: 'CNAME', ttl: 2147483647, class: 'IN', data: 'y.example' },
  { name: 'version.bind', type: 'A', ttl: 1, class: 'CH', data: '127.0.0.1' },
];

const hostLabel = fc.stringMatching(/^[a-z0-9-]{1,20}$/);
const hostName = fc.array(hostLabel, { minLength: 1, maxLength: 6 }).map((l) => l.join('.'));

const NAMES: string[] = [
  '',
  'com',
  'vpce-0123456789abcdef0-abcdefgh.s3.us-east-2.vpce.amazonaws.com',
  '*.s3.us-east-2.amazonaws.com',
  `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`, // 255 wire bytes
  ...fc.sample(hostName, { seed: SEED, numRuns: 200 }),
];

// ------------------------------------------------------------------------------------------------
// Codecs

/** Names: encodeName in a question; readName/skipName of dns-packet's question. */
const nameCodec: Codec<string> = {
  ours: (name) => message({ question: encodeName(name) }),
  theirs: (msg) => {
    const n = decode(msg).questions?.[0].name ?? '?';
    return n === '.' ? '' : n;
  },
  theirsEncode: (name) => dnsPacket.encode({ type: 'query', questions: [{ type: 'A', name: name || '.' }] }),
  oursParse: (msg) => {
    const r = readName(msg, HEADER_SIZE);
    expect(skipName(msg, HEADER_SIZE)).toBe(r?.end);
    return r?.name ?? '?';
  },
};

/** A record written by encodeRecord, as the one answer of a response. */
const recordCodec: Codec<Rec> = {
  ours: (r) => message({ answer: [ourRecord(r)] }),
  theirs: (msg) => recOf(decode(msg).answers?.[0] as dnsPacket.Answer),
};

/** A record written in place by writeQnameRecord (owner: the question, class IN). */
const qnameRecordCodec: Codec<Rec> = {
  ours: (r) => {
    const rdata = rdataOf(r);
    const out = Buffer.alloc(12 + rdata.length + 4);
    const end = writeQnameRecord(out, 2, TYPE_NUMBER[r.type], r.ttl, rdata);
    expect(end).toBe(14 + rdata.length);
    return message({ answer: [out.subarray(2, end)] });
  },
  theirs: (msg) => recOf(decode(msg).answers?.[0] as dnsPacket.Answer),
};

interface OptView {
  rcode: number;
  do: boolean;
  ede?: Ede;
}

function optViewOf(d: dnsPacket.DecodedPacket): OptView | null {
  const opt = d.additionals?.find((a) => a.type === 'OPT') as dnsPacket.OptAnswer | undefined;
  if (!opt) return null;
  expect(opt.name).toBe('.');
  expect(opt.udpPayloadSize).toBe(1232);
  expect(opt.ednsVersion).toBe(0);
  const v: OptView = { rcode: fullRcode(d), do: opt.flag_do === true };
  const opts = opt.options as unknown as { code: number; data: Buffer }[];
  for (const o of opts) {
    expect(o.code).toBe(15);
    const text = o.data.subarray(2).toString('utf8');
    v.ede = text ? { code: o.data.readUInt16BE(0), text } : { code: o.data.readUInt16BE(0) };
  }
  return v;
}

/** encodeOpt as the one additional record (header rcode bits set to the low four). */
const optCodec: Codec<OptView> = {
  ours: (v) => message({ flags: 0x8180 | (v.rcode & 0xf), additional: [encodeOpt(v.rcode, v.do, v.ede)] }),
  theirs: (msg) => optViewOf(decode(msg)) as OptView,
};

const OPTS: OptView[] = [
  { rcode: 0, do: false },
  { rcode: 0, do: true },
  { rcode: 3, do: false, ede: { code: 18 } },
  { rcode: 2, do: true, ede: { code: 22, text: 'no upstream answered' } },
  { rcode: 16, do: false },
  { rcode: 5, do: false, ede: { code: 18, text: 'client 192.0.2.1 is not allowed ✓' } },
];

/** A query as dns-packet builds it and as parseQuery reads it. */
interface QueryView {
  id: number;
  rd: boolean;
  cd: boolean;
  name: string;
  type: number;
  class: number;
  edns: { udpSize: number; do: boolean; options: string } | null;
}

function encodeQuery(v: QueryView, extra: Partial<dnsPacket.Packet> = {}): Buffer {
  const p: dnsPacket.Packet = {
    type: 'query',
    id: v.id,
    flags: (v.rd ? dnsPacket.RECURSION_DESIRED : 0) | (v.cd ? dnsPacket.CHECKING_DISABLED : 0),
    questions: [
      {
        name: v.name || '.',
        type: typeNameOf(v.type) as dnsPacket.RecordType,
        class: v.class === 3 ? 'CH' : 'IN',
      },
    ],
    ...extra,
  };
  if (v.edns) {
    const options = [];
    const raw = Buffer.from(v.edns.options, 'hex');
    for (let p = 0; p < raw.length; p += 4 + raw.readUInt16BE(p + 2)) {
      options.push({ code: raw.readUInt16BE(p), data: raw.subarray(p + 4, p + 4 + raw.readUInt16BE(p + 2)) });
    }
    p.additionals = [
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: v.edns.udpSize,
        flags: v.edns.do ? dnsPacket.DNSSEC_OK : 0,
        options,
      } as unknown as dnsPacket.Answer,
      ...((extra.additionals as dnsPacket.Answer[] | undefined) ?? []),
    ];
  }
  return dnsPacket.encode(p);
}

function typeNameOf(t: number): string {
  return Object.entries(RRType).find(([, v]) => v === t)?.[0] ?? `TYPE${t}`;
}

function queryViewOf(q: Query): QueryView {
  return {
    id: q.id,
    rd: (q.flags & Flag.RD) !== 0,
    cd: (q.flags & Flag.CD) !== 0,
    name: q.qname,
    type: q.qtype,
    class: q.qclass,
    edns: q.edns ? { udpSize: q.edns.udpSize, do: q.edns.do, options: q.edns.options.toString('hex') } : null,
  };
}

function mustParse(msg: Buffer): Query {
  const q = parseQuery(msg);
  if (q instanceof WireError) throw new Error(`${q.code}: ${q.message}`);
  return q;
}

/** parseQuery of dns-packet's queries (we build no queries of our own). */
const queryCodec: Codec<QueryView> = {
  theirsEncode: (v) => encodeQuery(v),
  oursParse: (msg) => queryViewOf(mustParse(msg)),
};

const QUERIES: QueryView[] = [
  { id: 0, rd: true, cd: false, name: 'example.com', type: 1, class: 1, edns: null },
  { id: 65535, rd: false, cd: true, name: QUESTION_NAME, type: 28, class: 1, edns: null },
  { id: 7, rd: true, cd: false, name: '', type: 2, class: 1, edns: { udpSize: 4096, do: true, options: '' } },
  {
    id: 8,
    rd: true,
    cd: true,
    name: 'a.b',
    type: 6,
    class: 3,
    edns: { udpSize: 512, do: false, options: '' },
  },
  {
    id: 9,
    rd: true,
    cd: false,
    name: 's3.us-east-2.amazonaws.com',
    type: 16,
    class: 1,
    edns: { udpSize: 1232, do: false, options: '000a00080102030405060708000c0000' }, // cookie, padding
  },
];

/** What a client sees in a response. */
interface ResponseView {
  id: number;
  opcode: string;
  rd: boolean;
  cd: boolean;
  aa: boolean;
  tc: boolean;
  rcode: number;
  question: { name: string; type: string } | null;
  answers: Rec[];
  authorities: Rec[];
  additionals: Rec[];
  opt: OptView | null;
}

function responseViewOf(msg: Buffer): ResponseView {
  const d = decode(msg);
  expect(d.type).toBe('response');
  expect(d.flag_ra).toBe(true);
  expect(d.flag_ad).toBe(false);
  const q = d.questions?.[0];
  const opt = optViewOf(d);
  return {
    id: d.id ?? -1,
    opcode: (d as { opcode?: string }).opcode ?? '?',
    rd: d.flag_rd,
    cd: d.flag_cd,
    aa: d.flag_aa,
    tc: d.flag_tc,
    rcode: fullRcode(d),
    question: q ? { name: q.name, type: q.type } : null,
    answers: (d.answers ?? []).map(recOf),
    authorities: (d.authorities ?? []).map(recOf),
    additionals: (d.additionals ?? []).filter((a) => a.type !== 'OPT').map(recOf),
    ...{ opt },
  };
}

function clientQuery(v: ResponseView, extra: Partial<dnsPacket.Packet> = {}): Buffer {
  const q = v.question ?? { name: QUESTION_NAME, type: 'A' };
  return encodeQuery(
    {
      id: v.id,
      rd: v.rd,
      cd: v.cd,
      name: q.name,
      type: (RRType as Record<string, number>)[q.type] ?? 1,
      class: 1,
      edns: v.opt ? { udpSize: 1232, do: v.opt.do, options: '' } : null,
    },
    extra,
  );
}

const sets = (recs: Rec[]): RRset[] => recs.map((r) => ({ bytes: ourRecord(r), count: 1 }));

/** buildResponse: the client's query (from dns-packet) answered with our RRsets. */
const responseCodec: Codec<ResponseView> = {
  ours: (v) => {
    const msg = clientQuery(v);
    return buildResponse(msg, mustParse(msg), {
      rcode: v.rcode,
      answer: sets(v.answers),
      authority: sets(v.authorities),
      aa: v.aa,
      ede: v.opt?.ede,
      tc: v.tc,
      maxSize: 65535,
    });
  },
  theirs: responseViewOf,
};

const base: ResponseView = {
  id: 0x1234,
  opcode: 'QUERY',
  rd: true,
  cd: false,
  aa: true,
  tc: false,
  rcode: 0,
  question: { name: QUESTION_NAME, type: 'A' },
  answers: [],
  authorities: [],
  additionals: [],
  opt: null,
};
const a = (ip: string): Rec => ({ name: QUESTION_NAME, type: 'A', ttl: 60, class: 'IN', data: ip });
const soaAt = (name: string): Rec => ({ name, type: 'SOA', ttl: 900, class: 'IN', data: SOA });

const RESPONSES: ResponseView[] = [
  { ...base, answers: [a('10.0.1.23'), a('10.0.2.23'), a('10.0.3.23')] },
  {
    ...base,
    question: { name: QUESTION_NAME, type: 'NS' },
    answers: [RECORDS[2]],
    opt: { rcode: 0, do: true },
  },
  { ...base, rcode: 3, authorities: [soaAt('example')], opt: { rcode: 3, do: false } },
  { ...base, aa: false, rd: false, cd: true, rcode: 5, opt: { rcode: 5, do: false, ede: { code: 18 } } },
  { ...base, aa: false, rcode: 2, opt: { rcode: 2, do: false, ede: { code: 22, text: 'no answer' } } },
  { ...base, tc: true },
];

/** buildErrorResponse: answers to queries that do not fully parse. */
const errorCodec: Codec<ResponseView> = {
  ours: (v) => {
    const msg =
      v.rcode === 4
        ? clientQuery(v, { flags: (v.rd ? dnsPacket.RECURSION_DESIRED : 0) | (2 << 11) })
        : badVersion(clientQuery(v));
    const err = parseQuery(msg);
    expect(err).toBeInstanceOf(WireError);
    return buildErrorResponse(msg, err as WireError, 512) as Buffer;
  },
  theirs: responseViewOf,
};

/** The query with its OPT's EDNS version set to 1. */
function badVersion(msg: Buffer): Buffer {
  const out = Buffer.from(msg);
  const opt = scanMessage(out)?.records.find((r) => r.type === RRType.OPT);
  if (!opt) throw new Error('no OPT');
  out[opt.ttlOffset + 1] = 1;
  return out;
}

const ERRORS: ResponseView[] = [
  { ...base, opcode: 'STATUS', aa: false, rcode: 4 },
  { ...base, aa: false, rcode: 16, opt: { rcode: 16, do: false } },
  { ...base, aa: false, rd: false, rcode: 16, opt: { rcode: 16, do: true } },
];

/** A response as dns-packet encodes it and scanMessage indexes it. */
interface ScanView {
  id: number;
  flags: number;
  rcode: number;
  qname: string;
  qtype: number;
  qclass: number;
  records: { section: 0 | 1 | 2; name: string; type: number; cls: number; ttl: number }[];
}

const scanCodec: Codec<ScanView> = {
  theirsEncode: (v) => {
    const rec = (r: ScanView['records'][number]) =>
      r.type === RRType.OPT
        ? ({
            type: 'OPT',
            name: '.',
            udpPayloadSize: r.cls,
            extendedRcode: r.ttl >>> 24,
            ednsVersion: (r.ttl >>> 16) & 0xff,
            flags: r.ttl & 0xffff,
            options: [],
          } as unknown as dnsPacket.Answer)
        : ({
            type: 'A',
            name: r.name,
            ttl: r.ttl,
            class: r.cls === 3 ? 'CH' : 'IN',
            data: '192.0.2.7',
          } as dnsPacket.Answer);
    return dnsPacket.encode({
      type: 'response',
      id: v.id,
      flags: v.flags & 0x7fff,
      questions: [{ name: v.qname, type: typeNameOf(v.qtype) as dnsPacket.RecordType, class: 'IN' }],
      answers: v.records.filter((r) => r.section === 0).map(rec),
      authorities: v.records.filter((r) => r.section === 1).map(rec),
      additionals: v.records.filter((r) => r.section === 2).map(rec),
    });
  },
  oursParse: (msg) => {
    const s = scanMessage(msg);
    if (!s) throw new Error('scanMessage refused the message');
    expect(s.questionEnd).toBe(s.records[0]?.start ?? msg.length);
    for (const r of s.records) {
      expect(r.rdataStart).toBe(r.ttlOffset + 6);
      expect(msg.readUInt32BE(r.ttlOffset)).toBe(r.ttl);
    }
    return {
      id: s.id,
      flags: s.flags,
      rcode: s.rcode,
      qname: s.qname,
      qtype: s.qtype,
      qclass: s.qclass,
      records: s.records.map((r) => ({
        section: r.section,
        name: r.name,
        type: r.type,
        cls: r.cls,
        ttl: r.ttl,
      })),
    };
  },
};

const SCANS: ScanView[] = [
  { id: 1, flags: 0x8180, rcode: 0, qname: 'a.example', qtype: 1, qclass: 1, records: [] },
  {
    id: 2,
    flags: 0x8183,
    rcode: 3,
    qname: 'b.example',
    qtype: 28,
    qclass: 1,
    records: [
      { section: 0, name: 'b.example', type: 1, cls: 1, ttl: 30 },
      { section: 0, name: 'b.example', type: 1, cls: 1, ttl: 30 },
      { section: 1, name: 'example', type: 1, cls: 3, ttl: 0 },
      { section: 2, name: 'ns.example', type: 1, cls: 1, ttl: 4294967295 },
    ],
  },
  {
    // Extended rcode 16 (BADVERS) = OPT's high bits 1, header's low bits 0; DO set.
    id: 3,
    flags: 0x8180,
    rcode: 16,
    qname: 'c.example',
    qtype: 1,
    qclass: 1,
    records: [
      { section: 0, name: 'c.example', type: 1, cls: 1, ttl: 5 },
      { section: 2, name: '', type: 41, cls: 4096, ttl: 0x01008000 },
    ],
  },
];

/**
 * relayResponse of an upstream response (dns-packet, its own ID and OPT, TTLs `age` higher) for
 * a client query (dns-packet): the client must see its ID, flags, our OPT and the aged TTLs.
 */
function relayCodec(age: number): Codec<ResponseView> {
  return {
    ours: (v) => {
      const up = (r: Rec) => ({ ...r, ttl: r.ttl + age }) as dnsPacket.Answer;
      const upstream = dnsPacket.encode({
        type: 'response',
        id: 0xbeef,
        flags: 0x8000 | (v.aa ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | (v.rcode & 0xf),
        questions: [
          { name: v.question?.name ?? '', type: (v.question?.type ?? 'A') as dnsPacket.RecordType },
        ],
        answers: v.answers.map(up),
        authorities: v.authorities.map(up),
        additionals: [
          ...v.additionals.map(up),
          {
            type: 'OPT',
            name: '.',
            udpPayloadSize: 4096,
            extendedRcode: v.rcode >> 4,
            flags: 0,
          } as dnsPacket.Answer,
        ],
      });
      const scan = scanMessage(upstream);
      if (!scan) throw new Error('scanMessage refused the upstream response');
      const msg = clientQuery(v);
      return relayResponse(upstream, scan, msg, mustParse(msg), 65535, v.opt?.ede, age);
    },
    theirs: responseViewOf,
  };
}

const ns = (name: string): Rec => ({ name, type: 'NS', ttl: 3600, class: 'IN', data: 'ns1.example' });
const glue = (name: string): Rec => ({ name, type: 'A', ttl: 3600, class: 'IN', data: '192.0.2.53' });

const RELAYS: ResponseView[] = [
  { ...base, aa: false, answers: [a('192.0.2.1'), a('192.0.2.2')] },
  { ...base, aa: true, answers: [a('192.0.2.1')], opt: { rcode: 0, do: true } },
  {
    ...base,
    aa: false,
    rd: false,
    cd: true,
    rcode: 3,
    authorities: [soaAt('example')],
    opt: { rcode: 3, do: false, ede: { code: 3, text: 'stale' } },
  },
  { ...base, aa: false, authorities: [ns('example')], additionals: [glue('ns1.example')] },
];

/**
 * scrubResponse, then relayResponse: an upstream response holding the value's records and junk
 * around them (an answer off the CNAME chain, NS and SOA of another zone, an A record that is no
 * NS target), with a TTL over the cap; the client sees the value, its TTLs capped.
 */
const SCRUB_CAP = 3000;
const scrubCodec: Codec<ResponseView> = {
  ours: (v) => {
    const over = (r: Rec) => ({ ...r, ttl: r.ttl === SCRUB_CAP ? 90_000 : r.ttl }) as dnsPacket.Answer;
    const junkA: Rec = { name: 'other.example', type: 'A', ttl: 60, class: 'IN', data: '6.6.6.6' };
    const upstream = dnsPacket.encode({
      type: 'response',
      id: 0xbeef,
      flags: 0x8000 | (v.aa ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | (v.rcode & 0xf),
      questions: [{ name: v.question?.name ?? '', type: (v.question?.type ?? 'A') as dnsPacket.RecordType }],
      answers: [junkA as dnsPacket.Answer, ...v.answers.map(over)],
      authorities: [
        { name: 'amazonaws.com', type: 'NS', ttl: 60, class: 'IN', data: 'ns.evil' } as dnsPacket.Answer,
        ...v.authorities.map(over),
        soaAt('other.test') as dnsPacket.Answer,
      ],
      additionals: [{ ...junkA, name: 'ns.evil' } as dnsPacket.Answer, ...v.additionals.map(over)],
    });
    const scan = scanMessage(upstream);
    if (!scan) throw new Error('scanMessage refused the upstream response');
    const s = scrubResponse(upstream, scan, { owned: null, maxTtl: SCRUB_CAP });
    expect(s.dropped).toBe(4);
    const msg = clientQuery(v);
    return relayResponse(s.reply, s.scan, msg, mustParse(msg), 65535, v.opt?.ede, 0);
  },
  theirs: responseViewOf,
};

const cname = (name: string, target: string): Rec => ({
  name,
  type: 'CNAME',
  ttl: 300,
  class: 'IN',
  data: target,
});
const SCRUBS: ResponseView[] = [
  { ...base, aa: false, answers: [a('192.0.2.1'), { ...a('192.0.2.2'), ttl: SCRUB_CAP }] },
  {
    ...base,
    aa: false,
    answers: [cname(QUESTION_NAME, 'b.example.net'), { ...a('192.0.2.3'), name: 'b.example.net' }],
    authorities: [{ ...ns('example.net'), ttl: SCRUB_CAP, data: 'ns1.example.net' } as Rec],
    additionals: [{ ...glue('ns1.example.net'), ttl: SCRUB_CAP }],
  },
  { ...base, aa: false, rcode: 3, authorities: [soaAt('example')], opt: { rcode: 3, do: false } },
];

/** TCP framing: frame/lengthPrefix against dns-packet's stream encoding, and FrameReader. */
/**
 * expandSection: dns-packet's answer and authority records (every type whose data holds names),
 * taken out of their message with names expanded, put into a message of their own and read back
 * by dns-packet.
 */
interface ExpandView {
  answers: dnsPacket.Answer[];
  authorities: dnsPacket.Answer[];
}
const expandCodec: Codec<ExpandView> = {
  theirsEncode: (v) =>
    dnsPacket.encode({
      type: 'response',
      id: 9,
      flags: 0x8180,
      questions: [{ name: 'q.example', type: 'A', class: 'IN' }],
      answers: v.answers,
      authorities: v.authorities,
    }),
  oursParse: (msg) => {
    const s = scanMessage(msg);
    if (!s) throw new Error('scanMessage refused the message');
    const an = expandSection(msg, s.records, 0);
    const ns = expandSection(msg, s.records, 1);
    if (!an || !ns) throw new Error('expandSection refused the message');
    // A message of their own, with another question: nothing may point into the first one.
    const h = Buffer.alloc(HEADER_SIZE);
    h.writeUInt16BE(0x8180, 2);
    h.writeUInt16BE(1, 4);
    h.writeUInt16BE(an.count, 6);
    h.writeUInt16BE(ns.count, 8);
    const q = Buffer.concat([encodeName('other.test'), Buffer.from([0, 1, 0, 1])]);
    const d = decode(Buffer.concat([h, q, an.bytes, ns.bytes]));
    const strip = (rs: dnsPacket.Answer[] | undefined) =>
      (rs ?? []).map((r) => {
        const { flush: _f, ...rest } = r as dnsPacket.Answer & { flush?: boolean };
        return rest as dnsPacket.Answer;
      });
    return { answers: strip(d.answers), authorities: strip(d.authorities) };
  },
};
const EXPANDS: ExpandView[] = [
  {
    answers: [
      { type: 'CNAME', name: 'q.example', ttl: 60, class: 'IN', data: 'edge.example.net' },
      { type: 'A', name: 'edge.example.net', ttl: 20, class: 'IN', data: '192.0.2.7' },
      {
        type: 'MX',
        name: 'edge.example.net',
        ttl: 20,
        class: 'IN',
        data: { preference: 10, exchange: 'mx.example.net' },
      },
      {
        type: 'SRV',
        name: '_s._tcp.example.net',
        ttl: 5,
        class: 'IN',
        data: { priority: 1, weight: 2, port: 443, target: 'srv.example.net' },
      },
      { type: 'TXT', name: 'q.example', ttl: 1, class: 'IN', data: [Buffer.from('a b'), Buffer.from('c')] },
      { type: 'AAAA', name: 'q.example', ttl: 1, class: 'IN', data: '2001:db8::1' },
      { type: 'PTR', name: '1.2.0.192.in-addr.arpa', ttl: 1, class: 'IN', data: 'host.example' },
    ] as dnsPacket.Answer[],
    authorities: [],
  },
  {
    answers: [],
    authorities: [
      {
        type: 'SOA',
        name: 'example',
        ttl: 3600,
        class: 'IN',
        data: {
          mname: 'ns.example',
          rname: 'hostmaster.example',
          serial: 7,
          refresh: 3600,
          retry: 600,
          expire: 86400,
          minimum: 60,
        },
      },
      { type: 'NS', name: 'example', ttl: 3600, class: 'IN', data: 'ns.example' },
    ] as dnsPacket.Answer[],
  },
];

describe('expandSection', () => {
  it('writes out compressed owners and names in RDATA', () => {
    // q.example A → CNAME (owner: pointer to the question) → edge.q.example (pointer inside RDATA).
    const q = encodeName('q.example');
    const edge = Buffer.concat([Buffer.from([4]), Buffer.from('edge'), Buffer.from([0xc0, 12])]);
    const cname = Buffer.concat([Buffer.from([0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, edge.length]), edge]);
    const a = Buffer.concat([
      Buffer.from([0xc0, 12 + q.length + 4 + 12]),
      Buffer.from([0, 1, 0, 1, 0, 0, 0, 20, 0, 4, 192, 0, 2, 7]),
    ]);
    const h = Buffer.alloc(HEADER_SIZE);
    h.writeUInt16BE(0x8180, 2);
    h.writeUInt16BE(1, 4);
    h.writeUInt16BE(2, 6);
    const msg = Buffer.concat([h, q, Buffer.from([0, 1, 0, 1]), cname, a]);
    const s = scanMessage(msg)!;
    const an = expandSection(msg, s.records, 0)!;
    expect(an.count).toBe(2);
    const h2 = Buffer.alloc(HEADER_SIZE);
    h2.writeUInt16BE(0x8180, 2);
    h2.writeUInt16BE(2, 6);
    const d = decode(Buffer.concat([h2, an.bytes]));
    expect(d.answers?.map((r) => [r.name, r.type, (r as { data: unknown }).data])).toEqual([
      ['q.example', 'CNAME', 'edge.q.example'],
      ['edge.q.example', 'A', '192.0.2.7'],
    ]);
  });

  it('refuses a pointer loop', () => {
    const h = Buffer.alloc(HEADER_SIZE);
    h.writeUInt16BE(1, 6);
    const msg = Buffer.concat([h, Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4])]);
    expect(expandName(msg, 12)).toBeNull();
  });
});

interface FramedView {
  id: number;
  name: string;
}

const framedPacket = (v: FramedView): dnsPacket.Packet => ({
  type: 'query',
  id: v.id,
  questions: [{ type: 'A', name: v.name }],
});
const framedViewOf = (p: dnsPacket.Packet): FramedView => ({
  id: p.id ?? -1,
  name: p.questions?.[0].name ?? '?',
});

const frameCodec: Codec<FramedView> = {
  ours: (v) => frame(dnsPacket.encode(framedPacket(v))),
  theirs: (b) => framedViewOf(dnsPacket.streamDecode(b)),
  theirsEncode: (v) => dnsPacket.streamEncode(framedPacket(v)),
  oursParse: (b) => {
    const r = new FrameReader();
    for (const byte of b) r.push(Buffer.from([byte]));
    const m = r.next();
    expect(r.buffered).toBe(0);
    return framedViewOf(dnsPacket.decode(m as Buffer));
  },
};
const prefixCodec: Codec<FramedView> = {
  ours: (v) => {
    const m = dnsPacket.encode(framedPacket(v));
    return Buffer.concat([lengthPrefix(m.length), m]);
  },
  theirs: (b) => framedViewOf(dnsPacket.streamDecode(b)),
};
const batchCodec: Codec<FramedView> = {
  ours: (v) => {
    const m = dnsPacket.encode(framedPacket(v));
    return frameAll([m], m.length + 2);
  },
  theirs: (b) => framedViewOf(dnsPacket.streamDecode(b)),
};
const FRAMED: FramedView[] = [
  { id: 1, name: 'a.example' },
  { id: 65535, name: `${'x'.repeat(63)}.${'y'.repeat(63)}.${'z'.repeat(63)}` },
];

// ------------------------------------------------------------------------------------------------
// The table

interface Row {
  /** The exported functions (and classes) of src/dns that this row exercises. */
  covers: string[];
  codec: Codec<never>;
  values: unknown[];
}

const TABLE: Record<string, Row> = {
  names: { covers: ['encodeName', 'readName', 'skipName'], codec: nameCodec as Codec<never>, values: NAMES },
  records: { covers: ['encodeRecord'], codec: recordCodec as Codec<never>, values: RECORDS },
  'records written in place': {
    covers: ['writeQnameRecord'],
    codec: qnameRecordCodec as Codec<never>,
    values: RECORDS.filter((r) => r.name === QUESTION_NAME && r.class === 'IN'),
  },
  'OPT and EDE': { covers: ['encodeOpt'], codec: optCodec as Codec<never>, values: OPTS },
  queries: { covers: ['parseQuery'], codec: queryCodec as Codec<never>, values: QUERIES },
  responses: { covers: ['buildResponse'], codec: responseCodec as Codec<never>, values: RESPONSES },
  'error responses': { covers: ['buildErrorResponse'], codec: errorCodec as Codec<never>, values: ERRORS },
  'scanned messages': { covers: ['scanMessage'], codec: scanCodec as Codec<never>, values: SCANS },
  'relayed responses': { covers: ['relayResponse'], codec: relayCodec(0) as Codec<never>, values: RELAYS },
  'relayed cached responses (aged TTLs)': {
    covers: ['relayResponse'],
    codec: relayCodec(25) as Codec<never>,
    values: RELAYS,
  },
  'expanded sections': {
    covers: ['expandSection', 'expandName'],
    codec: expandCodec as Codec<never>,
    values: EXPANDS,
  },
  'scrubbed responses': { covers: ['scrubResponse'], codec: scrubCodec as Codec<never>, values: SCRUBS },
  'TCP framing': { covers: ['frame', 'FrameReader'], codec: frameCodec as Codec<never>, values: FRAMED },
  'TCP length prefix': { covers: ['lengthPrefix'], codec: prefixCodec as Codec<never>, values: FRAMED },
  'TCP framing, batched': { covers: ['frameAll'], codec: batchCodec as Codec<never>, values: FRAMED },
};

/** Exports of src/dns that encode or parse nothing, and where they are tested instead. */
const NOT_CODECS: Record<string, string> = {
  normaliseName: 'text to text (names.property.test.ts)',
  clientUdpLimit: 'a number from a parsed query (wire.property.test.ts)',
  WireError: 'the value parseQuery returns for malformed input (wire-malformed.test.ts)',
  typeName: 'a table lookup',
  atOrAbove: 'a name comparison (test/forward/scrub.test.ts)',
  parseType: 'a table lookup',
  withOwner:
    're-owns pre-encoded record sets; decoded by dns-packet in the alias and CNAME rows (test/route53/answers.test.ts) and the CNAME completion tests (test/forward)',
};

describe.each(Object.entries(TABLE))('round trip with dns-packet: %s', (_name, row) => {
  it(`agrees on ${row.values.length} values`, () => {
    expect(row.values.length).toBeGreaterThan(0);
    for (const v of row.values) roundTrip(row.codec, v as never);
  });
});

describe('the round-trip table', () => {
  it('covers every function src/dns exports', async () => {
    const dir = new URL('../../src/dns/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    const covered = new Set(Object.values(TABLE).flatMap((r) => r.covers));
    const missing: string[] = [];
    for (const f of files) {
      const mod = (await import(new URL(f, dir).href)) as Record<string, unknown>;
      for (const [k, v] of Object.entries(mod)) {
        if (typeof v === 'function' && !covered.has(k) && !(k in NOT_CODECS)) missing.push(`${f}: ${k}`);
      }
    }
    expect(missing, 'add a row to the round-trip table (or a reason to NOT_CODECS)').toEqual([]);
  });

  it('names only functions that exist', async () => {
    const dir = new URL('../../src/dns/', import.meta.url);
    const exported = new Set<string>();
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
      for (const k of Object.keys(await import(new URL(f, dir).href))) exported.add(k);
    }
    const named = [...Object.values(TABLE).flatMap((r) => r.covers), ...Object.keys(NOT_CODECS)];
    expect(named.filter((k) => !exported.has(k))).toEqual([]);
  });
});
