import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../../src/errors/catalog.js';
import { errorsReferencePath, errorsReferenceText } from '../../src/errors/reference.js';

describe('docs/reference/errors.md', () => {
  it('is current (run `npm run docs:reference` after changing src/errors/catalog.ts)', () => {
    expect(readFileSync(errorsReferencePath(), 'utf8'), 'run npm run docs:reference').toBe(
      errorsReferenceText(),
    );
  });

  it('has one row per code, admin errors with their status and body code', () => {
    const text = errorsReferenceText();
    for (const e of ERRORS) expect(text).toContain(`| \`${e.code}\` |`);
    expect(text).toContain('| `admin.not-found` | 404 | `not_found` |');
  });
});
