/**
 * Real clients against a real server on loopback: Node's resolver (c-ares) resolves a
 * cross-Region, a region-less and a resource endpoint name; the same S3 name is forwarded to the
 * (fake) upstream for a VPC client and answered with the interfaces for a client that comes
 * through a Resolver inbound endpoint (another loopback address); /v1/resolve says why, and
 * names the undocumented choices behind each answer.
 */
import { Resolver } from 'node:dns/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type RunningServer, startServer } from '../../src/core/server.js';
import { call } from '../admin/harness.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import {
  IAM_REGIONAL,
  kindsVpc,
  RSC_NAME,
  SN_NAME_2,
  XR_S3_REGIONAL,
  xrS3Zonal,
} from '../helpers/kinds-configs.js';

// The VPC is 127.0.0.1 (and ::1); 127.0.0.5 stands for on-premises clients of the inbound endpoint.
const config = () => {
  const c = kindsVpc();
  c.vpcs![0].cidrs = ['127.0.0.1/32', '::1/128'];
  c.vpcs![0].inboundResolverCidrs = ['127.0.0.5/32'];
  return c;
};

let up: FakeUpstream;
let srv: RunningServer;
let base = '';

beforeAll(async () => {
  up = await startFakeUpstream();
  srv = await startServer({
    config: config(),
    listen: '127.0.0.1:0',
    admin: '127.0.0.1:0',
    upstreams: [up.hostPort],
    logger: pino({ level: 'silent' }),
    watch: false,
  });
  base = `http://127.0.0.1:${srv.admin!.port}`;
});

afterAll(async () => {
  await srv?.close();
  await up?.close();
});

function resolver(localAddress?: string): Resolver {
  const r = new Resolver({ timeout: 2000, tries: 1 });
  if (localAddress) r.setLocalAddress(localAddress);
  r.setServers([`127.0.0.1:${srv.udp.port}`]);
  return r;
}

describe("Node's resolver", () => {
  it('resolves a cross-Region endpoint: regional, zonal (consumer AZ) and the service Region private name', async () => {
    const r = resolver();
    expect((await r.resolve4(XR_S3_REGIONAL)).sort()).toEqual(['10.0.1.71', '10.0.2.71']);
    expect(await r.resolve4(xrS3Zonal('us-east-2b'))).toEqual(['10.0.2.71']);
    expect((await r.resolve4('my-bucket.s3.us-west-2.amazonaws.com')).sort()).toEqual([
      '10.0.1.71',
      '10.0.2.71',
    ]);
    await expect(r.resolve6(XR_S3_REGIONAL)).rejects.toMatchObject({ code: 'ENODATA' });
  });

  it('resolves a region-less service (IAM) by its vpce name and iam.amazonaws.com', async () => {
    const r = resolver();
    expect((await r.resolve4(IAM_REGIONAL)).sort()).toEqual(['10.0.1.72', '10.0.2.72']);
    expect((await r.resolve4('iam.amazonaws.com')).sort()).toEqual(['10.0.1.72', '10.0.2.72']);
  });

  it('resolves resource and service-network endpoint names, both families, and a custom domain', async () => {
    const r = resolver();
    expect((await r.resolve4(RSC_NAME)).sort()).toEqual(['10.0.1.73', '10.0.2.73']);
    expect((await r.resolve6(RSC_NAME)).sort()).toEqual(['2600:1f16:1:a01::73', '2600:1f16:1:a02::73']);
    expect((await r.resolve4(SN_NAME_2)).sort()).toEqual(['10.0.1.74', '10.0.3.74']);
    expect((await r.resolve4('db.example.internal')).sort()).toEqual(['10.0.1.73', '10.0.2.73']);
  });
});

describe('views: the same S3 name from the VPC and through the inbound endpoint', () => {
  const NAME = 'my-bucket.s3.us-east-2.amazonaws.com';

  it('forwards it for a VPC client (the public S3 answer) and answers the interfaces for an inbound client', async () => {
    up.reset();
    expect(await resolver().resolve4(NAME)).toEqual(['192.0.2.1']);
    expect(up.queries.map((q) => q.packet.questions?.[0].name)).toContain(NAME);
    up.reset();
    expect((await resolver('127.0.0.5').resolve4(NAME)).sort()).toEqual(['10.0.1.75', '10.0.2.75']);
    expect(up.queries).toEqual([]);
  });

  it('/v1/resolve explains both, with the choice AWS does not document', async () => {
    const vpc = await call(base, 'GET', `/v1/resolve?name=${NAME}&client=127.0.0.1`);
    expect(vpc.json.outcome).toBe('forwarded');
    expect(vpc.json.explanation.join('\n')).toMatch(/privateDnsOnlyForInboundResolverEndpoint/);
    expect(vpc.json.unconfirmed).toEqual([expect.stringMatching(/only clients in inboundResolverCidrs/)]);
    const inbound = await call(base, 'GET', `/v1/resolve?name=${NAME}&client=127.0.0.5`);
    expect(inbound.json.outcome).toBe('local');
    expect(inbound.json.explanation[0]).toMatch(/through a Resolver inbound endpoint/);
    expect(inbound.json.answer.map((a: { data: string }) => a.data).sort()).toEqual([
      '10.0.1.75',
      '10.0.2.75',
    ]);
  });

  it('/v1/resolve names the unconfirmed choices of cross-Region, region-less and resource names', async () => {
    const xr = await call(base, 'GET', `/v1/resolve?name=${XR_S3_REGIONAL}`);
    expect(xr.json.match.service).toBe('com.amazonaws.us-west-2.s3');
    expect(xr.json.explanation.join('\n')).toMatch(/cross-Region endpoint to us-west-2/);
    expect(xr.json.unconfirmed).toEqual([
      expect.stringMatching(/cross-Region names keep the 8-character suffix/),
    ]);
    const iam = await call(base, 'GET', '/v1/resolve?name=iam.amazonaws.com');
    expect(iam.json.unconfirmed).toEqual([
      expect.stringMatching(/region-less services use their home Region/),
      expect.stringMatching(/cross-Region names/),
    ]);
    const rsc = await call(base, 'GET', `/v1/resolve?name=${RSC_NAME}`);
    expect(rsc.json.match.form).toBe('resource');
    expect(rsc.json.unconfirmed.join('\n')).toMatch(/4232ccc/);
    const pending = await call(base, 'GET', '/v1/resolve?name=api.partner.example.com');
    expect(pending.json.outcome).toBe('forwarded');
    expect(pending.json.explanation.join('\n')).toMatch(/pendingVerification, not verified/);
  });
});

describe('admin API over every kind', () => {
  it('/v1/endpoints shows kind, service Region, resource names and the unconfirmed choices', async () => {
    const r = await call(base, 'GET', '/v1/endpoints');
    const by = new Map(r.json.endpoints.map((e: { id: string }) => [e.id, e]));
    expect(by.get('vpce-0c1a2b3c4d5e6f701')).toMatchObject({
      kind: 'interface',
      serviceRegion: 'us-west-2',
      names: { regional: XR_S3_REGIONAL },
      unconfirmed: ['cross-region-names'],
    });
    expect(by.get('vpce-019b90d6f16d4f958')).toMatchObject({
      kind: 'resource',
      names: { resource: [RSC_NAME], private: ['db.example.internal'] },
    });
    expect(by.get('vpce-0a0b0c0d0e0f00001')).toMatchObject({ kind: 'gateway', interfaces: [] });
    expect(by.get('vpce-0e1a2b3c4d5e6f703')).toMatchObject({ inboundOnly: true });
  });

  it('an impaired AZ drops out of resource and service-network names too, and comes back', async () => {
    const r = resolver();
    const put = (impaired: boolean) => call(base, 'PUT', '/v1/azs/us-east-2a', { impaired });
    expect((await put(true)).status).toBe(200);
    try {
      expect(await r.resolve4(RSC_NAME)).toEqual(['10.0.2.73']);
      expect(await r.resolve4(SN_NAME_2)).toEqual(['10.0.3.74']);
      expect(await r.resolve4(xrS3Zonal('us-east-2a'))).toEqual(['10.0.1.71']); // zonal never fails over
    } finally {
      expect((await put(false)).status).toBe(200);
    }
    expect((await r.resolve4(RSC_NAME)).sort()).toEqual(['10.0.1.73', '10.0.2.73']);
  });
});

describe('hot reload of every kind', () => {
  it('a reload adds resource and cross-Region names and takes a custom domain away again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pldns-kinds-reload-'));
    const file = join(dir, 'endpoints.yaml');
    const eps = config().vpcs![0].endpoints!;
    const onlyIam = config();
    onlyIam.vpcs![0].endpoints = eps.filter((e) => e.service === 'com.amazonaws.iam');
    writeFileSync(file, stringify(onlyIam));
    const s = await startServer({
      config: file,
      listen: '127.0.0.1:0',
      admin: '127.0.0.1:0',
      upstreams: [up.hostPort],
      logger: pino({ level: 'silent' }),
      watch: false,
    });
    try {
      const r = new Resolver({ timeout: 2000, tries: 1 });
      r.setServers([`127.0.0.1:${s.udp.port}`]);
      const adminBase = `http://127.0.0.1:${s.admin!.port}`;
      // Before: the resource name is nobody's (forwarded: the fake upstream answers 192.0.2.1).
      expect(await r.resolve4(RSC_NAME)).toEqual(['192.0.2.1']);
      writeFileSync(file, stringify(config()));
      expect((await call(adminBase, 'POST', '/v1/reload')).status).toBe(200);
      expect((await r.resolve4(RSC_NAME)).sort()).toEqual(['10.0.1.73', '10.0.2.73']);
      expect((await r.resolve4(XR_S3_REGIONAL)).sort()).toEqual(['10.0.1.71', '10.0.2.71']);
      expect((await r.resolve4('db.example.internal')).sort()).toEqual(['10.0.1.73', '10.0.2.73']);
      // The owner's domain turns unverified: the custom name goes public, the resource name stays.
      const unverified = config();
      for (const e of unverified.vpcs![0].endpoints!)
        if (e.type === 'resource') e.customDomainVerified = false;
      writeFileSync(file, stringify(unverified));
      expect((await call(adminBase, 'POST', '/v1/reload')).status).toBe(200);
      expect(await r.resolve4('db.example.internal')).toEqual(['192.0.2.1']);
      expect((await r.resolve4(RSC_NAME)).sort()).toEqual(['10.0.1.73', '10.0.2.73']);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
