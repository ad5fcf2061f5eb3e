/** Upstream addresses, resolv.conf, IPv6, metrics and debug logs. */
import { afterEach, describe, expect, it } from 'vitest';
import { BadUpstreamError } from '../../src/upstream/errors.js';
import { systemUpstreams } from '../../src/upstream/resolv-conf.js';
import { isSelf } from '../../src/upstream/self.js';
import { parseUpstream } from '../../src/upstream/upstream.js';
import { fakeClock } from '../helpers/clock.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { poll } from '../helpers/poll.js';
import { addresses, type Harness, makeHarness } from './util.js';

let ups: FakeUpstream[] = [];
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  await Promise.all(ups.map((u) => u.close()));
  ups = [];
});

describe('upstream addresses', () => {
  it.each([
    ['192.0.2.53', '192.0.2.53', 53],
    ['192.0.2.53:5300', '192.0.2.53', 5300],
    ['2001:db8::53', '2001:db8::53', 53],
    ['[2001:db8::53]:5300', '2001:db8::53', 5300],
    ['[::1]', '::1', 53],
  ])('parses %s', (text, address, port) => {
    expect(parseUpstream(text)).toMatchObject({ address, port });
  });

  it.each(['dns.example.com', '192.0.2.1:99999', '[::1', '192.0.2.1:0'])('rejects %s', (text) => {
    expect(() => parseUpstream(text)).toThrow(BadUpstreamError);
  });

  it('forwards to an IPv6 upstream', async () => {
    let up: FakeUpstream;
    try {
      up = await startFakeUpstream({ host: '::1' });
    } catch {
      // No IPv6 loopback here: check the parse only.
      expect(parseUpstream('[::1]:5300').family).toBe(6);
      return;
    }
    ups.push(up);
    expect(up.hostPort).toMatch(/^\[::1\]:\d+$/);
    h = makeHarness({ upstreams: [up.hostPort] });
    const { pkt } = await h.ask('a.example.test', 'A');
    expect(addresses(pkt)).toEqual(['192.0.2.1']);
  });
});

describe('resolv.conf', () => {
  const text = [
    '# generated',
    'search example.internal',
    'nameserver 127.0.0.53',
    'nameserver 192.0.2.10 # comment',
    'nameserver fe80::1%eth0',
    'nameserver not-an-ip',
    'options edns0 trust-ad',
    'nameserver 192.0.2.10',
  ].join('\n');

  it('returns the nameservers in order, once each', () => {
    expect(systemUpstreams(text, [])).toEqual(['127.0.0.53', '192.0.2.10', 'fe80::1%eth0']);
  });

  it('skips a nameserver that is this server', () => {
    expect(systemUpstreams(text, [{ address: '127.0.0.53', port: 53 }])).toEqual([
      '192.0.2.10',
      'fe80::1%eth0',
    ]);
    expect(systemUpstreams(text, [{ address: '0.0.0.0', port: 53 }])).toEqual(['192.0.2.10', 'fe80::1%eth0']);
    expect(systemUpstreams(text, [{ address: '127.0.0.53', port: 5353 }])).toHaveLength(3);
  });

  it('recognises self through a wildcard listen address', () => {
    expect(isSelf({ address: '127.0.0.1', port: 53 }, [{ address: '::', port: 53 }])).toBe(true);
    expect(isSelf({ address: '192.0.2.99', port: 53 }, [{ address: '0.0.0.0', port: 53 }])).toBe(false);
    // Docker's embedded DNS is NAT-redirected: a container listening on 0.0.0.0:53 keeps it as upstream.
    expect(systemUpstreams('nameserver 127.0.0.11\n', [{ address: '0.0.0.0', port: 53 }])).toEqual([
      '127.0.0.11',
    ]);
  });
});

describe('metrics and logs', () => {
  it('counts queries, failures and latency per upstream, and logs who answered in how long', async () => {
    const dead = await startFakeUpstream({ behaviour: 'dead' });
    const good = await startFakeUpstream();
    ups.push(dead, good);
    const clock = fakeClock();
    h = makeHarness({ upstreams: [dead.hostPort, good.hostPort], config: { cache: false } });
    const pending = h.ask('a.example.test', 'A');
    // The first try times out (1000 ms on the clock), the second upstream answers.
    await poll('the query at the dead upstream', () => dead.count() === 1);
    await clock.advance(1000);
    await pending;
    expect(h.metrics.value('upstream_queries', { upstream: dead.hostPort, transport: 'udp' })).toBe(1);
    expect(h.metrics.value('upstream_queries', { upstream: good.hostPort, transport: 'udp' })).toBe(1);
    expect(h.metrics.value('upstream_failures', { upstream: dead.hostPort, reason: 'timeout' })).toBe(1);
    const text = await h.metrics.text();
    expect(text).toContain(`privatelink_dns_upstream_duration_seconds_count{upstream="${good.hostPort}"} 1`);
    expect(text).toContain(`privatelink_dns_upstream_up{upstream="${good.hostPort}"} 1`);
    const line = h.logs.find((l) => l.msg === 'upstream answered');
    expect(line?.upstream).toBe(good.hostPort);
    expect(typeof line?.ms).toBe('number');
  });
});
