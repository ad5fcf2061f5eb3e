// Starting, probing and stopping the servers under test: privatelink-dns, dnsmasq, unbound and
// the fake upstream (a dnsmasq answering every name under the forwarded test zone itself).
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { FWD_ZONE } from './records.mjs';

/** A UDP+TCP port that is free on 127.0.0.1 right now. */
export async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind(0, '127.0.0.1', () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
    const ok = await new Promise((resolve) => {
      const t = createServer();
      t.once('error', () => resolve(false));
      t.listen(port, '127.0.0.1', () => t.close(() => resolve(true)));
    });
    if (ok) return port;
  }
}

/** Encodes a query for `name` type A (id 0x1234, RD). */
function queryPacket(name, type = 1) {
  const labels = name.split('.').filter(Boolean);
  const parts = [Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const l of labels) parts.push(Buffer.from([l.length]), Buffer.from(l, 'ascii'));
  parts.push(Buffer.from([0, 0, type, 0, 1]));
  return Buffer.concat(parts);
}

/** Resolves with the ms until `port` answers a query for `name` (NOERROR with an answer). */
export function waitForAnswer(port, name, timeoutMs = 60_000) {
  const start = performance.now();
  const pkt = queryPacket(name);
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    let timer;
    const done = (err, v) => {
      clearInterval(timer);
      s.close();
      if (err) reject(err);
      else resolve(v);
    };
    s.on('message', (m) => {
      if (m.length >= 12 && (m[3] & 0xf) === 0 && m.readUInt16BE(6) > 0)
        done(null, performance.now() - start);
    });
    s.on('error', () => {});
    const tick = () => {
      if (performance.now() - start > timeoutMs) return done(new Error(`no answer on port ${port}`));
      s.send(pkt, port, '127.0.0.1', () => {});
    };
    timer = setInterval(tick, 5);
    tick();
  });
}

/** Every process of the tree rooted at `pid` (the server and its workers). */
function tree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const t of readdirSync(`/proc/${out[i]}/task`)) {
        const kids = readFileSync(`/proc/${out[i]}/task/${t}/children`, 'utf8').trim();
        if (kids) for (const k of kids.split(/\s+/)) out.push(Number(k));
      }
    } catch {
      // gone
    }
  }
  return out;
}

function statusKb(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** A started server: its port, resident memory (all its processes) and stop(). */
class Running {
  constructor(name, child, port, logFile) {
    this.name = name;
    this.child = child;
    this.port = port;
    this.logFile = logFile;
    this.exited = new Promise((r) => child.once('exit', (code, sig) => r({ code, sig })));
  }
  /** Current RSS in MB, summed over the process tree. */
  rssMb() {
    return tree(this.child.pid).reduce((n, p) => n + statusKb(p, 'VmRSS'), 0) / 1024;
  }
  /** Peak RSS in MB since start or the last resetPeak(), summed over the process tree. */
  peakMb() {
    return tree(this.child.pid).reduce((n, p) => n + statusKb(p, 'VmHWM'), 0) / 1024;
  }
  /** Resets the kernel's peak RSS counters (clear_refs 5). */
  resetPeak() {
    for (const p of tree(this.child.pid)) {
      try {
        writeFileSync(`/proc/${p}/clear_refs`, '5');
      } catch {
        // not allowed here: peaks then count from start
      }
    }
  }
  async stop() {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(t);
    }
  }
}

/** Every process the bench started (killed on exit, even one still starting). */
export const spawned = new Set();

function launch(_name, cmd, args, logFile) {
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], detached: false });
  spawned.add(child);
  child.once('exit', () => spawned.delete(child));
  return child;
}

/**
 * Starts a peer and waits until it answers `probeName`. Returns the Running server and the
 * startup time in ms (spawn to first answer).
 */
async function startAndWait(name, cmd, args, port, probeName, logFile) {
  const start = performance.now();
  const child = launch(name, cmd, args, logFile);
  const r = new Running(name, child, port, logFile);
  const died = r.exited.then(({ code, sig }) => {
    throw new Error(`${name} exited (${code ?? sig}) before answering; see ${logFile}`);
  });
  try {
    await Promise.race([waitForAnswer(port, probeName), died]);
  } catch (e) {
    await r.stop();
    throw e;
  }
  died.catch(() => {});
  return { server: r, startupMs: performance.now() - start };
}

/** The fake upstream: dnsmasq answering A and AAAA for every name under FWD_ZONE, TTL 3600. */
export async function startUpstream(work) {
  const port = await freePort();
  const args = [
    '--keep-in-foreground',
    '--conf-file=/dev/null',
    `--port=${port}`,
    '--listen-address=127.0.0.1',
    '--bind-interfaces',
    '--no-resolv',
    '--no-hosts',
    '--pid-file=',
    '--cache-size=0',
    '--local-ttl=3600',
    `--address=/${FWD_ZONE}/192.0.2.1`,
    `--address=/${FWD_ZONE}/2001:db8::1`,
    '--dns-forward-max=10000',
    '--log-facility=-',
  ];
  return (
    await startAndWait('upstream', 'dnsmasq', args, port, `probe.${FWD_ZONE}`, join(work, 'upstream.log'))
  ).server;
}

/** privatelink-dns from this checkout (dist/ must be built). */
export async function startOurs({ root, work, config, upstreamPort, workers, probeName, tag }) {
  const port = await freePort();
  const args = [
    join(root, 'bin', 'privatelink-dns'),
    'serve',
    '--config',
    config,
    '--listen',
    `127.0.0.1:${port}`,
    '--upstream',
    `127.0.0.1:${upstreamPort}`,
    '--admin',
    'off',
    '--log-level',
    'warn',
  ];
  if (workers !== undefined) args.push('--workers', String(workers));
  return startAndWait(tag, process.execPath, args, port, probeName, join(work, `${tag}.log`));
}

/** dnsmasq with the same records (hosts file) and the same upstream. */
export async function startDnsmasq({ work, hosts, upstreamPort, cacheSize, probeName, tag }) {
  const port = await freePort();
  const args = [
    '--keep-in-foreground',
    '--conf-file=/dev/null',
    `--port=${port}`,
    '--listen-address=127.0.0.1',
    '--bind-interfaces',
    '--no-resolv',
    '--no-hosts',
    '--pid-file=',
    `--addn-hosts=${hosts}`,
    `--server=127.0.0.1#${upstreamPort}`,
    `--cache-size=${cacheSize}`,
    '--local-ttl=60',
    '--dns-forward-max=10000',
    '--log-facility=-',
  ];
  return startAndWait(tag, 'dnsmasq', args, port, probeName, join(work, `${tag}.log`));
}

/** unbound (one thread) with the same records (local-data) forwarding to the same upstream. */
export async function startUnbound({ work, localData, upstreamPort, probeName, tag }) {
  const port = await freePort();
  const conf = join(work, `${tag}.conf`);
  writeFileSync(
    conf,
    `server:
  interface: 127.0.0.1@${port}
  port: ${port}
  do-daemonize: no
  chroot: ""
  username: ""
  directory: "${work}"
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 0
  num-threads: 1
  do-ip6: no
  do-not-query-localhost: no
  access-control: 127.0.0.0/8 allow
  module-config: "iterator"
  qname-minimisation: no
  num-queries-per-thread: 4096
  outgoing-range: 8192
  msg-cache-size: 64m
  rrset-cache-size: 128m
${localData}
remote-control:
  control-enable: no
forward-zone:
  name: "."
  forward-addr: 127.0.0.1@${upstreamPort}
`,
  );
  return startAndWait(tag, 'unbound', ['-d', '-c', conf], port, probeName, join(work, `${tag}.log`));
}
