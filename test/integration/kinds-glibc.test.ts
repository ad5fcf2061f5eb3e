/**
 * glibc's stub resolver (getaddrinfo through `getent`) inside a network namespace this test
 * creates (CI runs as root), against the server on port 53 with an endpoint of every newer kind:
 * a cross-Region name, a region-less service's names and a resource endpoint name resolve.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IAM_REGIONAL,
  kindsVpc,
  RSC_NAME,
  SN_NAME_1,
  XR_S3_REGIONAL,
  xrS3Zonal,
} from '../helpers/kinds-configs.js';
import { createNetns, type Netns } from '../helpers/netns.js';

let ns: Netns | undefined;
let dir = '';

/** getent's exit status and output (2 = not found). */
const getent = (db: string, name: string) => ns!.getent(db, name);

beforeAll(async () => {
  // One address per family (documentation ranges), for getaddrinfo's AI_ADDRCONFIG.
  ns = createNetns('pldns-kinds', {
    addresses: ['192.0.2.100/24', '2001:db8::100/64'],
    nameserver: '127.0.0.1',
  });
  dir = mkdtempSync(join(tmpdir(), 'pldns-kinds-'));
  const cfg = kindsVpc();
  cfg.vpcs![0].cidrs = ['127.0.0.0/8', '::1/128'];
  // JSON is YAML: the config file is the object as written.
  writeFileSync(join(dir, 'endpoints.yaml'), JSON.stringify(cfg, null, 2));
  await ns.startUpstream();
  await ns.serve(
    ['--config', join(dir, 'endpoints.yaml'), '--listen', '127.0.0.1:53', '--upstream', '127.0.0.1:5300'],
    '127.0.0.1:53',
  );
});

afterAll(() => {
  ns?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const v4 = (name: string) => {
  const r = getent('ahostsv4', name);
  return {
    status: r.status,
    addrs: [
      ...new Set(
        r.out
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(/\s+/)[0]),
      ),
    ].sort(),
  };
};

describe('glibc getaddrinfo, every endpoint kind', () => {
  it('resolves a cross-Region endpoint (regional, consumer-AZ zonal, service Region private name)', () => {
    expect(v4(XR_S3_REGIONAL)).toEqual({ status: 0, addrs: ['10.0.1.71', '10.0.2.71'] });
    expect(v4(xrS3Zonal('us-east-2a'))).toEqual({ status: 0, addrs: ['10.0.1.71'] });
    expect(v4('bucket.s3.us-west-2.amazonaws.com')).toEqual({ status: 0, addrs: ['10.0.1.71', '10.0.2.71'] });
  });

  it('resolves a region-less service (IAM), A answer with AAAA NODATA', () => {
    expect(v4(IAM_REGIONAL)).toEqual({ status: 0, addrs: ['10.0.1.72', '10.0.2.72'] });
    const both = getent('ahosts', 'iam.amazonaws.com');
    expect(both.status).toBe(0);
    expect(
      [
        ...new Set(
          both.out
            .trim()
            .split('\n')
            .map((l) => l.split(/\s+/)[0]),
        ),
      ].sort(),
    ).toEqual(['10.0.1.72', '10.0.2.72']);
  });

  it('resolves resource and service-network endpoint names (dual-stack for the resource)', () => {
    const both = getent('ahosts', RSC_NAME);
    expect(both.status).toBe(0);
    expect(
      new Set(
        both.out
          .trim()
          .split('\n')
          .map((l) => l.split(/\s+/)[0]),
      ),
    ).toEqual(new Set(['10.0.1.73', '10.0.2.73', '2600:1f16:1:a01::73', '2600:1f16:1:a02::73']));
    expect(v4(SN_NAME_1)).toEqual({ status: 0, addrs: ['10.0.1.74', '10.0.3.74'] });
    expect(v4('db.example.internal')).toEqual({ status: 0, addrs: ['10.0.1.73', '10.0.2.73'] });
  });

  it('forwards what does not answer privately (gateway S3, unverified names) and the upstream answers', () => {
    expect(v4('s3.us-east-2.amazonaws.com')).toEqual({ status: 0, addrs: ['192.0.2.1'] });
    expect(v4('api.partner.example.com')).toEqual({ status: 0, addrs: ['192.0.2.1'] });
  });
});
