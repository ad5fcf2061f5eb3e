/**
 * A checked config, and the YAML text it came from, as compact bytes: the text deflated (raw
 * deflate, level 1). The JSON of 10,000 endpoints is 6.5 MB and about 0.4 MB packed, its YAML 5 MB
 * and about 0.4 MB: what the cluster primary keeps for its workers (and sends each of them, with
 * no multi-megabyte IPC buffer left to the garbage collector), and the text kept for the
 * positions of later problems. Packing runs in the config's loading thread; unpacking 6.5 MB takes
 * a few tens of milliseconds.
 */
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Config } from './schema.js';

/** Packed bytes (a Uint8Array: structured clone hands a worker a plain view, not a Buffer). */
export type Packed = Uint8Array;

export function packText(text: string): Packed {
  return deflateRawSync(text, { level: constants.Z_BEST_SPEED });
}

export function unpackText(bytes: Packed): string {
  return inflateRawSync(bytes).toString('utf8');
}

export function packConfig(config: Config): Packed {
  return packText(JSON.stringify(config));
}

export function unpackConfig(bytes: Packed): Config {
  return JSON.parse(unpackText(bytes)) as Config;
}
