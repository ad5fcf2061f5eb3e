/** Not loopable: self as upstream refused, our own queries coming back answered SERVFAIL. */

import * as dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamIsSelfError } from '../../src/upstream/errors.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { edeOf, type Harness, makeHarness, rcodeOf } from './util.js';

let ups: FakeUpstream[] = [];
let hs: Harness[] = [];
afterEach(async () => {
  await Promise.all(hs.map((h) => h.close()));
  hs = [];
  await Promise.all(ups.map((u) => u.close()));
  ups = [];
});

describe('loops', () => {
  it('answers SERVFAIL with an EDE and a log line when its own query comes back', async () => {
    const up = await startFakeUpstream();
    ups.push(up);
    const h = makeHarness({ upstreams: [up.hostPort], config: { cache: false } });
    hs.push(h);
    await h.ask('loop.example.test', 'A');
    const ours = up.queries[0].raw;
    expect(h.fwd.isOwnOutgoing(ours)).toBe(true);
    const { raw } = await h.askRaw(ours);
    const pkt = dnsPacket.decode(raw!);
    expect(rcodeOf(pkt)).toBe('SERVFAIL');
    expect(edeOf(pkt)).toEqual([0, 'forwarding loop detected']);
    expect(up.count()).toBe(1);
    expect(h.logs.some((l) => String(l.msg).includes('forwarding loop'))).toBe(true);
    expect(h.metrics.value('forward_loops')).toBe(1);
  });

  it('detects A → B → A through another instance', async () => {
    const up = await startFakeUpstream();
    ups.push(up);
    const a = makeHarness({ upstreams: [up.hostPort], config: { cache: false } });
    const b = makeHarness({ upstreams: [up.hostPort], config: { cache: false } });
    hs.push(a, b);
    await a.ask('loop.example.test', 'A', { id: 1 });
    const fromA = up.queries[0].raw;
    expect(b.fwd.isOwnOutgoing(fromA)).toBe(false);
    // B forwards A's query on (carrying A's marker) ...
    up.reset();
    await b.askRaw(fromA);
    const fromB = up.queries[0].raw;
    // ... and when it reaches A again, A recognises it.
    expect(a.fwd.isOwnOutgoing(fromB)).toBe(true);
    const { raw } = await a.askRaw(fromB);
    expect(rcodeOf(dnsPacket.decode(raw!))).toBe('SERVFAIL');
  });

  it('does not mistake a normal client query for a loop', async () => {
    const up = await startFakeUpstream();
    ups.push(up);
    const h = makeHarness({ upstreams: [up.hostPort], config: { cache: false } });
    hs.push(h);
    const { pkt } = await h.ask('a.example.test', 'A', { options: [{ code: 10, data: Buffer.alloc(8, 1) }] });
    expect(rcodeOf(pkt)).toBe('NOERROR');
  });

  it('refuses an upstream that is this server at startup', () => {
    expect(() =>
      makeHarness({ upstreams: ['127.0.0.1:5353'], self: [{ address: '127.0.0.1', port: 5353 }] }),
    ).toThrow(UpstreamIsSelfError);
    expect(() =>
      makeHarness({ upstreams: ['127.0.0.1:5353'], self: [{ address: '0.0.0.0', port: 5353 }] }),
    ).toThrow(UpstreamIsSelfError);
    const ok = makeHarness({ upstreams: ['127.0.0.1:5354'], self: [{ address: '127.0.0.1', port: 5353 }] });
    hs.push(ok);
    expect(ok.fwd.upstreams()).toHaveLength(1);
  });
});
