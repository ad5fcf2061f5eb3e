/**
 * Source paths named in the docs exist: every `src/…`, `test/…`, `scripts/…`, `bench/…` or
 * `config/…` path written as inline code in the README, docs/ and the folder READMEs under src/
 * is a file or folder of this checkout. The "before" column of the design page's "What moved
 * where" table names paths that are gone on purpose and is the one exception.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function markdownFiles(dir: string, only?: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path, only);
    return name.endsWith('.md') && (only === undefined || name === only) ? [path] : [];
  });
}

const PAGES = [
  join(ROOT, 'README.md'),
  ...markdownFiles(join(ROOT, 'docs')),
  ...markdownFiles(join(ROOT, 'src'), 'README.md'),
];

const PATH = /^(src|test|scripts|bench|config)\/[A-Za-z0-9_./-]*$/;

/** The text of a page without the "before" cells of the "What moved where" table. */
function withoutMovedFrom(text: string): string {
  const start = text.indexOf('### What moved where');
  if (start < 0) return text;
  const next = text.indexOf('\n#', start + 1);
  const end = next < 0 ? text.length : next;
  const section = text
    .slice(start, end)
    .split('\n')
    .map((line) => (line.startsWith('| `') ? line.replace(/^\|[^|]*\|/, '|') : line))
    .join('\n');
  return text.slice(0, start) + section + text.slice(end);
}

/** Inline code spans of a page that look like a path of this repository. */
function pathsIn(text: string): string[] {
  const out = new Set<string>();
  for (const m of withoutMovedFrom(text).matchAll(/`([^`\n]+)`/g)) {
    const p = m[1].trim();
    if (PATH.test(p)) out.add(p);
  }
  return [...out];
}

describe('paths named in the docs', () => {
  it('finds paths in inline code and skips the "before" column of the moves table', () => {
    const page = [
      'See `src/dns/names.ts` and `test/dns/` but not `npm test`.',
      '### What moved where',
      '| before | now |',
      '| `src/gone.ts` | `src/here.ts` |',
      '## Next',
      '`src/also.ts`',
    ].join('\n');
    expect(pathsIn(page).sort()).toEqual(['src/also.ts', 'src/dns/names.ts', 'src/here.ts', 'test/dns/']);
  });

  for (const page of PAGES) {
    const rel = relative(ROOT, page).replace(/\\/g, '/');
    it(`${rel} names only paths that exist`, () => {
      const missing = pathsIn(readFileSync(page, 'utf8')).filter((p) => !existsSync(join(ROOT, p)));
      expect(missing).toEqual([]);
    });
  }
});
