/**
 * Real clients against examples/centralized-endpoints: dig (bound to a spoke's source address),
 * Node's resolver (c-ares) and glibc's getaddrinfo (getent, inside a network namespace this test
 * creates, as a client of spoke A). The spokes reach the hub's interfaces by the public service
 * name, and an impaired AZ of the hub moves the spokes' answers on the next query.
 */
import { execFile } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/core/server.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { createNetns, type Netns } from '../helpers/netns.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const EXAMPLE = join(ROOT, 'examples/centralized-endpoints/config.yaml');
const SQS = 'sqs.us-east-1.amazonaws.com';
const HUB_SQS = ['10.0.1.40', '10.0.2.40', '10.0.3.40'];
const SPOKE_A = '127.0.0.2';
const SPOKE_B = '127.0.0.3';

const run = promisify(execFile);

describe('dig and Node against the centralized example', () => {
  let srv: RunningServer;
  let up: FakeUpstream;
  const dig = async (from: string, ...args: string[]) =>
    (await run('dig', ['-b', from, '@127.0.0.1', '-p', String(srv.udp.port), '+time=3', '+tries=1', ...args]))
      .stdout;
  const short = async (from: string, name: string) =>
    (await dig(from, '+short', name)).trim().split('\n').filter(Boolean);

  beforeAll(async () => {
    up = await startFakeUpstream();
    srv = await startServer({
      config: EXAMPLE,
      listen: '127.0.0.1:0',
      upstreams: [up.hostPort],
      logger: pino({ level: 'silent' }),
      watch: false,
    });
  });
  afterAll(async () => {
    await srv?.close();
    await up?.close();
  });

  it('gives both spokes the hub interfaces by the public service name', async () => {
    expect((await short(SPOKE_A, SQS)).sort()).toEqual(HUB_SQS);
    expect((await short(SPOKE_B, SQS)).sort()).toEqual(HUB_SQS);
    expect((await short(SPOKE_B, 'my-bucket.s3.us-east-1.amazonaws.com')).sort()).toEqual([
      '10.0.1.50',
      '10.0.2.50',
    ]);
    expect(up.count()).toBe(0);
  });

  it('moves the spokes answers when a hub AZ is impaired, and back', async () => {
    srv.health.setAzImpaired('us-east-1a', true);
    try {
      expect((await short(SPOKE_A, SQS)).sort()).toEqual(HUB_SQS.slice(1));
      expect((await short(SPOKE_B, SQS)).sort()).toEqual(HUB_SQS.slice(1));
    } finally {
      srv.health.setAzImpaired('us-east-1a', false);
    }
    expect((await short(SPOKE_A, SQS)).sort()).toEqual(HUB_SQS);
  });

  it('answers corp.internal in spoke A only; spoke B is forwarded', async () => {
    const a = await dig(SPOKE_A, '+noall', '+answer', 'www.corp.internal');
    expect(a).toMatch(/^www\.corp\.internal\.\s+300\s+IN\s+CNAME\s+api\.corp\.internal\.$/m);
    expect(a).toMatch(/^api\.corp\.internal\.\s+300\s+IN\s+A\s+10\.20\.5\.10$/m);
    const nx = await dig(SPOKE_A, '+noall', '+comments', '+authority', 'nope.corp.internal');
    expect(nx).toMatch(/status: NXDOMAIN/);
    expect(nx).toMatch(/^corp\.internal\.\s+900\s+IN\s+SOA\s+ns-1536\.awsdns-00\.co\.uk\./m);
    expect(await short(SPOKE_B, 'www.corp.internal')).toEqual(['192.0.2.1']);
  });

  it('answers Node (c-ares) bound to a spoke address', async () => {
    const r = new Resolver({ timeout: 3000, tries: 1 });
    r.setServers([`127.0.0.1:${srv.udp.port}`]);
    r.setLocalAddress(SPOKE_A);
    expect((await r.resolve4('api.corp.internal')).sort()).toEqual(['10.20.5.10', '10.20.5.11']);
    expect(await r.resolveMx('corp.internal')).toEqual([{ priority: 10, exchange: 'mail.corp.internal' }]);
    expect((await r.resolve4(SQS)).sort()).toEqual(HUB_SQS);
    await expect(r.resolve6('api.corp.internal')).rejects.toMatchObject({ code: 'ENODATA' });
  });
});

// glibc: the namespace's resolver is 10.20.0.53, an address of the namespace inside spoke A's
// range, so the stub resolver's queries come from spoke A.
let ns: Netns | undefined;
const getent = (db: string, name: string) => ns!.getent(db, name);

const addrsOf = (out: string) =>
  [
    ...new Set(
      out
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[0]),
    ),
  ].sort();

describe('glibc getaddrinfo from spoke A', () => {
  beforeAll(async () => {
    ns = createNetns('pldns-central', { addresses: ['10.20.0.53/16'], nameserver: '10.20.0.53' });
    await ns.serve(['--config', EXAMPLE, '--listen', '10.20.0.53:53'], '10.20.0.53:53');
  });

  afterAll(() => {
    ns?.close();
  });

  it('resolves the public service name to the hub interfaces (A answer, AAAA NODATA)', () => {
    const r = getent('ahosts', SQS);
    expect(r.status).toBe(0);
    expect(addrsOf(r.out)).toEqual(HUB_SQS);
  });

  it('follows the CNAME of the team zone to the hub endpoint', () => {
    const r = getent('ahostsv4', 'queue.corp.internal');
    expect(r.status).toBe(0);
    expect(addrsOf(r.out)).toEqual(HUB_SQS);
  });

  it('fails a name the zone does not hold (NXDOMAIN, not forwarded)', () => {
    expect(getent('ahosts', 'nope.corp.internal').status).toBe(2);
  });
});
