/**
 * Not an open resolver: allowedClients (defaults and explicit), REFUSED with an Extended DNS
 * Error, nothing forwarded for refused clients; per-client rate limiting with each action.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.js';
import { type RunningServer, startServer } from '../../src/core/server.js';
import { allowedClientTable } from '../../src/resolve/access.js';
import { RateLimiter } from '../../src/resolve/rate-limit.js';
import { CW_REGIONAL, cloudwatch, oneVpc } from '../helpers/configs.js';
import {
  addresses,
  decode,
  makeQuery,
  query,
  queryTcp,
  udpCollect,
  udpExchange,
} from '../helpers/dns-client.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';

interface Ede {
  code: number;
  text: string;
}
function edeOf(res: Buffer): Ede | null {
  const d = decode(res);
  const opt = (d.additionals ?? []).find((a) => a.type === 'OPT') as unknown as
    | { options: { code: number; data: Buffer }[] }
    | undefined;
  const o = opt?.options.find((x) => x.code === 15);
  if (!o) return null;
  return { code: o.data.readUInt16BE(0), text: o.data.subarray(2).toString('utf8') };
}

describe('allowedClients defaults', () => {
  const table = allowedClientTable(
    ConfigSchema.parse({
      vpcs: [{ id: 'vpc-0a1b2c3d4e5f60718', region: 'us-east-2', cidrs: ['100.64.0.0/16'] }],
    }),
  );
  it.each([
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['::1', true],
    ['10.20.30.40', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['fd00::1', true],
    ['fe80::1', true],
    ['::ffff:10.0.0.1', true],
    ['100.64.3.4', true], // a VPC cidr
    ['100.65.0.1', false],
    ['172.32.0.1', false],
    ['203.0.113.8', false],
    ['2001:db8::1', false],
    ['::ffff:203.0.113.8', false],
    ['not-an-address', false],
  ])('%s → %s', (addr, ok) => {
    expect(table.lookup(addr) === true).toBe(ok);
  });

  it('an explicit list replaces the defaults', () => {
    const t = allowedClientTable(ConfigSchema.parse({ allowedClients: ['203.0.113.0/24'] }));
    expect(t.lookup('203.0.113.7')).toBe(true);
    expect(t.lookup('127.0.0.1')).toBeNull();
  });
});

describe('RateLimiter', () => {
  it('allows a burst, then the sustained rate', () => {
    let now = 0;
    const rl = new RateLimiter({ queriesPerSecond: 10, burst: 5, action: 'refuse' }, 100, () => now);
    const take = (n: number) => Array.from({ length: n }, () => rl.allow('a')).filter(Boolean).length;
    expect(take(8)).toBe(5);
    now += 100; // one token
    expect(take(3)).toBe(1);
    now += 10_000; // refills to the burst, not beyond
    expect(take(20)).toBe(5);
    // Another client has its own bucket.
    expect(rl.allow('b')).toBe(true);
  });

  it('keeps at most maxClients buckets, forgetting the least recently seen', () => {
    const now = 0;
    const rl = new RateLimiter({ queriesPerSecond: 1, burst: 1, action: 'drop' }, 3, () => now);
    for (const c of ['a', 'b', 'c']) expect(rl.allow(c)).toBe(true);
    expect(rl.allow('a')).toBe(false); // a is now the most recent
    expect(rl.allow('d')).toBe(true); // evicts b
    expect(rl.size).toBe(3);
    expect(rl.allow('a')).toBe(false); // still remembered
    expect(rl.allow('b')).toBe(true); // forgotten, so a fresh bucket
    for (let i = 0; i < 10_000; i++) rl.allow(`10.0.${i >> 8}.${i & 255}`);
    expect(rl.size).toBe(3);
  });

  it('is off without settings, and can be switched on and off', () => {
    const rl = new RateLimiter(undefined);
    expect(rl.enabled).toBe(false);
    for (let i = 0; i < 1000; i++) expect(rl.allow('a')).toBe(true);
    rl.configure({ queriesPerSecond: 1, burst: 1, action: 'slip' });
    expect(rl.allow('a')).toBe(true);
    expect(rl.allow('a')).toBe(false);
    expect(rl.action).toBe('slip');
    rl.configure(null);
    expect(rl.allow('a')).toBe(true);
    expect(rl.size).toBe(0);
  });
});

describe('access on a running server', () => {
  let server: RunningServer | undefined;
  let up: FakeUpstream | undefined;
  afterEach(async () => {
    await server?.close();
    await up?.close();
    server = undefined;
    up = undefined;
  });

  async function start(extra: Record<string, unknown>): Promise<RunningServer> {
    up = await startFakeUpstream();
    server = await startServer({
      config: oneVpc([cloudwatch()], { upstreams: [up.hostPort], ...extra }),
      listen: '127.0.0.1:0',
      logger: pino({ level: 'silent' }),
      watch: false,
    });
    return server;
  }

  it('refuses clients outside allowedClients, with EDE 18 when they sent EDNS, and forwards nothing', async () => {
    const s = await start({ allowedClients: ['10.99.0.0/16'] });
    const withEdns = await udpExchange(s.udp.port, makeQuery('example.org', { edns: 1232 }));
    expect(decode(withEdns).rcode).toBe('REFUSED');
    expect(edeOf(withEdns)).toEqual({ code: 18, text: 'client not in allowedClients' });
    const plain = decode(await udpExchange(s.udp.port, makeQuery('example.org')));
    expect(plain.rcode).toBe('REFUSED');
    expect(plain.additionals ?? []).toHaveLength(0);
    expect((await queryTcp(s.tcp.port, CW_REGIONAL)).rcode).toBe('REFUSED');
    expect(up?.count()).toBe(0);
  });

  it('answers and forwards for allowed clients (loopback by default)', async () => {
    const s = await start({});
    expect(addresses(await query(s.udp.port, 'example.org'))).toEqual(['192.0.2.1']);
    expect(up?.count()).toBe(1);
  });

  it('rate limit "refuse": REFUSED beyond the burst over UDP, TCP not limited, counted', async () => {
    const s = await start({ rateLimit: { queriesPerSecond: 0.01, burst: 3, action: 'refuse' } });
    const rcodes: string[] = [];
    for (let i = 0; i < 6; i++) rcodes.push(String((await query(s.udp.port, CW_REGIONAL)).rcode));
    expect(rcodes).toEqual(['NOERROR', 'NOERROR', 'NOERROR', 'REFUSED', 'REFUSED', 'REFUSED']);
    const limited = await udpExchange(s.udp.port, makeQuery('example.org', { edns: 1232 }));
    expect(decode(limited).rcode).toBe('REFUSED');
    expect(edeOf(limited)?.text).toBe('rate limit exceeded');
    expect((await queryTcp(s.tcp.port, CW_REGIONAL)).rcode).toBe('NOERROR');
    expect(up?.count()).toBe(0);
    expect(s.metrics.value('rate_limited', { action: 'refuse' })).toBe(4);
    expect(await s.metrics.text()).toMatch(/privatelink_dns_rate_limited_total\{action="refuse"\} 4/);
  });

  it('rate limit "slip": TC=1 and no records beyond the burst; the TCP retry is answered', async () => {
    const s = await start({ rateLimit: { queriesPerSecond: 0.01, burst: 1, action: 'slip' } });
    expect(addresses(await query(s.udp.port, CW_REGIONAL))).toHaveLength(3);
    const slipped = await query(s.udp.port, CW_REGIONAL);
    expect(slipped.flag_tc).toBe(true);
    expect(slipped.rcode).toBe('NOERROR');
    expect(slipped.answers ?? []).toHaveLength(0);
    expect(addresses(await queryTcp(s.tcp.port, CW_REGIONAL))).toHaveLength(3);
    expect(s.metrics.value('rate_limited', { action: 'slip' })).toBe(1);
  });

  it('rate limit "drop": no answer beyond the burst', async () => {
    const s = await start({ rateLimit: { queriesPerSecond: 0.01, burst: 1, action: 'drop' } });
    expect((await query(s.udp.port, CW_REGIONAL)).rcode).toBe('NOERROR');
    // Proves an absence, so it listens for a fixed, short time (an answer would be back in ms).
    expect(await udpCollect(s.udp.port, makeQuery(CW_REGIONAL), 200)).toHaveLength(0);
    expect(s.metrics.value('rate_limited', { action: 'drop' })).toBe(1);
  });

  it('a reload turns rate limiting on and off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pldns-rl-'));
    const file = join(dir, 'config.yaml');
    const write = (extra: object) => writeFileSync(file, JSON.stringify(oneVpc([cloudwatch()], extra)));
    write({});
    server = await startServer({
      config: file,
      listen: '127.0.0.1:0',
      logger: pino({ level: 'silent' }),
      watch: false,
    });
    const s = server;
    const burst = async () => {
      const r: string[] = [];
      for (let i = 0; i < 4; i++) r.push(String((await query(s.udp.port, CW_REGIONAL)).rcode));
      return r;
    };
    expect(await burst()).toEqual(['NOERROR', 'NOERROR', 'NOERROR', 'NOERROR']);
    write({ rateLimit: { queriesPerSecond: 0.01, burst: 2 } });
    expect((await s.reload()).ok).toBe(true);
    expect(await burst()).toEqual(['NOERROR', 'NOERROR', 'REFUSED', 'REFUSED']);
    write({});
    expect((await s.reload()).ok).toBe(true);
    expect(await burst()).toEqual(['NOERROR', 'NOERROR', 'NOERROR', 'NOERROR']);
    rmSync(dir, { recursive: true, force: true });
  });
});
