/**
 * createLookup against a running server (endpoint names, forwarding) and against a fake DNS
 * server (rcodes, truncation, silence), compared where it matters with Node's own dns.lookup.
 */
import dns, { type LookupAddress } from 'node:dns';
import net from 'node:net';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLookup, type RunningServer, startServer } from '../../src/index.js';
import { cloudwatch, dualstackEndpoint, oneVpc } from '../helpers/configs.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';

const PRIVATE = 'monitoring.us-east-2.amazonaws.com';
const SSM = 'ssm.us-east-2.amazonaws.com';
const CW_V4 = ['10.0.1.23', '10.0.2.23', '10.0.3.23'];

type Cb = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
type AnyLookup = (host: string, opts: unknown, cb: Cb) => void;

/** Calls a lookup function with the given options and collects what its callback got. */
function call(lookup: AnyLookup, host: string, opts: unknown) {
  return new Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family: unknown }>((resolve) =>
    lookup(host, opts, (err, address, family) => resolve({ err, address, family })),
  );
}

let up: FakeUpstream;
let server: RunningServer;

beforeAll(async () => {
  up = await startFakeUpstream();
  server = await startServer({
    config: oneVpc([cloudwatch(), dualstackEndpoint('dualstack')]),
    listen: '127.0.0.1:0',
    upstreams: [up.hostPort],
    logger: pino({ level: 'silent' }),
  });
});
afterAll(async () => {
  await server?.close();
  await up?.close();
});

describe('createLookup through the server', () => {
  it('answers a private DNS name with one interface address, and all of them with all: true', async () => {
    const lookup = createLookup(server);
    const one = await call(lookup as AnyLookup, PRIVATE, { family: 4 });
    expect(one.err).toBeNull();
    expect(CW_V4).toContain(one.address);
    expect(one.family).toBe(4);
    const all = await call(lookup as AnyLookup, PRIVATE, { all: true });
    expect(all.err).toBeNull();
    expect((all.address as LookupAddress[]).map((a) => a.address).sort()).toEqual(CW_V4);
    expect((all.address as LookupAddress[]).every((a) => a.family === 4)).toBe(true);
  });

  it('takes the server as { host, port } and as "HOST:PORT" too', async () => {
    for (const target of [{ host: '127.0.0.1', port: server.udp.port }, `127.0.0.1:${server.udp.port}`]) {
      const r = await promisify(createLookup(target))(PRIVATE, { all: true });
      expect(r.map((a) => a.address).sort()).toEqual(CW_V4);
    }
  });

  it('family 6 of an IPv4-only endpoint is ENODATA; with V4MAPPED the A answers come mapped', async () => {
    const lookup = createLookup(server) as AnyLookup;
    const six = await call(lookup, PRIVATE, { family: 6 });
    expect(six.err?.code).toBe('ENODATA');
    expect(six.err?.syscall).toBe('getaddrinfo');
    expect((six.err as { hostname?: string }).hostname).toBe(PRIVATE);
    const mapped = await call(lookup, PRIVATE, { family: 6, hints: dns.V4MAPPED, all: true });
    expect(mapped.err).toBeNull();
    expect((mapped.address as LookupAddress[]).map((a) => a.address).sort()).toEqual(
      CW_V4.map((a) => `::ffff:${a}`),
    );
    expect((mapped.address as LookupAddress[]).every((a) => a.family === 6)).toBe(true);
  });

  it('V4MAPPED keeps real AAAA answers (and adds the mapped ones only with ALL)', async () => {
    const lookup = createLookup(server) as AnyLookup;
    const only = await call(lookup, SSM, { family: 6, hints: dns.V4MAPPED, all: true });
    expect((only.address as LookupAddress[]).map((a) => a.address).sort()).toEqual([
      '2600:1f16:1:a01::60',
      '2600:1f16:1:a02::60',
    ]);
    const both = await call(lookup, SSM, { family: 6, hints: dns.V4MAPPED | dns.ALL, all: true });
    expect((both.address as LookupAddress[]).map((a) => a.address).sort()).toEqual([
      '2600:1f16:1:a01::60',
      '2600:1f16:1:a02::60',
      '::ffff:10.0.1.60',
      '::ffff:10.0.2.60',
    ]);
  });

  it('family 0 asks A and AAAA; order and verbatim decide which family comes first', async () => {
    const lookup = createLookup(server) as AnyLookup;
    const families = async (opts: object) => {
      const r = await call(lookup, SSM, { all: true, ...opts });
      expect(r.err).toBeNull();
      return (r.address as LookupAddress[]).map((a) => a.family);
    };
    expect(await families({ order: 'ipv6first' })).toEqual([6, 6, 4, 4]);
    expect(await families({ order: 'ipv4first' })).toEqual([4, 4, 6, 6]);
    expect(await families({ verbatim: false })).toEqual([4, 4, 6, 6]);
    expect(await families({ verbatim: false, order: 'ipv6first' })).toEqual([6, 6, 4, 4]);
    expect(await families({ family: 'IPv6' })).toEqual([6, 6]);
    expect(await families({ family: 'IPv4' })).toEqual([4, 4]);
    const single = await call(lookup, SSM, { order: 'ipv6first' });
    expect(single.family).toBe(6);
    expect(['2600:1f16:1:a01::60', '2600:1f16:1:a02::60']).toContain(single.address);
  });

  it('a bare family number and the two-argument form work as with dns.lookup', async () => {
    const lookup = createLookup(server);
    const six = await new Promise<[unknown, unknown]>((resolve) =>
      lookup(SSM, 6, (err, address, family) => resolve([err ?? address, family])),
    );
    expect(six[1]).toBe(6);
    expect(['2600:1f16:1:a01::60', '2600:1f16:1:a02::60']).toContain(six[0]);
    const two = await new Promise<[unknown, unknown]>((resolve) =>
      lookup(PRIVATE, (err, address, family) => resolve([err ?? address, family])),
    );
    expect(CW_V4).toContain(two[0]);
    expect(two[1]).toBe(4);
  });

  it('forwards other names upstream; NXDOMAIN is ENOTFOUND, NODATA is ENODATA', async () => {
    const lookup = createLookup(server) as AnyLookup;
    const fwd = await call(lookup, 'app.example.test', { family: 4 });
    expect(fwd.address).toBe('192.0.2.1');
    const nx = await call(lookup, 'nx.example.test', {});
    expect(nx.err?.code).toBe('ENOTFOUND');
    expect(nx.err?.message).toBe('getaddrinfo ENOTFOUND nx.example.test');
    const nodata = await call(lookup, 'nodata.example.test', { all: true });
    expect(nodata.err?.code).toBe('ENODATA');
  });

  it('util.promisify gives the dns.promises.lookup shapes', async () => {
    const p = promisify(createLookup(server));
    const one = await p(PRIVATE, { family: 4 });
    expect(CW_V4).toContain(one.address);
    expect(one.family).toBe(4);
    const all = await p(PRIVATE, { all: true });
    expect(all.map((a) => a.address).sort()).toEqual(CW_V4);
    await expect(p('nx.example.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('IP literals and empty names are answered like dns.lookup, localhost with loopback, without a query', async () => {
    const lookup = createLookup({ host: '127.0.0.1', port: 9 }) as AnyLookup;
    for (const [host, opts] of [
      ['10.0.1.23', {}],
      ['10.0.1.23', { all: true }],
      ['::1', { family: 4 }],
      ['', {}],
      ['', { all: true }],
    ] as const) {
      const mine = await call(lookup, host, opts);
      const node = await call(dns.lookup as unknown as AnyLookup, host, opts);
      expect({ host, opts, ...mine }).toEqual({ host, opts, ...node });
    }
    // localhost (RFC 6761) without asking the server or /etc/hosts.
    expect(await call(lookup, 'localhost', { family: 4 })).toEqual({
      err: null,
      address: '127.0.0.1',
      family: 4,
    });
    expect(await call(lookup, 'LOCALHOST.', { family: 6 })).toEqual({ err: null, address: '::1', family: 6 });
    const sub = await call(lookup, 'api.localhost', { all: true, order: 'ipv4first' });
    expect(sub.address).toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
  });

  it('rejects bad options as dns.lookup does', () => {
    const lookup = createLookup(server) as AnyLookup;
    const noop = () => {};
    for (const opts of [{ family: 5 }, { hints: 0x4000 }, { order: 'random' }]) {
      expect(() => lookup(PRIVATE, opts, noop)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
      );
      expect(() => dns.lookup(PRIVATE, opts as dns.LookupOptions, noop)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
      );
    }
  });

  it('is what net.connect uses to reach a name', async () => {
    const listener = net.createServer((s) => s.end('hello'));
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    const port = (listener.address() as net.AddressInfo).port;
    const fake = await startFakeUpstream({
      answer: (q) => ({
        answers: q.type === 'A' ? [{ type: 'A', name: q.name, ttl: 60, data: '127.0.0.1' }] : [],
      }),
    });
    try {
      const text = await new Promise<string>((resolve, reject) => {
        const s = net.connect({ host: 'svc.example.test', port, lookup: createLookup(fake.hostPort) });
        let got = '';
        s.on('data', (d) => {
          got += d;
        });
        s.on('end', () => resolve(got));
        s.on('error', reject);
      });
      expect(text).toBe('hello');
      expect(fake.queries.map((q) => q.packet.questions?.[0].name)).toContain('svc.example.test');
    } finally {
      listener.close();
      await fake.close();
    }
  });
});

describe('createLookup against a fake server', () => {
  it('ESERVFAIL, EREFUSED and ETIMEOUT from the rcodes and from silence', async () => {
    const fake = await startFakeUpstream();
    try {
      const lookup = createLookup(fake.hostPort, { timeoutMs: 150, tries: 2 }) as AnyLookup;
      fake.behaviour = 'servfail';
      expect((await call(lookup, 'a.example.test', {})).err?.code).toBe('ESERVFAIL');
      fake.behaviour = 'refused';
      expect((await call(lookup, 'a.example.test', { family: 4 })).err?.code).toBe('EREFUSED');
      fake.behaviour = 'dead';
      fake.reset();
      const t = await call(lookup, 'a.example.test', { family: 4 });
      expect(t.err?.code).toBe('ETIMEOUT');
      expect(t.err?.message).toBe('getaddrinfo ETIMEOUT a.example.test');
      // Two UDP tries of the one question.
      expect(fake.count('udp')).toBe(2);
    } finally {
      await fake.close();
    }
  });

  it('a truncated UDP answer is asked again over TCP', async () => {
    const fake = await startFakeUpstream({ behaviour: 'truncate' });
    try {
      const r = await promisify(createLookup(fake.hostPort))('big.example.test', { family: 4, all: true });
      expect(r.length).toBe(60);
      expect(fake.count('udp')).toBe(1);
      expect(fake.count('tcp')).toBe(1);
    } finally {
      await fake.close();
    }
  });

  it('follows a CNAME chain and ignores records owned by other names', async () => {
    const fake = await startFakeUpstream({
      answer: (q) => ({
        answers:
          q.type === 'A'
            ? [
                { type: 'A', name: 'unrelated.example.test', ttl: 60, data: '192.0.2.99' },
                { type: 'A', name: 'target.example.test', ttl: 60, data: '192.0.2.7' },
                { type: 'CNAME', name: 'mid.example.test', ttl: 60, data: 'target.example.test' },
                { type: 'CNAME', name: q.name, ttl: 60, data: 'mid.example.test' },
              ]
            : [],
      }),
    });
    try {
      const r = await promisify(createLookup(fake.hostPort))('Alias.Example.Test', { family: 4, all: true });
      expect(r).toEqual([{ address: '192.0.2.7', family: 4 }]);
    } finally {
      await fake.close();
    }
  });

  it('ECONNREFUSED when nothing listens', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const r = await call(
      createLookup({ host: '127.0.0.1', port }, { timeoutMs: 2000 }) as AnyLookup,
      'x.test',
      {
        family: 4,
      },
    );
    expect(r.err?.code).toBe('ECONNREFUSED');
  });

  it('a name that cannot be encoded is ENOTFOUND, as getaddrinfo says', async () => {
    const r = await call(createLookup(server) as AnyLookup, `${'a'.repeat(64)}.example.test`, {});
    expect(r.err?.code).toBe('ENOTFOUND');
  });
});
