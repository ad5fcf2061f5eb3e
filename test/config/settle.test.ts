/** A save written in two parts is never taken half-written, even when the half is valid YAML. */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConfigWatcher, watchConfig } from '../../src/config/watch.js';
import { poll } from '../helpers/poll.js';

let dir: string;
let watcher: ConfigWatcher | undefined;
afterEach(() => {
  watcher?.close();
  rmSync(dir, { recursive: true, force: true });
});

const FIRST = 'vpcs: []\n';
const HALF = 'upstreams: ["127.0.0.1:9"]\n';
const REST = 'ttl: 30\n';

/** A config file holding FIRST, watched with `settleMs`; `seen` gets the content of each change. */
function watched(settleMs: number): { file: string; seen: string[] } {
  dir = mkdtempSync(join(tmpdir(), 'pldns-settle-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, FIRST);
  const seen: string[] = [];
  watcher = watchConfig(file, () => seen.push(readFileSync(file, 'utf8')), {
    debounceMs: 20,
    settleMs,
    pollMs: 0,
  });
  return { file, seen };
}

describe('settle time', () => {
  it('waits until the file stops changing, then reloads once with the whole save', async () => {
    const { file, seen } = watched(1500);
    // The first part: valid YAML on its own. The debounce passes well before the second part.
    writeFileSync(file, HALF);
    await new Promise((r) => setTimeout(r, 200)); // pacing the writer, as an editor would
    appendFileSync(file, REST);
    await poll('a reload', () => seen.length > 0, 10_000);
    expect(seen).toEqual([HALF + REST]);
  });

  it('a file that stays as it is is taken after the settle time', async () => {
    const { file, seen } = watched(100);
    writeFileSync(file, HALF);
    await poll('a reload', () => seen.length > 0);
    expect(seen).toEqual([HALF]);
  });
});
