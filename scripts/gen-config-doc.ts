/**
 * Writes the field reference of docs/configuration.md from the config's JSON Schema (itself
 * generated from the zod schema in src/config/schema.ts), between the markers
 * `<!-- generated:config-reference -->` and `<!-- /generated -->`; the prose around them is kept.
 * Run with `npm run docs:config`; test/docs/config-reference.test.ts fails when the page is out of
 * date. Importing this module writes nothing: `npm run docs:config` calls {@link main}.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from '../src/config/json-schema.js';

export const START_MARKER = '<!-- generated:config-reference -->';
export const END_MARKER = '<!-- /generated -->';

/** docs/configuration.md at the repository root. */
export function configDocPath(): string {
  return fileURLToPath(new URL('../docs/configuration.md', import.meta.url));
}

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  minItems?: number;
}

/** A section of the reference: one object of the config, its path and its fields. */
interface Section {
  path: string;
  schema: JsonSchema;
  /** The description on the field that holds this object (shown in its parent's table). */
  fieldDescription?: string;
}

const code = (s: unknown): string => `\`${String(s)}\``;
/** Text inside a Markdown table cell: pipes escaped, no line breaks. */
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
/**
 * A schema description as Markdown: outside its code spans, `<` (which would start an HTML tag),
 * `>` and `*` (emphasis) are escaped.
 */
const prose = (s: string): string =>
  s
    .split('`')
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/[<>*]/g, (c) => `\\${c}`)))
    .join('`');

/** The object schema inside a field (itself, its list items, or the object branch of a union). */
function objectOf(s: JsonSchema): JsonSchema | undefined {
  if (s.properties) return s;
  if (s.items?.properties) return s.items;
  return s.anyOf?.find((b) => b.properties);
}

function typeOf(s: JsonSchema, path: string): string {
  if (s.enum) return s.enum.map(code).join(' | ');
  if (s.const !== undefined) return code(s.const);
  if (s.anyOf) return s.anyOf.map((b) => typeOf(b, path)).join(' or ');
  if (s.properties) return `object, see [${code(path)}](#${anchor(path)})`;
  if (s.type === 'array' && s.items) {
    if (s.items.properties) return `list of objects, see [${code(path)}](#${anchor(path)})`;
    // List items of a described string type (HOST:PORT, a CIDR) say what they are.
    const item = typeOf(s.items, path);
    const what = s.items.description;
    if (item === 'string' && what) return `list of strings: ${prose(what[0].toLowerCase() + what.slice(1))}`;
    return `list of ${item === 'string' ? 'strings' : item}`;
  }
  if (s.type === 'object' && s.propertyNames && typeof s.additionalProperties === 'object')
    return `map of ${typeOf(s.propertyNames, path)} → ${typeOf(s.additionalProperties, path)}`;
  if (s.type === 'string') {
    if (s.format === 'ipv4') return 'IPv4 address';
    if (s.format === 'ipv6') return 'IPv6 address';
    if (s.format === 'uri') return 'URL';
    if (s.pattern) return `string matching ${code(s.pattern)}`;
    return 'string';
  }
  if (s.type === 'integer') return 'integer';
  if (s.type === 'number') return 'number';
  if (s.type === 'boolean') return 'boolean';
  return 'any';
}

function rangeOf(s: JsonSchema): string {
  const parts: string[] = [];
  // z.int() without a bound of its own says ±2^53-1: no range worth printing.
  const min = s.minimum !== undefined && s.minimum > Number.MIN_SAFE_INTEGER ? s.minimum : undefined;
  const max = s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? s.maximum : undefined;
  s = { ...s, minimum: min, maximum: max };
  if (s.minimum !== undefined && s.maximum !== undefined) parts.push(`${s.minimum}–${s.maximum}`);
  else if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  else if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`);
  if (s.exclusiveMinimum !== undefined) parts.push(`> ${s.exclusiveMinimum}`);
  if (s.minItems !== undefined) parts.push(`at least ${s.minItems}`);
  return parts.join(', ');
}

function defaultOf(s: JsonSchema, required: boolean, path: string): string {
  if (required) return '**required**';
  if (s.default === undefined) return '—';
  const d = s.default;
  if (typeof d === 'string') return code(d);
  if (d !== null && typeof d === 'object' && !Array.isArray(d) && Object.keys(d).length > 0)
    return `see [${code(path)}](#${anchor(path)})`;
  return code(JSON.stringify(d));
}

/** GitHub's anchor of a heading that is just `path` in backticks. */
export function anchor(path: string): string {
  return path
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');
}

function collect(path: string, schema: JsonSchema, out: Section[], fieldDescription?: string): void {
  out.push({ path, schema, fieldDescription });
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const inner = objectOf(field);
    if (!inner) continue;
    const sub = path === '' ? name : `${path}.${name}`;
    collect(field.items?.properties ? `${sub}[]` : sub, inner, out, field.description);
  }
}

/** The reference: one table per object of the config, top level first, depth first. */
export function configReferenceMarkdown(
  schema: Record<string, unknown> = configJsonSchema() as Record<string, unknown>,
): string {
  const sections: Section[] = [];
  collect('', schema as JsonSchema, sections);
  const out: string[] = [];
  for (const { path, schema: obj, fieldDescription } of sections) {
    out.push(`### ${path === '' ? 'Top level' : code(path)}`, '');
    if (path !== '' && obj.description && obj.description !== fieldDescription)
      out.push(`${prose(obj.description)}.`, '');
    out.push('| field | type | default | range | meaning |', '|---|---|---|---|---|');
    const required = new Set(obj.required ?? []);
    for (const [name, field] of Object.entries(obj.properties ?? {})) {
      const inner = objectOf(field);
      const sub = path === '' ? name : `${path}.${name}`;
      const target = inner && field.items?.properties ? `${sub}[]` : sub;
      const row = [
        code(name),
        typeOf(field, target),
        defaultOf(field, required.has(name), target),
        rangeOf(field),
        prose(field.description ?? inner?.description ?? ''),
      ];
      out.push(`| ${row.map(cell).join(' | ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** `doc` with the text between the markers replaced by `reference`. */
export function withConfigReference(doc: string, reference: string = configReferenceMarkdown()): string {
  const start = doc.indexOf(START_MARKER);
  const end = doc.indexOf(END_MARKER, start);
  if (start < 0 || end < 0) throw new Error(`docs/configuration.md lacks ${START_MARKER} … ${END_MARKER}`);
  return `${doc.slice(0, start + START_MARKER.length)}\n\n${reference}\n${doc.slice(end)}`;
}

/** Regenerates docs/configuration.md in place. */
export function main(): void {
  const path = configDocPath();
  writeFileSync(path, withConfigReference(readFileSync(path, 'utf8')));
  process.stdout.write(`wrote ${path}\n`);
}
