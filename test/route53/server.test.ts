/**
 * Private hosted zones in a running server (UDP on loopback, a fake upstream on loopback, the
 * admin API): CNAMEs to public names followed through the forwarder, upstream CNAMEs into our
 * zones completed, record health checks probed, hot reload, /v1/hosted-zones and /v1/resolve.
 */
import net from 'node:net';
import type * as dnsPacket from 'dns-packet';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { type RunningServer, startServer } from '../../src/core/server.js';
import { call } from '../admin/harness.js';
import { query } from '../helpers/dns-client.js';
import { defaultAnswer, type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { poll } from '../helpers/poll.js';
import { CORP_RECORDS, centralized, HUB, rr, SPOKE_A, SPOKE_B } from './fixture.js';

let up: FakeUpstream;
let srv: RunningServer;
let port: number;
let admin: string;
let probed: net.Server;
let probedPort: number;

/** The fixture with spoke A's range covering loopback (the test's client) and extra records. */
function config(extra: ConfigInput['privateHostedZones'] = [], apiAddress = '10.0.5.10'): ConfigInput {
  const c = centralized();
  c.vpcs![1].cidrs = ['10.10.0.0/16', '127.0.0.0/8'];
  const corp = c.privateHostedZones![1];
  corp.records = [
    ...CORP_RECORDS.filter((r) => r.name !== 'api.corp.internal' && r.name !== 'fh.corp.internal'),
    { name: 'api.corp.internal', type: 'A', ttl: 300, values: [apiAddress, '10.0.5.11'] },
    { name: 'extnx.corp.internal', type: 'CNAME', values: ['nx.example.com'] },
    {
      name: 'fh.corp.internal',
      type: 'A',
      ttl: 60,
      values: ['10.9.8.1'],
      setIdentifier: 'main',
      failover: 'PRIMARY',
      healthCheck: {
        tcp: `127.0.0.1:${probedPort}`,
        intervalSeconds: 1,
        timeoutSeconds: 1,
        healthyThreshold: 1,
        unhealthyThreshold: 1,
      },
    },
    {
      name: 'fh.corp.internal',
      type: 'A',
      ttl: 60,
      values: ['10.9.8.2'],
      setIdentifier: 'backup',
      failover: 'SECONDARY',
    },
  ];
  c.privateHostedZones!.push(...(extra ?? []));
  return c;
}

beforeAll(async () => {
  probed = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => probed.listen(0, '127.0.0.1', r));
  probedPort = (probed.address() as net.AddressInfo).port;
  up = await startFakeUpstream({
    answer: (q) => {
      const name = q.name.toLowerCase();
      if (name === 'public.example.com')
        return {
          answers: [
            { type: 'CNAME', name: q.name, ttl: 120, data: 'edge.example.net' },
            { type: 'A', name: 'edge.example.net', ttl: 20, data: '192.0.2.7' },
          ] as dnsPacket.Answer[],
        };
      if (name === 'into.example.net')
        return {
          answers: [
            { type: 'CNAME', name: q.name, ttl: 50, data: 'api.corp.internal' },
          ] as dnsPacket.Answer[],
        };
      return defaultAnswer(q);
    },
  });
  srv = await startServer({
    config: config(),
    listen: '127.0.0.1:0',
    admin: '127.0.0.1:0',
    upstreams: [up.hostPort],
    logger: pino({ level: 'silent' }),
    watch: false,
  });
  port = srv.udp.port;
  admin = `http://127.0.0.1:${srv.admin!.port}`;
});

afterAll(async () => {
  await srv?.close();
  await up?.close();
  await new Promise((r) => probed.close(r));
});

describe('a running server with private hosted zones', () => {
  it('follows a CNAME to a public name through the forwarder', async () => {
    const d = await query(port, 'ext.corp.internal', { edns: 1232 });
    expect(d.rcode).toBe('NOERROR');
    expect((d.answers ?? []).map(rr)).toEqual([
      'ext.corp.internal 30 CNAME public.example.com',
      'public.example.com 120 CNAME edge.example.net',
      'edge.example.net 20 A 192.0.2.7',
    ]);
    expect(up.queries.some((q) => q.packet.questions?.[0].name.toLowerCase() === 'public.example.com')).toBe(
      true,
    );
  });

  it('ends a chain to a public name that does not exist with NXDOMAIN and its SOA', async () => {
    const d = await query(port, 'extnx.corp.internal');
    expect(d.rcode).toBe('NXDOMAIN');
    expect((d.answers ?? []).map(rr)).toEqual(['extnx.corp.internal 300 CNAME nx.example.com']);
    expect((d.authorities ?? []).map((a) => `${a.name} ${a.type}`)).toEqual(['example.com SOA']);
  });

  it('completes an upstream CNAME that reaches a name of our zones', async () => {
    const d = await query(port, 'into.example.net');
    expect((d.answers ?? []).map(rr)).toEqual([
      'into.example.net 50 CNAME api.corp.internal',
      'api.corp.internal 300 A 10.0.5.10',
      'api.corp.internal 300 A 10.0.5.11',
    ]);
  });

  it('probes record health checks and fails over when the check fails', async () => {
    const first = async () =>
      (await query(port, 'fh.corp.internal')).answers?.map((a) => String((a as { data: unknown }).data));
    expect(await first()).toEqual(['10.9.8.1']);
    const closed = new Promise((r) => probed.close(r));
    await closed;
    await poll('failover to the secondary', async () => (await first())?.[0] === '10.9.8.2');
    const zones = await call(admin, 'GET', '/v1/hosted-zones');
    const corp = zones.json.hostedZones.find((z: { name: string }) => z.name === 'corp.internal');
    const fh = corp.healthChecks.filter((c: { record: string }) => c.record.startsWith('fh.'));
    expect(fh).toEqual([expect.objectContaining({ record: 'fh.corp.internal A (main)', healthy: false })]);
    expect(fh[0].reason).toMatch(/tcp 127\.0\.0\.1:\d+: connection refused/);
  });

  it('lists zones, associations and record counts on /v1/hosted-zones', async () => {
    const r = await call(admin, 'GET', '/v1/hosted-zones');
    expect(r.status).toBe(200);
    const byName = new Map(r.json.hostedZones.map((z: { name: string }) => [z.name, z]));
    expect([...byName.keys()]).toEqual([
      'sqs.us-east-2.amazonaws.com',
      'corp.internal',
      'acme.corp.internal',
      '0.10.in-addr.arpa',
    ]);
    expect(byName.get('sqs.us-east-2.amazonaws.com')).toMatchObject({
      id: 'Z0SQSHUB0000000000001',
      vpcs: [HUB, SPOKE_A, SPOKE_B],
      recordSets: 1,
      wildcards: 0,
    });
    expect(byName.get('corp.internal')).toMatchObject({ vpcs: [SPOKE_A, SPOKE_B], wildcards: 1 });
  });

  it('explains on /v1/resolve which zone and record answered and why nothing fell back', async () => {
    const nx = await call(admin, 'GET', '/v1/resolve?name=shadowed.acme.corp.internal&client=10.10.0.5');
    expect(nx.json).toMatchObject({
      outcome: 'local',
      rcode: 'NXDOMAIN',
      hostedZone: { name: 'acme.corp.internal' },
    });
    expect(nx.json.explanation.join('\n')).toMatch(
      /most specific private hosted zone of vpc-0aaaaaaaaaaaaaaa1 holding shadowed\.acme\.corp\.internal is acme\.corp\.internal/,
    );
    expect(nx.json.explanation.join('\n')).toMatch(/neither a parent zone nor the upstream is asked/);
    const w = await call(admin, 'GET', '/v1/resolve?name=fo.corp.internal&client=10.20.0.5');
    expect(w.json.rcode).toBe('NOERROR');
    expect(w.json.explanation.join('\n')).toMatch(/failover: the primary \(primary\) is healthy/);
    expect(w.json.explanation.join('\n')).toMatch(
      /alias fo\.corp\.internal A → vpce-0c1a2b3c4d5e6f708-abcd1234-us-east-2a/,
    );
    const ext = await call(admin, 'GET', '/v1/resolve?name=ext.corp.internal&client=10.20.0.5');
    expect(ext.json.chase).toBe('public.example.com');
    const out = await call(admin, 'GET', '/v1/resolve?name=api.corp.internal&client=192.168.7.7');
    expect(out.json.outcome).toBe('forwarded');
  });

  it('takes a changed zone on reload, on the next query', async () => {
    const before = await query(port, 'api.corp.internal');
    expect((before.answers ?? []).map(rr)).toContain('api.corp.internal 300 A 10.0.5.10');
    const extra = [
      {
        name: 'new.internal',
        vpcs: [SPOKE_A],
        records: [{ name: 'x.new.internal', type: 'A' as const, values: ['10.7.7.7'] }],
      },
    ];
    const r = await srv.reload(config(extra, '10.0.5.99'));
    expect(r).toEqual({ ok: true, changed: true });
    const after = await query(port, 'api.corp.internal');
    expect((after.answers ?? []).map(rr).sort()).toEqual([
      'api.corp.internal 300 A 10.0.5.11',
      'api.corp.internal 300 A 10.0.5.99',
    ]);
    expect((await query(port, 'x.new.internal')).answers?.map(rr)).toEqual(['x.new.internal 300 A 10.7.7.7']);
    // A rejected reload changes nothing.
    const bad = config([{ name: 'new.internal', vpcs: ['vpc-0fffffffffffffff9'], records: [] }]);
    const rejected = await srv.reload(bad);
    expect(rejected.ok).toBe(false);
    expect((await query(port, 'x.new.internal')).answers?.map(rr)).toEqual(['x.new.internal 300 A 10.7.7.7']);
  });
});
