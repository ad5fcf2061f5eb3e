/** RFC 5452: replies are accepted only from where the query went, with its ID and its question. */
import { afterEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../helpers/clock.js';
import { type FakeBehaviour, type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { poll } from '../helpers/poll.js';
import { addresses, type Harness, makeHarness, rcodeOf } from './util.js';

let ups: FakeUpstream[] = [];
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  await Promise.all(ups.map((u) => u.close()));
  ups = [];
});

const cases: [FakeBehaviour, string][] = [
  ['wrong-id', 'unknown-id'],
  ['wrong-question', 'wrong-question'],
];

describe('spoofing resistance', () => {
  it.each(cases)(
    'drops a reply with the %s, counts it and waits for the real one',
    async (behaviour, reason) => {
      const up = await startFakeUpstream({ behaviour, thenAnswer: true });
      ups.push(up);
      // Generous timeouts: the genuine reply comes 20 ms after the spoofed one, however loaded the machine.
      h = makeHarness({
        upstreams: [up.hostPort],
        config: { cache: false, forwarder: { attemptTimeoutMs: 5000, deadlineMs: 10_000 } },
      });
      const { pkt } = await h.ask('a.example.test', 'A');
      expect(addresses(pkt)).toEqual(['192.0.2.1']);
      expect(h.metrics.value('upstream_replies_dropped', { reason })).toBe(1);
    },
  );

  it.each(cases)('answers SERVFAIL when only a reply with the %s arrives', async (behaviour, reason) => {
    const up = await startFakeUpstream({ behaviour });
    ups.push(up);
    const clock = fakeClock();
    h = makeHarness({ upstreams: [up.hostPort], config: { cache: false } });
    const pending = h.ask('a.example.test', 'A');
    // The bad reply has come and been dropped; then the deadline (2000 ms) passes.
    await poll('the dropped reply', () => h?.metrics.value('upstream_replies_dropped', { reason }) === 1);
    await clock.advance(2000);
    const { pkt } = await pending;
    expect(rcodeOf(pkt)).toBe('SERVFAIL');
    expect(addresses(pkt)).toEqual([]);
  });

  it('never sees a reply from another port of the upstream (the connected socket drops it in the kernel)', async () => {
    const up = await startFakeUpstream({ behaviour: 'wrong-port', thenAnswer: true });
    ups.push(up);
    h = makeHarness({
      upstreams: [up.hostPort],
      config: { cache: false, forwarder: { attemptTimeoutMs: 5000, deadlineMs: 10_000 } },
    });
    const { pkt } = await h.ask('a.example.test', 'A');
    expect(addresses(pkt)).toEqual(['192.0.2.1']);
    expect(h.metrics.value('upstream_replies_dropped', { reason: 'wrong-source' })).toBe(0);
  });

  it('takes the first of two replies and drops the second', async () => {
    const up = await startFakeUpstream({ behaviour: 'twice' });
    ups.push(up);
    h = makeHarness({ upstreams: [up.hostPort], config: { cache: false } });
    const { pkt } = await h.ask('a.example.test', 'A');
    expect(addresses(pkt)).toEqual(['192.0.2.1']);
    await expect.poll(() => h!.metrics.value('upstream_replies_dropped', { reason: 'unknown-id' })).toBe(1);
    up.behaviour = 'answer';
    const again = await h.ask('b.example.test', 'A');
    expect(addresses(again.pkt)).toEqual(['192.0.2.1']);
  });

  it('sends from several random source ports', async () => {
    const up = await startFakeUpstream();
    ups.push(up);
    h = makeHarness({ upstreams: [up.hostPort], config: { cache: false } });
    for (let i = 0; i < 30; i++) await h.ask(`n${i}.example.test`, 'A');
    const ports = new Set(up.queries.map((q) => q.from.port));
    expect(ports.size).toBeGreaterThan(3);
  });
});
