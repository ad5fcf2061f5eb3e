/** The Node flags cluster workers start with: a small young generation unless one is set already. */
import { describe, expect, it } from 'vitest';
import { WORKER_SEMI_SPACE_MB, workerExecArgv } from '../../src/cluster/primary.js';

describe('workerExecArgv', () => {
  it('adds a semi-space size to the primary flags', () => {
    expect(workerExecArgv(['--enable-source-maps'], '')).toEqual([
      '--enable-source-maps',
      `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`,
    ]);
  });

  it('keeps the operator choice from the flags or NODE_OPTIONS', () => {
    expect(workerExecArgv(['--max-semi-space-size=8'], '')).toEqual(['--max-semi-space-size=8']);
    expect(workerExecArgv([], '--max_semi_space_size=16 --trace-gc')).toEqual([]);
  });

  it('passes the old generation growth cap on, unless the flags set one', () => {
    const env = { PRIVATELINK_DNS_HEAP_GROWTH_PERCENT: '50' };
    expect(workerExecArgv([], '', env)).toEqual([
      `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`,
      '--heap-growing-percent=50',
    ]);
    expect(workerExecArgv(['--heap-growing-percent=20'], '', env)).toEqual([
      '--heap-growing-percent=20',
      `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`,
    ]);
    expect(workerExecArgv([], '', {})).toEqual([`--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`]);
  });
});
