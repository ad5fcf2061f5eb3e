/** The az and interface commands against a running server's admin API. */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { CW_ID, CW_REGIONAL, cloudwatch, oneVpc } from '../helpers/configs.js';
import { addresses, query } from '../helpers/dns-client.js';
import { type AdminHarness, startHarness } from './harness.js';

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => {
    out += c;
  });
  stderr.on('data', (c) => {
    err += c;
  });
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

async function cli(...argv: string[]) {
  const o = io();
  const code = await main(argv, o.io);
  return { code, out: o.out(), err: o.err() };
}

let h: AdminHarness;
let admin: string;
beforeAll(async () => {
  h = await startHarness(oneVpc([cloudwatch()]));
  admin = `127.0.0.1:${h.srv.admin!.port}`;
});
afterAll(async () => h?.close());

describe('privatelink-dns az', () => {
  it('impairs and restores an AZ', async () => {
    const imp = await cli('az', 'impair', 'us-east-2a', '--admin', admin);
    expect(imp).toMatchObject({ code: 0, err: '' });
    expect(imp.out).toMatch(/^impaired us-east-2a: impaired \(admin\), 0\/1 interface\(s\) healthy/);
    expect(imp.out).toContain(`${CW_ID} eni-`);
    expect(addresses(await query(h.dns, CW_REGIONAL)).sort()).toEqual(['10.0.2.23', '10.0.3.23']);

    const list = await cli('az', 'list', '--admin', admin);
    expect(list.out.split('\n')).toContain('us-east-2a: impaired (admin), 0/1 interface(s) healthy');

    const res = await cli('az', 'restore', 'us-east-2a', '--admin', admin, '--json');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.out)).toMatchObject({ az: 'us-east-2a', impaired: false });
    expect(addresses(await query(h.dns, CW_REGIONAL))).toHaveLength(3);
  });

  it('reports API errors with exit 1 and usage errors with exit 2', async () => {
    const unknown = await cli('az', 'impair', 'us-east-2z', '--admin', admin);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/no interface is in AZ us-east-2z/);
    expect((await cli('az', 'impair', '--admin', admin)).code).toBe(2);
    expect((await cli('az', 'explode', 'us-east-2a')).code).toBe(2);
    expect((await cli('az', 'impair', 'us-east-2a', '--bogus')).code).toBe(2);
  });

  it('says when the admin API is not there', async () => {
    const r = await cli('az', 'impair', 'us-east-2a', '--admin', '127.0.0.1:9');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot reach the admin API at 127\.0\.0\.1:9: connection refused/);
  });
});

describe('privatelink-dns interface', () => {
  it('sets one interface unhealthy, healthy and back to automatic', async () => {
    const down = await cli('interface', 'set', CW_ID, 'us-east-2b', '--unhealthy', '--admin', admin);
    expect(down.code).toBe(0);
    expect(down.out).toMatch(
      new RegExp(`^${CW_ID} us-east-2b eni-\\w+ 10\\.0\\.2\\.23 unhealthy \\(admin override: unhealthy\\)`),
    );
    expect(addresses(await query(h.dns, CW_REGIONAL)).sort()).toEqual(['10.0.1.23', '10.0.3.23']);

    expect((await cli('interface', 'set', CW_ID, 'us-east-2b', '--healthy', '--admin', admin)).code).toBe(0);
    expect(h.srv.health.view(`${CW_ID}/us-east-2b`)).toMatchObject({ healthy: true, source: 'override' });

    const auto = await cli('interface', 'set', CW_ID, 'us-east-2b', '--auto', '--admin', admin);
    expect(auto.out).toMatch(/healthy \(static: healthy\)\n$/);
    expect(h.srv.health.view(`${CW_ID}/us-east-2b`).source).toBe('static');
  });

  it('lists interfaces', async () => {
    const r = await cli('interface', 'list', '--admin', admin);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(3);
    const one = await cli('interface', 'list', CW_ID, '--admin', admin, '--json');
    expect(JSON.parse(one.out).id).toBe(CW_ID);
  });

  it('needs exactly one of --healthy, --unhealthy, --auto', async () => {
    const none = await cli('interface', 'set', CW_ID, 'us-east-2b', '--admin', admin);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/exactly one of --healthy, --unhealthy or --auto/);
    expect((await cli('interface', 'set', CW_ID, 'us-east-2b', '--healthy', '--auto')).code).toBe(2);
    const bad = await cli(
      'interface',
      'set',
      'vpce-0000000000000000f',
      'us-east-2b',
      '--auto',
      '--admin',
      admin,
    );
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/no endpoint vpce-0000000000000000f/);
  });

  it('sends --admin-token', async () => {
    const secured = await startHarness(oneVpc([cloudwatch()]), { adminToken: 'tok' });
    const at = `127.0.0.1:${secured.srv.admin!.port}`;
    try {
      const no = await cli('interface', 'set', CW_ID, 'us-east-2a', '--unhealthy', '--admin', at);
      expect(no.code).toBe(1);
      expect(no.err).toMatch(/Authorization: Bearer.*give --admin-token/);
      const yes = await cli('az', 'impair', 'us-east-2a', '--admin', at, '--admin-token', 'tok');
      expect(yes.code).toBe(0);
      expect(secured.srv.health.impairedAzs().admin).toEqual(['us-east-2a']);
    } finally {
      await secured.close();
    }
  });
});
