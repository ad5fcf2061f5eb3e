/**
 * Hot reload of a file config over real sockets: plain writes, rename-saves and Kubernetes
 * ConfigMap `..data` symlink swaps are picked up under a steady stream of queries; invalid configs
 * are rejected harmlessly; interface health survives reloads; owned names leave the cache.
 */
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, type ServerOptions, startServer } from '../../src/core/server.js';
import { call } from '../admin/harness.js';
import { waitFor } from '../health/poll.js';
import { CW_ID, cloudwatch, dualstackEndpoint, oneVpc } from '../helpers/configs.js';
import { addresses, query } from '../helpers/dns-client.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import {
  answerOf,
  CW_PRIVATE,
  cwWith,
  lineOf,
  memoryLogger,
  NEW,
  OLD,
  queryStream,
  renameSave,
  sample,
  THIRD,
  tempDir,
  yamlOf,
} from './util.js';

const CAP = 10_000;
const FAILED = ['privatelink_dns_config_reloads_total', 'result="failure"'] as const;
const SUCCEEDED = ['privatelink_dns_config_reloads_total', 'result="success"'] as const;

let up: FakeUpstream;
const servers: RunningServer[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  up = await startFakeUpstream();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
afterAll(async () => {
  await up?.close();
});

async function serve(config: string, more: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const srv = await startServer({
    config,
    listen: '127.0.0.1:0',
    upstreams: [up.hostPort],
    logger: pino({ level: 'silent' }),
    ...more,
  });
  servers.push(srv);
  return srv;
}

/** A temp dir with `endpoints.yaml` holding `text`. */
function configFile(text: string): { dir: string; file: string } {
  const dir = tempDir();
  dirs.push(dir);
  const file = join(dir, 'endpoints.yaml');
  writeFileSync(file, text);
  return { dir, file };
}

const waitAnswer = (port: number, want: string[]) =>
  waitFor(`answer ${want.join(',')}`, async () => (await answerOf(port)) === want.join(','), CAP);

describe('file changes under a steady stream of queries', () => {
  it('a plain write swaps the answers atomically: none lost, never a mix, the new set afterwards', async () => {
    const { file } = configFile(yamlOf(cwWith(OLD)));
    const srv = await serve(file);
    const stream = queryStream(srv.udp.port);
    const tcp = queryStream(srv.tcp.port, CW_PRIVATE, 2, 40_000, 'tcp');
    try {
      await waitFor('answers before the change', () => stream.answers.length >= 200, CAP);
      writeFileSync(file, yamlOf(cwWith(NEW)));
      await waitFor('the new set in the stream', () => stream.answers.includes(NEW.join(',')), CAP);
      const mark = stream.answers.length;
      await waitFor('answers after the change', () => stream.answers.length >= mark + 200, CAP);
      writeFileSync(file, yamlOf(cwWith(THIRD)));
      await waitFor('the third set in the stream', () => stream.answers.includes(THIRD.join(',')), CAP);
      const mark2 = stream.answers.length;
      await waitFor('answers after the second change', () => stream.answers.length >= mark2 + 200, CAP);
    } finally {
      await Promise.all([stream.stop(), tcp.stop()]);
    }
    expect(stream.failures).toEqual([]);
    expect(tcp.failures).toEqual([]);
    expect(tcp.answers.length).toBeGreaterThan(0);
    expect(tcp.answers.every((a) => [OLD, NEW, THIRD].some((s) => s.join(',') === a))).toBe(true);
    const sets = new Set(stream.answers);
    expect([...sets].sort()).toEqual([OLD, NEW, THIRD].map((s) => s.join(',')).sort());
    // Each set takes over for good: once a later set was seen, an earlier one comes back at most
    // for answers already in flight (a handful), and the last answers are all the newest set.
    const firstNew = stream.answers.indexOf(NEW.join(','));
    const firstThird = stream.answers.indexOf(THIRD.join(','));
    expect(firstNew).toBeGreaterThan(0);
    expect(firstThird).toBeGreaterThan(firstNew);
    const oldAfter = stream.answers.slice(firstNew).filter((a) => a === OLD.join(',')).length;
    expect(oldAfter).toBeLessThanOrEqual(8);
    expect(stream.answers.slice(-100).every((a) => a === THIRD.join(','))).toBe(true);
    expect(sample(await srv.metrics.text(), ...SUCCEEDED)).toBeGreaterThanOrEqual(2);
    expect(sample(await srv.metrics.text(), ...FAILED)).toBe(0); // no half-written file was read
  });

  it('picks up editors that save by rename, again and again', async () => {
    const { file } = configFile(yamlOf(cwWith(OLD)));
    const srv = await serve(file);
    const stream = queryStream(srv.udp.port, CW_PRIVATE, 4);
    try {
      renameSave(file, yamlOf(cwWith(NEW)));
      await waitAnswer(srv.udp.port, NEW);
      renameSave(file, yamlOf(cwWith(THIRD)));
      await waitAnswer(srv.udp.port, THIRD);
    } finally {
      await stream.stop();
    }
    expect(stream.failures).toEqual([]);
    expect(stream.answers.every((a) => [OLD, NEW, THIRD].some((s) => s.join(',') === a))).toBe(true);
  });

  it('picks up a Kubernetes ConfigMap volume swapping its ..data symlink, again and again', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const generation = (name: string, text: string) => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'endpoints.yaml'), text);
    };
    generation('..2026_01_01_00_00_00.000000001', yamlOf(cwWith(OLD)));
    symlinkSync('..2026_01_01_00_00_00.000000001', join(dir, '..data'));
    symlinkSync('..data/endpoints.yaml', join(dir, 'endpoints.yaml'));
    // What kubelet does: a new timestamped dir, a temporary symlink to it renamed over ..data,
    // then the old generation removed.
    const kubeletSwap = (from: string, to: string, text: string) => {
      generation(to, text);
      symlinkSync(to, join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
      rmSync(join(dir, from), { recursive: true, force: true });
    };
    const srv = await serve(join(dir, 'endpoints.yaml'));
    const stream = queryStream(srv.udp.port, CW_PRIVATE, 4);
    try {
      expect(await answerOf(srv.udp.port)).toBe(OLD.join(','));
      kubeletSwap('..2026_01_01_00_00_00.000000001', '..2026_01_02_00_00_00.000000002', yamlOf(cwWith(NEW)));
      await waitAnswer(srv.udp.port, NEW);
      kubeletSwap(
        '..2026_01_02_00_00_00.000000002',
        '..2026_01_03_00_00_00.000000003',
        yamlOf(cwWith(THIRD)),
      );
      await waitAnswer(srv.udp.port, THIRD);
    } finally {
      await stream.stop();
    }
    expect(stream.failures).toEqual([]);
    expect(stream.answers.every((a) => [OLD, NEW, THIRD].some((s) => s.join(',') === a))).toBe(true);
  });
});

describe('invalid configs', () => {
  it('are rejected: old answers keep coming, FILE:LINE:COL problems logged, /readyz ready, failures counted', async () => {
    const { file } = configFile(yamlOf(cwWith(OLD)));
    const { logger, lines } = memoryLogger();
    const srv = await serve(file, { logger, admin: '127.0.0.1:0' });
    const base = `http://127.0.0.1:${srv.admin!.port}`;
    const failures = async () => sample((await call(base, 'GET', '/metrics')).text, ...FAILED);
    expect(await failures()).toBe(0);
    const stream = queryStream(srv.udp.port, CW_PRIVATE, 4);
    try {
      // An AWS rule problem: the address is outside its subnet.
      const bad = yamlOf(cwWith(['10.0.1.23', '10.0.9.23', '10.0.3.23']));
      renameSave(file, bad);
      await waitFor('a failed reload', async () => (await failures()) >= 1, CAP);
      const rejected = await waitFor(
        'the rejection in the log',
        () => lines.find((l) => l.msg === 'config reload rejected; the previous config keeps serving'),
        CAP,
      );
      expect(rejected.level).toBe(50);
      const problems = rejected.problems as string[];
      expect(problems.length).toBeGreaterThan(0);
      expect(problems.join('\n')).toContain(`${file}:${lineOf(bad, '10.0.9.23')}:`);
      expect(problems[0]).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}:\\d+:\\d+ `));
      expect((await call(base, 'GET', '/readyz')).status).toBe(200);
      expect(await answerOf(srv.udp.port)).toBe(OLD.join(','));

      // Broken YAML: still rejected, with its line.
      const broken = 'ttl: 60\nvpcs: [\n  { id: vpc-1\n';
      renameSave(file, broken);
      await waitFor('a second failed reload', async () => (await failures()) >= 2, CAP);
      const second = lines.filter(
        (l) => l.msg === 'config reload rejected; the previous config keeps serving',
      );
      expect(second).toHaveLength(2);
      expect((second[1].problems as string[])[0]).toMatch(
        new RegExp(`^${file.replace(/[.]/g, '\\.')}:[2-4]:\\d+ `),
      );
      expect((await call(base, 'GET', '/readyz')).status).toBe(200);
      expect(await answerOf(srv.udp.port)).toBe(OLD.join(','));

      // A valid config afterwards is taken.
      renameSave(file, yamlOf(cwWith(NEW)));
      await waitAnswer(srv.udp.port, NEW);
    } finally {
      await stream.stop();
    }
    expect(stream.failures).toEqual([]);
    expect(stream.answers.every((a) => a === OLD.join(',') || a === NEW.join(','))).toBe(true);
    expect(await failures()).toBe(2);
    expect(srv.config().vpcs[0].endpoints[0].interfaces.map((i) => i.ipv4)).toEqual(NEW);
  });

  it('a config whose forwarding rule points at this server is rejected as a whole', async () => {
    const { file } = configFile(yamlOf(cwWith(OLD)));
    const srv = await serve(file, { watch: false });
    const self = `127.0.0.1:${srv.udp.port}`;
    // Also marks an interface unhealthy: that must not stick either.
    const text = yamlOf(
      oneVpc(
        [
          cloudwatch({
            interfaces: [
              { subnet: 'subnet-0aaa', ipv4: '10.0.1.23', healthy: false },
              { subnet: 'subnet-0bbb', ipv4: '10.0.2.23' },
            ],
          }),
        ],
        { forwardingRules: [{ domain: 'corp.example', upstreams: [self] }] },
      ),
    );
    writeFileSync(file, text);
    const r = await srv.reload();
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems).toHaveLength(1);
      expect(r.problems[0]).toMatchObject({ file, line: lineOf(text, `- ${self}`) });
      expect(r.problems[0].message).toContain(self);
    }
    expect(srv.health.isHealthy(`${CW_ID}/us-east-2a`)).toBe(true);
    // Nothing of the rejected config took effect: not its addresses, not its rule.
    expect(await answerOf(srv.udp.port)).toBe(OLD.join(','));
    expect(srv.config().forwardingRules).toEqual([]);
    expect(sample(await srv.metrics.text(), ...FAILED)).toBe(1);
    up.reset();
    expect(addresses(await query(srv.udp.port, 'www.corp.example'))).toEqual(['192.0.2.1']);
    expect(up.count()).toBe(1);
  });

  it('POST /v1/reload answers 200 with ok, and 422 with the problems of an invalid file', async () => {
    const { file } = configFile(yamlOf(cwWith(OLD)));
    const srv = await serve(file, { watch: false, admin: '127.0.0.1:0' });
    const base = `http://127.0.0.1:${srv.admin!.port}`;
    writeFileSync(file, yamlOf(cwWith(NEW)));
    const ok = await call(base, 'POST', '/v1/reload');
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ ok: true });
    expect(await answerOf(srv.udp.port)).toBe(NEW.join(','));

    const bad = yamlOf(cwWith(NEW, { ttl: -5 }));
    writeFileSync(file, bad);
    const rejected = await call(base, 'POST', '/v1/reload');
    expect(rejected.status).toBe(422);
    expect(JSON.stringify(rejected.json)).toContain('ttl');
    const problems = (rejected.json.problems ?? rejected.json.error?.problems) as {
      file: string;
      line: number;
    }[];
    expect(problems[0]).toMatchObject({ file, line: lineOf(bad, 'ttl:') });
    expect(await answerOf(srv.udp.port)).toBe(NEW.join(','));
    expect((await call(base, 'GET', '/readyz')).status).toBe(200);
  });
});

describe('health across reloads', () => {
  it('keeps the health of interfaces that did not change and forgets removed ones', async () => {
    const SSM = dualstackEndpoint('ipv4');
    const { file } = configFile(yamlOf(oneVpc([cloudwatch(), SSM])));
    const srv = await serve(file, { watch: false, admin: '127.0.0.1:0' });
    const base = `http://127.0.0.1:${srv.admin!.port}`;
    const put = await call(base, 'PUT', `/v1/endpoints/${CW_ID}/interfaces/us-east-2a`, { healthy: false });
    expect(put.status).toBe(200);
    expect(srv.health.setOverride(`${SSM.id}/us-east-2b`, false)).toBe(true);
    const withoutA = ['10.0.2.23', '10.0.3.23'].join(',');
    expect(await answerOf(srv.udp.port)).toBe(withoutA);

    // CloudWatch unchanged, SSM loses its 2b interface and the TTL changes: the override stays.
    writeFileSync(
      file,
      yamlOf(oneVpc([cloudwatch(), { ...SSM, interfaces: SSM.interfaces!.slice(0, 1) }], { ttl: 30 })),
    );
    expect((await call(base, 'POST', '/v1/reload')).status).toBe(200);
    expect(srv.config().ttl).toBe(30);
    expect(await answerOf(srv.udp.port)).toBe(withoutA);
    expect(srv.health.view(`${CW_ID}/us-east-2a`)).toMatchObject({ healthy: false, source: 'override' });
    expect(srv.health.has(`${SSM.id}/us-east-2b`)).toBe(false);
    const eps = (await call(base, 'GET', '/v1/endpoints')).json.endpoints as {
      id: string;
      interfaces: { az: string; healthy: boolean }[];
    }[];
    expect(eps.find((e) => e.id === CW_ID)?.interfaces.find((i) => i.az === 'us-east-2a')?.healthy).toBe(
      false,
    );
    expect(eps.find((e) => e.id === SSM.id)?.interfaces.map((i) => i.az)).toEqual(['us-east-2a']);

    // SSM removed: it disappears from /v1/endpoints and from the health state.
    writeFileSync(file, yamlOf(oneVpc([cloudwatch()], { ttl: 30 })));
    expect((await call(base, 'POST', '/v1/reload')).status).toBe(200);
    const after = (await call(base, 'GET', '/v1/endpoints')).json.endpoints as { id: string }[];
    expect(after.map((e) => e.id)).toEqual([CW_ID]);
    expect([...srv.health.keys()].some((k) => k.startsWith(SSM.id!))).toBe(false);
    expect(await answerOf(srv.udp.port)).toBe(withoutA);

    // Added back, SSM starts fresh (its old override is gone).
    writeFileSync(file, yamlOf(oneVpc([cloudwatch(), SSM], { ttl: 30 })));
    expect((await call(base, 'POST', '/v1/reload')).status).toBe(200);
    expect(srv.health.view(`${SSM.id}/us-east-2b`).healthy).toBe(true);
    expect(addresses(await query(srv.udp.port, 'ssm.us-east-2.amazonaws.com')).sort()).toEqual([
      '10.0.1.60',
      '10.0.2.60',
    ]);
  });
});

describe('the forwarding cache across reloads', () => {
  it('drops a cached forwarded answer for a name the new config owns', async () => {
    const { file } = configFile(yamlOf(oneVpc([cloudwatch({ privateDnsEnabled: false })])));
    const { logger, lines } = memoryLogger();
    const srv = await serve(file, { watch: false, logger });
    const cached = async () => sample(await srv.metrics.text(), 'privatelink_dns_cache_entries', '');
    up.reset();
    expect(addresses(await query(srv.udp.port, CW_PRIVATE))).toEqual(['192.0.2.1']);
    expect(addresses(await query(srv.udp.port, CW_PRIVATE))).toEqual(['192.0.2.1']);
    expect(addresses(await query(srv.udp.port, 'other.example.org'))).toEqual(['192.0.2.1']);
    expect(up.count()).toBe(2); // the second query for the private name came from the cache
    expect(await cached()).toBe(2);

    writeFileSync(file, yamlOf(oneVpc([cloudwatch({ privateDnsEnabled: true })])));
    expect(await srv.reload()).toMatchObject({ ok: true });
    expect(lines.find((l) => l.msg === 'cleared cached answers for names we now own')).toMatchObject({
      dropped: 1,
    });
    expect(await cached()).toBe(1);
    up.reset();
    const d = await query(srv.udp.port, CW_PRIVATE);
    expect(addresses(d).sort()).toEqual(OLD);
    expect(up.count()).toBe(0);
    // Names the new config does not own stay cached.
    expect(addresses(await query(srv.udp.port, 'other.example.org'))).toEqual(['192.0.2.1']);
    expect(up.count()).toBe(0);
  });
});
