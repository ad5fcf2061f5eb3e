/**
 * Which config a command uses when none is given: `--config FILE` (or `$PRIVATELINK_DNS_CONFIG`,
 * read as the flag), else `./privatelink-dns.yaml` in the working directory, else the bundled
 * example, which the command then says it uses in one line.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfigPath } from './paths.js';

/** The file looked for in the working directory. */
export const LOCAL_CONFIG = 'privatelink-dns.yaml';

/** Where a command's config comes from. */
export interface ConfigChoice {
  path: string;
  /** `flag`: --config or $PRIVATELINK_DNS_CONFIG; `cwd`: ./privatelink-dns.yaml; `bundled`: the example. */
  source: 'flag' | 'cwd' | 'bundled';
}

/** Picks the config (see the module comment). */
export function chooseConfig(given: string | undefined, cwd = process.cwd()): ConfigChoice {
  if (given) return { path: given, source: 'flag' };
  const local = join(cwd, LOCAL_CONFIG);
  if (existsSync(local)) return { path: local, source: 'cwd' };
  return { path: defaultConfigPath(), source: 'bundled' };
}

/** The one line said when the bundled example is used. */
export function bundledNotice(path: string): string {
  return `no --config, $PRIVATELINK_DNS_CONFIG or ./${LOCAL_CONFIG}: using the bundled example ${path}`;
}
