/**
 * docs/testing.md shows the recipes that CI runs as they are: the Python block is the file
 * scripts/recipes-test.sh runs, and each recipe says whether CI runs it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const doc = readFileSync(join(ROOT, 'docs/testing.md'), 'utf8');

function blocks(lang: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'gm');
  for (let m = re.exec(doc); m; m = re.exec(doc)) out.push(m[1]);
  return out;
}

describe('docs/testing.md', () => {
  it('shows the Python recipe exactly as CI runs it', () => {
    const file = readFileSync(join(ROOT, 'examples/testing/python/test_privatelink_dns.py'), 'utf8');
    expect(blocks('python')).toEqual([file]);
    expect(readFileSync(join(ROOT, 'scripts/recipes-test.sh'), 'utf8')).toContain('test_privatelink_dns.py');
  });

  it('marks every recipe section as run in CI or not, and names the reason when not', () => {
    const sections = doc.split(/^## /m).slice(1);
    expect(sections.length).toBeGreaterThanOrEqual(6);
    for (const s of sections) {
      const title = s.split('\n')[0];
      expect(title, title).toMatch(/\((run in CI|run in CI, [^)]*|not run in CI)\)$/);
      if (title.endsWith('(not run in CI)')) expect(s, title).toMatch(/Not run in CI[^:]*: \S/);
    }
  });
});
