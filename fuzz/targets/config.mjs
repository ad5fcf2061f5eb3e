// Fuzz target: the config loader. Any text must load or throw ConfigError (with problems that
// have a code, a line and a column), never anything else.
import { ConfigError, parseConfigText } from '../../dist/config/load.js';

export function fuzz(data) {
  const text = Buffer.from(data).toString('utf8');
  try {
    parseConfigText(text, 'fuzz.yaml');
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    if (e.problems.length === 0) throw new Error('ConfigError without problems');
    for (const p of e.problems)
      if (!p.code || !(p.line >= 1) || !(p.col >= 1)) throw new Error(`bad problem ${JSON.stringify(p)}`);
  }
}
