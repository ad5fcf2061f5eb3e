import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  anchor,
  configDocPath,
  configReferenceMarkdown,
  END_MARKER,
  START_MARKER,
  withConfigReference,
} from '../../scripts/gen-config-doc.js';

describe('docs/configuration.md', () => {
  it('has a current field reference (run `npm run docs:config` after changing src/config/schema.ts)', () => {
    const doc = readFileSync(configDocPath(), 'utf8');
    expect(doc, 'run npm run docs:config').toBe(withConfigReference(doc));
  });

  it('keeps the hand-written prose around the markers', () => {
    const doc = readFileSync(configDocPath(), 'utf8');
    const start = doc.indexOf(START_MARKER);
    const end = doc.indexOf(END_MARKER);
    expect(start).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    const edited = `${doc.slice(0, start + START_MARKER.length)}\nstale\n${doc.slice(end)}`;
    expect(withConfigReference(edited)).toBe(withConfigReference(doc));
  });

  it('lists every field with its default, range and description from the schema', () => {
    const ref = configReferenceMarkdown();
    expect(ref).toContain('### Top level');
    expect(ref).toContain('| `ttl` | integer | `60` | 0–2147483647 | TTL of the endpoint records');
    expect(ref).toContain('### `vpcs[].endpoints[].interfaces[].healthCheck`');
    expect(ref).toMatch(/\| `queriesPerSecond` \| number \| \*\*required\*\* \| > 0 \|/);
    expect(ref).toContain(`see [\`forwarder\`](#${anchor('forwarder')})`);
    // Every table row has five cells: no unescaped pipe from a description or an enum.
    for (const line of ref.split('\n').filter((l) => l.startsWith('| `'))) {
      expect(line.replace(/\\\|/g, '').split('|').length, line).toBe(7);
    }
  });
});
