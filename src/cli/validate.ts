/** `privatelink-dns validate`: checks a config against the schema and AWS's rules. */
import { parseArgs } from 'node:util';
import {
  ConfigError,
  type ConfigProblem,
  formatProblem,
  loadConfigFile,
  readConfigFile,
} from '../config/load.js';
import { defaultConfigPath } from '../config/paths.js';
import { configWarnings, formatWarning } from '../config/warnings.js';

const HELP = `Usage: privatelink-dns validate [--config FILE] [--quiet] [--codes]

Checks the config against its schema and the rules AWS enforces for VPCs, subnets and
endpoints, and prints every problem as FILE:LINE:COL  path.to.field  message.

Options:
  -c, --config FILE  config file (default: the bundled config/endpoints.yaml)
  -q, --quiet        print nothing when the config is valid
      --codes        end each problem with its code (see docs/reference/errors.md)
  -h, --help         show this help

Exit status: 0 valid, 1 invalid, 2 usage error.
`;

/** Runs the command; returns the exit code (0 valid, 1 invalid, 2 usage error). */
export async function run(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  let values: { config?: string; quiet?: boolean; codes?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        quiet: { type: 'boolean', short: 'q' },
        codes: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    io.stderr.write(`privatelink-dns validate: ${(e as Error).message} (see --help)\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 1 || (positionals.length === 1 && values.config)) {
    io.stderr.write('privatelink-dns validate: give one config file, with --config FILE (see --help)\n');
    return 2;
  }
  const file = values.config ?? positionals[0] ?? defaultConfigPath();
  // Warnings (services and Regions the shipped lists do not know) never make a config invalid.
  let warnings: ConfigProblem[] = [];
  try {
    warnings = configWarnings(readConfigFile(file), file);
  } catch {
    // Unreadable: the load below reports it.
  }
  const printWarnings = () => {
    for (const w of warnings) io.stderr.write(`${formatWarning(w)}${values.codes ? `  [${w.code}]` : ''}\n`);
  };
  try {
    const { config } = loadConfigFile(file);
    printWarnings();
    if (!values.quiet) {
      const endpoints = config.vpcs.reduce((n, v) => n + v.endpoints.length, 0);
      const w = warnings.length ? `; ${warnings.length} warning${warnings.length === 1 ? '' : 's'}` : '';
      io.stdout.write(
        `${file}: valid (${config.vpcs.length} VPC${config.vpcs.length === 1 ? '' : 's'}, ${endpoints} endpoint${endpoints === 1 ? '' : 's'}${w})\n`,
      );
    }
    return 0;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    printWarnings();
    for (const p of e.problems)
      io.stderr.write(`${formatProblem(p)}${values.codes ? `  [${p.code}]` : ''}\n`);
    io.stderr.write(`${e.problems.length} problem${e.problems.length === 1 ? '' : 's'} in ${file}\n`);
    return 1;
  }
}
