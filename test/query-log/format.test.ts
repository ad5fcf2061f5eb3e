/**
 * The query log's byte encoder against the line as an object: for every entry, LineEncoder writes
 * exactly `JSON.stringify(queryLogLine(entry))` and a newline (constant parts encoded once, the
 * JSON escaping of names, TXT strings and addresses only when they need it), over a table of
 * answers of every kind and random names, rdata and addresses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RRType } from '../../src/dns/constants.js';
import { readName } from '../../src/dns/names.js';
import type { CompiledRule, Verdict } from '../../src/route53/firewall/model.js';
import {
  LineEncoder,
  lineHead,
  type QueryLogEntry,
  queryLogLine,
} from '../../src/route53/query-log/format.js';
import { fuzzSeeds } from '../robustness/seeds.js';

const seeds = fuzzSeeds('query log format');

/** Wire labels of a name given as raw label bytes. */
function wireName(labels: number[][]): number[] {
  const out: number[] = [];
  for (const l of labels) out.push(l.length, ...l);
  out.push(0);
  return out;
}

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const labelsOf = (name: string) => (name === '' ? [] : name.split('.').map(ascii));

interface Rr {
  type: number;
  rdata: number[];
  cls?: number;
}

/** A response: header (rcode), the question, and answers owned by a pointer to the question. */
function response(qlabels: number[][], rcode: number, answers: Rr[], qtype = 1): Buffer {
  const q = wireName(qlabels);
  const bytes = [0x12, 0x34, 0x81, 0x80 | rcode, 0, 1, 0, answers.length, 0, 0, 0, 0];
  bytes.push(...q, qtype >> 8, qtype & 255, 0, 1);
  for (const a of answers) {
    const cls = a.cls ?? 1;
    bytes.push(0xc0, 0x0c, a.type >> 8, a.type & 255, cls >> 8, cls & 255, 0, 0, 0, 60);
    bytes.push(a.rdata.length >> 8, a.rdata.length & 255, ...a.rdata);
  }
  return Buffer.from(bytes);
}

const rule = (action: 'ALLOW' | 'ALERT' | 'BLOCK'): CompiledRule =>
  ({
    kind: 'rule',
    name: 'r',
    action,
    group: { id: 'rslvr-frg-0123456789abcdef0', name: 'g', rules: [] },
    list: { id: 'rslvr-fdl-0123456789abcdef0', name: 'l', index: 0, size: 1 },
  }) as unknown as CompiledRule;

const HEAD = lineHead('111122223333', 'us-east-2', 'vpc-0a1b2c3d4e5f60718');

function entry(over: Partial<QueryLogEntry> & { response: Buffer }): QueryLogEntry {
  const qname = readName(over.response, 12)?.name ?? 'x';
  return {
    time: Date.UTC(2026, 11, 1, 23, 47, 53, 120),
    head: HEAD,
    qname,
    qtype: 1,
    qclass: 1,
    srcaddr: '127.0.0.1',
    srcport: 53700,
    transport: 'udp',
    firewall: null,
    ...over,
  };
}

/**
 * What the encoder writes for `entries` (taking its bytes every `takeEvery` lines, as the writer
 * does), and what JSON.stringify says it must.
 */
function both(entries: QueryLogEntry[], takeEvery = 0): { got: string; want: string } {
  const enc = new LineEncoder();
  const parts: Buffer[] = [];
  entries.forEach((e, i) => {
    enc.line(e);
    if (takeEvery > 0 && i % takeEvery === 0) parts.push(enc.take(enc.pos));
  });
  parts.push(enc.take(enc.pos));
  const got = Buffer.concat(parts).toString('utf8');
  const want = entries.map((e) => `${JSON.stringify(queryLogLine(e))}\n`).join('');
  return { got, want };
}

const v6 = (text: string): number[] => {
  const groups = text.split(':').map((g) => Number.parseInt(g, 16));
  return groups.flatMap((g) => [g >> 8, g & 255]);
};

const name = (n: string) => wireName(labelsOf(n));
const q = labelsOf('www.example.com');

describe('the encoder writes the line JSON.stringify writes', () => {
  it.each<[string, QueryLogEntry]>([
    [
      'A answers',
      entry({
        response: response(
          q,
          0,
          [1, 2, 3].map((i) => ({ type: 1, rdata: [10, 0, i, 255] })),
        ),
      }),
    ],
    [
      'A of every octet width',
      entry({
        response: response(q, 0, [
          { type: 1, rdata: [0, 9, 10, 99] },
          { type: 1, rdata: [100, 199, 200, 255] },
        ]),
      }),
    ],
    ['no answers, NXDOMAIN', entry({ response: response(q, 3, []) })],
    ['SERVFAIL', entry({ response: response(q, 2, []) })],
    ['an rcode without a name', entry({ response: response(q, 12, []) })],
    ['a response shorter than a header', entry({ response: Buffer.from([1, 2, 3]) })],
    [
      'an answer running past the end',
      entry({ response: response(q, 0, [{ type: 1, rdata: [1, 2, 3, 4] }]).subarray(0, 50) }),
    ],
    [
      'AAAA',
      entry({ qtype: 28, response: response(q, 0, [{ type: 28, rdata: v6('2001:db8:0:0:0:0:0:1') }]) }),
    ],
    ['AAAA ::', entry({ response: response(q, 0, [{ type: 28, rdata: v6('0:0:0:0:0:0:0:0') }]) })],
    [
      'AAAA ::1 and 1::',
      entry({
        response: response(q, 0, [
          { type: 28, rdata: v6('0:0:0:0:0:0:0:1') },
          { type: 28, rdata: v6('1:0:0:0:0:0:0:0') },
        ]),
      }),
    ],
    [
      'AAAA longest run second',
      entry({ response: response(q, 0, [{ type: 28, rdata: v6('2001:0:0:1:0:0:0:1') }]) }),
    ],
    ['AAAA equal runs', entry({ response: response(q, 0, [{ type: 28, rdata: v6('1:0:0:2:0:0:3:4') }]) })],
    ['AAAA single zero', entry({ response: response(q, 0, [{ type: 28, rdata: v6('1:0:2:3:4:5:6:7') }]) })],
    ['AAAA mapped', entry({ response: response(q, 0, [{ type: 28, rdata: v6('0:0:0:0:0:ffff:a00:1') }]) })],
    ['AAAA of a wrong length', entry({ response: response(q, 0, [{ type: 28, rdata: [1, 2, 3] }]) })],
    [
      'CNAME then A',
      entry({
        response: response(q, 0, [
          { type: 5, rdata: name('target.example.net') },
          { type: 1, rdata: [192, 0, 2, 1] },
        ]),
      }),
    ],
    [
      'NS, PTR, MX, SRV',
      entry({
        response: response(q, 0, [
          { type: 2, rdata: name('ns1.example') },
          { type: 12, rdata: name('') },
          { type: 15, rdata: [0, 10, ...name('mx.example')] },
          { type: 33, rdata: [0, 1, 0, 2, 0x01, 0xbb, ...name('svc.example')] },
        ]),
      }),
    ],
    [
      'SOA',
      entry({
        response: response(q, 0, [
          { type: 6, rdata: [...name('ns.example'), ...name('hostmaster.example'), ...Array(20).fill(7)] },
        ]),
      }),
    ],
    [
      'TXT with quotes, backslashes, control and high bytes',
      entry({
        response: response(q, 0, [
          { type: 16, rdata: [5, 0x22, 0x5c, 0x01, 0xe9, 0x7f, 3, 0x61, 0x62, 0x63, 0] },
        ]),
      }),
    ],
    [
      'a name with odd bytes in its rdata',
      entry({
        response: response(q, 0, [
          { type: 5, rdata: wireName([[0x22, 0x5c, 0x20, 0x2e, 0x00, 0xff], ascii('example')]) },
        ]),
      }),
    ],
    [
      'unknown type, empty rdata, class CH',
      entry({
        response: response(q, 0, [
          { type: 65280, rdata: [0xde, 0xad] },
          { type: 257, rdata: [], cls: 3 },
        ]),
      }),
    ],
    [
      'a query name with quotes and escapes',
      entry({ response: response([[0x22, 0x5c, 0x41, 0x2e, 0x01], ascii('example')], 0, []) }),
    ],
    ['the root', entry({ response: response([], 0, []) })],
    [
      'TCP, IPv6 client with a zone, port 0',
      entry({ transport: 'tcp', srcaddr: 'fe80::1%eth0', srcport: 0, response: response(q, 0, []) }),
    ],
    ['ports of every width', entry({ srcport: 65535, response: response(q, 0, []) })],
    ['a BLOCK rule', entry({ firewall: rule('BLOCK'), response: response(q, 3, []) })],
    ['an ALERT rule', entry({ firewall: rule('ALERT'), response: response(q, 0, []) })],
    [
      'the fail-closed verdict (no rule fields)',
      entry({ firewall: { kind: 'fail-closed', matches: 0 } as Verdict, response: response(q, 2, []) }),
    ],
    [
      'query type and class by number',
      entry({ qtype: 65280, qclass: 254, response: response(q, 0, [], 65280) }),
    ],
    [
      'a head with characters JSON escapes',
      entry({ head: lineHead('12"3\\4', 'eu-west-1\u2028', 'vpc-é'), response: response(q, 0, []) }),
    ],
  ])('%s', (_, e) => {
    const { got, want } = both([e]);
    expect(got).toBe(want);
  });

  it('lines across seconds, over several buffers, taken as they come', () => {
    const entries: QueryLogEntry[] = [];
    for (let i = 0; i < 2000; i++)
      entries.push(
        entry({
          time: Date.UTC(2026, 0, 1) + i * 137,
          srcport: [0, 7, 42, 999, 1234, 65535][i % 6],
          firewall: i % 7 === 0 ? rule('ALLOW') : null,
          response: response(q, i % 4, [{ type: 1, rdata: [i & 255, 1, 2, 3] }]),
        }),
      );
    const { got, want } = both(entries, 7);
    expect(got).toBe(want);
    expect(got.length).toBeGreaterThan(2 * 256 * 1024);
    expect(got.split('\n')).toHaveLength(2001);
  });

  it('random names, TXT data, addresses and ports', () => {
    const label = fc.uint8Array({ minLength: 1, maxLength: 12 }).map((b) => [...b]);
    const labels = fc.array(label, { minLength: 0, maxLength: 4 });
    const rr = fc.oneof(
      fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b): Rr => ({ type: 1, rdata: [...b] })),
      fc
        .array(fc.constantFrom(0, 0, 0, 1, 0xffff, 0xdb8, 0xabc), { minLength: 8, maxLength: 8 })
        .map((g): Rr => ({ type: 28, rdata: g.flatMap((x) => [x >> 8, x & 255]) })),
      fc
        .uint8Array({ minLength: 0, maxLength: 40 })
        .map(
          (b): Rr => ({ type: 16, rdata: b.length ? [Math.min(b.length - 1, 255), ...b.subarray(1)] : [] }),
        ),
      labels.map((l): Rr => ({ type: 5, rdata: wireName(l) })),
      fc.uint8Array({ minLength: 0, maxLength: 10 }).map((b): Rr => ({ type: 99, rdata: [...b] })),
    );
    const srcaddr = fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 8 }));
    for (const { seed } of seeds)
      fc.assert(
        fc.property(
          labels,
          fc.array(rr, { maxLength: 5 }),
          srcaddr,
          fc.integer({ min: 0, max: 65535 }),
          fc.integer({ min: 0, max: 15 }),
          (ql, answers, addr, port, rcode) => {
            const res = response(ql, rcode, answers);
            const e = entry({ response: res, srcaddr: addr, srcport: port, qtype: RRType.TXT });
            const { got, want } = both([e]);
            expect(got).toBe(want);
          },
        ),
        { seed, numRuns: 300 },
      );
  });
});

describe('the encoder caches', () => {
  const res = response(q, 0, [{ type: 1, rdata: [192, 0, 2, 1] }]);
  const lineOf = (enc: LineEncoder, e: QueryLogEntry) => {
    enc.line(e);
    return JSON.parse(enc.take(enc.pos).toString('utf8'));
  };

  it('the timestamp changes when the second changes, not within it', () => {
    const enc = new LineEncoder();
    const t = Date.UTC(2026, 11, 1, 23, 59, 59, 0);
    const stamps = [0, 999, 1000, 1999, 2000].map(
      (d) => lineOf(enc, entry({ time: t + d, response: res })).query_timestamp,
    );
    expect(stamps).toEqual([
      '2026-12-01T23:59:59Z',
      '2026-12-01T23:59:59Z',
      '2026-12-02T00:00:00Z',
      '2026-12-02T00:00:00Z',
      '2026-12-02T00:00:01Z',
    ]);
  });

  it('a new line head (a reload) is used within the same second', () => {
    const enc = new LineEncoder();
    const before = lineOf(enc, entry({ response: res }));
    const head = lineHead('444455556666', 'eu-west-1', 'vpc-0fedcba9876543210');
    const after = lineOf(enc, entry({ head, response: res }));
    expect([before.account_id, before.region, before.vpc_id]).toEqual([
      '111122223333',
      'us-east-2',
      'vpc-0a1b2c3d4e5f60718',
    ]);
    expect([after.account_id, after.region, after.vpc_id]).toEqual([
      '444455556666',
      'eu-west-1',
      'vpc-0fedcba9876543210',
    ]);
    expect(after.query_timestamp).toBe(before.query_timestamp);
  });

  it('client addresses, types and rcodes each get their own fragment, past the cache size', () => {
    const enc = new LineEncoder();
    const entries: QueryLogEntry[] = [];
    for (let i = 0; i < 3000; i++)
      entries.push(
        entry({
          srcaddr: `10.${(i >> 8) & 255}.${i & 255}.${i % 7}`,
          qtype: [1, 28, 16, 65280][i % 4],
          response: response(q, i % 5, []),
        }),
      );
    for (const e of [...entries, ...entries]) enc.line(e);
    const lines = enc
      .take(enc.pos)
      .toString('utf8')
      .split('\n')
      .filter((l) => l)
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(6000);
    lines.forEach((l, i) => {
      const want = queryLogLine(entries[i % 3000]);
      expect([l.srcaddr, l.query_type, l.rcode]).toEqual([want.srcaddr, want.query_type, want.rcode]);
    });
  });

  it('AAAA rdata written from the bytes is formatAddress text, for random addresses', () => {
    for (const { seed } of seeds)
      fc.assert(
        fc.property(
          fc.array(fc.constantFrom(0, 0, 0, 1, 0x10, 0x100, 0x1000, 0xffff, 0xabc), {
            minLength: 8,
            maxLength: 8,
          }),
          (g) => {
            const rdata = g.flatMap((x) => [x >> 8, x & 255]);
            const e = entry({ qtype: 28, response: response(q, 0, [{ type: 28, rdata }]) });
            const { got, want } = both([e]);
            expect(got).toBe(want);
          },
        ),
        { seed, numRuns: 300 },
      );
  });
});
