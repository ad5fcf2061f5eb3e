/** The firewall of a loaded config: compiled while checking, or compiled here (a worker's config). */
import { ConfigError, type ConfigProblem, type LoadedConfig, pathText } from '../../config/problems.js';
import type { Config } from '../../config/schema.js';
import { compileFirewall } from './compile.js';
import type { Firewall } from './model.js';

/** The firewall of `loaded` (null without one). Throws {@link ConfigError} for its problems. */
export function firewallOf(loaded: LoadedConfig): Firewall | null {
  if (loaded.firewall !== undefined) return loaded.firewall;
  if (!loaded.config.firewall) return null;
  const { firewall, problems } = compileFirewall(loaded.config, { baseDir: process.cwd() });
  if (problems.length) {
    throw new ConfigError(
      problems.map(
        (p): ConfigProblem => ({
          code: p.code,
          file: p.at?.file ?? loaded.file,
          line: p.at?.line ?? 1,
          col: p.at?.col ?? 1,
          path: pathText(p.path),
          message: p.message,
        }),
      ),
    );
  }
  return firewall;
}

/** True when the config reads domain list files (a reload must read them again even if the config text is unchanged). */
export function readsListFiles(config: Config): boolean {
  return config.firewall?.domainLists.some((l) => l.file !== undefined) ?? false;
}
