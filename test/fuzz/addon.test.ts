import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureFuzzerAddon, patchElf } from '../../scripts/fuzz-addon.mjs';

const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve('@jazzer.js/fuzzer/package.json'));
const prebuild = join(pkgDir, 'prebuilds', 'fuzzer-linux-x64.node');

/** The dynamic symbols and the version needs as objdump prints them. */
function dynamic(file: string): string {
  return execFileSync('objdump', ['-T', '-p', file], { encoding: 'utf8' });
}

describe.runIf(process.platform === 'linux' && process.arch === 'x64')('the libFuzzer addon', () => {
  it('loads (patched where the prebuild needs a newer glibc)', () => {
    ensureFuzzerAddon();
    const { addon } = require(join(pkgDir, 'dist', 'addon.js'));
    expect(typeof addon.startFuzzing).toBe('function');
  });

  it('the patch renames the C23 strtol imports and makes the newer versions weak', () => {
    const original = readFileSync(prebuild);
    const image = patchElf(original);
    expect(image).not.toBeNull();
    expect(image!.length).toBe(original.length);
    const tmp = join(process.env.TMPDIR ?? '/tmp', `fuzz-addon-${process.pid}.node`);
    writeFileSync(tmp, image!);
    const before = dynamic(prebuild);
    const after = dynamic(tmp);
    rmSync(tmp);
    expect(before).toMatch(/\(GLIBC_2\.38\)\s+__isoc23_strtol\b/);
    expect(after).not.toMatch(/__isoc23_strto/);
    expect(after).toMatch(/\bstrtoul?\b/);
    // objdump -p marks weak version needs with a flag column of 0x02.
    expect(after).toMatch(/0x[0-9a-f]+ 0x02 \d+ GLIBC_2\.38/);
    expect(before).toMatch(/0x[0-9a-f]+ 0x00 \d+ GLIBC_2\.38/);
  });
});
