/**
 * Command-line parsing shared by every command: node:util parseArgs (strict), every flag also
 * read from a `PRIVATELINK_DNS_*` environment variable (`--log-level` ← `PRIVATELINK_DNS_LOG_LEVEL`;
 * the command line wins), and unknown flags answered with a "did you mean".
 */
import { parseArgs } from 'node:util';

type ParseArgsOptionConfig = NonNullable<Parameters<typeof parseArgs>[0]>['options'] extends infer T
  ? T extends Record<string, infer C>
    ? C
    : never
  : never;

import { closest } from '../privatelink/service-list.js';
import type { CliIo } from './io.js';

/** The option table of a command, as parseArgs takes it. */
export type OptionTable = Record<string, ParseArgsOptionConfig>;

/** The parsed values of an option table. */
export type Values<O extends OptionTable> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean'
    ? boolean
    : O[K]['multiple'] extends true
      ? string[]
      : string;
};

/** Options that have no environment variable (`--help` and `--version` are questions, not settings). */
const NO_ENV = new Set(['help', 'version']);

/** The environment variable of a flag: `--admin-token` → `PRIVATELINK_DNS_ADMIN_TOKEN`. */
export function envName(flag: string): string {
  return `PRIVATELINK_DNS_${flag.toUpperCase().replace(/-/g, '_')}`;
}

/** A usage error: printed as `privatelink-dns CMD: message (see --help)`, exit 2. */
export class UsageError extends Error {}

/**
 * The arguments a command runs with: the flags set in the environment and not on the command
 * line, then the command line. A list flag (`--upstream`) takes a comma-separated variable; a
 * boolean flag takes 1/true/yes or 0/false/no.
 */
export function withEnvironment(
  argv: readonly string[],
  options: OptionTable,
  env: NodeJS.ProcessEnv,
  noEnv: readonly string[] = [],
): string[] {
  const given = new Set<string>();
  for (const a of argv) {
    if (a === '--') break;
    const long = /^--([^=]+)/.exec(a)?.[1];
    if (long) given.add(long);
    else if (/^-[^-]/.test(a))
      for (const ch of a.slice(1)) {
        const name = Object.keys(options).find((k) => options[k].short === ch);
        if (name) given.add(name);
      }
  }
  const out: string[] = [];
  for (const [name, def] of Object.entries(options)) {
    if (NO_ENV.has(name) || noEnv.includes(name) || given.has(name)) continue;
    const value = env[envName(name)];
    if (value === undefined || value === '') continue;
    if (def.type === 'boolean') {
      if (/^(1|true|yes)$/i.test(value)) out.push(`--${name}`);
      else if (!/^(0|false|no)$/i.test(value))
        throw new UsageError(`${envName(name)}=${value}: use 1 or 0 (true or false)`);
    } else if (def.multiple) {
      for (const v of value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean))
        out.push(`--${name}=${v}`);
    } else out.push(`--${name}=${value}`);
  }
  return [...out, ...argv];
}

/** The message for a parseArgs error, with a "did you mean" for an unknown flag. */
export function usageMessage(e: unknown, options: OptionTable): string {
  const err = e as Error & { code?: string };
  const unknown = /^Unknown option '(--?[^']+)'/.exec(err.message)?.[1];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
    const flags = Object.keys(options).map((k) => `--${k}`);
    const bare = unknown.replace(/=.*$/, '');
    const near = closest(bare, flags, 1);
    const hint = near.length ? `; did you mean ${near[0]}?` : '';
    return `unknown option ${bare}${hint}`;
  }
  return err.message.replace(/\. To specify a positional argument.*$/s, '');
}

/**
 * Parses a command's arguments (environment first, see {@link withEnvironment}). On a usage error
 * writes one line to stderr and returns null: the command exits 2.
 */
export function parseCli<O extends OptionTable>(
  command: string,
  argv: readonly string[],
  options: O,
  io: CliIo,
  opts: {
    allowPositionals?: boolean;
    env?: NodeJS.ProcessEnv;
    /** Flags (actions, not settings) that have no environment variable. */
    noEnv?: readonly string[];
  } = {},
): { values: Values<O>; positionals: string[]; flag: (name: keyof O & string) => string } | null {
  try {
    const env = opts.env ?? process.env;
    const args = withEnvironment(argv, options, env, opts.noEnv);
    const fromEnv = new Set(args.slice(0, args.length - argv.length).map((a) => /^--([^=]+)/.exec(a)?.[1]));
    const { values, positionals } = parseArgs({
      args,
      options,
      strict: true,
      allowPositionals: opts.allowPositionals ?? false,
    });
    // How to name a flag in a message: as written, or as the environment variable it came from.
    const flag = (name: string) => (fromEnv.has(name) ? `${envName(name)} (--${name})` : `--${name}`);
    return { values: values as Values<O>, positionals, flag };
  } catch (e) {
    const msg = e instanceof UsageError ? e.message : usageMessage(e, options);
    io.stderr.write(`privatelink-dns ${command}: ${msg} (see privatelink-dns ${command} --help)\n`);
    return null;
  }
}
