/** `privatelink-dns validate`: checks a config against the schema and AWS's rules. */
import { parseArgs } from 'node:util';
import { ConfigError, formatProblem, loadConfigFile } from '../config/load.js';
import { defaultConfigPath } from '../config/paths.js';
import { configWarnings } from './warnings.js';

const HELP = `Usage: privatelink-dns validate [--config FILE] [--quiet] [--codes]

Checks the config against its schema and the rules AWS enforces for VPCs, subnets and
endpoints, and prints every problem as FILE:LINE:COL  path.to.field  message. Warnings (a valid
config that does not answer as one might expect, such as an endpoint-service name that is not
verified yet, or settings that invite abuse, such as maxUdpSize above 4096 with clients beyond
loopback) are printed the same way with "warning:" and do not change the exit status.

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
  try {
    const loaded = loadConfigFile(file);
    const { config } = loaded;
    // Warnings go to stderr even with --quiet; they never change the exit status.
    for (const w of configWarnings(loaded))
      io.stderr.write(`${formatProblem(w)}${values.codes ? `  [${w.code}]` : ''}\n`);
    if (!values.quiet) {
      const endpoints = config.vpcs.reduce((n, v) => n + v.endpoints.length, 0);
      io.stdout.write(
        `${file}: valid (${config.vpcs.length} VPC${config.vpcs.length === 1 ? '' : 's'}, ${endpoints} endpoint${endpoints === 1 ? '' : 's'})\n`,
      );
    }
    return 0;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const p of e.problems)
      io.stderr.write(`${formatProblem(p)}${values.codes ? `  [${p.code}]` : ''}\n`);
    io.stderr.write(`${e.problems.length} problem${e.problems.length === 1 ? '' : 's'} in ${file}\n`);
    return 1;
  }
}
