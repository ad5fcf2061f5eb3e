/**
 * DNS Firewall through the whole server over real sockets: dig and dns-packet see NXDOMAIN,
 * NODATA and the override CNAME followed into our own names and through the forwarder; ALLOW and
 * ALERT answer normally; clients outside the associated VPC are not filtered; a reload swaps the
 * rules; fail-closed answers SERVFAIL.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { type RunningServer, startServer } from '../../src/core/server.js';
import { cloudwatch, oneVpc, VPC_ID } from '../helpers/configs.js';
import { addresses, query, queryTcp, run } from '../helpers/dns-client.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';

const CW_PRIVATE = 'monitoring.us-east-2.amazonaws.com';
const CW = ['10.0.1.23', '10.0.2.23', '10.0.3.23'];
const silent = pino({ level: 'silent' });

const firewall = (over: Partial<NonNullable<ConfigInput['firewall']>> = {}): ConfigInput['firewall'] => ({
  domainLists: [
    { name: 'nx', domains: ['*.nx-me.example', 'nx-me.example'] },
    { name: 'nodata', domains: ['nodata-me.example', CW_PRIVATE] },
    { name: 'walled', domains: ['walled.example'] },
    { name: 'walled-out', domains: ['walled-out.example'] },
    { name: 'allowed', domains: ['ok.nx-me.example'] },
    { name: 'watch', domains: ['watch.example'] },
  ],
  ruleGroups: [
    {
      name: 'baseline',
      rules: [
        { name: 'allow-ok', priority: 100, domainList: 'allowed', action: 'ALLOW' },
        { name: 'block-nx', priority: 200, domainList: 'nx', action: 'BLOCK', blockResponse: 'NXDOMAIN' },
        {
          name: 'block-nodata',
          priority: 300,
          domainList: 'nodata',
          action: 'BLOCK',
          blockResponse: 'NODATA',
          qtype: 'A',
        },
        {
          name: 'walled',
          priority: 400,
          domainList: 'walled',
          action: 'BLOCK',
          blockResponse: 'OVERRIDE',
          blockOverrideDomain: CW_PRIVATE,
          blockOverrideTtl: 7,
        },
        {
          name: 'walled-out',
          priority: 450,
          domainList: 'walled-out',
          action: 'BLOCK',
          blockResponse: 'OVERRIDE',
          blockOverrideDomain: 'landing.example.org',
        },
        { name: 'watch-txt', priority: 500, domainList: 'watch', action: 'ALERT', qtype: 'TXT' },
      ],
    },
  ],
  associations: [{ ruleGroup: 'baseline', vpc: VPC_ID, priority: 101 }],
  ...over,
});

let up: FakeUpstream;
let srv: RunningServer;
let port: number;

beforeAll(async () => {
  up = await startFakeUpstream();
  srv = await startServer({
    config: oneVpc([cloudwatch()], { firewall: firewall() }),
    listen: '127.0.0.1:0',
    upstreams: [up.hostPort],
    logger: silent,
    watch: false,
  });
  port = srv.udp.port;
});

afterAll(async () => {
  await srv?.close();
  await up?.close();
});

const dig = (...args: string[]) => run('dig', ['@127.0.0.1', '-p', String(port), ...args]);

describe('BLOCK as clients see it', () => {
  it('NXDOMAIN, with no upstream query (dig)', async () => {
    up.reset();
    const out = await dig('www.nx-me.example');
    expect(out).toMatch(/status: NXDOMAIN/);
    expect(out).toMatch(/ANSWER: 0/);
    expect(up.count()).toBe(0);
  });

  it('NODATA for the blocked type only: A is empty, AAAA is forwarded (dns-packet)', async () => {
    up.reset();
    const a = await query(port, 'nodata-me.example');
    expect(a.rcode).toBe('NOERROR');
    expect(a.answers).toHaveLength(0);
    expect(up.count()).toBe(0);
    const aaaa = await query(port, 'nodata-me.example', { type: 'AAAA' });
    expect(addresses(aaaa)).toEqual(['2001:db8::1']);
  });

  it('blocks our own endpoint names too (evaluated before the local answers)', async () => {
    const d = await query(port, CW_PRIVATE);
    expect(d.rcode).toBe('NOERROR');
    expect(d.answers).toHaveLength(0);
  });

  it('OVERRIDE: the CNAME with its TTL, followed into our own names (dig)', async () => {
    const out = await dig('+noall', '+answer', 'walled.example');
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(
      /^walled\.example\.\s+7\s+IN\s+CNAME\s+monitoring\.us-east-2\.amazonaws\.com\.$/,
    );
    const a = lines.slice(1).map((l) => l.split(/\s+/));
    expect(a.every((f) => f[0] === `${CW_PRIVATE}.` && f[3] === 'A')).toBe(true);
    expect(a.map((f) => f[4]).sort()).toEqual(CW);
  });

  it('OVERRIDE followed through the forwarder, over UDP then TCP from the cache (dns-packet)', async () => {
    up.reset();
    for (const d of [await query(port, 'walled-out.example'), await queryTcp(port, 'walled-out.example')]) {
      expect(d.rcode).toBe('NOERROR');
      expect(d.answers?.[0]).toMatchObject({
        type: 'CNAME',
        name: 'walled-out.example',
        data: 'landing.example.org',
        ttl: 0,
      });
      expect(d.answers?.[1]).toMatchObject({ type: 'A', name: 'landing.example.org', data: '192.0.2.1' });
    }
    // The target was asked upstream once; the second answer came from the cache.
    expect(up.queries.map((q) => q.packet.questions?.[0].name)).toEqual(['landing.example.org']);
  });

  it('OVERRIDE answers a CNAME query with the CNAME alone', async () => {
    const d = await query(port, 'walled.example', { type: 'CNAME' });
    expect(d.answers).toEqual([expect.objectContaining({ type: 'CNAME', data: CW_PRIVATE })]);
  });
});

describe('ALLOW, ALERT and no match answer normally', () => {
  it('ALLOW wins over a later BLOCK by priority', async () => {
    expect(addresses(await query(port, 'ok.nx-me.example'))).toEqual(['192.0.2.1']);
  });
  it('ALERT answers normally and counts the match', async () => {
    const d = await query(port, 'watch.example', { type: 'TXT' });
    expect(d.rcode).toBe('NOERROR');
    expect(d.answers).toHaveLength(1);
    const text = await srv.metrics.text();
    expect(text).toMatch(
      /privatelink_dns_firewall_matches_total\{rule_group="baseline",rule="watch-txt",action="ALERT"\} [1-9]/,
    );
  });
  it('names on no list are answered as always', async () => {
    expect(addresses(await query(port, 'www.example.org'))).toEqual(['192.0.2.1']);
  });
});

describe('only the associated VPC is filtered; reloads swap the rules', () => {
  let other: RunningServer;
  afterAll(async () => other?.close());

  it('a client outside the VPC is not filtered', async () => {
    // The same config, but the VPC's client ranges do not hold loopback.
    other = await startServer({
      config: oneVpc([cloudwatch()], { firewall: firewall() }, { cidrs: ['10.0.0.0/16'] }),
      listen: '127.0.0.1:0',
      upstreams: [up.hostPort],
      logger: silent,
      watch: false,
    });
    const d = await query(other.udp.port, 'www.nx-me.example');
    expect(d.rcode).toBe('NOERROR');
    expect(addresses(d)).toEqual(['192.0.2.1']);
  });

  it('unavailable + fail closed → SERVFAIL; fail open → answered; removed → unfiltered', async () => {
    let r = await srv.reload(oneVpc([cloudwatch()], { firewall: firewall({ unavailable: true }) }));
    expect(r.ok).toBe(true);
    expect((await query(port, 'www.example.org')).rcode).toBe('SERVFAIL');
    r = await srv.reload(
      oneVpc([cloudwatch()], {
        firewall: firewall({
          unavailable: true,
          firewallConfigs: [{ vpc: VPC_ID, firewallFailOpen: 'ENABLED' }],
        }),
      }),
    );
    expect(r.ok).toBe(true);
    const open = await query(port, 'www.nx-me.example');
    expect(open.rcode).toBe('NOERROR');
    expect(addresses(open)).toEqual(['192.0.2.1']);
    r = await srv.reload(oneVpc([cloudwatch()]));
    expect(r.ok).toBe(true);
    expect(addresses(await query(port, CW_PRIVATE)).sort()).toEqual(CW);
    r = await srv.reload(oneVpc([cloudwatch()], { firewall: firewall() }));
    expect((await query(port, 'www.nx-me.example')).rcode).toBe('NXDOMAIN');
  });
});
