/** `--log-format pretty` (pino-pretty, loaded only for that format) writes readable lines, not JSON. */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

function firstLines(format: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(
      join(ROOT, 'bin/privatelink-dns'),
      [
        'serve',
        '--config',
        join(ROOT, 'config/endpoints.yaml'),
        '--listen',
        '127.0.0.1:0',
        '--upstream',
        '127.0.0.1:9',
        '--admin',
        'off',
        '--log-format',
        format,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    c.stdout.on('data', (d) => {
      out += d;
      if (out.includes('listening on')) c.kill('SIGTERM');
    });
    c.once('error', reject);
    c.once('exit', () => resolve(out));
  });
}

describe('log formats', () => {
  it('pretty lines carry the level and the message, JSON lines parse', async () => {
    const pretty = (await firstLines('pretty')).split('\n').find((l) => l.includes('listening on')) ?? '';
    expect(pretty).toMatch(/INFO.*listening on/);
    expect(() => JSON.parse(pretty)).toThrow();
    const json = (await firstLines('json')).split('\n').find((l) => l.includes('listening on')) ?? '';
    expect(JSON.parse(json).msg).toMatch(/listening on/);
  }, 60_000);
});
