/**
 * The deadline heap: expiry in deadline order, only once and only when due; settled items never
 * expire; one timer, re-armed for the earliest deadline. Driven by a manual clock and timer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Deadlines, type DeadlineTimer, type Timed } from '../../src/upstream/deadlines.js';

/** A clock and a one-shot timer that only move when the test says so. */
function manual() {
  let ms = 0;
  let armed: { fire: () => void; at: number } | null = null;
  const stats = { sets: 0, clears: 0 };
  const timer: DeadlineTimer = {
    set(fire, delay) {
      stats.sets++;
      armed = { fire, at: ms + delay };
      return armed;
    },
    clear(handle) {
      stats.clears++;
      if (armed === handle) armed = null;
    },
  };
  const dl = new Deadlines(() => ms, timer);
  const expired: Item[] = [];
  return {
    dl,
    stats,
    expired,
    now: () => ms,
    /** When the timer is due, or null when none is armed. */
    armedAt: () => armed?.at ?? null,
    /** Moves the clock to `to`, firing the timer each time it falls due on the way. */
    advance(to: number) {
      while (armed && armed.at <= to) {
        const { fire, at } = armed;
        armed = null;
        ms = Math.max(ms, at);
        fire();
      }
      ms = Math.max(ms, to);
    },
    /** Fires the armed timer now, whatever its due time (a timer that runs early). */
    fireNow() {
      const a = armed;
      armed = null;
      a?.fire();
    },
    item(deadline: number, label = String(deadline)): Item {
      const it: Item = {
        deadline,
        settled: false,
        label,
        expiries: 0,
        expire() {
          it.expiries++;
          expired.push(it);
        },
      };
      return it;
    },
  };
}

interface Item extends Timed {
  label: string;
  expiries: number;
}

describe('Deadlines', () => {
  it.each([
    { added: [50, 10, 30, 20, 40] },
    { added: [1, 2, 3, 4, 5, 6, 7] },
    { added: [9, 8, 7, 6, 5, 4, 3, 2, 1] },
    { added: [5, 1, 5, 1, 3, 3, 2] },
    { added: [42] },
  ])('expires $added in deadline order', ({ added }) => {
    const m = manual();
    for (const d of added) m.dl.add(m.item(d));
    m.advance(100);
    expect(m.expired.map((i) => i.deadline)).toEqual([...added].sort((a, b) => a - b));
    expect(m.expired.every((i) => i.expiries === 1 && i.settled)).toBe(true);
    expect(m.dl.size).toBe(0);
    expect(m.armedAt()).toBeNull();
  });

  it('expires only what is due, step by step', () => {
    const m = manual();
    for (const d of [10, 20, 30, 40]) m.dl.add(m.item(d));
    m.advance(9);
    expect(m.expired).toHaveLength(0);
    m.advance(25);
    expect(m.expired.map((i) => i.deadline)).toEqual([10, 20]);
    expect(m.armedAt()).toBe(30);
    m.advance(40);
    expect(m.expired.map((i) => i.deadline)).toEqual([10, 20, 30, 40]);
  });

  it('never expires a settled item, and sweeps settled ones at the head without arming for them', () => {
    const n = manual();
    const items = [10, 20, 30, 40].map((d) => n.item(d));
    for (const i of items) n.dl.add(i);
    items[1].settled = true;
    items[2].settled = true;
    n.advance(10);
    expect(n.expired.map((i) => i.label)).toEqual(['10']);
    // 20 and 30 were settled: swept, and the timer is armed for 40.
    expect(n.dl.size).toBe(1);
    expect(n.armedAt()).toBe(40);
    items[3].settled = true;
    n.advance(100);
    expect(n.expired.map((i) => i.label)).toEqual(['10']);
    expect(n.dl.size).toBe(0);
    expect(n.armedAt()).toBeNull();
    expect(items.map((i) => i.expiries)).toEqual([1, 0, 0, 0]);
  });

  it('expires many equal deadlines once each, in one go', () => {
    const m = manual();
    const items = Array.from({ length: 1000 }, (_, i) => m.item(5, `i${i}`));
    for (const i of items) m.dl.add(i);
    expect(m.stats.sets).toBe(1);
    m.advance(5);
    expect(m.expired).toHaveLength(1000);
    expect(new Set(m.expired.map((i) => i.label)).size).toBe(1000);
    expect(items.every((i) => i.expiries === 1)).toBe(true);
    expect(m.stats.sets).toBe(1);
  });

  it('re-arms its one timer only for an earlier deadline, and for the next one after firing', () => {
    const m = manual();
    m.dl.add(m.item(100));
    expect(m.armedAt()).toBe(100);
    m.dl.add(m.item(50));
    expect(m.armedAt()).toBe(50);
    expect(m.stats).toEqual({ sets: 2, clears: 1 });
    m.dl.add(m.item(70));
    m.dl.add(m.item(50));
    expect(m.stats.sets).toBe(2);
    m.advance(50);
    expect(m.expired.map((i) => i.deadline)).toEqual([50, 50]);
    expect(m.armedAt()).toBe(70);
    m.advance(1000);
    expect(m.expired.map((i) => i.deadline)).toEqual([50, 50, 70, 100]);
  });

  it('arms relative to its clock', () => {
    const m = manual();
    m.advance(1000);
    m.dl.add(m.item(1250));
    expect(m.armedAt()).toBe(1250);
    // Fractional deadlines round up, so the timer never fires before they are due.
    m.dl.add(m.item(1100.2));
    expect(m.armedAt()).toBe(1101);
  });

  it('expires nothing and re-arms when its timer fires early', () => {
    const m = manual();
    m.dl.add(m.item(30));
    m.fireNow();
    expect(m.expired).toHaveLength(0);
    expect(m.armedAt()).toBe(30);
    m.advance(30);
    expect(m.expired).toHaveLength(1);
  });

  it('takes items added from an expiry callback: due now in the same round, later on a new timer', () => {
    const m = manual();
    const first = m.item(10, 'first');
    const now = m.item(10, 'added, due now');
    const later = m.item(25, 'added, later');
    first.expire = () => {
      first.expiries++;
      m.expired.push(first);
      m.dl.add(now);
      m.dl.add(later);
    };
    m.dl.add(first);
    m.advance(10);
    expect(m.expired.map((i) => i.label)).toEqual(['first', 'added, due now']);
    expect(m.armedAt()).toBe(25);
    m.advance(25);
    expect(m.expired.map((i) => i.label)).toEqual(['first', 'added, due now', 'added, later']);
  });

  it('clear() drops every item without expiring it and disarms the timer', () => {
    const m = manual();
    for (const d of [5, 10, 15]) m.dl.add(m.item(d));
    m.dl.clear();
    expect(m.dl.size).toBe(0);
    expect(m.armedAt()).toBeNull();
    m.advance(100);
    expect(m.expired).toHaveLength(0);
    // And it works as before afterwards.
    m.dl.add(m.item(120));
    m.advance(120);
    expect(m.expired.map((i) => i.deadline)).toEqual([120]);
  });

  it('with the default clock and timer, expires on a real timer', async () => {
    const dl = new Deadlines();
    const expired = new Promise<number>((resolve) => {
      dl.add({ deadline: dl.now() + 5, settled: false, expire: () => resolve(dl.size) });
    });
    expect(dl.size).toBe(1);
    expect(await expired).toBe(0);
  });

  it('agrees with a plain list under any mix of adds, settles and clock moves (property)', () => {
    type Op =
      | { op: 'add'; deadline: number }
      | { op: 'settle'; pick: number }
      | { op: 'advance'; by: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({ op: fc.constant('add' as const), deadline: fc.integer({ min: 0, max: 200 }) }),
      },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('settle' as const), pick: fc.nat() }) },
      {
        weight: 2,
        arbitrary: fc.record({ op: fc.constant('advance' as const), by: fc.integer({ min: 0, max: 60 }) }),
      },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const m = manual();
        const all: Item[] = [];
        const cancelled = new Set<Item>();
        /** What a plain list says has expired so far. */
        const model: Item[] = [];
        const check = () => {
          const due = all.filter((i) => !model.includes(i) && !cancelled.has(i) && i.deadline <= m.now());
          model.push(...due);
        };
        for (const o of ops) {
          if (o.op === 'add') {
            // Deadlines relative to the clock, as the exchanges add them.
            const it = m.item(m.now() + o.deadline, `#${all.length}`);
            all.push(it);
            m.dl.add(it);
          } else if (o.op === 'settle') {
            // Only what has not expired yet can be settled by its owner.
            const open = all.filter((i) => !i.settled);
            if (open.length > 0) {
              const it = open[o.pick % open.length];
              it.settled = true;
              cancelled.add(it);
            }
          } else {
            const before = m.expired.length;
            m.advance(m.now() + o.by);
            const round = m.expired.slice(before);
            // Each round expires in non-decreasing deadline order.
            for (let k = 1; k < round.length; k++) {
              expect(round[k].deadline).toBeGreaterThanOrEqual(round[k - 1].deadline);
            }
            // Exactly the items that were due and unsettled (set semantics; equal deadlines may swap).
            const mark = model.length;
            check();
            expect(new Set(round)).toEqual(new Set(model.slice(mark)));
          }
        }
        m.advance(Number.MAX_SAFE_INTEGER);
        for (const i of all) expect(i.expiries).toBe(cancelled.has(i) ? 0 : 1);
        expect(m.dl.size).toBe(0);
        expect(m.armedAt()).toBeNull();
      }),
      { numRuns: 300 },
    );
  });
});
