/** The query-log settings in force: `queryLogs:` of the config, with `--query-log FILE` over its destination. */
import type { Config, QueryLogsConfig } from '../../config/schema.js';

/** Defaults of `queryLogs:` (the schema's, repeated here so that workers need no schema). */
const DEFAULTS = { logCacheHits: false, accountId: '000000000000', maxBufferedLines: 100_000 };

/** The settings, or undefined when query logging is off. */
export function queryLogSettings(config: Config, destination?: string): QueryLogsConfig | undefined {
  const c = config.queryLogs;
  if (destination) return { ...DEFAULTS, ...c, destination };
  return c;
}
