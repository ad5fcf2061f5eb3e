/**
 * A network namespace for tests of real resolvers (glibc's getaddrinfo through `getent`): made
 * with `ip netns` (root only; CI runs as root), with loopback up, a veth pair whose two ends stay
 * inside it carrying the given addresses (getaddrinfo's AI_ADDRCONFIG ignores loopback, so each
 * family a test asks needs one), and its own /etc/netns/<name>/resolv.conf. Traffic never leaves it.
 *
 * ```ts
 * const ns = createNetns('pldns-glibc', { addresses: ['192.0.2.100/24', '2001:db8::100/64'], nameserver: '127.0.0.1' });
 * await ns.startUpstream();                                   // 127.0.0.1:5300 in the namespace
 * await ns.serve(['--listen', '127.0.0.1:53', '--upstream', '127.0.0.1:5300'], '127.0.0.1:53');
 * ns.getent('ahosts', 'monitoring.us-east-2.amazonaws.com');  // { status, out }
 * ns.close();                                                 // in afterAll
 * ```
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

export interface Netns {
  name: string;
  /** Runs `cmd` in the namespace; its stdout (throws on a non-zero exit). */
  exec(cmd: string, args: string[]): string;
  /** getent's exit status and output (2 = not found). */
  getent(db: string, name: string): { status: number; out: string };
  /**
   * A fake upstream on 127.0.0.1:5300 in the namespace: every A query → 192.0.2.1, AAAA →
   * NODATA, `nx.*` → NXDOMAIN.
   */
  startUpstream(): Promise<void>;
  /** `privatelink-dns serve --admin off ARGS` in the namespace, once it listens on `listen`. */
  serve(args: string[], listen: string): Promise<ChildProcess>;
  /** Stops what it started, deletes the namespace and its resolv.conf. */
  close(): void;
}

const FAKE_UPSTREAM = `
const dgram = require('node:dgram');
const pkt = require('dns-packet');
const s = dgram.createSocket('udp4');
s.on('message', (m, r) => {
  const q = pkt.decode(m);
  const name = q.questions[0].name;
  const nx = name.startsWith('nx.');
  const answers = !nx && q.questions[0].type === 'A' ? [{ type: 'A', name, ttl: 60, data: '192.0.2.1' }] : [];
  s.send(pkt.encode({ type: 'response', id: q.id, flags: 0x8180 | (nx ? 3 : 0), questions: q.questions, answers }), r.port, r.address);
});
s.bind(5300, '127.0.0.1', () => console.log('upstream ready'));
`;

/** Resolves once `child` prints a line matching `re` (stdout or stderr); rejects if it exits. */
export function waitForLine(child: ChildProcess, re: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${re}: ${buf}`)), 15_000);
    const on = (d: Buffer) => {
      buf += d;
      if (re.test(buf)) {
        clearTimeout(t);
        resolve();
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${buf}`)));
  });
}

/** Makes the namespace `<prefix>-<pid>`; throws unless run as root. */
export function createNetns(prefix: string, opts: { addresses: string[]; nameserver: string }): Netns {
  if (process.getuid?.() !== 0) throw new Error('this test needs root (ip netns); CI runs as root');
  const name = `${prefix}-${process.pid}`;
  const children: ChildProcess[] = [];
  const ip = (...args: string[]) => execFileSync('ip', ['-n', name, ...args]);
  const remove = () => {
    try {
      execFileSync('ip', ['netns', 'delete', name]);
    } catch {
      // already gone
    }
    rmSync(`/etc/netns/${name}`, { recursive: true, force: true });
  };
  execFileSync('ip', ['netns', 'add', name]);
  try {
    ip('link', 'set', 'lo', 'up');
    ip('link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb');
    for (const a of opts.addresses) ip('addr', 'add', a, 'dev', 'va', ...(a.includes(':') ? ['nodad'] : []));
    ip('link', 'set', 'va', 'up');
    ip('link', 'set', 'vb', 'up');
    mkdirSync(`/etc/netns/${name}`, { recursive: true });
    writeFileSync(
      `/etc/netns/${name}/resolv.conf`,
      `nameserver ${opts.nameserver}\noptions timeout:2 attempts:1\n`,
    );
  } catch (e) {
    remove();
    throw e;
  }

  const exec = (cmd: string, args: string[]) =>
    execFileSync('ip', ['netns', 'exec', name, cmd, ...args], { encoding: 'utf8', timeout: 10_000 });
  const start = (args: string[]) => {
    const child = spawn('ip', ['netns', 'exec', name, process.execPath, ...args], { cwd: ROOT });
    children.push(child);
    return child;
  };
  return {
    name,
    exec,
    getent(db, host) {
      try {
        return { status: 0, out: exec('getent', [db, host]) };
      } catch (e) {
        const err = e as { status?: number; stdout?: string };
        return { status: err.status ?? -1, out: err.stdout ?? '' };
      }
    },
    async startUpstream() {
      await waitForLine(start(['-e', FAKE_UPSTREAM]), /upstream ready/);
    },
    async serve(args, listen) {
      const srv = start([join(ROOT, 'bin/privatelink-dns'), 'serve', ...args, '--admin', 'off']);
      await waitForLine(srv, new RegExp(`listening on ${listen.replace(/[.[\]]/g, '\\$&')}`));
      return srv;
    },
    close() {
      for (const c of children) c.kill('SIGTERM');
      remove();
    },
  };
}
