/**
 * The config-loading thread (built code, `dist/config/load-thread.js`): loads asked together are
 * taken one at a time in order, each gets its own result, a burst shares one thread, the thread
 * goes once no load has come for the linger time (at once after a start's load), and a load after
 * a failed one gets a new thread.
 */
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: the benchmark's generator is plain JavaScript
import { configYaml } from '../../bench/lib/records.mjs';
import { waitFor } from '../health/poll.js';

type LoadThread = typeof import('../../src/config/load-thread.js');
let lt: LoadThread;

beforeAll(async () => {
  process.env.PRIVATELINK_DNS_CONFIG_THREAD_LINGER_MS = '300';
  lt = (await import(new URL('../../dist/config/load-thread.js', import.meta.url).href)) as LoadThread;
  expect(lt.threadLoading()).toBe(true);
});

const vpcs = (n: number) =>
  `vpcs:\n${Array.from({ length: n }, (_, i) => `  - id: vpc-${String(i).padStart(17, '0')}\n    region: us-east-2\n`).join('')}`;

describe('the config-loading thread', () => {
  it('takes a burst of loads in order on one thread, each with its own result, then goes', async () => {
    expect(lt.loadThreadState()).toBe('none');
    const loads = [1, 2, 3].map((n) => lt.loadInThread({ file: `<inline ${n}>`, text: vpcs(n) }));
    expect(lt.loadThreadState()).toBe('busy');
    const done = await Promise.all(loads);
    expect(done.map((d) => (d?.config.vpcs ?? []).length)).toEqual([1, 2, 3]);
    expect(done.map((d) => d?.file)).toEqual(['<inline 1>', '<inline 2>', '<inline 3>']);
    expect(lt.loadThreadState()).toBe('idle');
    await waitFor('the thread to go', () => lt.loadThreadState() === 'none' || undefined, 10_000);
  });

  it("a start's load (linger: false) takes its thread with it as soon as it is done", async () => {
    await waitFor('no thread', () => lt.loadThreadState() === 'none' || undefined, 10_000);
    // With a linger of an hour, only linger: false can make the thread go.
    process.env.PRIVATELINK_DNS_CONFIG_THREAD_LINGER_MS = '3600000';
    try {
      const done = await lt.loadInThread({ file: '<inline>', text: vpcs(2) }, { linger: false });
      expect((done?.config.vpcs ?? []).length).toBe(2);
      expect(lt.loadThreadState()).toBe('none');
      // A reload's load stays for the next one.
      await lt.loadInThread({ file: '<inline>', text: vpcs(1) });
      expect(lt.loadThreadState()).toBe('idle');
    } finally {
      process.env.PRIVATELINK_DNS_CONFIG_THREAD_LINGER_MS = '300';
    }
    // Retired by the next load's linger of 300 ms (read when the thread goes idle): the hour
    // above applied to the load before.
    await lt.loadInThread({ file: '<inline>', text: vpcs(1) });
    await waitFor('the thread to go', () => lt.loadThreadState() === 'none' || undefined, 10_000);
  });

  it('reports problems and answers unchanged texts without a parse', async () => {
    const bad = lt.loadInThread({ file: 'bad.yaml', text: 'vpcs: [\n' });
    await expect(bad).rejects.toMatchObject({ name: 'ConfigError' });
    const first = await lt.loadInThread({ file: '<inline>', text: vpcs(1) });
    expect(first?.digest).toMatch(/^[0-9a-f]{64}$/);
    const same = await lt.loadInThread({ file: '<inline>', text: vpcs(1), unchangedDigest: first?.digest });
    expect(same).toBeNull();
  });

  it('a load asked for just as the idle thread goes is not failed by its exit', async () => {
    await lt.loadInThread({ file: '<inline>', text: vpcs(1) });
    // The moment the lingering thread is retired, a new load starts a new thread; the retired
    // thread's exit comes after and must leave that load alone.
    await waitFor('the thread to be retired', () => lt.loadThreadState() === 'none' || undefined, 10_000);
    const next = await lt.loadInThread({ file: '<inline>', text: vpcs(3) });
    expect((next?.config.vpcs ?? []).length).toBe(3);
  });

  it('a load queued behind one that kills the thread gets a new thread', async () => {
    await waitFor('no thread', () => lt.loadThreadState() === 'none' || undefined, 10_000);
    // A thread started with 24 MB of heap runs out of memory checking 8,000 endpoints; the
    // thread for the load queued behind it starts with the default limit again.
    process.env.PRIVATELINK_DNS_CONFIG_HEAP_MB = '24';
    const large = lt.loadInThread({ file: 'large.yaml', text: configYaml(8000) });
    delete process.env.PRIVATELINK_DNS_CONFIG_HEAP_MB;
    const after = lt.loadInThread({ file: '<inline>', text: vpcs(2) });
    await expect(large).rejects.toThrow(
      'checking it needed more than 24 MB (PRIVATELINK_DNS_CONFIG_HEAP_MB)',
    );
    expect(((await after)?.config.vpcs ?? []).length).toBe(2);
    expect(lt.loadThreadState()).toBe('idle');
  }, 120_000);
});
