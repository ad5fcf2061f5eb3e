/**
 * The light half of config loading, with no parser or schema behind it: problems and their
 * formatting, the loaded-config shape, configs checked elsewhere (a cluster worker's), reload
 * results. What serves queries imports this; only what parses and checks a config imports
 * load.ts (and with it zod and the YAML parsers).
 */
import type { ConfigProblemCode } from '../errors/catalog.js';
import type { Firewall } from '../route53/firewall/model.js';
import type { Config } from './schema.js';

export interface ConfigProblem {
  /** Stable code from the error catalog (docs/reference/errors.md), e.g. `config.yaml-syntax`. */
  code: ConfigProblemCode;
  file: string;
  line: number;
  col: number;
  /** Dotted path to the field, e.g. vpcs[0].endpoints[1].service */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

/**
 * A reload read the config file too soon after it was written, or while it changed: a save
 * written in place may be half done. The reload waits and reads it again.
 */
export class UnsettledConfigError extends ConfigError {}

/** The problem for a config that failed to load for another reason than its content. */
export function loadFailedProblem(file: string, e: unknown): ConfigProblem {
  return { code: 'config.load-failed', file, line: 1, col: 1, path: '', message: String(e) };
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.col}  ${p.path || '(top)'}  ${p.message}`;
}

export type PathSeg = string | number;

export function pathText(path: readonly PathSeg[]): string {
  let s = '';
  for (const seg of path) s += typeof seg === 'number' ? `[${seg}]` : s ? `.${seg}` : seg;
  return s;
}

/** Finds the position of a path in a YAML document: the deepest node that exists on the path. */
export type Locator = (path: readonly PathSeg[], key?: boolean) => { line: number; col: number };

export interface LoadedConfig {
  config: Config;
  /** The file the config came from, or "<inline>". */
  file: string;
  locate: Locator;
  /** SHA-256 of the text it was parsed from (absent for objects): an unchanged file is not parsed again. */
  digest?: string;
  /** The DNS Firewall compiled while checking (null without one; absent for configs checked elsewhere). */
  firewall?: Firewall | null;
  /**
   * The checked config as packed JSON bytes (`packed.ts`), when it was checked in a worker thread
   * (see `load-thread.ts`): the cluster sends these bytes to its workers as they are.
   */
  json?: Uint8Array;
}

/** Configs that were checked already (see {@link markChecked}). */
const checkedConfigs = new WeakSet<object>();

/**
 * Marks an object as a config that passed {@link parseConfigText} or {@link parseConfigObject}
 * elsewhere (a cluster worker receives the primary's checked config over IPC), so that
 * {@link parseConfigObject} takes it as it is instead of checking 10,000 endpoints again.
 */
export function markChecked(config: Config): Config {
  checkedConfigs.add(config);
  return config;
}

/** The loaded form of a config marked with {@link markChecked}, or null for any other value. */
export function checkedConfig(obj: unknown, file = '<inline>'): LoadedConfig | null {
  if (typeof obj !== 'object' || obj === null || !checkedConfigs.has(obj)) return null;
  return { config: obj as Config, file, locate: () => ({ line: 1, col: 1 }) };
}

/** The result of a reload: applied, or rejected with the new config's problems. */
export type ReloadResult = { ok: true; changed: boolean } | { ok: false; problems: ConfigProblem[] };

/** Problems reported for one config at most; the rest are counted in a last line. */
export const MAX_PROBLEMS = 100;

/**
 * The first {@link MAX_PROBLEMS} of `problems` (already in order), and when `total` is larger, a
 * last problem that says how many more there are: a file with thousands of errors is reported
 * in bounded time and memory.
 */
export function bounded(problems: ConfigProblem[], total: number, file: string): ConfigProblem[] {
  const all = Math.max(total, problems.length);
  if (all <= MAX_PROBLEMS) return problems;
  const out = problems.slice(0, MAX_PROBLEMS);
  const last = out[out.length - 1];
  out.push({
    code: 'config.more-problems',
    file,
    line: last?.line ?? 1,
    col: last?.col ?? 1,
    path: '',
    message: `and ${all - out.length} more problems (the first ${MAX_PROBLEMS} are shown)`,
  });
  return out;
}

/** Largest config file read (bytes). 10,000 endpoints take about 5 MB. */
export const DEFAULT_MAX_CONFIG_BYTES = 32 * 1024 * 1024;

/**
 * Why a config path cannot be read as a config, or null when it can: only regular files (a FIFO
 * would block the process in open(), a device such as /dev/zero would grow without end), no
 * larger than `maxBytes`. Symlinks are followed (ConfigMap volumes are symlinks).
 */
export function configFileProblem(
  st: { isFile(): boolean; isDirectory(): boolean; size: number },
  maxBytes = DEFAULT_MAX_CONFIG_BYTES,
): { code: 'config.not-a-file' | 'config.too-large' | 'config.unreadable'; message: string } | null {
  if (st.isDirectory())
    return { code: 'config.unreadable', message: 'cannot read the config: it is a directory' };
  if (!st.isFile())
    return {
      code: 'config.not-a-file',
      message: 'cannot read the config: not a regular file (a FIFO, a device or a socket)',
    };
  if (st.size > maxBytes)
    return {
      code: 'config.too-large',
      message: `cannot read the config: ${st.size} bytes is over the limit of ${maxBytes} (PRIVATELINK_DNS_MAX_CONFIG_BYTES)`,
    };
  return null;
}

/** The size limit of config files: PRIVATELINK_DNS_MAX_CONFIG_BYTES, else the default. */
export function maxConfigBytes(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.PRIVATELINK_DNS_MAX_CONFIG_BYTES);
  return Number.isInteger(v) && v > 0 ? v : DEFAULT_MAX_CONFIG_BYTES;
}
