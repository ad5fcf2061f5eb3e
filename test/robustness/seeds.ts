/**
 * Fuzz seeds: a fixed one (the same inputs on every CI run) plus a random one, printed so a
 * failure can be replayed with `FUZZ_SEED=<seed> npx vitest run <file>`.
 */

/** The fixed seed every run uses. */
export const FIXED_SEED = 0x5eed_d45;

/** `[fixed, random]`, or `[fixed, FUZZ_SEED]` when that is set. The random one is printed. */
export function fuzzSeeds(label: string): { name: string; seed: number }[] {
  const env = process.env.FUZZ_SEED;
  const random = env !== undefined && env !== '' ? Number(env) : Math.floor(Math.random() * 0x7fffffff);
  console.log(`${label}: fuzz seeds fixed=${FIXED_SEED} random=${random} (replay: FUZZ_SEED=${random})`);
  return [
    { name: `fixed seed ${FIXED_SEED}`, seed: FIXED_SEED },
    { name: `random seed ${random}`, seed: random },
  ];
}

/** A small deterministic PRNG (mulberry32) for socket fuzzing outside fast-check. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
