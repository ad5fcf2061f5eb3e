/**
 * The one-line flow-mapping reader gives exactly js-yaml's result (or js-yaml's error) for every
 * text: lines in its subset, lines just outside it, runs in places where the shortened text would
 * mean something else (block scalars, multi-line flow collections and scalars), and random
 * mixtures of all of them.
 */
import jsyaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { loadYaml, shorten } from '../../src/config/flow-lines.js';

const opts = { schema: jsyaml.CORE_SCHEMA };
const core = (text: string): unknown => jsyaml.load(text, { schema: jsyaml.CORE_SCHEMA, json: false });

/** Same value, or the same error message, as js-yaml on the original text. */
function same(text: string): void {
  let want: unknown;
  let wantErr: string | undefined;
  try {
    want = core(text);
  } catch (e) {
    wantErr = String(e);
  }
  if (wantErr !== undefined)
    expect(() => loadYaml(text, opts)).toThrow(wantErr.replace(/^YAMLException: /, ''));
  else expect(loadYaml(text, opts)).toStrictEqual(want);
}

const ENTRIES = [
  '{ name: api.corp.internal, type: A, ttl: 300, values: [10.0.5.10, 10.0.5.11] }',
  '{ name: "*.apps.corp.internal", type: A, ttl: 60, values: [10.0.6.1] }',
  '{ name: corp.internal, type: MX, values: ["10 mail.corp.internal"] }',
  '{ name: t.corp.internal, type: TXT, values: [\'"v=spf1 -all"\'] }',
  '{ name: x, type: A, aliasTarget: { dnsName: api.corp.internal, evaluateTargetHealth: true } }',
  '{ subnet: subnet-0a, ipv4: 10.1.0.16, ipv6: "2600:1f16:1:a01::10" }',
  '{}',
  '{ a: [] }',
  '{ a: {} }',
  '{ a: [[1, 2], [3]] }',
  '{ a: null, b: Null, c: NULL, d: true, e: False, f: TRUE }',
  '{ a: 0, b: 12, c: 0x1F, d: 0o17, e: 1.5, f: .5, g: 1e3, h: .inf, i: .NaN, j: 010, k: 1_000 }',
  '{ a: nullx, b: trueish, c: 1.2.3, d: 1.5e, e: _1, f: abc_def, g: a/b+c=d@e-f }',
  '{ a: b }  # a comment',
  '{ a: b }   ',
  '{a: b}',
  '{ a:  b ,  c:   d }',
  '{ a: "" }',
  "{ a: '' }",
  '{ a: [ x ,y ] }',
  '{ a: { b: { c: { d: [ e ] } } } }',
  '{ a: { b: { c: { d: { e: [ f ] } } } } }',
];

/** Lines just outside the subset: read by js-yaml (an error or a value, as it decides). */
const OUTSIDE = [
  '{ a: b, }',
  '{ a: b, a: c }',
  '{ "a": b }',
  '{ 1: b }',
  '{ true: b }',
  '{ null: b }',
  '{ a:b }',
  '{ a: b c }',
  '{ a: b#c }',
  '{ a: b # c }',
  '{ a: *x }',
  '{ a: &x b }',
  '{ a: !!str 1 }',
  '{ a: "b\\"c" }',
  "{ a: 'it''s' }",
  '{ a: -1 }',
  '{ a: ~ }',
  '{ a: "é" }',
  '{ a: b }x',
  '{ a: b }#c',
  '{ a: b } : c',
  '{ a: b }: c',
  '{ a: [b: c] }',
  '{ a: [b, c }',
  '{ a: b',
  '{ __proto__: b }',
  '{ <<: { a: b } }',
  '{\ta: b }',
  '{ a: { b: { c: { d: { e: { f: [ g ] } } } } } }', // nested deeper than the subset
];

describe('loadYaml', () => {
  it('reads a run of entries in the subset itself and gives js-yaml value', () => {
    const text = `zones:\n  - name: z\n    records:\n${ENTRIES.map((e) => `      - ${e}`).join('\n')}\n`;
    const s = shorten(
      text,
      (jsyaml.CORE_SCHEMA as unknown as { compiledImplicit: never }).compiledImplicit,
      true,
      1,
    );
    expect(s?.runs.length).toBe(1);
    expect(s?.runs[0]).toHaveLength(ENTRIES.length);
    same(text);
  });

  it('gives js-yaml value or error for each entry in and just outside the subset', () => {
    for (const e of [...ENTRIES, ...OUTSIDE]) {
      same(`records:\n  - ${e}\n`);
      same(`records:\n- ${e}\n- { z: 1 }\nnext: 1\n`);
      same(`a:\n  - { z: 1 }\n  - ${e}\n  - { z: 2 }\n`);
    }
  });

  it('keeps runs in places where one token line would mean something else', () => {
    const texts = [
      'note: |\n  records:\n    - { a: b }\n    - { c: d }\nx: 1\n',
      'note: >\n  - { a: b }\n\n  - { c: d }\n',
      'x: [\n  - { a: b }\n]\n',
      'x: {\n  r:\n  - { a: b }\n}\n',
      'x: "a\n  - { a: b }\n  b"\n',
      'x: a\n  - { a: b }\n',
      'x:\n  - { a: b }\n    more\n',
      'x:\n  - { a: b }\n   - { c: d }\n',
      'x:\n  - { a: b }\n  - [1]\n  - { c: d }\n',
      'x:\n  - { a: b }\n  # a comment\n\n  - { c: d }\n# end\n',
      'x:\n  - { a: b }\r\n  - { c: d }\r\n',
      '- { a: b }\n- { c: d }\n',
      '--- \n- { a: b }\n...\n--- \n- { c: d }\n',
      'x: &r\n  - { a: b }\ny: *r\n',
      'x:\n  - { a: b }\nx:\n  - { c: d }\n',
      'x:\n  - { a: b }\n  - - { c: d }\n',
      'x:\n- { a: b }\ny: pldns-flow-0\n',
      `x:\n${'  '.repeat(60)}- { a: b }\n`,
      'x:\n  - { a: b }\n\t- { c: d }\n',
      '',
      'just a scalar\n',
    ];
    for (const t of texts) same(t);
  });

  it('matches js-yaml on random mixtures of entries, other lines and indentation', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const others = [
      '# c',
      '',
      'k: v',
      'k:',
      '  - x',
      '- [1, 2]',
      'k: |',
      '  text',
      '---',
      'k: [',
      ']',
      'k: "a',
      'b"',
    ];
    const pool = [...ENTRIES, ...OUTSIDE];
    for (let i = 0; i < 400; i++) {
      const lines = ['root:'];
      const n = 2 + rnd(10);
      for (let j = 0; j < n; j++) {
        const indent = ' '.repeat(rnd(3) * 2);
        lines.push(
          rnd(3) ? `${indent}- ${pool[rnd(pool.length)]}` : `${indent}${others[rnd(others.length)]}`,
        );
      }
      same(`${lines.join('\n')}\n`);
    }
  });

  it('types plain scalars exactly as the core schema does (the shortcuts included)', () => {
    const words = ['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'nulls', 'yes'];
    const nums = [
      '0',
      '1',
      '10',
      '0x1f',
      '0o7',
      '0b1',
      '1_0',
      '1.5',
      '1.',
      '.5',
      '1e3',
      '1.5e-3',
      '.inf',
      '.NaN',
    ];
    const more = [
      '10.0.0.1',
      '1.2.3',
      '1..2',
      '1.2e3.4',
      'abcdef',
      'Abcdef.1.2',
      '1.2.3.4.5',
      '.1.2',
      '1_2.3_4.5',
    ];
    for (const v of [...words, ...nums, ...more]) same(`r:\n  - { a: ${v} }\n`);
  });
});
