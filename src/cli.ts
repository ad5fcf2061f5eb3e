/** Command-line entry: parses the command word and hands the rest to that command. */
import type { CliIo } from './cli/io.js';

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

Run "privatelink-dns <command> --help" for a command's options.`;

export async function main(
  argv: string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '-h' || cmd === '--help' || cmd === 'help') {
    io.stdout.write(`${USAGE()}\n`);
    return cmd ? 0 : 2;
  }
  const c = COMMANDS[cmd];
  if (!c) {
    io.stderr.write(
      `privatelink-dns: unknown command "${cmd}" (commands: ${Object.keys(COMMANDS).join(', ')})\n`,
    );
    return 2;
  }
  return (await c.load())(rest, io);
}
