/** The one forwarding key shared by the cache and the coalescing of queries in flight. */
import * as dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { parseQuery, type Query, WireError } from '../../src/dns/query.js';
import { forwardKey } from '../../src/resolve/forward/key.js';
import { UpstreamGroup } from '../../src/upstream/groups.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { addresses, type Harness, makeHarness } from './util.js';

interface Q {
  name?: string;
  type?: dnsPacket.RecordType;
  klass?: 'IN' | 'CH';
  rd?: boolean;
  cd?: boolean;
  ad?: boolean;
  do?: boolean;
}

function query(o: Q = {}): Query {
  const msg = dnsPacket.encode({
    id: 1,
    type: 'query',
    flags:
      (o.rd === false ? 0 : dnsPacket.RECURSION_DESIRED) |
      (o.cd ? dnsPacket.CHECKING_DISABLED : 0) |
      (o.ad ? dnsPacket.AUTHENTIC_DATA : 0),
    questions: [{ name: o.name ?? 'a.example.test', type: o.type ?? 'A', class: o.klass ?? 'IN' }],
    additionals: o.do
      ? [
          {
            type: 'OPT',
            name: '.',
            udpPayloadSize: 1232,
            flags: dnsPacket.DNSSEC_OK,
          } as unknown as dnsPacket.Answer,
        ]
      : [],
  });
  const q = parseQuery(msg);
  if (q instanceof WireError) throw new Error(q.message);
  return q;
}

const defaults = new UpstreamGroup('default', []);
const corp = new UpstreamGroup('corp.example', []);

describe('forwardKey', () => {
  const base = forwardKey(query(), defaults);
  it.each<[string, Q, UpstreamGroup]>([
    ['query type', { type: 'AAAA' }, defaults],
    ['query class', { klass: 'CH' }, defaults],
    ['DO bit', { do: true }, defaults],
    ['CD bit', { cd: true }, defaults],
    ['RD bit', { rd: false }, defaults],
    ['AD bit', { ad: true }, defaults],
    ['name', { name: 'b.example.test' }, defaults],
    ['rule group', {}, corp],
  ])('differs when only the %s differs', (_what, q, group) => {
    expect(forwardKey(query(q), group)).not.toBe(base);
  });

  it('is the same for names that differ only in case', () => {
    expect(forwardKey(query({ name: 'A.Example.TEST' }), defaults)).toBe(base);
  });
});

describe('the cache keys on CD', () => {
  let up: FakeUpstream | undefined;
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    await up?.close();
    h = undefined;
    up = undefined;
  });

  it('does not serve a CD=1 answer to a CD=0 client', async () => {
    // A validating upstream: bogus data only for clients that disabled checking.
    up = await startFakeUpstream({
      answer: (q, packet) => ({
        answers: [
          {
            name: q.name,
            type: 'A',
            ttl: 300,
            data: (packet.flags ?? 0) & dnsPacket.CHECKING_DISABLED ? '192.0.2.66' : '192.0.2.1',
          },
        ],
      }),
    });
    h = makeHarness({ upstreams: [up.hostPort] });
    const cd = await h.ask('signed.example.test', 'A', { cd: true });
    expect(addresses(cd.pkt)).toEqual(['192.0.2.66']);
    const plain = await h.ask('signed.example.test', 'A');
    expect(plain.ctx.source).toBe('forward');
    expect(addresses(plain.pkt)).toEqual(['192.0.2.1']);
    // Each is cached under its own key.
    expect((await h.ask('signed.example.test', 'A', { cd: true })).ctx.source).toBe('cache');
    expect(addresses((await h.ask('signed.example.test', 'A')).pkt)).toEqual(['192.0.2.1']);
    expect(up.count()).toBe(2);
  });
});
