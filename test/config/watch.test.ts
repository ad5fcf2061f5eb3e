import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ConfigWatcher, watchConfig } from '../../src/config/watch.js';

// Counts the watcher's reads of the config file.
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return { ...fs, readFileSync: vi.fn(fs.readFileSync) };
});
const readsOf = (file: string): number =>
  vi.mocked(readFileSync).mock.calls.filter(([p]) => p === file).length;

let dir: string;
let watcher: ConfigWatcher | undefined;

afterEach(() => {
  watcher?.close();
  watcher = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts watching `path`; each change pushes the content seen at that moment. */
function start(path: string): { seen: string[]; next: () => Promise<string> } {
  const seen: string[] = [];
  const waiters: ((s: string) => void)[] = [];
  watcher = watchConfig(
    path,
    () => {
      const text = readFileSync(path, 'utf8');
      seen.push(text);
      waiters.shift()?.(text);
    },
    { debounceMs: 20, pollMs: 0 },
  );
  const next = () => new Promise<string>((res) => waiters.push(res));
  return { seen, next };
}

describe('watchConfig', () => {
  it('notices a plain write', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pldns-watch-'));
    const file = join(dir, 'endpoints.yaml');
    writeFileSync(file, 'ttl: 60\n');
    const w = start(file);
    const changed = w.next();
    writeFileSync(file, 'ttl: 30\n');
    expect(await changed).toBe('ttl: 30\n');
    expect(w.seen).toEqual(['ttl: 30\n']);
  });

  it('notices an editor that saves by rename, and ignores a write of the same content', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pldns-watch-'));
    const file = join(dir, 'endpoints.yaml');
    writeFileSync(file, 'ttl: 60\n');
    const w = start(file);
    const changed = w.next();
    writeFileSync(file, 'ttl: 60\n'); // same content: not a change
    writeFileSync(join(dir, '.endpoints.yaml.swp'), 'ttl: 15\n');
    renameSync(join(dir, '.endpoints.yaml.swp'), file);
    expect(await changed).toBe('ttl: 15\n');
    expect(w.seen).toEqual(['ttl: 15\n']);
    // And keeps watching the new inode.
    const again = w.next();
    writeFileSync(join(dir, 'tmp'), 'ttl: 16\n');
    renameSync(join(dir, 'tmp'), file);
    expect(await again).toBe('ttl: 16\n');
  });

  it('notices a Kubernetes ConfigMap ..data symlink swap', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pldns-watch-'));
    // The layout kubelet writes: config.yaml -> ..data/config.yaml, ..data -> ..<timestamp>
    mkdirSync(join(dir, '..2026_01_01_00_00_00.1'));
    writeFileSync(join(dir, '..2026_01_01_00_00_00.1', 'endpoints.yaml'), 'ttl: 60\n');
    symlinkSync('..2026_01_01_00_00_00.1', join(dir, '..data'));
    symlinkSync('..data/endpoints.yaml', join(dir, 'endpoints.yaml'));
    const file = join(dir, 'endpoints.yaml');
    const w = start(file);

    for (const [gen, ttl] of [
      ['..2026_01_01_00_00_00.2', 45],
      ['..2026_01_01_00_00_00.3', 50],
    ] as const) {
      const changed = w.next();
      mkdirSync(join(dir, gen));
      writeFileSync(join(dir, gen, 'endpoints.yaml'), `ttl: ${ttl}\n`);
      symlinkSync(gen, join(dir, '..data_tmp'));
      const old = readFileSync(join(dir, '..data', 'endpoints.yaml'), 'utf8');
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
      expect(await changed).toBe(`ttl: ${ttl}\n`);
      expect(old).not.toBe(`ttl: ${ttl}\n`);
    }
    expect(w.seen).toEqual(['ttl: 45\n', 'ttl: 50\n']);
  });

  it('picks the file up again after it was deleted and recreated', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pldns-watch-'));
    const file = join(dir, 'endpoints.yaml');
    writeFileSync(file, 'ttl: 60\n');
    const w = start(file);
    const changed = w.next();
    rmSync(file);
    writeFileSync(file, 'ttl: 5\n');
    expect(await changed).toBe('ttl: 5\n');
  });

  it('calls onChange once for one change with the backup poll on', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pldns-watch-'));
    const file = join(dir, 'endpoints.yaml');
    writeFileSync(file, 'ttl: 60\n');
    let calls = 0;
    const got = new Promise<void>((res) => {
      watcher = watchConfig(
        file,
        () => {
          calls++;
          res();
        },
        { debounceMs: 10, pollMs: 20 },
      );
    });
    writeFileSync(file, 'ttl: 61\n');
    await got;
    expect(calls).toBe(1);
  });

  it('does not read the file again for events of the other files of its directory', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pldns-watch-'));
    const file = join(dir, 'endpoints.yaml');
    writeFileSync(file, 'ttl: 60\n');
    let changes = 0;
    watcher = watchConfig(file, () => changes++, { debounceMs: 5, pollMs: 0 });
    const before = readsOf(file);
    // A log written next to the config: an event for the directory every few milliseconds.
    for (let i = 0; i < 20; i++) {
      writeFileSync(join(dir, 'query.log'), `line ${i}\n`, { flag: 'a' });
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(readsOf(file)).toBe(before);
    expect(changes).toBe(0);
    // A change of the config itself is still read and reported.
    writeFileSync(file, 'ttl: 61\n');
    await vi.waitFor(() => expect(changes).toBe(1), { timeout: 5000, interval: 10 });
    expect(readsOf(file)).toBeGreaterThan(before);
  });
});
