/**
 * The whole server over real sockets: local answers and forwarding, over UDP and TCP, checked
 * with independent clients (dns-packet, Node's resolver (c-ares), dig and kdig).
 */
import { Resolver } from 'node:dns/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/core/server.js';
import { CW_REGIONAL, cloudwatch, cwZonal, dualstackEndpoint, oneVpc } from '../helpers/configs.js';
import {
  addresses,
  decode,
  makeQuery,
  query,
  queryTcp,
  run,
  tcpExchange,
  udpCollect,
  udpExchange,
} from '../helpers/dns-client.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';

const CW_PRIVATE = 'monitoring.us-east-2.amazonaws.com';
const CW = ['10.0.1.23', '10.0.2.23', '10.0.3.23'];
const silent = pino({ level: 'silent' });

let up: FakeUpstream;
let srv: RunningServer;

beforeAll(async () => {
  up = await startFakeUpstream();
  srv = await startServer({
    config: oneVpc([cloudwatch(), dualstackEndpoint('dualstack')]),
    listen: '127.0.0.1:0',
    upstreams: [up.hostPort],
    logger: silent,
  });
});

afterAll(async () => {
  await srv?.close();
  await up?.close();
});

describe('answers over UDP and TCP', () => {
  it('serves UDP and TCP on the same port', () => {
    expect(srv.tcp.port).toBe(srv.udp.port);
    expect(srv.udp.address).toBe('127.0.0.1');
  });

  it.each(['udp', 'tcp'])('answers the private name with every interface over %s', async (t) => {
    const d = t === 'udp' ? await query(srv.udp.port, CW_PRIVATE) : await queryTcp(srv.tcp.port, CW_PRIVATE);
    expect(d.rcode).toBe('NOERROR');
    expect(addresses(d).sort()).toEqual(CW);
  });

  it('answers a zonal name with its AZ only', async () => {
    expect(addresses(await query(srv.udp.port, cwZonal('us-east-2a')))).toEqual(['10.0.1.23']);
  });

  it('forwards other names over UDP, and over TCP when the client used TCP', async () => {
    up.reset();
    const u = await query(srv.udp.port, 'www.example.org');
    expect(addresses(u)).toEqual(['192.0.2.1']);
    expect(up.count('udp')).toBe(1);
    const t = await queryTcp(srv.tcp.port, 'tcp-only.example.org');
    expect(addresses(t)).toEqual(['192.0.2.1']);
    expect(up.count('tcp')).toBe(1);
  });

  it('never sends owned names upstream', async () => {
    up.reset();
    await query(srv.udp.port, CW_REGIONAL);
    await query(srv.udp.port, CW_PRIVATE, { type: 'AAAA' });
    await query(srv.udp.port, `nothere.${CW_PRIVATE}`);
    expect(up.count()).toBe(0);
  });

  it('relays NXDOMAIN and its SOA as the upstream sent them', async () => {
    const d = await query(srv.udp.port, 'nx.example.org');
    expect(d.rcode).toBe('NXDOMAIN');
    expect(d.authorities?.map((a) => a.type)).toEqual(['SOA']);
  });

  it('keeps the client ID and question case on forwarded answers', async () => {
    const raw = await udpExchange(srv.udp.port, makeQuery('WwW.ExAmple.ORG', { id: 4242 }));
    const d = decode(raw);
    expect(d.id).toBe(4242);
    expect(d.questions?.[0].name).toBe('WwW.ExAmple.ORG');
  });

  it('EDNS is per hop: our OPT upstream with DO copied, ours back to the client', async () => {
    up.reset();
    const d = await query(srv.udp.port, 'edns.example.org', { edns: 4096, dnssecOk: true });
    const sent = up.queries[0].packet.additionals?.find((a) => a.type === 'OPT') as unknown as {
      udpPayloadSize: number;
      flags: number;
    };
    expect(sent.udpPayloadSize).toBe(1232);
    expect(sent.flags & 0x8000).toBe(0x8000);
    const opt = d.additionals?.filter((a) => a.type === 'OPT') as unknown as {
      udpPayloadSize: number;
      options: unknown[];
    }[];
    expect(opt).toHaveLength(1);
    expect(opt[0].udpPayloadSize).toBe(1232);
    expect(opt[0].options).toEqual([]); // the fake's NSID option is not relayed
  });

  it('truncates a large answer for a 512-byte client (TC set) and gives it whole over TCP', async () => {
    const u = await query(srv.udp.port, 'big.example.org');
    expect(u.flag_tc).toBe(true);
    const raw = await udpExchange(srv.udp.port, makeQuery('big.example.org'));
    expect(raw.length).toBeLessThanOrEqual(512);
    const t = await queryTcp(srv.tcp.port, 'big.example.org');
    expect(t.flag_tc).toBe(false);
    expect(addresses(t)).toHaveLength(60);
  });

  it('keeps the OPT when truncating for an EDNS client', async () => {
    const raw = await udpExchange(srv.udp.port, makeQuery('big.example.org', { edns: 600 }));
    expect(raw.length).toBeLessThanOrEqual(600);
    const d = decode(raw);
    expect(d.flag_tc).toBe(true);
    expect(d.additionals?.map((a) => a.type)).toEqual(['OPT']);
  });

  it('answers SOA and NS at a private apex itself', async () => {
    up.reset();
    const soa = await query(srv.udp.port, CW_PRIVATE, { type: 'SOA' });
    expect(soa.answers?.map((a) => a.type)).toEqual(['SOA']);
    const ns = await query(srv.udp.port, CW_PRIVATE, { type: 'NS' });
    expect(ns.answers).toHaveLength(4);
    expect(up.count()).toBe(0);
  });
});

describe('bad input', () => {
  it('drops responses (QR=1) and short packets, and keeps serving', async () => {
    const q = makeQuery(CW_PRIVATE);
    q[2] |= 0x80;
    // Proves an absence, so it listens for a fixed, short time (an answer would be back in ms).
    expect(await udpCollect(srv.udp.port, q, 150)).toEqual([]);
    expect(await udpCollect(srv.udp.port, Buffer.from([1, 2, 3]), 150)).toEqual([]);
    expect(addresses(await query(srv.udp.port, CW_PRIVATE)).sort()).toEqual(CW);
  });

  it('answers NOTIMP to other opcodes and FORMERR to QDCOUNT≠1 or a broken question', async () => {
    const notify = makeQuery(CW_PRIVATE);
    notify[2] = (notify[2] & 0x87) | (4 << 3);
    expect(decode(await udpExchange(srv.udp.port, notify)).rcode).toBe('NOTIMP');
    const zero = makeQuery(CW_PRIVATE);
    zero.writeUInt16BE(0, 4);
    const r0 = await udpExchange(srv.udp.port, zero);
    expect(r0[3] & 0xf).toBe(1);
    const two = makeQuery(CW_PRIVATE);
    two.writeUInt16BE(2, 4);
    expect((await udpExchange(srv.udp.port, two))[3] & 0xf).toBe(1);
    const broken = Buffer.concat([makeQuery(CW_PRIVATE).subarray(0, 12), Buffer.from([63, 1, 2])]);
    expect((await udpExchange(srv.udp.port, broken))[3] & 0xf).toBe(1);
  });

  it('answers BADVERS to EDNS version 1', async () => {
    const q = makeQuery(CW_PRIVATE, { edns: 1232 });
    // OPT is last (11 bytes, no options): its TTL bytes are [ext-rcode, version, flags, flags].
    q[q.length - 5] = 1;
    const d = decode(await udpExchange(srv.udp.port, q));
    const opt = d.additionals?.find((a) => a.type === 'OPT') as unknown as { extendedRcode: number };
    expect(opt.extendedRcode).toBe(1); // 16 = BADVERS: upper bits 1, header rcode 0
    expect(d.answers ?? []).toEqual([]);
  });
});

describe('TCP framing', () => {
  it('handles a message split over writes, several in one write, and pipelining', async () => {
    const a = makeQuery(CW_PRIVATE, { id: 1 });
    const b = makeQuery('pipelined.example.org', { id: 2 });
    const c = makeQuery(cwZonal('us-east-2c'), { id: 3 });
    const answers = await tcpExchange(srv.tcp.port, [a, b, c]);
    const byId = new Map(answers.map((r) => [decode(r).id, decode(r)]));
    expect(addresses(byId.get(1)!).sort()).toEqual(CW);
    expect(addresses(byId.get(2)!)).toEqual(['192.0.2.1']);
    expect(addresses(byId.get(3)!)).toEqual(['10.0.3.23']);
  });

  it('reassembles a message that arrives one byte at a time', async () => {
    const { connect } = await import('node:net');
    const msg = makeQuery(CW_PRIVATE, { id: 77 });
    const framed = Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 0xff]), msg]);
    const got = await new Promise<Buffer>((resolve, reject) => {
      const s = connect(srv.tcp.port, '127.0.0.1');
      let buf = Buffer.alloc(0);
      s.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          s.destroy();
          resolve(buf.subarray(2));
        }
      });
      s.on('error', reject);
      let i = 0;
      const step = () => {
        if (i < framed.length) {
          s.write(framed.subarray(i, i + 1));
          i++;
          setTimeout(step, 2);
        }
      };
      step();
    });
    expect(decode(got).id).toBe(77);
    expect(addresses(decode(got)).sort()).toEqual(CW);
  });
});

describe('independent clients', () => {
  it("Node's resolver (c-ares) resolves private, vpce and forwarded names, and sees NODATA", async () => {
    const r = new Resolver({ timeout: 2000, tries: 1 });
    r.setServers([`127.0.0.1:${srv.udp.port}`]);
    expect((await r.resolve4(CW_PRIVATE)).sort()).toEqual(CW);
    expect(await r.resolve4(cwZonal('us-east-2b'))).toEqual(['10.0.2.23']);
    expect((await r.resolve6('ssm.us-east-2.amazonaws.com')).sort()).toEqual([
      '2600:1f16:1:a01::60',
      '2600:1f16:1:a02::60',
    ]);
    expect(await r.resolve4('forwarded.example.org')).toEqual(['192.0.2.1']);
    await expect(r.resolve6(CW_PRIVATE)).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(r.resolve4(`nothere.${CW_PRIVATE}`)).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it.each([
    ['dig', []],
    ['dig', ['+tcp']],
    ['kdig', []],
    ['kdig', ['+tcp']],
  ])('%s %s gets the interface addresses', async (tool, extra) => {
    const out = await run(tool, ['@127.0.0.1', '-p', String(srv.udp.port), ...extra, '+short', CW_PRIVATE]);
    expect(out.trim().split('\n').sort()).toEqual(CW);
  });

  it('dig retries a truncated answer over TCP and gets all of it', async () => {
    const out = await run('dig', [
      '@127.0.0.1',
      '-p',
      String(srv.udp.port),
      '+noedns',
      '+short',
      'big.example.org',
    ]);
    expect(out.trim().split('\n')).toHaveLength(60);
  });

  it('dig sees NOERROR with the SOA for a missing type (NODATA), and NXDOMAIN under the apex', async () => {
    const nodata = await run('dig', ['@127.0.0.1', '-p', String(srv.udp.port), CW_PRIVATE, 'AAAA']);
    expect(nodata).toMatch(/status: NOERROR/);
    expect(nodata).toMatch(/ANSWER: 0, AUTHORITY: 1/);
    expect(nodata).toMatch(
      /monitoring\.us-east-2\.amazonaws\.com\.\s+900\s+IN\s+SOA\s+ns-1536\.awsdns-00\.co\.uk\./,
    );
    const nx = await run('dig', ['@127.0.0.1', '-p', String(srv.udp.port), `x.${CW_PRIVATE}`]);
    expect(nx).toMatch(/status: NXDOMAIN/);
    expect(nx).toMatch(/flags: qr rd ra;/);
  });
});

describe('IPv6 and failures', () => {
  it('listens on [::1]', async () => {
    const s6 = await startServer({
      config: oneVpc([cloudwatch()]),
      listen: '[::1]:0',
      upstreams: [up.hostPort],
      logger: silent,
    });
    try {
      expect(s6.udp.address).toBe('::1');
      const d = await query(s6.udp.port, CW_PRIVATE, { host: '::1' });
      expect(addresses(d).sort()).toEqual(CW);
      const t = await queryTcp(s6.tcp.port, CW_PRIVATE, { host: '::1' });
      expect(addresses(t).sort()).toEqual(CW);
    } finally {
      await s6.close();
    }
  });

  it('answers SERVFAIL, never silence, when the upstream does not answer', async () => {
    const dead = await startFakeUpstream({ behaviour: 'dead' });
    const s = await startServer({
      config: oneVpc([cloudwatch()], { forwarder: { attemptTimeoutMs: 100, deadlineMs: 300 } }),
      listen: '127.0.0.1:0',
      upstreams: [dead.hostPort],
      logger: silent,
    });
    try {
      const d = await query(s.udp.port, 'www.example.org');
      expect(d.rcode).toBe('SERVFAIL');
      // Owned names still answer.
      expect(addresses(await query(s.udp.port, CW_PRIVATE)).sort()).toEqual(CW);
    } finally {
      await s.close();
      await dead.close();
    }
  });
});
