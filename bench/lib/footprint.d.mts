/** The physical memory of a process tree in kB, each page once (see footprint.mjs). */
export function footprintKb(pids: number[]): { kb: number; fileKb: number; method: 'pagemap' | 'pss' };
