/**
 * What an answered forwarded query leaves behind: nothing that holds its outcome. The timers of a
 * job (its UDP timeout, its retransmission) stay in the shared deadline heap until they fall due,
 * but once the job is answered they must not keep the job, its query or its reply alive: under
 * load those would outlive the young generation and become old-generation garbage at the answer
 * rate. Checked with weak references and a full collection, long before the timers fall due.
 */
import * as dnsPacket from 'dns-packet';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ForwarderSchema } from '../../src/config/schema.js';
import { collectGarbage } from '../../src/core/heap.js';
import { parseQuery, type Query } from '../../src/dns/query.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { UpstreamGroup } from '../../src/upstream/groups.js';
import { UpstreamResolver } from '../../src/upstream/resolver.js';
import { Upstream } from '../../src/upstream/upstream.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';

let up: FakeUpstream | undefined;
let resolver: UpstreamResolver | undefined;
let group: UpstreamGroup | undefined;
afterEach(async () => {
  if (resolver && group) resolver.close([group]);
  await up?.close();
});

describe('an answered forwarded query', () => {
  it('is not kept alive by its pending timers (timeout, retransmission)', async () => {
    up = await startFakeUpstream();
    // One upstream: its try waits for the whole deadline, with a retransmission due every
    // attemptTimeoutMs. Both are far longer than this test takes to answer and collect.
    const settings = ForwarderSchema.parse({ attemptTimeoutMs: 20_000, deadlineMs: 60_000 });
    resolver = new UpstreamResolver({
      settings,
      logger: pino({ level: 'silent' }),
      metrics: new Metrics(),
      token: Buffer.from('0123456789abcdef'),
    });
    group = new UpstreamGroup('default', [new Upstream(`127.0.0.1:${up.port}`)]);
    const N = 50;
    const refs: WeakRef<object>[] = [];
    await (async () => {
      const outcomes = await Promise.all(
        Array.from({ length: N }, (_, i) => {
          const msg = dnsPacket.encode({
            type: 'query',
            id: i + 1,
            flags: dnsPacket.RECURSION_DESIRED,
            questions: [{ type: 'A', name: `n${i}.retained.test` }],
          });
          const q = parseQuery(msg) as Query;
          return (resolver as UpstreamResolver).resolve(`k${i}`, {
            msg,
            q,
            tcp: false,
            dnssecOk: false,
            hops: null,
            group: group as UpstreamGroup,
          });
        }),
      );
      for (const o of outcomes) {
        expect(o.ok).toBe(true);
        if (o.ok) refs.push(new WeakRef(o.reply), new WeakRef(o.scan));
      }
    })();
    expect(refs).toHaveLength(2 * N);
    // A WeakRef's target is kept until the end of the job that made or read it.
    await new Promise((r) => setImmediate(r));
    expect(collectGarbage()).toBe(true);
    const alive = refs.filter((r) => r.deref() !== undefined).length;
    expect(alive).toBe(0);
    // The timers are still waiting (they were not the ones that let go).
    expect(up.count('udp')).toBe(N);
  });
});
