/**
 * serve --sync-from-aws: the real SDK clients poll a fake EC2/Route 53 API on loopback while a
 * stream of queries runs; changes are swapped in like a hot reload, an outage keeps serving.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { healthKey } from '../../src/health/state.js';
import { type SyncedServer, startSyncedServer } from '../../src/sync/server.js';
import { call } from '../admin/harness.js';
import { addresses, query } from '../helpers/dns-client.js';
import { type FakeAws, type FakeAwsData, fakeAwsEnv, startFakeAws } from '../helpers/fake-aws.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { poll as waitFor } from '../helpers/poll.js';
import { memoryLogger, queryStream, sample } from '../reload/util.js';
import { kindsData, us2Data } from './fixtures.js';

const NAME = 'monitoring.us-east-2.amazonaws.com';
const CW = 'vpce-0a1b2c3d4e5f60001';
const saved = { ...process.env };
let up: FakeUpstream;
let fake: FakeAws | undefined;
let srv: SyncedServer | undefined;

beforeAll(async () => {
  for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
  Object.assign(process.env, fakeAwsEnv());
  up = await startFakeUpstream();
});
afterAll(async () => {
  process.env = saved;
  await up.close();
});
afterEach(async () => {
  await srv?.close();
  srv = undefined;
  await fake?.close();
  fake = undefined;
});

const answer = async (port: number) =>
  addresses(await query(port, NAME))
    .sort()
    .join(',');

/** A synced server on loopback that polls the fake API, with an admin API; sets `srv`. */
async function follow(data: FakeAwsData, region: string, intervalMs: number, pageSize: number) {
  fake = await startFakeAws(data, { pageSize });
  const { logger, lines } = memoryLogger();
  srv = await startSyncedServer({
    aws: { endpointUrl: fake.url, region },
    intervalMs,
    listen: '127.0.0.1:0',
    admin: '127.0.0.1:0',
    upstreams: [up.hostPort],
    logger,
  });
  return { s: srv, fake, lines, port: srv.udp.port, admin: `http://127.0.0.1:${srv.admin!.port}` };
}

describe('serve --sync-from-aws', () => {
  it('swaps a change in within one poll under a query stream, keeps health, and serves through an outage', async () => {
    const data = us2Data();
    const { s, fake, lines, port, admin } = await follow(data, 'us-east-2', 200, 3);
    expect(await answer(port)).toBe('10.20.1.15,10.20.2.37,10.20.3.201');
    // An operator marks one interface down; a sync that does not change it keeps that.
    s.health.setOverride(healthKey(CW, 'us-east-2c'), false);
    expect(await answer(port)).toBe('10.20.1.15,10.20.2.37');

    const stream = queryStream(port, NAME, 4);
    try {
      // A change in the API: another address for the us-east-2a interface.
      const before = s.syncStatus().polls;
      data.networkInterfaces.find((n) => n.NetworkInterfaceId === 'eni-0aa1bb2cc3dd4ee01')!.PrivateIpAddress =
        '10.20.1.99';
      await waitFor('the new address', async () => (await answer(port)) === '10.20.1.99,10.20.2.37');
      // Visible after at most the poll under way and the next one.
      expect(s.syncStatus().polls - before).toBeLessThanOrEqual(2);
      expect(lines.some((l) => l.msg === 'AWS sync: a changed config is serving')).toBe(true);

      // Outage: every read fails, the last good config keeps answering.
      fake.mode = 'down';
      await waitFor('three failed polls', () => s.syncStatus().failures >= 3);
      expect(await answer(port)).toBe('10.20.1.99,10.20.2.37');
      const ready = await call(admin, 'GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.json.ready).toBe(true);
      expect(ready.json.sync.state).toBe('failing');
      expect(ready.json.sync.lastError.message).toContain(`at ${fake.url}`);
      const st = await call(admin, 'GET', '/v1/sync');
      expect(st.status).toBe(200);
      expect(st.json.state).toBe('failing');
      expect(st.json.lastSuccess).toEqual(expect.any(String));
      expect(Date.parse(st.json.nextPoll)).toBeGreaterThan(0);
      expect(st.json.source).toEqual({ region: 'us-east-2', endpointUrl: fake.url, vpcIds: [] });
      expect(st.json.serving.endpoints).toBeGreaterThan(0);
      // Logged once for the change of state, however many polls failed; counted each time.
      expect(
        lines.filter((l) => l.msg === 'AWS sync failed; the last good config keeps serving'),
      ).toHaveLength(1);
      const metrics = await s.metrics.text();
      expect(
        sample(metrics, 'privatelink_dns_aws_sync_polls_total', 'result="failure"'),
      ).toBeGreaterThanOrEqual(3);
      expect(
        sample(metrics, 'privatelink_dns_aws_sync_polls_total', 'result="changed"'),
      ).toBeGreaterThanOrEqual(1);
      expect(metrics).toMatch(/privatelink_dns_aws_sync_last_success_timestamp_seconds \d{10}/);

      // An answer that makes no valid config (an interface the API does not return) keeps serving too.
      fake.mode = 'up';
      await waitFor('recovered', () => s.syncStatus().state === 'ok');
      expect(lines.filter((l) => l.msg === 'AWS sync recovered')).toHaveLength(1);
      const eni = data.networkInterfaces.findIndex((n) => n.NetworkInterfaceId === 'eni-0aa1bb2cc3dd4ee02');
      const [removed] = data.networkInterfaces.splice(eni, 1);
      await waitFor('failing on the bad answer', () => s.syncStatus().state === 'failing');
      expect(s.syncStatus().lastError?.message).toMatch(
        /^the API's answer makes no valid config: vpce-0a1b2c3d4e5f60001: network interface eni-0aa1bb2cc3dd4ee02 is not in --network-interfaces/,
      );
      expect(await answer(port)).toBe('10.20.1.99,10.20.2.37');
      data.networkInterfaces.push(removed);
      await waitFor('ok again', () => s.syncStatus().state === 'ok');
      // The operator's override survived every swap.
      expect(await answer(port)).toBe('10.20.1.99,10.20.2.37');
    } finally {
      await stream.stop();
    }
    // No query of the stream was lost or failed, and it saw only the old and the new answer.
    expect(stream.failures).toEqual([]);
    expect(stream.answers.length).toBeGreaterThan(0);
    expect(new Set(stream.answers)).toEqual(new Set(['10.20.1.15,10.20.2.37', '10.20.1.99,10.20.2.37']));
    // No log line carries the credentials.
    const logText = JSON.stringify(lines);
    expect(logText).not.toContain(process.env.AWS_SECRET_ACCESS_KEY);
    expect(logText).not.toContain(process.env.AWS_ACCESS_KEY_ID);
  });

  it('an unchanged API swaps nothing; a first read that fails is a start-up error', async () => {
    fake = await startFakeAws(us2Data());
    const { logger, lines } = memoryLogger();
    srv = await startSyncedServer({
      aws: { endpointUrl: fake.url, region: 'us-east-2' },
      intervalMs: 100,
      listen: '127.0.0.1:0',
      upstreams: [up.hostPort],
      logger,
    });
    const s = srv;
    await waitFor('two polls', () => s.syncStatus().polls >= 3);
    expect(await s.metrics.text()).toContain('privatelink_dns_aws_sync_polls_total{result="changed"} 0');
    expect(lines.filter((l) => l.msg === 'config reloaded')).toHaveLength(0);
    fake.deny.add('ec2:DescribeVpcEndpoints');
    await expect(
      startSyncedServer({
        aws: { endpointUrl: fake.url, region: 'us-east-2' },
        listen: '127.0.0.1:0',
        upstreams: [up.hostPort],
        logger,
      }),
    ).rejects.toThrow(/^access denied for ec2:DescribeVpcEndpoints/);
  });

  it('picks up a new resource association within a poll; a denied associations call is a warning, logged once', async () => {
    const data = kindsData();
    const { s, fake, lines, port, admin } = await follow(data, 'us-east-1', 150, 2);
    const SN = 'vpce-0057aabf75896925f';
    const name = `${SN}-snra-0123456789abcdef0.rcfg-0fedcba9876543210.4232ccc.vpc-lattice-rsc.us-east-1.on.aws`;
    const lattice = async () =>
      addresses(await query(port, name))
        .sort()
        .join(',');
    // Not ours yet: forwarded (the fake upstream's answer).
    expect(await lattice()).toBe('192.0.2.1');
    // A third resource of the service network is associated.
    data.associations!.push({
      Id: 'vpce-rsc-asc-0c0c0c0c0c0c0c0c0',
      VpcEndpointId: SN,
      ServiceNetworkArn: 'arn:aws:vpc-lattice:us-east-1:661497052113:servicenetwork/sn-0f7a8ceee967ecf4b',
      AssociatedResourceAccessibility: 'Accessible',
      DnsEntry: { DnsName: name, HostedZoneId: 'Z08285483B41F6ASEM5U1' },
      AssociatedResourceArn:
        'arn:aws:vpc-lattice:us-east-1:661497052113:resourceconfiguration/rcfg-0fedcba9876543210',
    });
    const before = s.syncStatus().polls;
    await waitFor('the new resource name', async () => (await lattice()) === '10.0.1.210,10.0.2.40');
    expect(s.syncStatus().polls - before).toBeLessThanOrEqual(2);
    expect(s.syncStatus().warnings).toEqual([]);

    // The policy loses ec2:DescribeVpcEndpointAssociations: the read goes on without them, the
    // server stays ok, and the warning is logged once however many polls see it.
    fake.deny.add('ec2:DescribeVpcEndpointAssociations');
    await waitFor('the warning', () => s.syncStatus().warnings.length === 1);
    const polled = s.syncStatus().polls;
    await waitFor('two more polls', () => s.syncStatus().polls >= polled + 2);
    const st = await call(admin, 'GET', '/v1/sync');
    expect(st.json.state).toBe('ok');
    expect(st.json.warnings[0]).toMatch(/^access denied for ec2:DescribeVpcEndpointAssociations at /);
    expect(lines.filter((l) => l.msg === 'AWS sync: read without part of the data')).toHaveLength(1);
    // Without the associations the service network has no resources here: the name is forwarded.
    expect(await lattice()).toBe('192.0.2.1');
    fake.deny.clear();
    await waitFor('the name again', async () => (await lattice()) === '10.0.1.210,10.0.2.40');
    expect(s.syncStatus().warnings).toEqual([]);
  });
});
