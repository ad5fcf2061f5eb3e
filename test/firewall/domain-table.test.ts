/**
 * DomainTable and list files read as bytes: matches by labels checked against a plain reference
 * (a name is in a list when the list holds it exactly, holds a parent of it as `*.parent`, or
 * holds `*`), with up to 31 lists (bit masks) and more (stamps); list files fed in chunks of
 * every size give the same table and the same line and column of every bad line as the text
 * parser, with comments, CRLF, a byte order mark, upper case and lines longer than a chunk.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DomainSpec,
  DomainTable,
  isSpecError,
  ListFileParser,
  MASK_LISTS,
  parseDomainSpec,
} from '../../src/route53/firewall/domains.js';
import { fuzzSeeds } from '../robustness/seeds.js';

const seeds = fuzzSeeds('domain table');

/** The lists (indices) that match `name`, by the definition. */
function reference(lists: DomainSpec[][], name: string): number[] {
  const out: number[] = [];
  lists.forEach((specs, i) => {
    const hit = specs.some((s) =>
      s.wildcard ? s.name === '' || name.endsWith(`.${s.name}`) : s.name === name,
    );
    if (hit) out.push(i);
  });
  return out;
}

function matched(table: DomainTable, name: string): number[] {
  const out: number[] = [];
  if (table.listCount <= MASK_LISTS) {
    const m = table.matchMask(name);
    for (let i = 0; i < table.listCount; i++) if (m & (1 << i)) out.push(i);
  } else {
    const gen = table.lookup(name);
    for (let i = 0; i < table.listCount; i++) if (table.matched(i, gen)) out.push(i);
  }
  return out;
}

const label = fc.constantFrom('a', 'b', 'ab', 'x-1', 'example', 'com', 'ba');
const base = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
const spec = fc.oneof(
  base.map((name): DomainSpec => ({ name, wildcard: false })),
  base.map((name): DomainSpec => ({ name, wildcard: true })),
  fc.constant<DomainSpec>({ name: '', wildcard: true }),
);
const qname = fc.oneof(
  fc.array(label, { minLength: 0, maxLength: 6 }).map((l) => l.join('.')),
  fc.constantFrom('a\\046b.example', 'xexample', 'aexample.com', '\\092.a'),
);

describe('DomainTable matches by labels', () => {
  for (const lists of [3, MASK_LISTS + 4])
    it(`as the definition says, with ${lists} lists`, () => {
      for (const { seed } of seeds)
        fc.assert(
          fc.property(
            fc.array(fc.array(spec, { maxLength: 6 }), { minLength: lists, maxLength: lists }),
            fc.array(qname, { minLength: 1, maxLength: 20 }),
            (specs, names) => {
              const table = new DomainTable(lists);
              specs.forEach((l, i) => {
                for (const s of l) table.add(i, s);
              });
              table.freeze();
              for (const n of names) expect(matched(table, n)).toEqual(reference(specs, n));
              specs.forEach((l, i) => {
                expect(table.sizes[i]).toBe(new Set(l.map((s) => `${s.wildcard}${s.name}`)).size);
              });
            },
          ),
          { seed, numRuns: 200 },
        );
    });

  it('grows past what it was told to expect', () => {
    const table = new DomainTable(2, 4);
    for (let i = 0; i < 5000; i++) table.add(i % 2, { name: `d${i}.example`, wildcard: i % 3 === 0 });
    table.freeze();
    expect(table.size).toBe(5000);
    expect(matched(table, 'd4996.example')).toEqual([0]);
    expect(matched(table, 'd4997.example')).toEqual([1]);
    expect(matched(table, 'x.d4997.example')).toEqual([]);
    expect(matched(table, 'x.d4995.example')).toEqual([1]);
    expect(matched(table, 'd4995.example')).toEqual([]);
    expect(matched(table, 'd5000.example')).toEqual([]);
  });
});

/** Feeds `text` through a ListFileParser `chunk` bytes at a time. */
function parseFile(text: string | Buffer, chunk: number) {
  const table = new DomainTable(1);
  const errors: [number, number, string][] = [];
  const parser = new ListFileParser(table, 0, (line, col, message) => errors.push([line, col, message]));
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  let off = 0;
  parser.read((buf, at, len) => {
    const n = Math.min(len, chunk, bytes.length - off);
    bytes.copy(buf, at, off, off + n);
    off += n;
    return n;
  }, chunk);
  table.freeze();
  return { table, errors };
}

describe('list files as bytes', () => {
  const text = [
    '\ufeffFirst.Example',
    '# a comment',
    '  *.Wild.Example.  # trailing comment\r',
    '',
    'bad_name.example',
    '\t\tsp ace.example',
    'é.example',
    `${'a'.repeat(70)}.example`,
    `long.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.example`,
    '*',
    'last.example',
  ].join('\n');

  for (const chunk of [1, 2, 7, 64, 1 << 20])
    it(`in chunks of ${chunk} bytes`, () => {
      const { table, errors } = parseFile(text, chunk);
      expect(errors).toEqual([
        [5, 4, "character '_' is not allowed: labels take A-Z, a-z, 0-9 and '-'"],
        [6, 5, "character ' ' is not allowed: labels take A-Z, a-z, 0-9 and '-'"],
        [7, 1, "character 'é' is not allowed: labels take A-Z, a-z, 0-9 and '-'"],
        [8, 1, 'a label is at most 63 characters'],
      ]);
      expect(table.sizes[0]).toBe(5);
      expect(matched(table, 'first.example')).toEqual([0]);
      expect(matched(table, 'x.y.wild.example')).toEqual([0]);
      expect(matched(table, 'last.example')).toEqual([0]);
      expect(matched(table, `long.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.example`)).toEqual([
        0,
      ]);
    });

  it('bad lines get the column parseDomainSpec gives, after the leading spaces', () => {
    for (const line of ['a..b', '*example.com', 'a.*.com', '.lead', '*.', '**', `${'x'.repeat(256)}`]) {
      const r = parseDomainSpec(line);
      const { errors, table } = parseFile(`   ${line}\n`, 5);
      if (isSpecError(r)) expect(errors).toEqual([[1, 4 + r.at, r.message]]);
      else expect(table.size).toBe(1);
    }
  });

  it('a file without a final newline, an empty file, only comments', () => {
    expect(parseFile('a.example', 3).table.size).toBe(1);
    expect(parseFile('', 3).table.size).toBe(0);
    expect(parseFile('# x\n#y\n\n', 2).table.size).toBe(0);
  });
});
