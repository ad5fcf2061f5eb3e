/**
 * Queries answered here and never sent upstream: other classes (CHAOS version.bind and friends,
 * Hesiod), zone transfers of names we do not own, TSIG-signed queries; and the FORMERR to an
 * EDNS query carries an OPT (RFC 6891 §7).
 */
import * as dnsPacket from 'dns-packet';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/core/server.js';
import { cloudwatch, oneVpc } from '../helpers/configs.js';
import { decode, makeQuery, query, queryTcp, udpExchange } from '../helpers/dns-client.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';

let up: FakeUpstream;
let server: RunningServer;
beforeAll(async () => {
  up = await startFakeUpstream();
  server = await startServer({
    config: oneVpc([cloudwatch()], { upstreams: [up.hostPort] }),
    listen: '127.0.0.1:0',
    logger: pino({ level: 'silent' }),
    watch: false,
  });
});
afterAll(async () => {
  await server?.close();
  await up?.close();
});

const optOf = (d: dnsPacket.Packet) => (d.additionals ?? []).find((a) => a.type === 'OPT');

describe('answered REFUSED here, never forwarded', () => {
  it.each([
    ['version.bind', 'TXT', 'CH'],
    ['hostname.bind', 'TXT', 'CH'],
    ['id.server', 'TXT', 'CH'],
    ['example.org', 'A', 'HS'],
    ['example.org', 'AXFR', 'IN'],
    ['example.org', 'IXFR', 'IN'],
  ])('%s %s class %s', async (name, type, klass) => {
    up.reset();
    const d = await query(server.udp.port, name, { type, class: klass });
    expect(d.rcode).toBe('REFUSED');
    expect(d.answers ?? []).toEqual([]);
    if (type !== 'AXFR' && type !== 'IXFR') {
      const t = await queryTcp(server.udp.port, name, { type, class: klass });
      expect(t.rcode).toBe('REFUSED');
    }
    expect(up.count()).toBe(0);
  });

  it('a TSIG-signed query is refused, not answered as if unsigned', async () => {
    up.reset();
    const msg = dnsPacket.encode({
      type: 'query',
      id: 4242,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ name: 'www.example.org', type: 'A', class: 'IN' }],
      additionals: [
        {
          type: 'OPT',
          name: '.',
          udpPayloadSize: 1232,
          flags: 0,
          options: [],
        } as unknown as dnsPacket.Answer,
        {
          // A TSIG record: name = key name, type 250, class ANY, ttl 0, some rdata.
          type: 'UNKNOWN_250' as dnsPacket.RecordType,
          name: 'key.example.',
          class: 'ANY',
          ttl: 0,
          data: Buffer.from('0b686d61632d73686132353600', 'hex'),
        } as unknown as dnsPacket.Answer,
      ],
    });
    expect(msg.readUInt16BE(msg.length - 2 - 13 - 8)).toBe(250);
    const d = decode(await udpExchange(server.udp.port, msg));
    expect(d.id).toBe(4242);
    expect(d.rcode).toBe('REFUSED');
    expect(d.answers ?? []).toEqual([]);
    expect(optOf(d)).toBeDefined();
    expect(up.count()).toBe(0);
    expect(server.metrics.value('malformed_queries', { reason: 'signed' })).toBeGreaterThan(0);
  });
});

describe('FORMERR to an EDNS query', () => {
  it('carries an OPT when the query had one and a record after it is broken', async () => {
    const good = makeQuery('www.example.org', { edns: 1232, dnssecOk: true });
    // Claim one more additional record than there is: the parser meets a record that runs out.
    const bad = Buffer.concat([good, Buffer.from([0, 0, 1])]);
    bad.writeUInt16BE(bad.readUInt16BE(10) + 1, 10);
    const d = decode(await udpExchange(server.udp.port, bad));
    expect(d.rcode).toBe('FORMERR');
    const opt = optOf(d) as { udpPayloadSize?: number; flags?: number } | undefined;
    expect(opt).toBeDefined();
    expect((opt?.flags ?? 0) & dnsPacket.DNSSEC_OK).toBe(dnsPacket.DNSSEC_OK);
  });

  it('carries an OPT when the OPT options themselves are malformed', async () => {
    const good = makeQuery('www.example.org', { edns: 1232 });
    // Rewrite the OPT's RDLENGTH to 2 and append two bytes: an option header cut short.
    const bad = Buffer.concat([good.subarray(0, good.length - 2), Buffer.from([0, 2, 0, 10])]);
    const d = decode(await udpExchange(server.udp.port, bad));
    expect(d.rcode).toBe('FORMERR');
    expect(optOf(d)).toBeDefined();
  });

  it('has no OPT when the query had none', async () => {
    const good = makeQuery('www.example.org');
    const bad = Buffer.concat([good, Buffer.from([0, 0, 1])]);
    bad.writeUInt16BE(bad.readUInt16BE(10) + 1, 10);
    const d = decode(await udpExchange(server.udp.port, bad));
    expect(d.rcode).toBe('FORMERR');
    expect(optOf(d)).toBeUndefined();
  });
});
