/** The command line's habits: version, help, usage errors (stderr, exit 2), flags from the environment. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { envName, withEnvironment } from '../../src/cli/args.js';
import { SERVE_OPTIONS, SERVE_USAGE } from '../../src/cli/serve.js';
import { main, USAGE } from '../../src/cli.js';
import { memIo } from '../helpers/mem-io.js';

const ROOT = join(import.meta.dirname, '..', '..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

async function cli(...argv: string[]) {
  const m = memIo();
  const code = await main(argv, m.io);
  return { code, stdout: m.stdout(), stderr: m.stderr() };
}

const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

describe('version and help', () => {
  it.each(['--version', '-V'])('%s prints the version', async (flag) => {
    expect(await cli(flag)).toEqual({ code: 0, stdout: `privatelink-dns ${VERSION}\n`, stderr: '' });
  });

  it('no command: the usage on stderr, exit 2', async () => {
    expect(await cli()).toEqual({ code: 2, stdout: '', stderr: `${USAGE()}\n` });
  });

  it('--help and help: the usage on stdout, exit 0', async () => {
    expect(await cli('--help')).toEqual({ code: 0, stdout: `${USAGE()}\n`, stderr: '' });
    expect(await cli('help')).toEqual({ code: 0, stdout: `${USAGE()}\n`, stderr: '' });
  });

  it('help COMMAND and COMMAND --help print that command’s help', async () => {
    const a = await cli('help', 'serve');
    const b = await cli('serve', '--help');
    expect(a).toEqual({ code: 0, stdout: `${SERVE_USAGE}\n`, stderr: '' });
    expect(b).toEqual(a);
    for (const cmd of ['validate', 'describe', 'import', 'sync', 'query', 'az', 'interface', 'firewall']) {
      const h = await cli('help', cmd);
      expect(h.code).toBe(0);
      expect(h.stdout).toMatch(new RegExp(`^Usage: privatelink-dns ${cmd}`));
      expect(await cli(cmd, '--help')).toEqual(h);
    }
  });

  it('help of an unknown command is a usage error', async () => {
    expect(await cli('help', 'serv')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'privatelink-dns: unknown command "serv"; did you mean serve?\n',
    });
  });
});

describe('usage errors: one line on stderr, exit 2, nothing on stdout', () => {
  const cases: [string[], string][] = [
    [['serv'], 'privatelink-dns: unknown command "serv"; did you mean serve?'],
    [
      ['frobnicate'],
      'privatelink-dns: unknown command "frobnicate" (commands: serve, validate, describe, import, sync, query, az, interface, firewall)',
    ],
    [
      ['serve', '--lisen', '127.0.0.1:0'],
      'privatelink-dns serve: unknown option --lisen; did you mean --listen? (see privatelink-dns serve --help)',
    ],
    [
      ['serve', '--log-levl=debug'],
      'privatelink-dns serve: unknown option --log-levl; did you mean --log-level? (see privatelink-dns serve --help)',
    ],
    [
      ['validate', '--quite'],
      'privatelink-dns validate: unknown option --quite; did you mean --quiet? (see privatelink-dns validate --help)',
    ],
    [
      ['describe', '--confg', 'x.yaml'],
      'privatelink-dns describe: unknown option --confg; did you mean --config? (see privatelink-dns describe --help)',
    ],
    [
      ['az', 'impair', 'us-east-2a', '--admin-tokn', 'x'],
      'privatelink-dns az: unknown option --admin-tokn; did you mean --admin-token? (see privatelink-dns az --help)',
    ],
    [['serve', '--zzzz'], 'privatelink-dns serve: unknown option --zzzz (see privatelink-dns serve --help)'],
    [
      ['serve', '--listen', '127.0.0.1'],
      'privatelink-dns serve: --listen 127.0.0.1 has no port: write 127.0.0.1:1053 (port 0 picks a free port)',
    ],
    [
      ['serve', '--listen', '::1'],
      'privatelink-dns serve: --listen ::1 has no port: write [::1]:1053 (port 0 picks a free port)',
    ],
    [
      ['serve', '--admin', 'localhost'],
      'privatelink-dns serve: --admin localhost has no port: write localhost:8053 (port 0 picks a free port)',
    ],
    [['serve', '--log-format', 'xml'], 'privatelink-dns serve: --log-format must be one of json, pretty'],
    [
      ['sync', '--regoin', 'us-east-1'],
      'privatelink-dns sync: unknown option --regoin; did you mean --region? (see privatelink-dns sync --help)',
    ],
    [
      ['import', '--terrafrom', 'state.json'],
      'privatelink-dns import: unknown option --terrafrom; did you mean --terraform? (see privatelink-dns import --help)',
    ],
    [
      ['describe', '--hosted-zone'],
      'privatelink-dns describe: unknown option --hosted-zone; did you mean --hosted-zones? (see privatelink-dns describe --help)',
    ],
    [
      ['firewall', 'test', 'a.example.com', '--clinet', '10.0.0.1'],
      'privatelink-dns firewall: unknown option --clinet; did you mean --client? (see privatelink-dns firewall --help)',
    ],
    [
      ['serve', '--query-logs', 'stdout'],
      'privatelink-dns serve: unknown option --query-logs; did you mean --query-log? (see privatelink-dns serve --help)',
    ],
    [['serve', '--region', 'us-east-1'], 'privatelink-dns serve: --region goes with --sync-from-aws'],
    [
      ['serve', '--sync-from-aws', '--sync-interval', '5'],
      'privatelink-dns serve: --sync-interval must be a duration such as 60s, 5m or 500ms (at least 100ms, at most 24h)',
    ],
    [
      ['serve', '--log-level', 'loud'],
      'privatelink-dns serve: --log-level must be one of trace, debug, info, warn, error, fatal, silent',
    ],
  ];
  it.each(cases)('%j', async (argv, line) => {
    expect(await cli(...argv)).toEqual({ code: 2, stdout: '', stderr: `${line}\n` });
  });
});

describe('every flag from a PRIVATELINK_DNS_* variable', () => {
  it('names the variable after the flag', () => {
    expect(envName('admin-token')).toBe('PRIVATELINK_DNS_ADMIN_TOKEN');
    expect(envName('log-level')).toBe('PRIVATELINK_DNS_LOG_LEVEL');
    expect(envName('config')).toBe('PRIVATELINK_DNS_CONFIG');
  });

  it('puts the environment first, so the command line wins; lists split at commas', () => {
    const env = {
      PRIVATELINK_DNS_LISTEN: '127.0.0.1:5300',
      PRIVATELINK_DNS_UPSTREAM: '127.0.0.1:9, 127.0.0.1:10',
      PRIVATELINK_DNS_LOG_LEVEL: 'debug',
      PRIVATELINK_DNS_HELP: '1',
    };
    expect(withEnvironment(['--log-level', 'warn'], SERVE_OPTIONS, env)).toEqual([
      '--listen=127.0.0.1:5300',
      '--upstream=127.0.0.1:9',
      '--upstream=127.0.0.1:10',
      '--log-level',
      'warn',
    ]);
    // -c counts as --config being given.
    expect(withEnvironment(['-c', 'a.yaml'], SERVE_OPTIONS, { PRIVATELINK_DNS_CONFIG: 'b.yaml' })).toEqual([
      '-c',
      'a.yaml',
    ]);
  });

  it('every serve flag but --help has a variable that takes effect', async () => {
    for (const [name, def] of Object.entries(SERVE_OPTIONS)) {
      if (name === 'help') continue;
      const flag = def.type === 'boolean';
      const args = withEnvironment([], SERVE_OPTIONS, { [envName(name)]: flag ? '1' : 'x' });
      expect(args.length, name).toBe(1);
      expect(args[0]).toBe(flag ? `--${name}` : `--${name}=x`);
    }
  });

  it('AWS flags from the environment wait for --sync-from-aws; on the command line they need it', async () => {
    process.env.PRIVATELINK_DNS_REGION = 'us-east-1';
    try {
      // Not "--region goes with --sync-from-aws": the variable is left unused, the next check speaks.
      expect((await cli('serve', '--listen', '127.0.0.1')).stderr).toBe(
        'privatelink-dns serve: --listen 127.0.0.1 has no port: write 127.0.0.1:1053 (port 0 picks a free port)\n',
      );
    } finally {
      delete process.env.PRIVATELINK_DNS_REGION;
    }
  });

  it('a bad value from the environment is named by its variable', async () => {
    process.env.PRIVATELINK_DNS_LISTEN = '127.0.0.1';
    expect(await cli('serve')).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'privatelink-dns serve: PRIVATELINK_DNS_LISTEN (--listen) 127.0.0.1 has no port: write 127.0.0.1:1053 (port 0 picks a free port)\n',
    });
    delete process.env.PRIVATELINK_DNS_LISTEN;
    process.env.PRIVATELINK_DNS_WORKERS = 'many';
    expect((await cli('serve')).stderr).toBe(
      'privatelink-dns serve: PRIVATELINK_DNS_WORKERS (--workers) must be a number from 1 to 256, or auto\n',
    );
    delete process.env.PRIVATELINK_DNS_WORKERS;
    process.env.PRIVATELINK_DNS_QUIET = 'maybe';
    expect(await cli('validate')).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'privatelink-dns validate: PRIVATELINK_DNS_QUIET=maybe: use 1 or 0 (true or false) (see privatelink-dns validate --help)\n',
    });
  });

  it('PRIVATELINK_DNS_QUIET=1 quiets validate like -q', async () => {
    process.env.PRIVATELINK_DNS_QUIET = '1';
    process.env.PRIVATELINK_DNS_CONFIG = join(ROOT, 'config', 'endpoints.yaml');
    expect(await cli('validate')).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});
