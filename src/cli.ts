/** Command-line entry: parses the command word and hands the rest to that command. */
import { readFileSync } from 'node:fs';
import type { CliIo } from './cli/io.js';
import { closest } from './privatelink/service-list.js';

type Command = (argv: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  serve: { summary: 'run the DNS server', load: async () => (await import('./cli/serve.js')).run },
  validate: {
    summary: 'check a config against AWS rules; prints FILE:LINE:COL for each problem',
    load: async () => (await import('./cli/validate.js')).run,
  },
  describe: {
    summary: 'print the endpoints as aws ec2 describe-vpc-endpoints would',
    load: async () => (await import('./cli/describe.js')).run,
  },
  import: {
    summary: 'write a config from AWS CLI JSON (describe-vpc-endpoints, -network-interfaces, -subnets)',
    load: async () => (await import('./cli/import.js')).run,
  },
  sync: {
    summary: 'write a config from the EC2 and Route 53 APIs (AWS, LocalStack, moto)',
    load: async () => (await import('./cli/sync.js')).run,
  },
  query: {
    summary: 'ask a DNS server one question (a small dig)',
    load: async () => (await import('./cli/query.js')).run,
  },
  az: { summary: 'impair or restore an AZ (admin API)', load: async () => (await import('./cli/az.js')).run },
  interface: { summary: 'set an ENI health', load: async () => (await import('./cli/interface.js')).run },
  firewall: {
    summary: 'firewall test NAME [--client IP]: the DNS Firewall verdict, offline from the config',
    load: async () => (await import('./cli/firewall.js')).run,
  },
};

export const USAGE = () => `Usage: privatelink-dns <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([k, v]) => `  ${k.padEnd(12)}${v.summary}`)
  .join('\n')}

Run "privatelink-dns help <command>" or "privatelink-dns <command> --help" for a command's options.
Every option can also be set in the environment: --log-level as PRIVATELINK_DNS_LOG_LEVEL.
  -V, --version  print the version`;

/** The package version (package.json sits one folder above both src/ and dist/). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export async function main(
  argv: string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd) {
    io.stderr.write(`${USAGE()}\n`);
    return 2;
  }
  if (cmd === '-h' || cmd === '--help') {
    io.stdout.write(`${USAGE()}\n`);
    return 0;
  }
  if (cmd === '-V' || cmd === '--version') {
    io.stdout.write(`privatelink-dns ${version()}\n`);
    return 0;
  }
  if (cmd === 'help') {
    const topic = rest[0];
    if (!topic) {
      io.stdout.write(`${USAGE()}\n`);
      return 0;
    }
    if (!Object.hasOwn(COMMANDS, topic)) return unknownCommand(topic, io);
    return (await COMMANDS[topic].load())(['--help'], io);
  }
  if (!Object.hasOwn(COMMANDS, cmd)) return unknownCommand(cmd, io);
  return (await COMMANDS[cmd].load())(rest, io);
}

function unknownCommand(cmd: string, io: CliIo): number {
  const names = Object.keys(COMMANDS);
  const near = closest(cmd, names, 1);
  const hint = near.length ? `; did you mean ${near[0]}?` : ` (commands: ${names.join(', ')})`;
  io.stderr.write(`privatelink-dns: unknown command "${cmd}"${hint}\n`);
  return 2;
}
