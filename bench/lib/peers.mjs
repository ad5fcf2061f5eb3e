// Starting, probing and stopping the servers under test: privatelink-dns, dnsmasq, unbound,
// dnsdist, Knot Resolver, PowerDNS Recursor, BIND and the fake upstream (a dnsmasq answering every
// name under the forwarded test zone itself). Every peer listens on 127.0.0.1 on an unprivileged
// port and sends queries only to the fake upstream (or, for root priming, to a root hint on
// 127.0.0.1 where nothing listens): no packet leaves loopback.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { footprintKb } from './footprint.mjs';
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

/** utime + stime of a process in clock ticks (USER_HZ, 100 on Linux). */
function cpuTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
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
  /**
   * CPU seconds (user and system, every thread, all its processes) used so far: a cost per query
   * that the other work on the machine changes much less than it changes throughput.
   */
  cpuSeconds() {
    return tree(this.child.pid).reduce((n, p) => n + cpuTicks(p), 0) / 100;
  }
  /**
   * The tree's physical memory in MB, each page once (see footprint.mjs): what a container's
   * memory cgroup charges, where summed RSS counts the node binary once per process.
   */
  footprintMb() {
    return footprintKb(tree(this.child.pid)).kb / 1024;
  }
  /**
   * Peak footprint since start or the last resetPeak(), in MB: the summed peak RSS less what the
   * processes share now (the pages of the binary and libraries counted more than once). The
   * kernel keeps a peak per process only, and what they share does not change under load.
   */
  peakFootprintMb() {
    const pids = tree(this.child.pid);
    let rssKb = 0;
    let hwmKb = 0;
    for (const p of pids) {
      rssKb += statusKb(p, 'VmRSS');
      hwmKb += statusKb(p, 'VmHWM');
    }
    const shared = Math.max(0, rssKb - footprintKb(pids).kb);
    return (hwmKb - shared) / 1024;
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
  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5000) {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const t = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(t);
    }
  }
}

/** Every process the bench started (killed on exit, even one still starting). */
export const spawned = new Set();

function launch(_name, cmd, args, logFile, env) {
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, {
    stdio: ['ignore', fd, fd],
    detached: false,
    env: env ? { ...process.env, ...env } : process.env,
  });
  spawned.add(child);
  child.once('exit', () => spawned.delete(child));
  return child;
}

/**
 * Starts a peer and waits until it answers `probeName`. Returns the Running server and the
 * startup time in ms (spawn to first answer).
 */
async function startAndWait(name, cmd, args, port, probeName, logFile, timeoutMs = 120_000, env = undefined) {
  const start = performance.now();
  const child = launch(name, cmd, args, logFile, env);
  const r = new Running(name, child, port, logFile);
  const died = r.exited.then(({ code, sig }) => {
    throw new Error(`${name} exited (${code ?? sig}) before answering; see ${logFile}`);
  });
  try {
    await Promise.race([waitForAnswer(port, probeName, timeoutMs), died]);
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

/** privatelink-dns from this checkout (dist/ must be built); `env` is added to this process's environment. */
export async function startOurs({
  root,
  work,
  config,
  upstreamPort,
  workers,
  probeName,
  tag,
  nodeArgs = [],
  env = {},
}) {
  const port = await freePort();
  const args = [
    ...nodeArgs,
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
  // The 100,000-endpoint config is about 50 MB of YAML, over the default limit of 32 MiB.
  const withLimit = { PRIVATELINK_DNS_MAX_CONFIG_BYTES: String(256 * 1024 * 1024), ...env };
  return startAndWait(
    tag,
    process.execPath,
    args,
    port,
    probeName,
    join(work, `${tag}.log`),
    120_000,
    withLimit,
  );
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
  incoming-num-tcp: 256
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

/** A root hint on 127.0.0.1 (port 53, where nothing listens): priming never leaves loopback. */
function rootHint(work) {
  const f = join(work, 'root.hint');
  writeFileSync(f, '.  3600000  NS  a.root.bench.\na.root.bench.  3600000  A  127.0.0.1\n');
  return f;
}

/** Writes the zone files of `zones` (apex → text) under `dir`: [{ apex, file }]. */
function writeZones(dir, zones) {
  mkdirSync(dir, { recursive: true });
  return [...zones].map(([apex, text]) => {
    const file = join(dir, `${apex}.zone`);
    writeFileSync(file, text);
    return { apex, file };
  });
}

/**
 * dnsdist: a proxy in front of the same upstream (packet cache of 100,000 entries). It has no
 * records of its own; the endpoint names are answered by a Lua action that looks the name up in a
 * table read from the same hosts file dnsmasq reads, and spoofs the record set (TTL 60, dnsdist's
 * default for spoofed answers). One UDP listener thread, one backend responder thread.
 */
export async function startDnsdist({ work, hosts, upstreamPort, probeName, tag }) {
  const port = await freePort();
  const conf = join(work, `${tag}.conf`);
  writeFileSync(
    conf,
    `setSecurityPollSuffix("")
addLocal("127.0.0.1:${port}")
setACL({"127.0.0.0/8"})
newServer({ address = "127.0.0.1:${upstreamPort}", checkName = "probe.fwd.bench.", checkInterval = 60 })
getPool(""):setCache(newPacketCache(100000, { maxTTL = 86400, minTTL = 0 }))
local recs = {}
for line in io.lines(${JSON.stringify(hosts)}) do
  local addr, name = line:match("^(%S+)%s+(%S+)$")
  if addr then
    local key = name:lower() .. "."
    local e = recs[key]
    if e == nil then e = { A = {}, AAAA = {} }; recs[key] = e end
    if addr:find(":", 1, true) then table.insert(e.AAAA, newCA(addr)) else table.insert(e.A, newCA(addr)) end
  end
end
function localRecords(dq)
  local e = recs[dq.qname:toString()]
  if e == nil then return DNSAction.None, "" end
  local set = nil
  if dq.qtype == DNSQType.A then set = e.A elseif dq.qtype == DNSQType.AAAA then set = e.AAAA end
  if set == nil or #set == 0 then return DNSAction.None, "" end
  dq:spoof(set)
  return DNSAction.HeaderModify, ""
end
addAction(AllRule(), LuaAction(localRecords))
`,
  );
  return startAndWait(
    tag,
    'dnsdist',
    ['--supervised', '--disable-syslog', '-C', conf],
    port,
    probeName,
    join(work, `${tag}.log`),
  );
}

/**
 * Knot Resolver (one kresd process, one thread): the same records from the same hosts file
 * (hints module, TTL 60), everything else forwarded to the same upstream (policy.FORWARD, no
 * DNSSEC trust anchor), a 256 MB cache.
 */
export async function startKresd({ work, hosts, upstreamPort, probeName, tag }) {
  const port = await freePort();
  const dir = join(work, tag);
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'kresd.conf');
  writeFileSync(
    conf,
    `net.ipv6 = false
net.listen('127.0.0.1', ${port}, { kind = 'dns' })
trust_anchors.remove('.')
for _, m in ipairs({ 'priming', 'detect_time_skew', 'detect_time_jump', 'ta_signal_query', 'ta_sentinel' }) do
  pcall(modules.unload, m)
end
modules.load('hints > iterate')
hints.root({ ['a.root.bench.'] = '127.0.0.1' })
hints.add_hosts(${JSON.stringify(hosts)})
hints.ttl(60)
cache.open(256 * MB, 'lmdb://${dir}/cache')
policy.add(policy.all(policy.FORWARD('127.0.0.1@${upstreamPort}')))
`,
  );
  return startAndWait(tag, 'kresd', ['-n', '-c', conf, dir], port, probeName, join(work, `${tag}.log`));
}

/**
 * PowerDNS Recursor (one worker thread): the same records as zone files (auth-zones), everything
 * else forwarded to the same upstream (forward-zones-recurse=.), DNSSEC off.
 */
export async function startPdnsRecursor({ work, zones, upstreamPort, probeName, tag }) {
  const port = await freePort();
  const dir = join(work, tag);
  const files = writeZones(dir, zones);
  writeFileSync(join(dir, 'recursor.conf'), '');
  const args = [
    `--config-dir=${dir}`,
    `--socket-dir=${dir}`,
    '--daemon=no',
    '--write-pid=no',
    '--disable-syslog',
    '--loglevel=3',
    '--quiet=yes',
    '--local-address=127.0.0.1',
    `--local-port=${port}`,
    '--allow-from=127.0.0.0/8',
    '--threads=1',
    '--pdns-distributes-queries=no',
    '--dnssec=off',
    '--dont-query=',
    '--security-poll-suffix=',
    `--hint-file=${rootHint(work)}`,
    `--forward-zones-recurse=.=127.0.0.1:${upstreamPort}`,
    `--auth-zones=${files.map((z) => `${z.apex}=${z.file}`).join(',')}`,
    '--max-cache-entries=1000000',
  ];
  return startAndWait(tag, 'pdns_recursor', args, port, probeName, join(work, `${tag}.log`));
}

/**
 * BIND 9 (named -n 1: one worker thread): the same records as primary zones, everything else
 * `forward only` to the same upstream, DNSSEC validation off, minimal responses (answer section
 * only, as the other peers answer).
 */
export async function startBind({ work, zones, upstreamPort, probeName, tag }) {
  const port = await freePort();
  const dir = join(work, tag);
  const files = writeZones(dir, zones);
  const conf = join(dir, 'named.conf');
  writeFileSync(
    conf,
    `options {
  directory "${dir}";
  pid-file none;
  session-keyfile none;
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion yes;
  allow-query { 127.0.0.0/8; };
  allow-recursion { 127.0.0.0/8; };
  forwarders { 127.0.0.1 port ${upstreamPort}; };
  forward only;
  dnssec-validation no;
  minimal-responses yes;
  notify no;
  recursive-clients 10000;
  max-cache-size 256m;
  querylog no;
};
controls { };
zone "." { type hint; file "${rootHint(work)}"; };
${files.map((z) => `zone "${z.apex}" { type primary; file "${z.file}"; };`).join('\n')}
`,
  );
  return startAndWait(tag, 'named', ['-g', '-n', '1', '-c', conf], port, probeName, join(work, `${tag}.log`));
}
