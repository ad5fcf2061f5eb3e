/** Several upstreams: policy, failover within the deadline, passive health, coalescing, cap. */
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../helpers/clock.js';
import { poll } from '../helpers/poll.js';
import { addresses, edeOf, forwardFixtures, type Harness, rcodeOf } from './util.js';

const { fake, harness } = forwardFixtures();
let h: Harness | undefined;
const noCache = { cache: false } as const;

describe('failover', () => {
  it.each([
    ['dead', 'timeout'],
    ['servfail', 'servfail'],
    ['refused', 'refused'],
  ] as const)('moves on to the next upstream when the first is %s', async (behaviour, reason) => {
    const bad = await fake({ behaviour });
    const good = await fake();
    const clock = fakeClock();
    h = harness({ upstreams: [bad.hostPort, good.hostPort], config: noCache });
    const pending = h.ask('a.example.test', 'A');
    await poll('the query at the first upstream', () => bad.count() === 1);
    // A dead one fails when the attempt timeout (1000 ms) passes on the clock.
    if (behaviour === 'dead') await clock.advance(1000);
    const { pkt } = await pending;
    expect(rcodeOf(pkt)).toBe('NOERROR');
    expect(addresses(pkt)).toEqual(['192.0.2.1']);
    expect(bad.count()).toBe(1);
    expect(good.count()).toBe(1);
    expect(h.metrics.value('upstream_failures', { upstream: bad.hostPort, reason })).toBe(1);
  });

  it('answers SERVFAIL only when every upstream failed', async () => {
    const a = await fake({ behaviour: 'servfail' });
    const b = await fake({ behaviour: 'refused' });
    h = harness({ upstreams: [a.hostPort, b.hostPort], config: noCache });
    const { pkt } = await h.ask('a.example.test', 'A', { edns: true });
    expect(rcodeOf(pkt)).toBe('SERVFAIL');
    expect(edeOf(pkt)).toEqual([22, 'every upstream failed']);
    expect(a.count() + b.count()).toBe(2);
  });

  it('stops at the overall deadline', async () => {
    const ds = await Promise.all([1, 2, 3, 4].map(() => fake({ behaviour: 'dead' })));
    const clock = fakeClock();
    h = harness({
      upstreams: ds.map((d) => d.hostPort),
      config: { cache: false, forwarder: { attemptTimeoutMs: 100, deadlineMs: 250, maxFails: 10 } },
    });
    const pending = h.ask('a.example.test', 'A');
    // Two full tries (100 ms each) and the 50 ms left of the deadline for a third.
    for (const [i, ms] of [100, 100, 50].entries()) {
      await poll(`try ${i + 1}`, () => ds[i].count() === 1);
      await clock.advance(ms);
    }
    const { pkt } = await pending;
    expect(rcodeOf(pkt)).toBe('SERVFAIL');
    // 250 ms allow two full tries and part of a third, never all four.
    expect(ds.reduce((n, d) => n + d.count(), 0)).toBeLessThan(4);
    expect(ds[3].count()).toBe(0);
  });

  it('round_robin starts at the next upstream for each query', async () => {
    const a = await fake();
    const b = await fake();
    h = harness({
      upstreams: [a.hostPort, b.hostPort],
      config: { cache: false, forwarder: { policy: 'round_robin' } },
    });
    for (let i = 0; i < 4; i++) await h.ask(`n${i}.example.test`, 'A');
    expect(a.count()).toBe(2);
    expect(b.count()).toBe(2);
  });

  it('random spreads queries over the upstreams', async () => {
    const a = await fake();
    const b = await fake();
    h = harness({
      upstreams: [a.hostPort, b.hostPort],
      config: { cache: false, forwarder: { policy: 'random' } },
    });
    for (let i = 0; i < 40; i++) await h.ask(`n${i}.example.test`, 'A');
    expect(a.count() + b.count()).toBe(40);
    expect(a.count()).toBeGreaterThan(0);
    expect(b.count()).toBeGreaterThan(0);
  });

  it('sequential always starts at the first upstream', async () => {
    const a = await fake();
    const b = await fake();
    h = harness({ upstreams: [a.hostPort, b.hostPort], config: noCache });
    for (let i = 0; i < 4; i++) await h.ask(`n${i}.example.test`, 'A');
    expect(a.count()).toBe(4);
    expect(b.count()).toBe(0);
  });
});

describe('upstream health', () => {
  it('skips an upstream after maxFails consecutive failures and brings it back once a probe answers', async () => {
    const flaky = await fake({ behaviour: 'dead' });
    const good = await fake();
    const clock = fakeClock();
    h = harness({
      upstreams: [flaky.hostPort, good.hostPort],
      config: { cache: false, forwarder: { attemptTimeoutMs: 100, deadlineMs: 1000, maxFails: 2 } },
    });
    // Two timeouts (100 ms each on the clock) at the flaky one, each answered by the good one.
    for (const [i, name] of ['n1.example.test', 'n2.example.test'].entries()) {
      const pending = h.ask(name, 'A');
      await poll(`${name} at the flaky upstream`, () => flaky.count() === i + 1);
      await clock.advance(100);
      await pending;
    }
    expect(h.fwd.upstreams().find((u) => u.upstream === flaky.hostPort)?.up).toBe(false);
    expect(h.logs.some((l) => l.msg === 'upstream marked down' && l.upstream === flaky.hostPort)).toBe(true);
    flaky.reset();
    await h.ask('n3.example.test', 'A');
    expect(flaky.queries.filter((q) => q.packet.questions?.[0].name === 'n3.example.test')).toHaveLength(0);
    // It comes back: the background probe (root NS) gets an answer.
    flaky.behaviour = 'answer';
    await clock.advance(250); // the first probe's delay
    await expect
      .poll(() => h!.fwd.upstreams().find((u) => u.upstream === flaky.hostPort)?.up, { timeout: 5000 })
      .toBe(true);
    expect(flaky.queries.some((q) => q.packet.questions?.[0].type === 'NS')).toBe(true);
    await h.ask('n4.example.test', 'A');
    expect(flaky.queries.some((q) => q.packet.questions?.[0].name === 'n4.example.test')).toBe(true);
  });

  it('tries one anyway when every upstream is down; an answer, even SERVFAIL, is not "down"', async () => {
    const a = await fake({ behaviour: 'servfail' });
    h = harness({ upstreams: [a.hostPort], config: { cache: false, forwarder: { maxFails: 1 } } });
    await h.ask('n1.example.test', 'A');
    expect(h.fwd.upstreams()[0].up).toBe(false);
    const before = a.queries.filter((q) => q.packet.questions?.[0].type === 'A').length;
    const { pkt } = await h.ask('n2.example.test', 'A', { edns: true });
    expect(a.queries.filter((q) => q.packet.questions?.[0].type === 'A').length).toBe(before + 1);
    expect(rcodeOf(pkt)).toBe('SERVFAIL');
    // It answered (SERVFAIL), so it is not down for this name.
    expect(edeOf(pkt)).toEqual([22, 'every upstream failed']);
    // And it answers again as soon as the upstream does.
    a.behaviour = 'answer';
    const ok = await h.ask('n3.example.test', 'A');
    expect(addresses(ok.pkt)).toEqual(['192.0.2.1']);
    expect(h.fwd.upstreams()[0].up).toBe(true);
  });
});

describe('in flight', () => {
  it('sends identical queries in flight upstream once and answers them all', async () => {
    const up = await fake({ behaviour: 'slow', delayMs: 100 });
    const clock = fakeClock();
    h = harness({ upstreams: [up.hostPort], config: noCache });
    const ids = [11, 12, 13, 14, 15];
    const all = Promise.all(ids.map((id) => h!.ask('same.example.test', 'A', { id })));
    // The upstream holds its answer until the clock moves: every query is in flight by then.
    await poll(
      'the queries in flight',
      () => up.count() === 1 && h?.metrics.value('upstream_coalesced') === 4,
    );
    await clock.advance(100);
    const res = await all;
    expect(up.count()).toBe(1);
    expect(res.map((r) => r.pkt.id)).toEqual(ids);
    for (const r of res) expect(addresses(r.pkt)).toEqual(['192.0.2.1']);
    expect(h.metrics.value('upstream_coalesced')).toBe(4);
  });

  it('answers SERVFAIL at once above maxInFlight and counts it', async () => {
    const up = await fake({ behaviour: 'slow', delayMs: 100 });
    const clock = fakeClock();
    h = harness({ upstreams: [up.hostPort], config: { cache: false, forwarder: { maxInFlight: 1 } } });
    const first = h.ask('one.example.test', 'A');
    // The upstream holds its answer to the first until the clock moves.
    await poll('the first query at the upstream', () => up.count() === 1);
    const second = await h.ask('two.example.test', 'A', { edns: true });
    await clock.advance(100);
    expect(rcodeOf(second.pkt)).toBe('SERVFAIL');
    expect(edeOf(second.pkt)?.[1]).toMatch(/in flight/);
    expect(h.metrics.value('upstream_overflow')).toBe(1);
    expect(addresses((await first).pkt)).toEqual(['192.0.2.1']);
    expect(up.count()).toBe(1);
  });
});

describe('a single slow upstream within the deadline', () => {
  it('is asked again after attemptTimeoutMs (same ID) and its answer taken before deadlineMs', async () => {
    const up = await fake({ behaviour: 'dead' });
    const clock = fakeClock();
    const h = harness({
      upstreams: [up.hostPort],
      config: { cache: false, forwarder: { attemptTimeoutMs: 1000, deadlineMs: 3000 } },
    });
    const pending = h.ask('slow.example.test', 'A');
    await poll('the first query', () => up.count() === 1);
    up.behaviour = 'answer';
    await clock.advance(1000);
    const { pkt } = await pending;
    expect(rcodeOf(pkt)).toBe('NOERROR');
    expect(addresses(pkt)).toEqual(['192.0.2.1']);
    expect(up.count()).toBe(2);
    expect(up.queries[1].packet.id).toBe(up.queries[0].packet.id);
    expect(up.queries[1].from.port).toBe(up.queries[0].from.port);
  });

  it('takes a late answer to the first copy', async () => {
    const up = await fake({ behaviour: 'slow', delayMs: 1500 });
    const h = harness({
      upstreams: [up.hostPort],
      config: { cache: false, forwarder: { attemptTimeoutMs: 300, deadlineMs: 10_000 } },
    });
    const { pkt } = await h.ask('late.example.test', 'A');
    expect(addresses(pkt)).toEqual(['192.0.2.1']);
  });
});

describe('"all upstreams are down"', () => {
  it("is said only when the upstreams of the name's group are down and did not answer", async () => {
    const dead = await fake({ behaviour: 'dead' });
    const ok = await fake();
    const clock = fakeClock();
    const h = harness({
      upstreams: [ok.hostPort],
      config: {
        cache: false,
        forwarder: { maxFails: 1, attemptTimeoutMs: 1000, deadlineMs: 1000 },
        forwardingRules: [{ domain: 'corp.example', upstreams: [dead.hostPort] }],
      },
    });
    const first = h.ask('a.corp.example', 'A', { edns: true });
    await poll('the query at the dead upstream', () => dead.count() === 1);
    await clock.advance(1000);
    expect(edeOf((await first).pkt)).toEqual([22, 'upstream timed out']);
    expect(h.fwd.upstreams().find((u) => u.upstream === dead.hostPort)?.up).toBe(false);
    const second = h.ask('b.corp.example', 'A', { edns: true });
    await poll('the second query at the dead upstream', () => dead.count() >= 2);
    await clock.advance(1000);
    expect(edeOf((await second).pkt)).toEqual([22, 'all upstreams are down']);
    // A name of the default group is answered; nothing there is down.
    const other = await h.ask('www.example.org', 'A', { edns: true });
    expect(addresses(other.pkt)).toEqual(['192.0.2.1']);
  });
});
