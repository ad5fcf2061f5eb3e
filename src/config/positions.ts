/**
 * Positions in a config's YAML text: the `yaml` package's positioned parse, run only when a
 * problem needs a line and column. Loaded with a synchronous require on first use, so that what
 * merely holds a config checked elsewhere (the cluster primary after a load in a worker thread)
 * never loads the parser unless a problem has to be located.
 */
import { createRequire } from 'node:module';
import type * as YamlLib from 'yaml';
import { bounded, ConfigError, type ConfigProblem, type Locator, MAX_PROBLEMS } from './problems.js';
import { plainYamlError } from './yaml-words.js';

const requireCjs = createRequire(import.meta.url);
let lib: typeof YamlLib | null = null;
const yaml = (): typeof YamlLib => {
  lib ??= requireCjs('yaml') as typeof YamlLib;
  return lib;
};

/** A locator over a document parsed with positions. */
export function makeLocator(doc: YamlLib.Document.Parsed, lc: YamlLib.LineCounter): Locator {
  const { isMap, isScalar, isSeq } = yaml();
  return (path, key = false) => {
    let node: unknown = doc.contents;
    let offset = (node as YamlLib.Node | null)?.range?.[0] ?? 0;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        const last = i === path.length - 1;
        const k = pair.key as YamlLib.Node;
        if (last && key && k.range) {
          offset = k.range[0];
          node = undefined;
          break;
        }
        node = pair.value;
        const r = (pair.value as YamlLib.Node | null)?.range ?? k.range;
        if (r) offset = r[0];
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as YamlLib.Node | undefined;
        if (!item) break;
        node = item;
        if (item.range) offset = item.range[0];
      } else break;
    }
    const pos = lc.linePos(offset);
    return { line: pos.line, col: pos.col };
  };
}

/** Parses with positions; throws {@link ConfigError} for syntax errors, else returns a locator. */
export function positioned(text: string, file: string): Locator {
  const { LineCounter, parseDocument } = yaml();
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const e of doc.errors.slice(0, MAX_PROBLEMS)) {
    const plain = plainYamlError(text, e, (o) => lc.linePos(o));
    // Two parser errors for one mistake (an over-indented key) become one problem.
    const key = `${plain.line}:${plain.col}:${plain.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ code: 'config.yaml-syntax', file, path: '', ...plain });
  }
  if (problems.length) throw new ConfigError(bounded(problems, doc.errors.length, file));
  return makeLocator(doc, lc);
}

/**
 * A locator that parses `text()` with positions the first time a position is asked for (a text
 * that no longer parses gives line 1, column 1).
 */
export function lazyLocator(text: () => string, file: string): Locator {
  let later: Locator | null = null;
  return (path, key) => {
    if (!later) {
      try {
        later = positioned(text(), file);
      } catch {
        later = () => ({ line: 1, col: 1 });
      }
    }
    return later(path, key);
  };
}
