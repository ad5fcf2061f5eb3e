/**
 * Warnings: what a config may say but probably did not mean (a service or Region that the
 * shipped lists do not know). A warning never stops a config from loading; `validate` prints
 * them with FILE:LINE:COL and `serve` logs them at start.
 */
import { LineCounter, parseDocument } from 'yaml';
import { serviceWarnings } from '../privatelink/service-list.js';
import { makeLocator } from './positions.js';
import { type ConfigProblem, pathText } from './problems.js';

/** The warnings of a config text, located; [] when the text does not even parse. */
export function configWarnings(text: string, file: string): ConfigProblem[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) return [];
  const locate = makeLocator(doc, lc);
  return serviceWarnings(doc.toJS()).map((w) => ({
    code: w.code,
    file,
    ...locate(w.path),
    path: pathText(w.path),
    message: w.message,
  }));
}

/** `FILE:LINE:COL  path  warning: message`. */
export function formatWarning(w: ConfigProblem): string {
  return `${w.file}:${w.line}:${w.col}  ${w.path || '(top)'}  warning: ${w.message}`;
}
