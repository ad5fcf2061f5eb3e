/** `privatelink-dns validate`: checks a config against the schema and AWS's rules. */
import { bundledNotice, chooseConfig } from '../config/discover.js';
import {
  ConfigError,
  type ConfigProblem,
  formatProblem,
  loadConfigFile,
  readConfigFile,
} from '../config/load.js';
import { configWarnings, formatWarning } from '../config/warnings.js';
import { parseCli } from './args.js';
import { configWarnings as loadedWarnings } from './warnings.js';

const HELP = `Usage: privatelink-dns validate [--config FILE] [--quiet] [--codes]

Checks the config against its schema and the rules AWS enforces for VPCs, subnets and
endpoints, and prints every problem as FILE:LINE:COL  path.to.field  message. Warnings (a valid
config that does not answer as one might expect, such as an endpoint-service name that is not
verified yet, or settings that invite abuse, such as maxUdpSize above 4096 with clients beyond
loopback) are printed the same way with "warning:" and do not change the exit status.

Options:
  -c, --config FILE  config file (default: ./privatelink-dns.yaml if present, else the
                     bundled example config/endpoints.yaml)
  -q, --quiet        print nothing when the config is valid
      --codes        end each problem with its code (see docs/reference/errors.md)
  -h, --help         show this help

Each option can also be set in the environment (PRIVATELINK_DNS_CONFIG, PRIVATELINK_DNS_QUIET=1, …).

Exit status: 0 valid (warnings included), 1 invalid, 2 usage error.
`;

const VALIDATE_OPTIONS = {
  config: { type: 'string', short: 'c' },
  quiet: { type: 'boolean', short: 'q' },
  codes: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs the command; returns the exit code (0 valid, 1 invalid, 2 usage error). */
export async function run(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  const parsed = parseCli('validate', argv, VALIDATE_OPTIONS, io, { allowPositionals: true });
  if (!parsed) return 2;
  const { positionals, flag } = parsed;
  // A file named on the command line wins over $PRIVATELINK_DNS_CONFIG.
  const values = { ...parsed.values };
  if (positionals.length === 1 && values.config && flag('config') !== '--config') values.config = undefined;
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 1 || (positionals.length === 1 && values.config)) {
    io.stderr.write('privatelink-dns validate: give one config file, with --config FILE (see --help)\n');
    return 2;
  }
  const choice = chooseConfig(values.config ?? positionals[0]);
  if (choice.source === 'bundled')
    io.stderr.write(`privatelink-dns validate: ${bundledNotice(choice.path)}\n`);
  const file = choice.path;
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
    const loaded = loadConfigFile(file);
    const { config } = loaded;
    // Warnings go to stderr even with --quiet; they never change the exit status.
    printWarnings();
    const more = loadedWarnings(loaded);
    for (const w of more) io.stderr.write(`${formatProblem(w)}${values.codes ? `  [${w.code}]` : ''}\n`);
    warnings = [...warnings, ...more];
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
