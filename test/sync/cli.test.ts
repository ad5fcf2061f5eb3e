/** The built command line: sync and serve --sync-from-aws as users run them, against the fake API. */
import { type ChildProcess, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { run as serveCli } from '../../src/cli/serve.js';
import { addresses, query } from '../helpers/dns-client.js';
import { type FakeAws, fakeAwsEnv, startFakeAws } from '../helpers/fake-aws.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { memIo } from '../helpers/mem-io.js';
import { poll } from '../helpers/poll.js';
import { us2Data } from './fixtures.js';

// npm test builds dist/ before vitest runs.
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'privatelink-dns');
const NAME = 'monitoring.us-east-2.amazonaws.com';

let up: FakeUpstream;
let fake: FakeAws;
let child: ChildProcess | undefined;
beforeAll(async () => {
  up = await startFakeUpstream();
});
afterAll(async () => {
  await up.close();
});
afterEach(async () => {
  if (child && child.exitCode === null) {
    const done = new Promise((r) => child!.once('exit', r));
    child.kill('SIGINT');
    await done;
  }
  child = undefined;
  await fake?.close();
});

function env(): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) out[k] = v;
  return { ...out, ...fakeAwsEnv() };
}

describe('serve --sync-from-aws (built CLI)', () => {
  // The SDK is large to load: on a busy machine a CLI start takes seconds, hence the caps.
  it('starts from the API, and SIGHUP reads it again at once', { timeout: 90_000 }, async () => {
    const data = us2Data();
    fake = await startFakeAws(data);
    const c = spawn(
      process.execPath,
      [
        BIN,
        'serve',
        '--sync-from-aws',
        '--endpoint-url',
        fake.url,
        '--sync-interval',
        '1h',
        '--listen',
        '127.0.0.1:0',
        '--admin',
        'off',
        '--upstream',
        up.hostPort,
      ],
      { env: env(), cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = c;
    let out = '';
    let err = '';
    c.stdout!.on('data', (b: Buffer) => {
      out += b;
    });
    c.stderr!.on('data', (b: Buffer) => {
      err += b;
    });
    const port = await poll(
      () => `the listening line (stdout: ${out}, stderr: ${err})`,
      () => {
        const m = /"udp":"127\.0\.0\.1:(\d+)"/.exec(out);
        return m ? Number(m[1]) : null;
      },
      60_000,
    );
    expect(addresses(await query(port, NAME)).sort()).toEqual(['10.20.1.15', '10.20.2.37', '10.20.3.201']);
    data.networkInterfaces.find((n) => n.NetworkInterfaceId === 'eni-0aa1bb2cc3dd4ee03')!.PrivateIpAddress =
      '10.20.3.222';
    c.kill('SIGHUP');
    await poll(
      'the change after SIGHUP',
      async () => addresses(await query(port, NAME)).includes('10.20.3.222'),
      30_000,
    );
    expect(err).toBe('');
    expect(out).not.toContain(fakeAwsEnv().AWS_SECRET_ACCESS_KEY);
  });

  it('a first read that fails is one line and exit 1', { timeout: 60_000 }, async () => {
    fake = await startFakeAws(us2Data());
    fake.deny.add('ec2:DescribeSubnets');
    const c = spawn(
      process.execPath,
      [
        BIN,
        'serve',
        '--sync-from-aws',
        '--endpoint-url',
        fake.url,
        '--listen',
        '127.0.0.1:0',
        '--admin',
        'off',
      ],
      {
        env: env(),
        cwd: tmpdir(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = c;
    let err = '';
    c.stderr!.on('data', (b: Buffer) => {
      err += b;
    });
    const code = await new Promise((r) => c.once('exit', r));
    expect(code).toBe(1);
    expect(err).toMatch(
      /^privatelink-dns serve: --sync-from-aws: access denied for ec2:DescribeSubnets at http:\/\/127\.0\.0\.1:\d+: the credentials' IAM policy must allow ec2:DescribeSubnets \(the README lists the minimal policy\)\n$/,
    );
  });

  it('flag mistakes are usage errors (exit 2)', async () => {
    for (const argv of [
      ['--region', 'us-east-2'],
      ['--sync-from-aws', '--config', 'x.yaml'],
      ['--sync-from-aws', '--workers', '2'],
      ['--sync-from-aws', '--sync-interval', '5ms'],
      ['--sync-from-aws', '--endpoint-url', 'localhost:4566'],
    ]) {
      const m = memIo();
      expect(await serveCli(argv, m.io), argv.join(' ')).toBe(2);
      expect(m.stderr().trim().split('\n'), argv.join(' ')).toHaveLength(1);
    }
  });
});
