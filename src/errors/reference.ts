/** docs/reference/errors.md, generated from the error catalog (`npm run docs:reference`). */
import { fileURLToPath } from 'node:url';
import { ERRORS, type ErrorDef } from './catalog.js';

/** Where the generated file lives in the repository. */
export function errorsReferencePath(): string {
  return fileURLToPath(new URL('../../docs/reference/errors.md', import.meta.url));
}

function cell(s: string): string {
  return s.replaceAll('|', '\\|');
}

const SECTIONS: { area: string; title: string; intro: string }[] = [
  {
    area: 'config',
    title: 'Config problems',
    intro:
      'Each problem that `validate`, start-up or a reload reports (FILE:LINE:COL  path  message) has one of these codes; ' +
      'the admin API lists them in the `problems` of an `invalid_config` error.',
  },
  {
    area: 'admin',
    title: 'Admin API errors',
    intro: 'Sent as `{"error": {"code": "<body code>", "message": "..."}}` with the HTTP status.',
  },
  {
    area: 'upstream',
    title: 'Upstream errors',
    intro:
      'Why one try at one upstream failed: logged at debug level and counted in `privatelink_dns_upstream_failures_total`.',
  },
  {
    area: 'startup',
    title: 'Start-up errors',
    intro: '`privatelink-dns serve` prints one line and exits 1.',
  },
];

/** The text of docs/reference/errors.md. */
export function errorsReferenceText(): string {
  const out = [
    '# Error reference',
    '',
    '<!-- Generated from src/errors/catalog.ts by `npm run docs:reference`; do not edit. -->',
    '',
    'Every error the server reports has a stable code, `<area>.<name>`, that does not change between',
    'releases. Each entry says what the error means and how to fix it.',
  ];
  const all = ERRORS as readonly ErrorDef[];
  for (const s of SECTIONS) {
    const rows = all.filter((e) => e.code.startsWith(`${s.area}.`));
    out.push('', `## ${s.title}`, '', s.intro, '');
    if (s.area === 'admin') {
      out.push('| code | HTTP | body code | meaning | fix |', '| --- | --- | --- | --- | --- |');
      for (const e of rows)
        out.push(`| \`${e.code}\` | ${e.status} | \`${e.wire}\` | ${cell(e.meaning)} | ${cell(e.fix)} |`);
    } else {
      out.push('| code | meaning | fix |', '| --- | --- | --- |');
      for (const e of rows) out.push(`| \`${e.code}\` | ${cell(e.meaning)} | ${cell(e.fix)} |`);
    }
  }
  out.push('');
  return out.join('\n');
}
