/**
 * The error catalog and its codes on representative paths: config problems, the admin API's
 * JSON errors, upstream errors and start-up errors.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { AdminError } from '../../src/admin/errors.js';
import { startAdmin } from '../../src/admin/server.js';
import { describeStartError } from '../../src/cli/serve.js';
import { run as validate } from '../../src/cli/validate.js';
import {
  ConfigError,
  type ConfigProblem,
  formatProblem,
  loadConfigFile,
  parseConfigObject,
  parseConfigText,
} from '../../src/config/load.js';
import type { ReloadResult } from '../../src/core/server.js';
import { ERRORS, errorInfo } from '../../src/errors/catalog.js';
import { StartupError } from '../../src/errors/startup.js';
import { HealthState } from '../../src/health/state.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { buildCatalog } from '../../src/privatelink/catalog.js';
import { BadUpstreamError, UpstreamTimeoutError } from '../../src/upstream/errors.js';
import { parseUpstream } from '../../src/upstream/upstream.js';
import { cloudwatch, oneVpc } from '../helpers/configs.js';
import { memIo } from '../helpers/mem-io.js';

const silent = pino({ level: 'silent' });

function adminCtx(reload: () => Promise<ReloadResult> = async () => ({ ok: true, changed: false })) {
  const health = new HealthState();
  const { config } = parseConfigObject(oneVpc([cloudwatch()]));
  const catalog = buildCatalog(config, health);
  return {
    health,
    metrics: new Metrics(),
    catalog: () => catalog,
    config: () => config,
    reload,
    ready: () => true,
  };
}

function problemsOf(load: () => unknown): ConfigProblem[] {
  try {
    load();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('the config was accepted');
}

describe('the error catalog', () => {
  it('has unique, well-formed codes, each with a meaning and a fix', () => {
    const codes = ERRORS.map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const e of ERRORS) {
      expect(e.code).toMatch(/^(config|admin|upstream|startup)\.[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(e.meaning).toMatch(/\.$/);
      expect(e.fix).toMatch(/\.$/);
    }
    const admin = ERRORS.filter((e) => e.code.startsWith('admin.'));
    for (const e of admin) {
      expect('wire' in e && 'status' in e, e.code).toBe(true);
      if ('wire' in e) expect(e.code).toBe(`admin.${e.wire.replaceAll('_', '-')}`);
    }
  });
});

describe('config problems carry a code; their messages are unchanged', () => {
  it('YAML syntax', () => {
    const [p] = problemsOf(() => parseConfigText('vpcs: [\n', 'x.yaml'));
    expect(p.code).toBe('config.yaml-syntax');
    expect(p.message).toMatch(/^YAML: /);
  });

  it('unknown, missing and mistyped fields, and bad choices', () => {
    expect(problemsOf(() => parseConfigObject({ ttll: 5 })).map((p) => [p.code, p.message])).toEqual([
      ['config.unknown-field', 'unknown field "ttll"; did you mean "ttl"?'],
    ]);
    const { region: _, ...noRegion } = structuredClone(oneVpc([cloudwatch()])).vpcs?.[0] ?? {};
    expect(problemsOf(() => parseConfigObject({ vpcs: [noRegion] }))[0]).toMatchObject({
      code: 'config.missing-field',
      message: 'required field is missing (expected string)',
    });
    expect(problemsOf(() => parseConfigObject({ ttl: 'soon' }))[0].code).toBe('config.wrong-type');
    const cfg = structuredClone(oneVpc([cloudwatch()])) as { vpcs: { endpoints: object[] }[] };
    cfg.vpcs[0].endpoints[0] = { ...cfg.vpcs[0].endpoints[0], ipAddressType: 'ipv5' };
    expect(problemsOf(() => parseConfigObject(cfg))[0]).toMatchObject({
      code: 'config.invalid-choice',
      message: 'must be one of: ipv4, ipv6, dualstack',
    });
  });

  it('AWS rules', () => {
    const cfg = structuredClone(oneVpc([cloudwatch()])) as { vpcs: { subnets: { ipv4Cidr?: string }[] }[] };
    cfg.vpcs[0].subnets[1].ipv4Cidr = cfg.vpcs[0].subnets[0].ipv4Cidr;
    const p = problemsOf(() => parseConfigObject(cfg, 'c.yaml'));
    expect(p[0].code).toBe('config.subnet-overlap');
    expect(formatProblem(p[0])).toMatch(/^c\.yaml:1:1 {2}vpcs\[0\]\.subnets\[1\]\.ipv4Cidr {2}range /);
  });

  it('files that cannot be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pldns-errors-'));
    expect(problemsOf(() => loadConfigFile(join(dir, 'missing.yaml')))[0]).toMatchObject({
      code: 'config.not-found',
      message: 'cannot read the config: no such file',
    });
    expect(problemsOf(() => loadConfigFile(dir))[0].code).toBe('config.unreadable');
  });
});

describe('validate --codes', () => {
  it('ends each problem line with its code; without the flag the lines are as before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pldns-errors-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'ttl: 60\nttll: 5\n');
    const plain = memIo();
    expect(await validate(['--config', file], plain.io)).toBe(1);
    const line = `${file}:2:1  ttll  unknown field "ttll"; did you mean "ttl"?`;
    expect(plain.stderr()).toBe(`${line}\n1 problem in ${file}\n`);
    const coded = memIo();
    expect(await validate(['--codes', '--config', file], coded.io)).toBe(1);
    expect(coded.stderr()).toBe(`${line}  [config.unknown-field]\n1 problem in ${file}\n`);
  });
});

describe('admin API errors', () => {
  const ctx = adminCtx;

  it('the JSON body carries the code; its catalog entry has the same status', async () => {
    const admin = await startAdmin({ listen: '127.0.0.1:0', logger: silent, ctx: ctx() });
    try {
      const r = await fetch(`http://127.0.0.1:${admin.address.port}/nope`);
      const body = (await r.json()) as { error: { code: string; message: string } };
      expect(r.status).toBe(404);
      expect(body.error).toEqual({ code: 'not_found', message: 'no such resource: /nope' });
      expect(errorInfo('admin.not-found')).toMatchObject({ status: 404, wire: 'not_found' });
    } finally {
      await admin.close();
    }
    const e = new AdminError(415, 'unsupported_media_type', 'x');
    expect(e.catalogCode).toBe('admin.unsupported-media-type');
    expect(errorInfo(e.catalogCode).status).toBe(e.status);
  });

  it('a rejected reload lists the problems with their codes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pldns-errors-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, stringify({ ttl: -1 }));
    const reload = async (): Promise<ReloadResult> => {
      try {
        loadConfigFile(file);
        return { ok: true, changed: true };
      } catch (e) {
        return { ok: false, problems: (e as ConfigError).problems };
      }
    };
    const admin = await startAdmin({ listen: '127.0.0.1:0', logger: silent, ctx: ctx(reload) });
    try {
      const r = await fetch(`http://127.0.0.1:${admin.address.port}/v1/reload`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      const body = (await r.json()) as { error: { code: string; problems: ConfigProblem[] } };
      expect(r.status).toBe(422);
      expect(body.error.code).toBe('invalid_config');
      expect(body.error.problems[0]).toMatchObject({ code: 'config.invalid-value', path: 'ttl' });
    } finally {
      await admin.close();
    }
  });
});

describe('upstream errors', () => {
  it('carry their catalog codes', () => {
    expect(new UpstreamTimeoutError('127.0.0.1:53').code).toBe('upstream.timeout');
    let err: unknown;
    try {
      parseUpstream('127.0.0.1:0');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BadUpstreamError);
    expect((err as BadUpstreamError).code).toBe('upstream.bad-address');
  });
});

describe('start-up errors', () => {
  it('a busy admin port: the catalog code and words', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const a = srv.address();
    const port = typeof a === 'object' && a ? a.port : 0;
    try {
      const err = await startAdmin({ listen: `127.0.0.1:${port}`, logger: silent, ctx: adminCtx() }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StartupError);
      expect(err).toMatchObject({ code: 'startup.address-in-use', errno: 'EADDRINUSE' });
      // `serve` prints its own message: the admin address, not the DNS one.
      expect(describeStartError(err, '127.0.0.1:1053')).toBe(
        `admin API cannot listen on 127.0.0.1:${port}: address already in use`,
      );
    } finally {
      srv.close();
    }
  });

  it('socket errors of the DNS listeners read from the catalog', () => {
    const errno = (code: string) => Object.assign(new Error(`listen ${code}`), { code });
    expect(describeStartError(errno('EACCES'), '127.0.0.1:53')).toBe(
      `cannot listen on 127.0.0.1:53: ${errorInfo('startup.permission-denied').says}: see docs/troubleshooting.md#running-without-root`,
    );
    // A busy port 53 says who holds it (here: what the holder lookup returned) and what usually does.
    const stub = {
      proto: 'udp' as const,
      address: '127.0.0.53',
      port: 53,
      inode: 1,
      pid: 412,
      command: 'systemd-resolve',
    };
    expect(describeStartError(errno('EADDRINUSE'), '0.0.0.0:53', () => [stub])).toBe(
      "cannot listen on 0.0.0.0:53: address already in use; held by systemd-resolved's stub listener on 127.0.0.53:53 (udp; systemd-resolve, pid 412); port 53 is usually held by systemd-resolved's stub (127.0.0.53), dnsmasq or a container runtime: see docs/troubleshooting.md#port-53-is-busy",
    );
    expect(describeStartError(errno('EADDRINUSE'), '127.0.0.1:5300', () => [stub])).toBe(
      'cannot listen on 127.0.0.1:5300: address already in use',
    );
    expect(describeStartError(errno('EADDRNOTAVAIL'), '192.0.2.1:53')).toBe(
      'cannot listen on 192.0.2.1:53: no such local address',
    );
    expect(describeStartError(errno('EMFILE'), '127.0.0.1:53')).toBe('listen EMFILE');
  });

  it('an admin API off loopback without a token', async () => {
    const err = await startAdmin({ listen: '0.0.0.0:0', logger: silent, ctx: adminCtx() }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'startup.admin-token-required' });
  });
});
