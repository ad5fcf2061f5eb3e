/**
 * The table runner of the config rule tests (test/config/{rules,kind-rules,hosted-zones-rules}):
 * a valid base config, and rows that each break it in one place and say which problem is
 * reported where (FILE:LINE:COL, path, code, message).
 *
 * ```ts
 * const edit = (line: number, text: string, base = BASE) => editLine(base, line, text);
 * ruleTable(BASE, [{ rule: 'an address outside its subnet', yaml: edit(23, '  ipv4: 10.0.9.5'), line: 23, col: 19, path: '…', message: /outside/ }]);
 * ```
 */
import { expect, it } from 'vitest';
import { ConfigError, formatProblem, parseConfigText } from '../../src/config/load.js';

/** One row: the config, and the first (or only) problem it must report. */
export interface RuleCase {
  rule: string;
  yaml: string;
  line: number;
  /** The column; or give `at`. */
  col?: number;
  /** The text the problem points at on `line` (its first character is the column). */
  at?: string;
  path: string;
  /** The problem's code, when the row checks it. */
  code?: string;
  message: RegExp;
  /** How many problems the row reports (the first one is asserted). @default 1 */
  count?: number;
}

/** `base` with line `line` (1-based) replaced by `text` (several lines allowed). */
export function editLine(base: string, line: number, text: string): string {
  const lines = base.split('\n');
  lines.splice(line - 1, 1, ...text.split('\n'));
  return lines.join('\n');
}

/** `base` with `text` inserted after line `line`. */
export function insertAfter(base: string, line: number, text: string): string {
  const lines = base.split('\n');
  lines.splice(line, 0, ...text.split('\n'));
  return lines.join('\n');
}

/** The problems of a config text (none when it loads). */
export function problemsOf(text: string, file = 'endpoints.yaml') {
  try {
    parseConfigText(text, file);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

/** Registers "accepts the base config" and one test per row (call inside a describe). */
export function ruleTable(base: string, cases: RuleCase[], file = 'endpoints.yaml'): void {
  it('accepts the base config', () => {
    expect(problemsOf(base, file).map(formatProblem)).toEqual([]);
  });

  it.each(cases)('$rule', ({ yaml, line, col, at, path, code, message, count = 1 }) => {
    const p = problemsOf(yaml, file);
    expect(p.length, p.map(formatProblem).join('\n')).toBe(count);
    let column = col;
    if (at !== undefined) {
      const text = yaml.split('\n')[line - 1];
      expect(text.indexOf(at), `"${at}" on line ${line}`).toBeGreaterThanOrEqual(0);
      column = text.indexOf(at) + 1;
    }
    expect(p[0].file).toBe(file);
    if (code !== undefined) expect(p[0].code).toBe(code);
    expect(p[0].path).toBe(path);
    expect(p[0].message).toMatch(message);
    expect({ line: p[0].line, col: p[0].col }).toEqual({ line, col: column });
  });
}
