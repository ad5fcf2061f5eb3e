/** EDNS fallback: an upstream that answers FORMERR to EDNS is asked again without it. */
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { addresses, type Harness, makeHarness, optOf } from './util.js';

let up: FakeUpstream | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  await up?.close();
});

describe('EDNS fallback', () => {
  it('retries without EDNS after FORMERR and remembers it', async () => {
    up = await startFakeUpstream({ behaviour: 'formerr-edns' });
    h = makeHarness({ upstreams: [up.hostPort], config: { cache: false } });
    const { pkt } = await h.ask('a.example.test', 'A', { edns: true });
    expect(addresses(pkt)).toEqual(['192.0.2.1']);
    expect(optOf(pkt)).toBeDefined();
    expect(up.queries.map((q) => optOf(q.packet) !== undefined)).toEqual([true, false]);
    up.reset();
    await h.ask('b.example.test', 'A', { edns: true });
    expect(up.queries.map((q) => optOf(q.packet) !== undefined)).toEqual([false]);
  });
});
