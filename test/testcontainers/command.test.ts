/**
 * The Testcontainers module's `serve` command line, read by the CLI's own option table: the admin
 * token and the upstreams come through as given, also when they start with "-" (a random
 * base64url token does, one time in 64; taken for a flag, the container exited with "argument is
 * ambiguous").
 */
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SERVE_OPTIONS } from '../../src/cli/serve.js';
import { CONFIG_PATH, serveCommand } from '../../src/testcontainers/index.js';

const parse = (argv: string[]) =>
  parseArgs({ args: argv.slice(1), options: SERVE_OPTIONS, strict: true, allowPositionals: false }).values;

describe('serveCommand', () => {
  it.each(['-lY2bW0x9z_abcdefghijklmn', '--looks-like-a-flag', 'plainToken_123'])(
    'keeps the token %s',
    (token) => {
      const argv = serveCommand(token, ['10.0.0.2:53', '127.0.0.1:5353']);
      expect(argv[0]).toBe('serve');
      const v = parse(argv);
      expect(v['admin-token']).toBe(token);
      expect(v.upstream).toEqual(['10.0.0.2:53', '127.0.0.1:5353']);
      expect(v.config).toBe(CONFIG_PATH);
      expect(v.listen).toBe('0.0.0.0:53');
      expect(v.admin).toBe('0.0.0.0:8053');
    },
  );
});
