/** A config with thousands of problems is reported in bounded time and memory: the first 100, then a count. */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, parseConfigText } from '../../src/config/load.js';
import { MAX_PROBLEMS } from '../../src/config/problems.js';
import { cloudwatch, oneVpc } from '../helpers/configs.js';

function problemsOf(text: string) {
  try {
    parseConfigText(text, 'big.yaml');
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('accepted');
}

describe('many problems', () => {
  it('YAML syntax errors: the first 100 and "and N more"', () => {
    const text = Array.from({ length: 5000 }, (_, i) => `k${i}: [unclosed ${i}\n`).join('');
    const p = problemsOf(text);
    expect(p).toHaveLength(MAX_PROBLEMS + 1);
    expect(p[0].code).toBe('config.yaml-syntax');
    expect(p[MAX_PROBLEMS].code).toBe('config.more-problems');
    expect(p[MAX_PROBLEMS].message).toMatch(/^and \d+ more problems/);
  });

  it('schema problems: the first 100 in file order, then the count of the rest', () => {
    const eps = Array.from({ length: 3000 }, (_, i) =>
      cloudwatch({ id: `vpce-${String(i).padStart(17, '0')}`, dnsSuffix: `s${i}`, ttl: 'x' } as never),
    );
    const p = problemsOf(stringify(oneVpc(eps)));
    expect(p).toHaveLength(MAX_PROBLEMS + 1);
    const shown = p.slice(0, MAX_PROBLEMS);
    for (let i = 1; i < shown.length; i++) expect(shown[i].line).toBeGreaterThanOrEqual(shown[i - 1].line);
    // At least one problem per endpoint: the count covers every one not shown.
    const m = /^and (\d+) more problems \(the first 100 are shown\)$/.exec(p[MAX_PROBLEMS].message);
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(3000 - MAX_PROBLEMS);
  }, 90_000); // 3,000 endpoints through the schema: slow on a loaded machine

  it('AWS rule problems are bounded the same way', () => {
    // Every endpoint has the same id: each one after the first is a duplicate.
    const eps = Array.from({ length: 500 }, (_, i) => cloudwatch({ dnsSuffix: `s${i}` }));
    const p = problemsOf(stringify(oneVpc(eps)));
    expect(p).toHaveLength(MAX_PROBLEMS + 1);
    expect(p[MAX_PROBLEMS].code).toBe('config.more-problems');
  });

  it('a few problems are listed as they are, with no count line', () => {
    const p = problemsOf(stringify(oneVpc([cloudwatch({ ttl: 'x' } as never)])));
    expect(p.length).toBeLessThan(5);
    expect(p.some((x) => x.code === 'config.more-problems')).toBe(false);
  });
});
