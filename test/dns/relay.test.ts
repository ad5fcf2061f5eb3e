/** relayResponse: the upstream's OPT is replaced by ours, whatever its position. */
import * as dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { parseQuery, type Query, WireError } from '../../src/dns/query.js';
import { relayResponse, scanMessage } from '../../src/dns/relay.js';
import { makeQuery } from '../helpers/dns-client.js';

const opt = {
  type: 'OPT',
  name: '.',
  udpPayloadSize: 4096,
  flags: 0,
  options: [],
} as unknown as dnsPacket.Answer;

function upstream(additionals: dnsPacket.Answer[]): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id: 7,
    flags: 0x8180,
    questions: [{ name: 'a.example.org', type: 'A', class: 'IN' }],
    answers: [{ type: 'A', name: 'a.example.org', ttl: 60, data: '192.0.2.1' }],
    authorities: [{ type: 'NS', name: 'example.org', ttl: 60, data: 'ns1.example.org' }],
    additionals,
  });
}

function relay(up: Buffer, edns: boolean) {
  const msg = makeQuery('A.example.org', { id: 99, edns: edns ? 1232 : undefined });
  const q = parseQuery(msg) as Query;
  expect(q).not.toBeInstanceOf(WireError);
  const out = relayResponse(up, scanMessage(up)!, msg, q, 1232);
  return dnsPacket.decode(out);
}

describe('relayResponse', () => {
  it('keeps additional records before the OPT and gives the client our OPT', () => {
    const d = relay(
      upstream([{ type: 'A', name: 'ns1.example.org', ttl: 60, data: '192.0.2.53' }, opt]),
      true,
    );
    expect(d.id).toBe(99);
    expect(d.questions?.[0].name).toBe('A.example.org');
    expect(d.additionals?.map((a) => a.type)).toEqual(['A', 'OPT']);
    expect((d.additionals![1] as unknown as { udpPayloadSize: number }).udpPayloadSize).toBe(1232);
  });

  it('leaves out additional records that follow an OPT in the middle, so no name is corrupted', () => {
    const d = relay(
      upstream([opt, { type: 'A', name: 'ns1.example.org', ttl: 60, data: '192.0.2.53' }]),
      false,
    );
    expect(d.answers?.map((a) => (a as { data: unknown }).data)).toEqual(['192.0.2.1']);
    expect(d.authorities?.map((a) => (a as { data: unknown }).data)).toEqual(['ns1.example.org']);
    expect(d.additionals ?? []).toEqual([]);
  });
});
