/** The core: reload steps (prepare, then commit), the on-demand catalog, the reload queue. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { decodeConfig, encodeConfig } from '../../src/cluster/messages.js';
import { parseConfigObject, readConfigFile } from '../../src/config/load.js';
import { ConfigError, UnsettledConfigError } from '../../src/config/problems.js';
import { type Core, createCore } from '../../src/core/core.js';
import { HealthState } from '../../src/health/state.js';
import { buildCatalog, healthEntriesOf } from '../../src/privatelink/catalog.js';
import { CW_ID, CW_REGIONAL, cloudwatch, oneVpc } from '../helpers/configs.js';

const silent = pino({ level: 'silent' });
let cores: Core[] = [];
afterEach(() => {
  for (const c of cores) c.close();
  cores = [];
});
async function core(
  config: string | object,
  o: Parameters<typeof createCore>[0] extends infer T ? Partial<T> : never = {},
) {
  const c = await createCore({ config, logger: silent, watch: false, probes: false, ...o });
  cores.push(c);
  return c;
}

const TWO = oneVpc([
  cloudwatch(),
  cloudwatch({
    id: 'vpce-0aaaaaaaaaaaaaaa1',
    dnsSuffix: 'abcd1234',
    service: 'com.amazonaws.us-east-2.sqs',
    interfaces: [{ subnet: 'subnet-0aaa', ipv4: '10.0.1.40', healthy: false }],
  }),
]);

describe('reload steps', () => {
  it('a step that throws rejects the reload and nothing changes: state, health, other steps', async () => {
    const c = await core(oneVpc([cloudwatch()]));
    const before = c.state();
    const keysBefore = [...c.health.keys()];
    let committed = 0;
    c.addStep({ prepare: () => () => void committed++ });
    c.addStep({
      prepare: (next) => {
        if (next.catalog.endpoints.length > 1) throw new Error('refused by a step');
        return undefined;
      },
    });
    const r = await c.reload(TWO);
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.problems.map((p) => p.message)).toEqual(['Error: refused by a step']);
    expect(c.state()).toBe(before);
    expect([...c.health.keys()]).toEqual(keysBefore);
    expect(committed).toBe(0);
  });

  it('a step that throws a ConfigError rejects with its problems', async () => {
    const c = await core(oneVpc([cloudwatch()]));
    const problem = {
      code: 'config.upstream-self',
      file: 'f.yaml',
      line: 3,
      col: 5,
      path: 'upstreams[0]',
      message: 'no',
    } as const;
    c.addStep({
      prepare: () => {
        throw new ConfigError([problem]);
      },
    });
    expect(await c.reload(TWO)).toEqual({ ok: false, problems: [problem] });
  });

  it('an accepted reload commits every step after the swap, in order, and adopts the new interfaces', async () => {
    const c = await core(oneVpc([cloudwatch()]));
    const seen: string[] = [];
    c.addStep({ prepare: (next) => () => void seen.push(`a:${c.state() === next}`) });
    c.addStep({ prepare: (next) => () => void seen.push(`b:${c.state() === next}`) });
    expect(await c.reload(TWO)).toEqual({ ok: true, changed: true });
    expect(seen).toEqual(['a:true', 'b:true']);
    expect(c.catalog().endpoints.map((e) => e.id)).toEqual([CW_ID, 'vpce-0aaaaaaaaaaaaaaa1']);
    expect([...c.health.keys()]).toHaveLength(4);
    expect(c.health.isHealthy('vpce-0aaaaaaaaaaaaaaa1/us-east-2a')).toBe(false);
  });

  it('reloads run one at a time in the order asked', async () => {
    const c = await core(oneVpc([cloudwatch()]));
    const order: number[] = [];
    c.addStep({ prepare: (next) => () => void order.push(next.catalog.endpoints.length) });
    await Promise.all([c.reload(TWO), c.reload(oneVpc([cloudwatch()])), c.reload(TWO)]);
    expect(order).toEqual([2, 1, 2]);
    expect(c.catalog().endpoints).toHaveLength(2);
  });
});

describe('reloading an unchanged file', () => {
  it('is not parsed again and reports changed: false; a changed file is applied', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pldns-core-'));
    try {
      const file = join(dir, 'config.yaml');
      writeFileSync(file, stringify(oneVpc([cloudwatch()])));
      const c = await core(file);
      const before = c.state();
      expect(await c.reload()).toEqual({ ok: true, changed: false });
      expect(c.state()).toBe(before);
      writeFileSync(file, stringify(TWO));
      expect(await c.reload()).toEqual({ ok: true, changed: true });
      expect(c.catalog().endpoints).toHaveLength(2);
      expect(await c.reload()).toEqual({ ok: true, changed: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the lean config (cluster workers)', () => {
  it('keeps the settings but not the endpoints once the catalog is built, and answers from the catalog', async () => {
    const full = parseConfigObject(TWO).config;
    const c = await core(TWO, { leanConfig: true });
    expect(c.config().vpcs.map((v) => v.endpoints)).toEqual([[]]);
    expect(c.config().vpcs[0].cidrs).toEqual(full.vpcs[0].cidrs);
    expect(c.config().ttl).toBe(full.ttl);
    expect(c.catalog().endpoints.map((e) => e.id)).toEqual(full.vpcs[0].endpoints.map((e) => e.id));
    expect(c.catalog().views[0].vpc.endpoints).toEqual([]);
    expect(c.catalog().lookup(CW_REGIONAL, null)?.kind).toBe('name');
    expect(c.summary()).toMatchObject({ vpcs: 1, endpoints: 2, interfaces: 4 });
    // A config given as a source is applied whole, and dropped again.
    const one = oneVpc([cloudwatch()]);
    expect(await c.reload(one)).toEqual({ ok: true, changed: true });
    expect(c.catalog().endpoints).toHaveLength(1);
    expect(c.config().vpcs[0].endpoints).toEqual([]);
  });

  it('a full core keeps the endpoints', async () => {
    const c = await core(TWO);
    expect(c.config().vpcs[0].endpoints).toHaveLength(2);
    expect(c.summary()).toMatchObject({ vpcs: 1, endpoints: 2, interfaces: 4 });
  });
});

describe('the on-demand catalog (cluster primary)', () => {
  it('is not built until something asks for it, and health is adopted without it', async () => {
    const built: unknown[] = [];
    const c = await core(TWO, { catalog: 'on-demand' });
    const s = c.state();
    // The getter builds once, on first access.
    expect(Object.getOwnPropertyDescriptor(s, 'catalog')?.get).toBeTypeOf('function');
    expect([...c.health.keys()].sort()).toEqual(
      healthEntriesOf(c.config())
        .map((e) => e.key)
        .sort(),
    );
    expect(c.health.isHealthy('vpce-0aaaaaaaaaaaaaaa1/us-east-2a')).toBe(false);
    built.push(c.catalog());
    expect(c.catalog()).toBe(built[0]);
    expect(c.catalog().lookup(CW_REGIONAL, null)?.kind).toBe('name');
  });

  it('healthEntriesOf lists what buildCatalog registers', () => {
    const config = parseConfigObject(TWO).config;
    expect(healthEntriesOf(config)).toEqual(buildCatalog(config, new HealthState()).healthEntries);
  });
});

describe('cluster IPC', () => {
  it('a config crosses as bytes and comes back equal', () => {
    const config = parseConfigObject(TWO).config;
    const bytes = encodeConfig(config);
    expect(bytes).toBeInstanceOf(Uint8Array);
    // Structured clone hands the worker a plain Uint8Array view, possibly into a larger buffer.
    const copy = new Uint8Array(bytes.length + 8);
    copy.set(bytes, 4);
    expect(decodeConfig(copy.subarray(4, 4 + bytes.length))).toEqual(config);
  });

  it('a worker never loads the config parsers or the schema (static imports)', () => {
    const root = resolve(dirname(new URL(import.meta.url).pathname), '../../src');
    const seen = new Set<string>();
    const packages = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^(?:import|export) (?!type )[^;]*? from '([^']+)'/gms)) {
        const spec = m[1];
        if (spec.startsWith('.')) walk(join(dirname(file), spec.replace(/\.js$/, '.ts')));
        else packages.add(spec);
      }
    };
    walk(join(root, 'cluster/worker-main.ts'));
    expect(seen.has(join(root, 'cluster/worker-main.ts'))).toBe(true);
    expect(seen.has(join(root, 'core/server.ts'))).toBe(true);
    expect([...seen].filter((f) => f.endsWith('config/load.ts') || f.endsWith('config/schema.ts'))).toEqual(
      [],
    );
    expect([...packages].filter((p) => ['zod', 'yaml', 'js-yaml'].includes(p))).toEqual([]);
  });
});

describe('reloading a file written in place', () => {
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = '';
  });

  it('a reload that meets the file truncated waits for the whole save, and never serves an empty config', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pldns-core-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, stringify(oneVpc([cloudwatch()])));
    const c = await core(file, { settleMs: 150 });
    // A save in two parts: truncate (an empty file is a valid config with no VPCs), then the text.
    writeFileSync(file, '');
    const reloading = c.reload();
    await new Promise((r) => setTimeout(r, 60));
    writeFileSync(file, stringify({ ...oneVpc([cloudwatch()]), ttl: 17 }));
    const r = await reloading;
    expect(r).toEqual({ ok: true, changed: true });
    expect(c.config().vpcs).toHaveLength(1);
    expect(c.config().ttl).toBe(17);
    expect(c.catalog().endpoints.map((e) => e.id)).toEqual([CW_ID]);
  });
});

describe('reloads of a busy file', () => {
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = '';
  });

  it('reads a file written less than the settle time ago as unsettled, and one old enough as it is', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pldns-core-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'ttl: 5\n');
    expect(() => readConfigFile(file, 10_000)).toThrow(UnsettledConfigError);
    expect(readConfigFile(file)).toBe('ttl: 5\n');
    await new Promise((r) => setTimeout(r, 60));
    expect(readConfigFile(file, 50)).toBe('ttl: 5\n');
  });

  it('a file that never stops changing is not reloaded: config.unsettled, and the old config serves', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pldns-core-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, stringify(oneVpc([cloudwatch()])));
    const c = await core(file, { settleMs: 40 });
    const before = c.state();
    let n = 0;
    const writer = setInterval(
      () => writeFileSync(file, stringify({ ...oneVpc([cloudwatch()]), ttl: 30 + (n++ % 9) })),
      10,
    );
    try {
      const r = await c.reload();
      expect(r.ok).toBe(false);
      expect(r.ok ? [] : r.problems.map((p) => p.code)).toEqual(['config.unsettled']);
      expect(c.state()).toBe(before);
    } finally {
      clearInterval(writer);
    }
  });

  it('reloads of the file asked for while one waits its turn are that one', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pldns-core-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, stringify(oneVpc([cloudwatch()])));
    const c = await core(file, { settleMs: 30 });
    const first = c.reload(oneVpc([cloudwatch()], { ttl: 9 }));
    const second = c.reload();
    const third = c.reload();
    expect(third).toBe(second);
    expect(first).not.toBe(second);
    await first;
    await new Promise((r) => setImmediate(r));
    // Once the waiting one has started, a new ask queues a new reload (the file may change again).
    const fourth = c.reload();
    expect(fourth).not.toBe(second);
    await Promise.all([second, fourth]);
  });
});
