/** What cluster workers get of glibc's malloc settings, and when the operator's own win. */
import { describe, expect, it } from 'vitest';
import { MALLOC_TRIM_THRESHOLD, mallocTuned, workerMallocEnv } from '../../src/core/malloc.js';

describe('malloc settings', () => {
  it('gives workers the trim threshold when nothing sets malloc', () => {
    expect(workerMallocEnv({ PATH: '/usr/bin', GLIBC_TUNABLES: 'glibc.pthread.rseq=0' })).toEqual({
      MALLOC_TRIM_THRESHOLD_: MALLOC_TRIM_THRESHOLD,
    });
  });

  it("keeps the operator's setting, in any of glibc's spellings", () => {
    for (const env of [
      { MALLOC_TRIM_THRESHOLD_: '1048576' },
      { MALLOC_MMAP_THRESHOLD_: '65536' },
      { MALLOC_TOP_PAD_: '0' },
      { MALLOC_MMAP_MAX_: '0' },
      { GLIBC_TUNABLES: 'glibc.pthread.rseq=0:glibc.malloc.trim_threshold=4096' },
    ]) {
      expect(mallocTuned(env)).toBe(true);
      expect(workerMallocEnv(env)).toEqual({});
    }
    expect(mallocTuned({ MALLOC_TRIM_THRESHOLD_: '' })).toBe(false);
  });
});
