/**
 * SIGHUP reloads `bin/privatelink-dns serve` (built code): the new config is served, an invalid
 * one is rejected with FILE:LINE:COL problems in the log while the old one keeps serving, and a
 * reload never takes the process down.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../health/poll.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { answerOf, cwWith, lineOf, NEW, OLD, renameSave, THIRD, tempDir, yamlOf } from './util.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin/privatelink-dns');
const CAP = 10_000;
const REJECTED = 'config reload rejected; the previous config keeps serving';

let up: FakeUpstream;
let dir: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  up = await startFakeUpstream();
  dir = tempDir();
});
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await up?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Serving {
  child: ChildProcess;
  port: number;
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
}

function serve(config: string): Promise<Serving> {
  return new Promise((resolve, reject) => {
    const c = spawn(
      BIN,
      ['serve', '--config', config, '--listen', '127.0.0.1:0', '--upstream', up.hostPort, '--admin', 'off'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = c;
    const lines: Record<string, unknown>[] = [];
    let out = '';
    let err = '';
    const exited = new Promise<number | null>((r) => c.on('exit', (code) => r(code)));
    const t = setTimeout(() => reject(new Error(`no startup line; stderr: ${err}`)), 15_000);
    c.stderr!.on('data', (d) => {
      err += d;
    });
    c.stdout!.on('data', (d) => {
      out += d;
      for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const j = JSON.parse(line) as Record<string, unknown>;
        lines.push(j);
        if (typeof j.udp === 'string') {
          clearTimeout(t);
          resolve({ child: c, port: Number(String(j.udp).split(':').pop()), lines, exited });
        }
      }
    });
    c.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`exited ${code} before listening: ${err}`));
    });
  });
}

describe('SIGHUP', () => {
  it('reloads the config; invalid ones are rejected and the process keeps serving', async () => {
    const file = join(dir, 'endpoints.yaml');
    writeFileSync(file, yamlOf(cwWith(OLD)));
    const s = await serve(file);
    const count = (msg: string) => s.lines.filter((l) => l.msg === msg).length;
    expect(await answerOf(s.port)).toBe(OLD.join(','));

    // Same content: the file watcher has nothing to report, so this reload is SIGHUP's alone;
    // the text is what is serving already, so it is read and hashed, not parsed again.
    s.child.kill('SIGHUP');
    await waitFor('SIGHUP to be handled', () => count('config unchanged; nothing to reload') === 1, CAP);
    expect(count('config reloaded')).toBe(0);

    renameSave(file, yamlOf(cwWith(NEW)));
    s.child.kill('SIGHUP');
    await waitFor('the new answer', async () => (await answerOf(s.port)) === NEW.join(','), CAP);

    const bad = yamlOf(cwWith(['10.0.1.23', '10.0.9.23']));
    renameSave(file, bad);
    s.child.kill('SIGHUP');
    const rejected = await waitFor('the rejection', () => s.lines.find((l) => l.msg === REJECTED), CAP);
    expect((rejected.problems as string[]).join('\n')).toContain(`${file}:${lineOf(bad, '10.0.9.23')}:`);
    expect(await answerOf(s.port)).toBe(NEW.join(','));

    // A rule that forwards to this very server: rejected, and the process stays up.
    const self = `127.0.0.1:${s.port}`;
    renameSave(
      file,
      yamlOf(cwWith(THIRD, { forwardingRules: [{ domain: 'corp.example', upstreams: [self] }] })),
    );
    s.child.kill('SIGHUP');
    // The rename may be reported by the watcher as well: the bad file can be rejected twice
    // before this one; wait for the rejection that names this config's problem.
    const last = await waitFor(
      'the second rejection',
      () => s.lines.find((l) => l.msg === REJECTED && (l.problems as string[]).join('\n').includes(self)),
      CAP,
    );
    expect(count(REJECTED)).toBeGreaterThanOrEqual(2);
    expect((last.problems as string[]).join('\n')).toContain('forward');
    expect(await answerOf(s.port)).toBe(NEW.join(','));
    expect(s.child.exitCode).toBe(null);

    renameSave(file, yamlOf(cwWith(THIRD)));
    s.child.kill('SIGHUP');
    await waitFor('the third answer', async () => (await answerOf(s.port)) === THIRD.join(','), CAP);

    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  }, 90_000); // several reloads, each read once the file has settled; slow on a loaded machine
});
