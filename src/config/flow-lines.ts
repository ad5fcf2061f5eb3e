/**
 * A faster YAML load for the common shape of large configs: block sequences whose entries are
 * one-line flow mappings, as hosted zone records are usually written
 * (`      - { name: api.corp.internal, type: A, ttl: 300, values: [10.0.5.10] }`).
 * js-yaml spends about 11 µs on such a line; this reads it in about 1 µs.
 *
 * How: every run of consecutive entry lines of that shape (same indentation, only blank and
 * comment lines between them) whose flow mapping is in the strict subset read below is replaced
 * in the text by ONE entry holding a token (`- pldns-flow-<random>-<n>`); js-yaml loads the
 * shortened text, and each token, which must come back exactly once as an element of a sequence,
 * is replaced by the run's entries read here. Anything else means the shortened text did not keep
 * the original's structure (a run inside a block scalar, a flow collection over several lines,
 * …): the original text is then loaded by js-yaml as it is, so the result (or the error) is
 * always js-yaml's own.
 *
 * The subset: flow mappings `{ key: value, … }` and sequences `[ value, … ]` on one line (spaces
 * only, no trailing comma), keys of letters and digits (not resolving to null, a boolean or a
 * number), no duplicate keys, values that are nested flow collections, plain scalars of
 * `[A-Za-z0-9._/+=@-]` (first character a letter, digit, `_` or `.`; typed as js-yaml types
 * them: through the schema's implicit types), or single- or double-quoted printable ASCII without
 * escapes (`\`, `''`), and an optional comment after the entry. Plain scalars never contain `:`,
 * `#`, spaces or flow indicators, so no YAML subtlety of those applies; anchors, aliases and tags
 * never appear (`&`, `*`, `!` are not in the subset).
 */
import { randomBytes } from 'node:crypto';
import jsyaml from 'js-yaml';

type Schema = typeof jsyaml.CORE_SCHEMA;
interface ImplicitType {
  resolve(data: string): boolean;
  construct(data: string): unknown;
}

/** Nesting of flow collections within one entry the subset allows (js-yaml's maxDepth is 100). */
const MAX_NEST = 6;
/** Deepest tree position a token may come back at (so depth + MAX_NEST stays far below 100). */
const MAX_TOKEN_DEPTH = 40;

const SP = 0x20;

/** Plain scalar characters: A-Z a-z 0-9 . _ / + = @ - */
const PLAIN = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) PLAIN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) PLAIN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) PLAIN[c] = 1;
for (const ch of '._/+=@-') PLAIN[ch.charCodeAt(0)] = 1;
/** Characters a plain scalar may start with: letters, digits, `_`, `.`. */
const PLAIN_FIRST = new Uint8Array(128);
for (let c = 0; c < 128; c++)
  PLAIN_FIRST[c] = PLAIN[c] && c !== 0x2f && c !== 0x2b && c !== 0x3d && c !== 0x40 && c !== 0x2d ? 1 : 0;
/** Key characters: letters and digits. */
const KEY = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) KEY[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) KEY[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) KEY[c] = 1;

class Reader {
  pos = 0;
  end = 0;
  constructor(
    public s: string,
    private readonly implicit: readonly ImplicitType[],
    private readonly coreSchema: boolean,
  ) {}

  private readonly shortCache = new Map<string, unknown>();

  spaces(): void {
    while (this.pos < this.end && this.s.charCodeAt(this.pos) === SP) this.pos++;
  }

  /** A flow mapping at `pos` (the `{`), or undefined outside the subset. */
  mapping(nest: number): Record<string, unknown> | undefined {
    if (nest > MAX_NEST) return undefined;
    const s = this.s;
    this.pos++; // {
    this.spaces();
    const out: Record<string, unknown> = {};
    if (s.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return out;
    }
    for (;;) {
      const k0 = this.pos;
      let c = s.charCodeAt(this.pos);
      if (!(c < 128 && KEY[c] && c > 0x39)) return undefined; // a letter first
      while (this.pos < this.end) {
        c = s.charCodeAt(this.pos);
        if (c >= 128 || !KEY[c]) break;
        this.pos++;
      }
      if (c !== 0x3a || s.charCodeAt(this.pos + 1) !== SP) return undefined; // ': '
      const key = s.slice(k0, this.pos);
      if (this.plain(key) !== key || Object.hasOwn(out, key)) return undefined;
      this.pos += 2;
      this.spaces();
      const v = this.value(nest);
      if (v === undefined) return undefined;
      out[key] = v;
      this.spaces();
      c = s.charCodeAt(this.pos);
      if (c === 0x7d) {
        this.pos++;
        return out;
      }
      if (c !== 0x2c) return undefined;
      this.pos++;
      this.spaces();
    }
  }

  /** A flow sequence at `pos` (the `[`), or undefined outside the subset. */
  sequence(nest: number): unknown[] | undefined {
    if (nest > MAX_NEST) return undefined;
    const s = this.s;
    this.pos++; // [
    this.spaces();
    const out: unknown[] = [];
    if (s.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return out;
    }
    for (;;) {
      const v = this.value(nest);
      if (v === undefined) return undefined;
      out.push(v);
      this.spaces();
      const c = s.charCodeAt(this.pos);
      if (c === 0x5d) {
        this.pos++;
        return out;
      }
      if (c !== 0x2c) return undefined;
      this.pos++;
      this.spaces();
    }
  }

  /** A value at `pos`, or undefined outside the subset. */
  value(nest: number): unknown {
    const s = this.s;
    const c = s.charCodeAt(this.pos);
    if (c === 0x7b) return this.mapping(nest + 1);
    if (c === 0x5b) return this.sequence(nest + 1);
    if (c === 0x22 || c === 0x27) {
      // "…" or '…': printable ASCII, no backslash in "…", no '' in '…'
      const start = ++this.pos;
      for (;;) {
        if (this.pos >= this.end) return undefined;
        const d = s.charCodeAt(this.pos);
        if (d === c) break;
        if (d < SP || d > 0x7e || (c === 0x22 && d === 0x5c)) return undefined;
        this.pos++;
      }
      const text = s.slice(start, this.pos++);
      if (c === 0x27 && s.charCodeAt(this.pos) === 0x27) return undefined; // ''
      return text;
    }
    if (!(c < 128 && PLAIN_FIRST[c])) return undefined;
    const start = this.pos;
    let d = c;
    while (this.pos < this.end) {
      d = s.charCodeAt(this.pos);
      if (d >= 128 || !PLAIN[d]) break;
      this.pos++;
    }
    // A plain scalar ends at a space, `,`, `]` or `}`; anything else is outside the subset.
    if (this.pos < this.end && d !== SP && d !== 0x2c && d !== 0x5d && d !== 0x7d) return undefined;
    return this.plain(s.slice(start, this.pos));
  }

  /** A plain scalar typed as js-yaml types it (the schema's implicit types, in order). */
  plain(text: string): unknown {
    if (text.length > 5 && this.coreSchema) {
      // Of the core schema's implicit types (null, bool, int, float), only null and bool match a
      // scalar that starts with a letter, and only words of at most 5 letters; none matches one
      // with two dots (int has none, float at most one). Checked against the types themselves in
      // test/config/flow-lines.test.ts.
      const c = text.charCodeAt(0) | 0x20;
      if (c >= 0x61 && c <= 0x7a) return text;
      const dot = text.indexOf('.');
      if (dot >= 0 && text.indexOf('.', dot + 1) > 0) return text;
    }
    const short = text.length <= 8;
    if (short) {
      const cached = this.shortCache.get(text);
      if (cached !== undefined || this.shortCache.has(text)) return cached;
    }
    let v: unknown = text;
    for (const t of this.implicit)
      if (t.resolve(text)) {
        v = t.construct(text);
        break;
      }
    // Strings and numbers only (immutable: one value may be shared by several nodes).
    if (short && (typeof v === 'string' || typeof v === 'number') && this.shortCache.size < 10_000)
      this.shortCache.set(text, v);
    return v;
  }
}

/** Leading spaces of the line at `start`. */
function indentOf(s: string, start: number, end: number): number {
  let i = start;
  while (i < end && s.charCodeAt(i) === SP) i++;
  return i - start;
}

/** Reads the entry line `[start, end)` with `indent` spaces: `- { … }` [comment], or undefined. */
function entryLine(
  r: Reader,
  start: number,
  end: number,
  indent: number,
): Record<string, unknown> | undefined {
  const s = r.s;
  let p = start + indent + 1; // after '-'
  if (s.charCodeAt(p) !== SP) return undefined;
  while (p < end && s.charCodeAt(p) === SP) p++;
  if (s.charCodeAt(p) !== 0x7b) return undefined;
  r.pos = p;
  r.end = end;
  const m = r.mapping(1);
  if (m === undefined) return undefined;
  p = r.pos;
  if (p === end) return m;
  if (s.charCodeAt(p) !== SP) return undefined;
  while (p < end && s.charCodeAt(p) === SP) p++;
  if (p === end || s.charCodeAt(p) === 0x23) return m; // trailing spaces, or ' # comment'
  return undefined;
}

export interface FlowLinesOptions {
  schema: Schema;
  /** Runs shorter than this stay in the text (default 1: every run is read here). */
  minRun?: number;
}

/** What `shorten` made: the text with each run as one token entry, and the runs' entries. */
interface Shortened {
  text: string;
  prefix: string;
  runs: Record<string, unknown>[][];
}

export function shorten(
  text: string,
  implicit: readonly ImplicitType[],
  coreSchema: boolean,
  minRun: number,
): Shortened | undefined {
  if (text.indexOf('- {') < 0) return undefined;
  let prefix: string;
  do prefix = `pldns-flow-${randomBytes(6).toString('hex')}-`;
  while (text.includes(prefix));
  const r = new Reader(text, implicit, coreSchema);
  const parts: string[] = [];
  const runs: Record<string, unknown>[][] = [];
  let kept = 0; // text before this offset is in parts
  let run: Record<string, unknown>[] | null = null;
  let runIndent = -1;
  let runStart = 0; // offset of the run's first line
  let runEnd = 0; // offset after the run's last entry line (its newline included)
  const close = () => {
    if (run && run.length >= minRun) {
      parts.push(text.slice(kept, runStart), `${' '.repeat(runIndent)}- ${prefix}${runs.length}\n`);
      runs.push(run);
      kept = runEnd;
    }
    run = null;
  };
  const n = text.length;
  let start = 0;
  while (start < n) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = n;
    const indent = indentOf(text, start, nl);
    const c = text.charCodeAt(start + indent);
    if (start + indent === nl || c === 0x23) {
      // blank or comment line: part of a run when one is open
    } else if (c === 0x2d && text.charCodeAt(start + indent + 1) === SP) {
      const entry = text.charCodeAt(nl - 1) === 0x0d ? undefined : entryLine(r, start, nl, indent);
      if (entry && run && indent === runIndent) {
        run.push(entry);
        runEnd = nl < n ? nl + 1 : n;
      } else {
        close();
        if (entry) {
          run = [entry];
          runIndent = indent;
          runStart = start;
          runEnd = nl < n ? nl + 1 : n;
        }
      }
    } else close();
    start = nl + 1;
  }
  close();
  if (!runs.length) return undefined;
  parts.push(text.slice(kept));
  return { text: parts.join(''), prefix, runs };
}

/**
 * Puts each run back where its token came back in `tree` (in place). False when a token is not
 * found exactly once as a sequence element, or comes back embedded in a longer string.
 */
export function splice(tree: unknown, s: Shortened): boolean {
  const found = new Uint8Array(s.runs.length);
  const seen = new Set<object>();
  let ok = true;
  const walk = (node: unknown, depth: number): void => {
    if (!ok || node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      let hit = false;
      for (const v of node) {
        if (typeof v === 'string') {
          if (v.startsWith(s.prefix)) hit = true;
          else if (v.includes(s.prefix)) ok = false;
        } else walk(v, depth + 1);
      }
      if (!hit) return;
      if (depth > MAX_TOKEN_DEPTH) {
        ok = false;
        return;
      }
      const out: unknown[] = [];
      for (const v of node) {
        const i = typeof v === 'string' && v.startsWith(s.prefix) ? Number(v.slice(s.prefix.length)) : -1;
        if (i < 0) {
          out.push(v);
          continue;
        }
        const run = s.runs[i];
        if (!Number.isInteger(i) || run === undefined || found[i] || `${s.prefix}${i}` !== v) {
          ok = false;
          return;
        }
        found[i] = 1;
        for (const e of run) out.push(e);
      }
      node.length = 0;
      for (const v of out) node.push(v);
      return;
    }
    for (const k in node) {
      if (k.includes(s.prefix)) ok = false;
      const v = (node as Record<string, unknown>)[k];
      if (typeof v === 'string') {
        if (v.includes(s.prefix)) ok = false;
      } else walk(v, depth + 1);
    }
  };
  walk(tree, 0);
  return ok && found.every((f) => f === 1);
}

/**
 * `jsyaml.load(text, { schema, json: false })`, with one-line flow-mapping entries read outside
 * js-yaml (see the file's comment). Same result, same errors.
 */
export function loadYaml(text: string, opts: FlowLinesOptions): unknown {
  const yamlOpts = { schema: opts.schema, json: false };
  const implicit = (opts.schema as unknown as { compiledImplicit?: ImplicitType[] }).compiledImplicit;
  const s = implicit
    ? shorten(text, implicit, opts.schema === jsyaml.CORE_SCHEMA, opts.minRun ?? 1)
    : undefined;
  if (s) {
    let tree: unknown;
    let loaded = false;
    try {
      tree = jsyaml.load(s.text, yamlOpts);
      loaded = true;
    } catch {
      // the original text is loaded below: its error is the one reported
    }
    if (loaded && splice(tree, s)) return tree;
  }
  return jsyaml.load(text, yamlOpts);
}
