/** `validate` warns (FILE:LINE:COL, code, exit 0) when maxUdpSize above 4096 meets clients beyond loopback. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/validate.js';
import { memIo } from '../helpers/mem-io.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

let n = 0;
function write(text: string): string {
  dir ??= mkdtempSync(join(tmpdir(), 'pldns-warn-'));
  const file = join(dir, `c${n++}.yaml`);
  writeFileSync(file, text);
  return file;
}

describe('validate warnings', () => {
  it('warns about maxUdpSize above 4096 with the default (private-range) clients, and still exits 0', async () => {
    const file = write('ttl: 60\nlimits:\n  maxUdpSize: 8192\n');
    const m = memIo();
    expect(await run(['--codes', file], m.io)).toBe(0);
    expect(m.stderr()).toMatch(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:15  limits\\.maxUdpSize  warning: 8192 is above 4096 .*amplification.*\\[config\\.udp-amplification\\]\\n$`,
      ),
    );
    expect(m.stdout()).toMatch(/valid/);
  });

  it('warns for an explicit allowedClients beyond loopback', async () => {
    const file = write('limits: { maxUdpSize: 65535 }\nallowedClients: ["127.0.0.1/32", "203.0.113.0/24"]\n');
    const m = memIo();
    expect(await run(['--quiet', file], m.io)).toBe(0);
    expect(m.stderr()).toContain('203.0.113.0/24');
    expect(m.stdout()).toBe('');
  });

  it('says nothing with loopback clients only, or at 4096', async () => {
    for (const text of [
      'limits: { maxUdpSize: 65535 }\nallowedClients: ["127.0.0.0/8", "::1/128"]\n',
      'limits: { maxUdpSize: 4096 }\n',
    ]) {
      const file = write(text);
      const m = memIo();
      expect(await run([file], m.io)).toBe(0);
      expect(m.stderr()).toBe('');
    }
  });
});
