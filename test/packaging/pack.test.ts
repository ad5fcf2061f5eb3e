/**
 * The npm package as users get it: `npm pack`, install the tarball into an empty folder (offline,
 * from the npm cache `npm ci` filled), then run `npx privatelink-dns serve` and a script doing
 * `import { startServer } from 'privatelink-dns'`, and type-check an import against the shipped
 * declarations. Needs dist/ (npm test builds it before vitest runs).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addresses, query } from '../helpers/dns-client.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REGIONAL = 'vpce-099deb00b40f00e22-lj2wisx3.monitoring.us-east-2.vpce.amazonaws.com';
const CW_ADDRS = ['10.0.1.23', '10.0.2.23', '10.0.3.23'];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

function exec(cmd: string, args: string[], cwd: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      {
        cwd,
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, npm_config_update_notifier: 'false' },
      },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

let work: string;
let app: string;
let tarball: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/index.js')) || !existsSync(join(ROOT, 'dist/cli.js')))
    throw new Error('dist/ is not built: run `npm run build` (npm test does) before this test');
  work = mkdtempSync(join(tmpdir(), 'pldns-pack-'));
  // --ignore-scripts: dist/ is already built; `prepare` would only compile it again.
  const packed = JSON.parse(
    await exec(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT),
  ) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, packed[0].filename);
  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'pack-consumer', version: '1.0.0', private: true, type: 'module' }),
  );
  const install = ['install', '--no-audit', '--no-fund', '--no-save', '--ignore-scripts', tarball];
  try {
    // The dependencies are in the npm cache after `npm ci`.
    await exec(npm, [...install, '--offline'], app);
  } catch {
    // A cache without some metadata: allow the registry, still preferring the cache.
    await exec(npm, [...install, '--prefer-offline'], app);
  }
}, 120_000);

afterAll(() => {
  for (const c of children) {
    try {
      process.kill(-(c.pid as number), 'SIGKILL');
    } catch {
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }
  }
  if (work) rmSync(work, { recursive: true, force: true });
  // The installed package holds the AWS SDK too: removing it takes a while on a busy machine.
}, 120_000);

describe('npm package', () => {
  it('ships bin, dist, the bundled config, the schema and the docs, but no sources or tests', async () => {
    const files = (await exec('tar', ['-tzf', tarball], work))
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    for (const f of [
      'package.json',
      'bin/privatelink-dns',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli.js',
      'config/endpoints.yaml',
      'schema/config.schema.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'SECURITY.md',
      'docs/troubleshooting.md',
      'docs/configuration.md',
      'docs/reference/metrics.md',
      'examples/compose/compose.yaml',
      'deploy/kubernetes/kustomization.yaml',
    ])
      expect(files).toContain(f);
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
    expect(files.some((f) => f.endsWith('.test.js') || f.endsWith('.test.ts'))).toBe(false);
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules/privatelink-dns/package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ 'privatelink-dns': 'bin/privatelink-dns' });
    expect(pkg.exports['.']).toMatchObject({ types: './dist/index.d.ts', import: './dist/index.js' });
    expect(pkg.engines.node).toBe('>=20');
  });

  it('npx privatelink-dns serve answers the bundled example', async () => {
    const child = spawn(
      npx,
      [
        '--no-install',
        'privatelink-dns',
        'serve',
        '--listen',
        '127.0.0.1:0',
        '--upstream',
        '127.0.0.1:9',
        '--admin',
        'off',
      ],
      // Its own process group: npx runs the bin as a child, and the signal goes to both, as
      // Ctrl-C in a terminal does (npx alone would exit and leave the server running).
      { cwd: app, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    children.push(child);
    let out = '';
    let err = '';
    child.stderr?.on('data', (d) => {
      err += d;
    });
    const line = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no listen line; stdout: ${out}\nstderr: ${err}`)),
        30_000,
      );
      child.stdout?.on('data', (d) => {
        out += d;
        for (const l of out.split('\n')) {
          if (!l.includes('"listening on ')) continue;
          clearTimeout(timer);
          resolve(JSON.parse(l));
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${code}; stdout: ${out}\nstderr: ${err}`));
      });
    });
    expect(String(line.msg)).toMatch(/^listening on 127\.0\.0\.1:\d+ \(udp\+tcp\)$/);
    // The bundled config, from inside the installed package.
    expect(String(line.config)).toContain(
      join('node_modules', 'privatelink-dns', 'config', 'endpoints.yaml'),
    );
    const port = Number(String(line.udp).split(':').pop());
    const answer = await query(port, REGIONAL);
    expect(answer.rcode).toBe('NOERROR');
    expect(addresses(answer).sort()).toEqual(CW_ADDRS);

    const exited = new Promise<string>((resolve) =>
      child.on('exit', (code, signal) => resolve(code === null ? String(signal) : String(code))),
    );
    process.kill(-(child.pid as number), 'SIGTERM');
    // npx may end by the signal itself; the server logs its clean shutdown either way.
    expect(['0', 'SIGTERM']).toContain(await exited);
    await new Promise<void>((resolve) => {
      if (child.stdout?.readableEnded) resolve();
      else child.stdout?.on('end', () => resolve());
    });
    expect(out).toContain('"msg":"stopped"');
  }, 60_000);

  it("import { startServer } from 'privatelink-dns' works in a plain ESM script", async () => {
    const script = join(app, 'embed.mjs');
    writeFileSync(
      script,
      `import { startServer, ConfigError } from 'privatelink-dns';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
if (typeof startServer !== 'function' || typeof ConfigError !== 'function') throw new Error('missing exports');
// The bundled example, read from the installed package (package.json is exported).
const pkgJson = createRequire(import.meta.url).resolve('privatelink-dns/package.json');
const config = readFileSync(new URL('config/endpoints.yaml', pathToFileURL(pkgJson)), 'utf8');
const server = await startServer({ config, listen: '127.0.0.1:0', upstreams: ['127.0.0.1:9'], logLevel: 'silent' });
console.log(JSON.stringify({ port: server.udp.port, endpoints: server.catalog().endpoints.length }));
process.stdin.once('data', async () => { await server.close(); process.exit(0); });
`,
    );
    const child = spawn(process.execPath, [script], { cwd: app, stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    child.stderr?.on('data', (d) => {
      err += d;
    });
    const info = await new Promise<{ port: number; endpoints: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no output; stderr: ${err}`)), 30_000);
      child.stdout?.on('data', (d) => {
        out += d;
        const nl = out.indexOf('\n');
        if (nl < 0) return;
        clearTimeout(timer);
        resolve(JSON.parse(out.slice(0, nl)));
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${code}; stdout: ${out}\nstderr: ${err}`));
      });
    });
    expect(info.endpoints).toBe(3);
    const answer = await query(info.port, REGIONAL);
    expect(addresses(answer).sort()).toEqual(CW_ADDRS);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.stdin?.write('stop\n');
    expect(await exited).toBe(0);
  }, 60_000);

  it('the shipped declarations type-check an import (exports.types)', async () => {
    writeFileSync(
      join(app, 'check.ts'),
      `import { type RunningServer, type ServerOptions, startServer } from 'privatelink-dns';
const opts: ServerOptions = { config: { vpcs: [] }, listen: '127.0.0.1:0', admin: false };
const start: (o: ServerOptions) => Promise<RunningServer> = startServer;
export const port = (s: RunningServer): number => s.udp.port;
void start(opts);
`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['check.ts'],
      }),
    );
    await exec(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], app);
  }, 60_000);

  it('createLookup and the testcontainers subpath: exported, typed, testcontainers an optional peer', async () => {
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules/privatelink-dns/package.json'), 'utf8'));
    expect(pkg.exports['./testcontainers']).toEqual({
      types: './dist/testcontainers/index.d.ts',
      import: './dist/testcontainers/index.js',
    });
    expect(pkg.peerDependencies).toEqual({ testcontainers: expect.any(String) });
    expect(pkg.peerDependenciesMeta).toEqual({ testcontainers: { optional: true } });
    expect(pkg.dependencies.testcontainers).toBeUndefined();
    for (const f of [
      'dist/testcontainers/index.js',
      'dist/testcontainers/index.d.ts',
      'dist/client/lookup.js',
    ])
      expect(existsSync(join(app, 'node_modules/privatelink-dns', f))).toBe(true);
    // An optional peer is not installed with the package.
    expect(existsSync(join(app, 'node_modules/testcontainers'))).toBe(false);

    // The main entry loads without it and createLookup works; the subpath says what is missing.
    const script = join(app, 'lookup.mjs');
    writeFileSync(
      script,
      `import { createLookup, startServer } from 'privatelink-dns';
import { promisify } from 'node:util';
const server = await startServer({ config: { vpcs: [] }, listen: '127.0.0.1:0', upstreams: ['127.0.0.1:9'], logLevel: 'silent' });
const r = await promisify(createLookup(server))('10.0.0.1', { all: true });
let sub;
try { await import('privatelink-dns/testcontainers'); sub = 'loaded'; } catch (e) { sub = e.code + ' ' + e.message; }
await server.close();
console.log(JSON.stringify({ r, sub }));
`,
    );
    const out = JSON.parse(await exec(process.execPath, [script], app)) as { r: unknown; sub: string };
    expect(out.r).toEqual([{ address: '10.0.0.1', family: 4 }]);
    expect(out.sub).toMatch(/^ERR_MODULE_NOT_FOUND .*'testcontainers'/);

    // Types: createLookup from the main entry, the module's classes from the subpath.
    writeFileSync(
      join(app, 'check-lookup.ts'),
      `import { createLookup, type DnsLookupFunction } from 'privatelink-dns';
import type { PrivatelinkDnsContainer, StartedPrivatelinkDnsContainer } from 'privatelink-dns/testcontainers';
export const lookup: DnsLookupFunction = createLookup({ host: '127.0.0.1', port: 53 });
export type Both = [PrivatelinkDnsContainer, StartedPrivatelinkDnsContainer];
`,
    );
    writeFileSync(
      join(app, 'tsconfig.lookup.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['check-lookup.ts'],
      }),
    );
    await exec(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.lookup.json'],
      app,
    );
  }, 60_000);
});
