/**
 * Every test run gets a temporary directory of its own as TMPDIR (the test workers and the
 * servers they start inherit it), removed when the run ends: the files and directories tests
 * make with `mkdtempSync(join(tmpdir(), …))` never outlive the run, even when a test fails before
 * its own clean-up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'pldns-test-'));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    rmSync(dir, { recursive: true, force: true });
  };
}
