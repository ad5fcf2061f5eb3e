/**
 * The README and the pages under docs/: the README stays short, and every relative link points at
 * a file that exists and that the npm package ships (the README and docs/ are in the package, so
 * a link to anything else would be broken for its readers), and at a heading that exists.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { anchor } from '../../scripts/gen-config-doc.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

const PAGES = [join(ROOT, 'README.md'), ...markdownFiles(join(ROOT, 'docs'))];

/** The text outside fenced code blocks and inline code spans. */
function prose(text: string): string {
  return text.replace(/^ *(```|~~~)[^\n]*\n[\s\S]*?^ *\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Link targets of `[text](target)` in prose (images too). */
function links(text: string): string[] {
  const out: string[] = [];
  // Inline code is removed first so that `[x](y)` inside backticks is not a link.
  const body = prose(text);
  for (const m of body.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) out.push(m[1]);
  return out;
}

/** GitHub's heading anchors of a Markdown file, with -1, -2… for repeated headings. */
function anchors(path: string): Set<string> {
  const text = readFileSync(path, 'utf8').replace(/^ *(```|~~~)[^\n]*\n[\s\S]*?^ *\1[^\n]*$/gm, '');
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = anchor(m[1].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1'));
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

/** The package's "files" entries: folders (with a trailing slash) and single files. */
const shipped: string[] = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).files;
const isShipped = (rel: string): boolean =>
  rel === 'package.json' ||
  shipped.some((f) => (f.endsWith('/') ? `${rel}/`.startsWith(f) || rel.startsWith(f) : rel === f));

describe('README.md and docs/', () => {
  it('README.md is at most 300 lines', () => {
    const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    expect(lines.length).toBeLessThanOrEqual(300);
  });

  it('finds the pages and their links', () => {
    expect(PAGES.map((p) => relative(ROOT, p))).toEqual(
      expect.arrayContaining(['README.md', 'docs/configuration.md', 'docs/design.md']),
    );
    expect(links(readFileSync(join(ROOT, 'README.md'), 'utf8'))).toContain('docs/configuration.md');
    expect(links('see [a](b.md) and `[c](d.md)`')).toEqual(['b.md']);
    expect(anchors(join(ROOT, 'docs/configuration.md'))).toContain('vpcsendpointsinterfaces');
  });

  for (const page of PAGES) {
    const name = relative(ROOT, page);
    it(`every relative link in ${name} points at a shipped file and an existing heading`, () => {
      const broken: string[] = [];
      for (const target of links(readFileSync(page, 'utf8'))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        const [pathPart, fragment] = target.split('#', 2);
        const file = pathPart === '' ? page : resolve(dirname(page), decodeURIComponent(pathPart));
        const rel = relative(ROOT, file).replace(/\\/g, '/');
        if (!existsSync(file)) broken.push(`${target}: no such file`);
        else if (rel.startsWith('..') || !isShipped(rel)) broken.push(`${target}: not in the npm package`);
        else if (fragment && file.endsWith('.md') && !anchors(file).has(fragment))
          broken.push(`${target}: no heading #${fragment} in ${rel}`);
      }
      expect(broken).toEqual([]);
    });
  }
});
