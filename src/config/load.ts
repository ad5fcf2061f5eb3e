/**
 * Loads a config from YAML text, a file, or a plain object, and reports every problem with its
 * file, line and column.
 */
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import jsyaml from 'js-yaml';
import type { z } from 'zod';
import type { ConfigProblemCode } from '../errors/catalog.js';
import { checkRules, checkRulesPartial, type PartialVpc, type RuleProblem } from '../privatelink/rules.js';
import { checkRegion, regionMessage } from '../privatelink/service-list.js';
import { type Compiled, compileFirewall, listFilePath } from '../route53/firewall/compile.js';
import { loadYaml } from './flow-lines.js';
import { positioned } from './positions.js';
import {
  bounded,
  ConfigError,
  type ConfigProblem,
  checkedConfig,
  configFileProblem,
  type LoadedConfig,
  type Locator,
  MAX_PROBLEMS,
  maxConfigBytes,
  type PathSeg,
  pathText,
  UnsettledConfigError,
} from './problems.js';
import { withoutCheckedRecords } from './record-fast-path.js';
import { type Config, ConfigSchema, type EndpointConfig, EndpointSchema, VpcSchema } from './schema.js';
import { readUtf8, textDigest } from './text-io.js';

export {
  ConfigError,
  type ConfigProblem,
  formatProblem,
  type LoadedConfig,
  type Locator,
  loadFailedProblem,
  markChecked,
  type PathSeg,
  pathText,
  type ReloadResult,
} from './problems.js';
export { textDigest };

/** Parses and checks YAML text. Throws {@link ConfigError} listing every problem. */
export function parseConfigText(text: string, file = '<inline>'): LoadedConfig {
  // Fast path: js-yaml (about ten times faster than a positioned parse on large files). The
  // positioned parse of the `yaml` package runs only when a position is needed: for a syntax
  // error, a problem to report, or a later lookup. Both follow the YAML 1.2 core schema.
  let raw: unknown;
  try {
    raw = loadYaml(text, { schema: jsyaml.CORE_SCHEMA }) ?? {};
  } catch (e) {
    positioned(text, file); // throws with the positioned parser's messages when it sees them too
    const mark = (e as { mark?: { line: number; column: number } }).mark;
    const reason = (e as { reason?: string }).reason ?? String(e);
    throw new ConfigError([
      {
        code: 'config.yaml-syntax',
        file,
        line: (mark?.line ?? 0) + 1,
        col: (mark?.column ?? 0) + 1,
        path: '',
        message: `YAML: ${reason}`,
      },
    ]);
  }
  let later: Locator | null = null;
  const locate: Locator = (path, key) => {
    later ??= positioned(text, file);
    return later(path, key);
  };
  // The server keeps the text, not a parsed document (several times larger: over 100 MB for
  // 10,000 endpoints); positions asked for later parse the text again.
  const config = validate(raw, file, locate);
  return { config, file, locate, digest: textDigest(text), firewall: checkFirewall(config, file, locate) };
}

/** Checks a plain object (no positions: line and column are 1). */
export function parseConfigObject(obj: unknown, file = '<inline>'): LoadedConfig {
  const locate: Locator = () => ({ line: 1, col: 1 });
  const checked = checkedConfig(obj, file);
  if (checked) return checked;
  const config = validate(obj, file, locate);
  return { config, file, locate, firewall: checkFirewall(config, file, locate) };
}

/**
 * Compiles the DNS Firewall (reading its list files) and throws {@link ConfigError} for its
 * problems: config paths located in the config, list file lines in the list file. List file
 * paths are made absolute (from the config file's directory), so the config means the same in
 * every process it is sent to.
 */
function checkFirewall(config: Config, file: string, locate: Locator): Compiled['firewall'] {
  const baseDir = file === '<inline>' ? process.cwd() : dirname(resolve(file));
  const { firewall, problems } = compileFirewall(config, { baseDir });
  if (problems.length) {
    const out: ConfigProblem[] = problems.slice(0, MAX_PROBLEMS).map((p) => {
      const pos = p.at ?? { file, ...locate(p.path) };
      return {
        code: p.code,
        file: pos.file,
        line: pos.line,
        col: pos.col,
        path: pathText(p.path),
        message: p.message,
      };
    });
    throw new ConfigError(bounded(out, problems.length, file));
  }
  for (const l of config.firewall?.domainLists ?? [])
    if (l.file !== undefined) l.file = listFilePath(l.file, baseDir);
  return firewall;
}

export function loadConfigFile(path: string): LoadedConfig {
  return parseConfigText(readConfigFile(path), path);
}

/**
 * Reads a config file: regular files under the size limit only. Throws {@link ConfigError}
 * naming the file when it cannot be read. With `settleMs` (a reload), a file modified less than
 * that long ago, or whose size or mtime changed while it was read, throws
 * {@link UnsettledConfigError}: a save written in place may be half done.
 */
export function readConfigFile(path: string, settleMs?: number): string {
  let text: string;
  try {
    // Checked on the open descriptor (O_NONBLOCK: a FIFO does not block the open itself).
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const st = fstatSync(fd);
      const bad = configFileProblem(st, maxConfigBytes());
      if (bad) throw new ConfigError([{ ...bad, file: path, line: 1, col: 1, path: '' }]);
      text = readUtf8(fd);
      if (settleMs !== undefined) {
        const after = fstatSync(fd);
        if (after.size !== st.size || after.mtimeMs !== st.mtimeMs || Date.now() - st.mtimeMs < settleMs)
          throw new UnsettledConfigError([
            {
              code: 'config.unsettled',
              file: path,
              line: 1,
              col: 1,
              path: '',
              message: 'the config file kept changing while it was read; not reloaded (save it atomically)',
            },
          ]);
      }
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.message;
    const code =
      err.code === 'ENOENT'
        ? 'config.not-found'
        : err.code === 'EACCES'
          ? 'config.permission-denied'
          : 'config.unreadable';
    throw new ConfigError([
      { code, file: path, line: 1, col: 1, path: '', message: `cannot read the config: ${why}` },
    ]);
  }
  return text;
}

function validate(raw: unknown, file: string, locate: Locator): Config {
  // Hosted zone records are checked outside zod when they all pass (see record-fast-path.ts).
  const fast = withoutCheckedRecords(raw);
  const res = ConfigSchema.safeParse(fast.raw);
  // Only the first MAX_PROBLEMS are located (locating is the costly part); the rest are counted.
  const located = <T>(list: readonly T[]): T[] => list.slice(0, MAX_PROBLEMS);
  const toProblem = (r: RuleProblem): ConfigProblem => {
    const pos = locate(r.path);
    return { code: r.code, file, line: pos.line, col: pos.col, path: pathText(r.path), message: r.message };
  };
  if (!res.success) {
    // Report AWS rule problems of the parts that did pass the schema too, so that one run
    // lists every problem.
    const issues = res.error.issues;
    const schemaProblems = zodProblems({ issues: located(issues) } as z.ZodError, raw, file, locate);
    const partial = partialRuleProblems(raw);
    const total = issues.length + partial.length;
    throw new ConfigError(
      bounded(sortProblems([...schemaProblems, ...located(partial).map(toProblem)]), total, file),
    );
  }
  fast.restore(res.data);
  const rules = checkRules(res.data);
  if (rules.length)
    throw new ConfigError(bounded(sortProblems(located(rules).map(toProblem)), rules.length, file));
  return res.data;
}

/** Rule problems of the VPCs that pass the schema on their own (see {@link checkRulesPartial}). */
function partialRuleProblems(raw: unknown): RuleProblem[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [];
  const obj = raw as Record<string, unknown>;
  const rawVpcs = Array.isArray(obj.vpcs) ? obj.vpcs : [];
  const vpcs = rawVpcs.map((v): PartialVpc | null => {
    const r = VpcSchema.safeParse(v);
    if (r.success) return r.data;
    if (typeof v !== 'object' || v === null) return null;
    const rawEndpoints = (v as { endpoints?: unknown }).endpoints;
    const base = VpcSchema.safeParse({ ...v, endpoints: [] });
    if (!base.success || !Array.isArray(rawEndpoints)) return null;
    const endpoints = rawEndpoints.map((e) => {
      const er = EndpointSchema.safeParse(e);
      return er.success ? er.data : salvageEndpoint(e, er.error);
    });
    return { ...base.data, endpoints };
  });
  const top = ConfigSchema.safeParse({ ...obj, vpcs: [] });
  return checkRulesPartial(top.success ? top.data : null, vpcs);
}

/**
 * An endpoint that failed the schema, without its failing fields (those that have defaults take
 * them), so that the AWS rules still check the rest of it: a wrong type in one field does not
 * hide a service in the wrong Region. Null when a required field failed.
 */
const KIND_FIELDS = ['type', 'service', 'resourceConfigurationId', 'serviceNetworkId', 'interfaces'];

function salvageEndpoint(raw: unknown, err: z.ZodError): EndpointConfig | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const bad = new Set<PropertyKey>();
  for (const i of err.issues) {
    if (i.code === 'unrecognized_keys') for (const k of i.keys) bad.add(k);
    else if (i.path.length === 0) return null;
    else bad.add(i.path[0]);
  }
  // Without these the kind rules would report a missing field that is there, only malformed.
  if (KIND_FIELDS.some((k) => bad.has(k))) return null;
  const rest = Object.fromEntries(Object.entries(raw).filter(([k]) => !bad.has(k)));
  const r = EndpointSchema.safeParse(rest);
  return r.success ? r.data : null;
}

function sortProblems(p: ConfigProblem[]): ConfigProblem[] {
  return p.sort((a, b) => a.line - b.line || a.col - b.col);
}

function zodProblems(err: z.ZodError, raw: unknown, file: string, locate: Locator): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of err.issues) {
    const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(raw, path);
      for (const k of issue.keys) {
        const pos = locate([...path, k], true);
        const hint = didYouMean(k, known);
        out.push({
          code: 'config.unknown-field',
          file,
          line: pos.line,
          col: pos.col,
          path: pathText([...path, k]),
          message: `unknown field "${k}"${hint ? `; did you mean "${hint}"?` : ''}`,
        });
      }
      continue;
    }
    const pos = locate(path);
    const region = path.at(-1) === 'region' ? valueAt(raw, path) : undefined;
    out.push({
      code: issueCode(issue),
      file,
      line: pos.line,
      col: pos.col,
      path: pathText(path),
      message:
        typeof region === 'string' && issue.code === 'invalid_format'
          ? regionMessage(checkRegion(region) as Parameters<typeof regionMessage>[0])
          : issueMessage(issue),
    });
  }
  return sortProblems(out);
}

/** The raw value at a path (undefined where the path leads nowhere). */
function valueAt(raw: unknown, path: readonly PathSeg[]): unknown {
  let cur: unknown = raw;
  for (const seg of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

function issueCode(issue: z.core.$ZodIssue): ConfigProblemCode {
  if (issue.code === 'invalid_type')
    return issue.message.includes('received undefined') ? 'config.missing-field' : 'config.wrong-type';
  if (issue.code === 'invalid_value') return 'config.invalid-choice';
  return 'config.invalid-value';
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    if (issue.message.includes('received undefined'))
      return `required field is missing (expected ${issue.expected})`;
    return `expected ${issue.expected}`;
  }
  if (issue.code === 'invalid_value') return `must be one of: ${issue.values.map(String).join(', ')}`;
  return issue.message;
}

/** The field names the schema allows at `path` (for "did you mean"). */
function knownKeys(_raw: unknown, path: readonly PathSeg[]): string[] {
  // Walk the schema along the path, skipping array indices.
  // biome-ignore lint/suspicious/noExplicitAny: walking zod internals generically
  let s: any = ConfigSchema;
  for (const seg of path) {
    s = unwrap(s);
    if (typeof seg === 'number') s = s?.def?.element;
    else s = s?.def?.shape?.[seg];
    if (!s) return [];
  }
  s = unwrap(s);
  return s?.def?.shape ? Object.keys(s.def.shape) : [];
}

// biome-ignore lint/suspicious/noExplicitAny: zod internals
function unwrap(s: any): any {
  let cur = s;
  for (let i = 0; i < 10 && cur; i++) {
    const t = cur.def?.type;
    if (t === 'optional' || t === 'default' || t === 'nullable' || t === 'prefault') cur = cur.def.innerType;
    else if (t === 'pipe') cur = cur.def.in;
    else if (t === 'union')
      cur = cur.def.options.find((o: { def?: { shape?: unknown } }) => o.def?.shape) ?? cur;
    else break;
    if (cur?.def?.shape) break;
  }
  return cur;
}

/** The closest known name within edit distance 3, if any. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 4;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}
