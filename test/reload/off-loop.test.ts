/**
 * Reloads are loaded and checked in a worker thread (built code, `bin/privatelink-dns serve`):
 * the server answers queries while a config of thousands of endpoints is being parsed, and a
 * config whose check runs out of the thread's memory is rejected while the process serves on.
 *
 * The first test counts answers that arrive after the SIGHUP and before the "config reloaded"
 * line: with the parse on the event loop, no query is answered during it (they queue until the
 * reload is done and its line written), so the count stays near zero.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: the benchmark's generator is plain JavaScript
import { configYaml } from '../../bench/lib/records.mjs';
import { waitFor } from '../health/poll.js';
import { addresses, decode, makeQuery, query } from '../helpers/dns-client.js';
import { renameSave, tempDir } from './util.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin/privatelink-dns');
const NAME = 'svc0.bench.internal';
const LARGE = 8000;

let dir: string;
let child: ChildProcess | undefined;
beforeAll(() => {
  dir = tempDir();
  return () => rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
});

interface Serving {
  port: number;
  lines: { msg?: string; problems?: string[]; at: number }[];
}

function serve(config: string, env: NodeJS.ProcessEnv = {}): Promise<Serving> {
  return new Promise((resolve, reject) => {
    const c = spawn(
      BIN,
      ['serve', '--config', config, '--listen', '127.0.0.1:0', '--upstream', '127.0.0.1:9', '--admin', 'off'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
    );
    child = c;
    const lines: Serving['lines'] = [];
    let out = '';
    let err = '';
    c.stderr?.on('data', (d) => {
      err += d;
    });
    c.stdout?.on('data', (d) => {
      out += d;
      for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const j = JSON.parse(line);
        lines.push({ ...j, at: performance.now() });
        if (typeof j.udp === 'string') resolve({ port: Number(String(j.udp).split(':').pop()), lines });
      }
    });
    c.on('exit', (code) => reject(new Error(`exited ${code} before listening: ${err}`)));
  });
}

/** The number of addresses answered for NAME, asking again on a timeout (a loaded machine). */
function answered(port: number): Promise<number> {
  return waitFor(
    'an answer',
    async () => {
      try {
        return addresses(await query(port, NAME)).length;
      } catch {
        return undefined;
      }
    },
    60_000,
  );
}

/** Sends a query every few milliseconds; records when each answer arrived. */
function ticker(port: number) {
  const s = createSocket('udp4');
  const answered: number[] = [];
  s.on('message', (m) => {
    const d = decode(m);
    if (d.rcode === 'NOERROR' && addresses(d).length > 0) answered.push(performance.now());
  });
  const q = makeQuery(NAME);
  const timer = setInterval(() => s.send(q, port, '127.0.0.1'), 5);
  return {
    answered,
    stop: () => {
      clearInterval(timer);
      s.close();
    },
  };
}

describe('reloads off the event loop', () => {
  it('keeps answering while a large config is parsed and checked', async () => {
    const file = join(dir, 'a.yaml');
    writeFileSync(file, configYaml(10));
    const s = await serve(file);
    expect(await answered(s.port)).toBe(3);

    const t = ticker(s.port);
    try {
      renameSave(file, configYaml(LARGE));
      const sent = performance.now();
      child?.kill('SIGHUP');
      const done = await waitFor(
        'the reload',
        () => s.lines.find((l) => l.msg === 'config reloaded'),
        60_000,
      );
      const during = t.answered.filter((at) => at > sent && at < done.at).length;
      expect(during).toBeGreaterThanOrEqual(10);
    } finally {
      t.stop();
    }
    expect(await answered(s.port)).toBe(3);
  }, 120_000);

  it('rejects a config whose check needs more memory than the loading thread may use, and serves on', async () => {
    const file = join(dir, 'b.yaml');
    writeFileSync(file, configYaml(10));
    const s = await serve(file, { PRIVATELINK_DNS_CONFIG_HEAP_MB: '24' });
    renameSave(file, configYaml(LARGE));
    child?.kill('SIGHUP');
    const rejected = await waitFor(
      'the rejection',
      () => s.lines.find((l) => l.msg === 'config reload rejected; the previous config keeps serving'),
      60_000,
    );
    expect(rejected.problems?.join('\n')).toContain(
      'needed more than 24 MB (PRIVATELINK_DNS_CONFIG_HEAP_MB)',
    );
    expect(await answered(s.port)).toBe(3);
    expect(child?.exitCode).toBe(null);
  }, 120_000);

  it('a SIGHUP that meets the file truncated (a save in place) keeps serving, and takes the whole save', async () => {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, configYaml(10));
    const s = await serve(file);
    expect(await answered(s.port)).toBe(3);
    // In place: truncate (an empty file is a valid config with no VPCs), SIGHUP, then the text.
    writeFileSync(file, '');
    child?.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 100));
    writeFileSync(file, configYaml(20));
    await waitFor('the reload', () => s.lines.find((l) => l.msg === 'config reloaded'), 60_000);
    const reloaded = s.lines.filter((l) => l.msg === 'config reloaded') as { endpoints?: number }[];
    expect(reloaded.map((l) => l.endpoints)).toEqual([20]);
    expect(await answered(s.port)).toBe(3);
  }, 120_000);
});
