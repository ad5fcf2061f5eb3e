/**
 * Soak: run the built server (`bin/privatelink-dns serve`, `npm run build` first) as a child
 * process against a fake upstream on loopback and keep it busy for `--seconds N` (default 60) with
 * UDP and TCP queries, local and forwarded, while the config is reloaded, Availability Zones are
 * impaired and restored every few seconds through the admin API, `/metrics` is scraped every
 * second, and abusive TCP clients (from other loopback addresses) do what careless or hostile
 * clients do: half-sent length prefixes and bodies left to stall, pipelined bursts of padded
 * queries reset before the answers are read, length-framed garbage, and more connections from one
 * address than the per-client cap allows. The server process's RSS (VmRSS) is sampled every few seconds: the report gives the
 * series and, after a warm-up (the first fifth of the run, at least 10 s), its lowest and highest
 * value and their spread around the median.
 *
 *   npm run soak -- --seconds 60 [--rate 5000] [--udp-workers 8] [--tcp-workers 4] [--abuse-workers 2]
 *                   [--json] [--server-log FILE]
 *
 * The well-behaved clients share one pace of `--rate` queries a second (0: unpaced, as fast as the
 * server answers them).
 *
 * Every answer is checked precisely: the ID and question echo; a regional name answers a non-empty
 * subset of the ENIs healthy when it was asked (all of them when every AZ is impaired: fail-open);
 * a zonal name answers exactly its AZ's ENI; a forwarded name answers the fake upstream's address.
 * A pipelined burst that is read must get every answer (each checked the same way); a stalled
 * message must be closed by the server within its idle timeout.
 * Prints queries sent, answered, wrong, lost and the RSS series; exits 1 on any wrong or lost
 * answer, or when the server process exits.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as dnsPacket from 'dns-packet';
import { type FakeUpstream, startFakeUpstream } from '../test/helpers/fake-upstream.js';

// ------------------------------------------------------------------------------------------------
// Options.

function arg(name: string, fallback: number, min = Number.MIN_VALUE): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < min) {
    process.stderr.write(
      `soak: --${name} needs a number of at least ${min === Number.MIN_VALUE ? 'more than 0' : min}\n`,
    );
    process.exit(2);
  }
  return v;
}
const SECONDS = arg('seconds', 60);
const UDP_WORKERS = arg('udp-workers', 8);
const TCP_WORKERS = arg('tcp-workers', 4);
const ABUSE_WORKERS = arg('abuse-workers', 2, 0);
/**
 * `--rate Q`: the well-behaved clients send Q queries a second between them (5,000 unless told;
 * 0: as fast as the server answers). A fixed rate makes RSS over time a measure of the server: a
 * garbage-collected heap between collections grows with the rate it is driven at, and on a
 * machine with other work the unpaced rate changes minute by minute.
 */
const RATE = arg('rate', 5000, 0);
const JSON_OUT = process.argv.includes('--json');
/** `--server-log FILE`: every line the server writes goes there too (info level). */
const SERVER_LOG = (() => {
  const i = process.argv.indexOf('--server-log');
  return i < 0 ? undefined : process.argv[i + 1];
})();
const RSS_EVERY_MS = arg('rss-every', 5) * 1000;
const TIMEOUT_MS = 8000;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin/privatelink-dns');

// ------------------------------------------------------------------------------------------------
// The world: one VPC (loopback inside it), one endpoint with an ENI in each of three AZs.

const VPC = 'vpc-0a1b2c3d4e5f60718';
const AZS = ['us-east-2a', 'us-east-2b', 'us-east-2c'];
const ENI: Record<string, string> = {
  'us-east-2a': '10.0.1.23',
  'us-east-2b': '10.0.2.23',
  'us-east-2c': '10.0.3.23',
};
const REGIONAL = 'vpce-099deb00b40f00e22-lj2wisx3.monitoring.us-east-2.vpce.amazonaws.com';
const PRIVATE = 'monitoring.us-east-2.amazonaws.com';
const zonal = (az: string) => `vpce-099deb00b40f00e22-lj2wisx3-${az}.monitoring.us-east-2.vpce.amazonaws.com`;
const FAKE_ADDRESS = '192.0.2.1';
const IDLE_MS = 3000;
const PER_CLIENT_CAP = 100;

function config(upstream: string, ttl: number): object {
  return {
    ttl,
    upstreams: [upstream],
    // Generous upstream timeouts: the fake upstream shares this process, so a GC pause or a busy
    // machine must not turn into SERVFAIL. The soak checks answers, not upstream latency.
    forwarder: { attemptTimeoutMs: 2500, deadlineMs: 6000 },
    // A short idle timeout, so that stalled abusive connections are closed within the soak.
    limits: { tcpIdleTimeoutMs: IDLE_MS, tcpMaxConnectionsPerClient: PER_CLIENT_CAP },
    vpcs: [
      {
        id: VPC,
        region: 'us-east-2',
        cidrs: ['10.0.0.0/16', '127.0.0.0/8'],
        subnets: AZS.map((az, i) => ({
          id: `subnet-0${'abc'[i].repeat(3)}`,
          az,
          ipv4Cidr: `10.0.${i + 1}.0/24`,
        })),
        endpoints: [
          {
            id: 'vpce-099deb00b40f00e22',
            dnsSuffix: 'lj2wisx3',
            service: 'com.amazonaws.us-east-2.monitoring',
            interfaces: AZS.map((_, i) => ({
              subnet: `subnet-0${'abc'[i].repeat(3)}`,
              ipv4: `10.0.${i + 1}.23`,
            })),
          },
        ],
      },
    ],
  };
}

// ------------------------------------------------------------------------------------------------
// Health, as the soak sets it: a generation number and the impaired AZs of each generation.

let generation = 0;
/** The last generation the server has applied (its admin call returned). */
let settledGen = 0;
const impairedAt = new Map<number, Set<string>>([[0, new Set()]]);

/** The addresses a regional answer may hold at generation `g`. */
function allowedRegional(g: number): Set<string> {
  const impaired = impairedAt.get(g) ?? new Set();
  const healthy = AZS.filter((az) => !impaired.has(az)).map((az) => ENI[az]);
  return new Set(healthy.length > 0 ? healthy : Object.values(ENI));
}

// ------------------------------------------------------------------------------------------------
// Counters.

const stats = {
  sent: 0,
  answered: 0,
  wrong: 0,
  lost: 0,
  udp: 0,
  tcp: 0,
  local: 0,
  forwarded: 0,
  reloads: 0,
  impairs: 0,
};
/** What the abusive TCP clients did, by pattern, and how the server dealt with it. */
const abuse = {
  connections: 0,
  stalledClosedByServer: 0,
  burstsReset: 0,
  burstsRead: 0,
  garbageFrames: 0,
  floods: 0,
  floodRefused: 0,
};
const problems: string[] = [];
/** Set once the report is out: what fails while the server is being stopped is not its fault. */
let stopping = false;
function wrong(why: string): false {
  if (stopping) return false;
  stats.wrong++;
  if (problems.length < 20) {
    problems.push(why);
    // As it happens, with the time: a long run's report comes only at its end.
    process.stderr.write(`soak: wrong at ${new Date().toISOString()}: ${why}\n`);
  }
  return false;
}

interface Ask {
  name: string;
  kind: 'regional' | 'private' | 'zonal' | 'forward';
  az?: string;
}

let seq = 0;
function pick(): Ask {
  const r = seq++ % 10;
  if (r < 3) return { name: REGIONAL, kind: 'regional' };
  if (r < 4) return { name: PRIVATE, kind: 'private' };
  if (r < 6) {
    const az = AZS[seq % AZS.length];
    return { name: zonal(az), kind: 'zonal', az };
  }
  // Forwarded: half fresh names (to the upstream), half repeated (cache).
  return { name: r < 8 ? `n${seq}.soak.example.org` : `cached${seq % 50}.soak.example.org`, kind: 'forward' };
}

function check(ask: Ask, id: number, res: Buffer, genAtSend: number): boolean {
  let d: dnsPacket.Packet & { rcode?: string };
  try {
    d = dnsPacket.decode(res) as typeof d;
  } catch (e) {
    return wrong(`${ask.name}: undecodable answer (${(e as Error).message})`);
  }
  if (d.id !== id) return wrong(`${ask.name}: id ${d.id}, expected ${id}`);
  if (d.rcode !== 'NOERROR') return wrong(`${ask.name}: rcode ${d.rcode}`);
  if (d.questions?.[0]?.name.toLowerCase() !== ask.name)
    return wrong(`${ask.name}: question ${d.questions?.[0]?.name}`);
  const got = (d.answers ?? [])
    .filter((a) => a.type === 'A')
    .map((a) => String((a as { data: unknown }).data));
  if (got.length === 0) return wrong(`${ask.name}: empty answer`);
  if (ask.kind === 'forward') {
    stats.forwarded++;
    if (got.length !== 1 || got[0] !== FAKE_ADDRESS)
      return wrong(`${ask.name}: forwarded answer ${got.join(',')}`);
    return true;
  }
  stats.local++;
  if (ask.kind === 'zonal') {
    if (got.length !== 1 || got[0] !== ENI[ask.az as string])
      return wrong(`${ask.name}: zonal answer ${got.join(',')}`);
    return true;
  }
  // Regional / private: a subset of the ENIs healthy at the time. When health changed while the
  // query was in flight (or was being applied when it was sent), either side of the change is right.
  const ok = new Set<string>();
  for (let g = genAtSend; g <= generation; g++) for (const a of allowedRegional(g)) ok.add(a);
  for (const a of got)
    if (!ok.has(a)) return wrong(`${ask.name}: ${a} not among the healthy ENIs ${[...ok].join(',')}`);
  return true;
}

// ------------------------------------------------------------------------------------------------
// Clients.

let running = true;

/** The next send slot of the shared pace (ms on the monotonic clock). */
let slot = 0;
/** Sends that went out late by more than 50 ms (the pace is not caught up past that). */
let behind = 0;

/** Waits for the next of `RATE` send slots a second, shared by every well-behaved client. */
function pace(): Promise<void> | undefined {
  if (RATE === 0) return undefined;
  const now = performance.now();
  slot += 1000 / RATE;
  if (slot < now - 50) {
    behind++;
    slot = now - 50; // fall behind by at most 50 ms: no burst to catch up after a stall
  }
  const wait = slot - now;
  return wait >= 1 ? new Promise((r) => setTimeout(r, wait)) : undefined;
}

async function udpWorker(port: number): Promise<void> {
  const sock: UdpSocket = createSocket('udp4');
  const waiting = new Map<number, (b: Buffer) => void>();
  sock.on('message', (m) => {
    if (m.length >= 2) waiting.get(m.readUInt16BE(0))?.(m);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  let nextId = Math.floor(Math.random() * 65536);
  while (running) {
    await pace();
    if (!running) break;
    const ask = pick();
    const id = nextId++ & 0xffff;
    const g = settledGen;
    const msg = encode(ask.name, id);
    stats.sent++;
    stats.udp++;
    const res = await new Promise<Buffer | null>((resolve) => {
      const t = setTimeout(() => {
        waiting.delete(id);
        resolve(null);
      }, TIMEOUT_MS);
      waiting.set(id, (b) => {
        clearTimeout(t);
        waiting.delete(id);
        resolve(b);
      });
      sock.send(msg, port, '127.0.0.1');
    });
    if (res === null) {
      stats.lost++;
      if (problems.length < 20) problems.push(`${ask.name}: no UDP answer in ${TIMEOUT_MS} ms`);
      continue;
    }
    stats.answered++;
    check(ask, id, res, g);
  }
  sock.close();
}

/** A TCP connection that sends one query at a time; reconnects now and then, as clients do. */
async function tcpWorker(port: number): Promise<void> {
  let nextId = Math.floor(Math.random() * 65536);
  while (running) {
    const sock = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1' });
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
    sock.on('error', () => {});
    let buf = Buffer.alloc(0);
    let onAnswer: ((b: Buffer | null) => void) | null = null;
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const m = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + m.length);
        onAnswer?.(m);
      }
    });
    sock.on('close', () => onAnswer?.(null));
    for (let i = 0; i < 200 && running && !sock.destroyed; i++) {
      await pace();
      if (!running || sock.destroyed) break;
      const ask = pick();
      const id = nextId++ & 0xffff;
      const g = settledGen;
      const msg = encode(ask.name, id);
      const len = Buffer.alloc(2);
      len.writeUInt16BE(msg.length);
      stats.sent++;
      stats.tcp++;
      const res = await new Promise<Buffer | null>((resolve) => {
        const t = setTimeout(() => resolve(null), TIMEOUT_MS);
        onAnswer = (b) => {
          clearTimeout(t);
          onAnswer = null;
          resolve(b);
        };
        sock.write(Buffer.concat([len, msg]));
      });
      if (res === null) {
        stats.lost++;
        if (problems.length < 20) problems.push(`${ask.name}: no TCP answer`);
        break;
      }
      stats.answered++;
      check(ask, id, res, g);
    }
    sock.end();
  }
}

// ------------------------------------------------------------------------------------------------
// Abusive TCP clients. They come from 127.0.0.2 and up, so the per-client connection cap they run
// into is not the well-behaved clients' (who come from 127.0.0.1 and must keep being answered).

function open(port: number, from: string): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', localAddress: from });
    s.once('connect', () => {
      s.removeListener('error', reject);
      s.on('error', () => {});
      resolve(s);
    });
    s.once('error', reject);
    abuse.connections++;
  });
}

function closed(sock: Socket): Promise<void> {
  return new Promise((r) => {
    if (sock.destroyed || sock.readableEnded) r();
    else sock.once('close', () => r());
  });
}

function framed(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

/** A query padded (EDNS padding, RFC 7830) to about `size` bytes. */
function padded(name: string, id: number, size: number): Buffer {
  const base = encode(name, id).length + 11 + 4;
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: 'A', class: 'IN' }],
    additionals: [
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: 1232,
        options: [{ code: 12, data: Buffer.alloc(Math.max(0, size - base)) }],
      } as dnsPacket.Answer,
    ],
  });
}

/** Sends part of a message and waits for the server to close the connection (it must, in time). */
async function stall(port: number, from: string, bytes: Buffer): Promise<void> {
  const sock = await open(port, from);
  sock.write(bytes);
  const limit = IDLE_MS + 20_000;
  const t0 = Date.now();
  const gone = await Promise.race([closed(sock).then(() => true), sleep(limit).then(() => false)]);
  if (gone) abuse.stalledClosedByServer++;
  else wrong(`a stalled TCP message (${bytes.length} bytes) was still open after ${Date.now() - t0} ms`);
  sock.destroy();
}

/** 64 pipelined padded queries, and a reset before any answer is read. */
async function burstReset(port: number, from: string): Promise<void> {
  const sock = await open(port, from);
  const parts: Buffer[] = [];
  for (let i = 0; i < 64; i++)
    parts.push(framed(padded(i % 2 ? REGIONAL : `burst${i}.soak.example.org`, i, 4096)));
  sock.write(Buffer.concat(parts));
  await sleep(5);
  sock.resetAndDestroy();
  abuse.burstsReset++;
}

/** 64 pipelined queries on one connection, every answer read and checked. */
async function burstRead(port: number, from: string): Promise<void> {
  const sock = await open(port, from);
  const asks = new Map<number, { ask: Ask; g: number }>();
  const parts: Buffer[] = [];
  for (let id = 0; id < 64; id++) {
    const ask = pick();
    asks.set(id, { ask, g: settledGen });
    parts.push(framed(encode(ask.name, id)));
  }
  let buf = Buffer.alloc(0);
  const done = new Promise<void>((resolve) => {
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const m = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + m.length);
        const sent = m.length >= 2 ? asks.get(m.readUInt16BE(0)) : undefined;
        if (!sent) {
          wrong('a pipelined TCP answer with an ID nobody asked');
          continue;
        }
        asks.delete(m.readUInt16BE(0));
        stats.answered++;
        check(sent.ask, m.readUInt16BE(0), m, sent.g);
        if (asks.size === 0) resolve();
      }
    });
    sock.once('close', () => resolve());
  });
  stats.sent += 64;
  stats.tcp += 64;
  sock.write(Buffer.concat(parts));
  await Promise.race([done, sleep(TIMEOUT_MS)]);
  if (asks.size > 0) {
    stats.lost += asks.size;
    if (problems.length < 20) problems.push(`${asks.size} of 64 pipelined TCP queries unanswered`);
  }
  abuse.burstsRead++;
  sock.destroy();
}

/** Length-framed random bytes: FORMERR or a closed connection, never a server that stops serving. */
async function garbage(port: number, from: string): Promise<void> {
  const sock = await open(port, from);
  sock.on('data', () => {});
  for (let i = 0; i < 10; i++) {
    const junk = Buffer.alloc(1 + Math.floor(Math.random() * 600));
    for (let j = 0; j < junk.length; j++) junk[j] = Math.floor(Math.random() * 256);
    sock.write(framed(junk));
    abuse.garbageFrames++;
  }
  await Promise.race([closed(sock), sleep(500)]);
  sock.destroy();
}

/** More connections from one address than the per-client cap: the extra ones are closed at once. */
async function flood(port: number, from: string): Promise<void> {
  const socks = await Promise.all(
    Array.from({ length: PER_CLIENT_CAP + 50 }, () => open(port, from).catch(() => null)),
  );
  let gone = 0;
  for (const s of socks) if (s) void closed(s).then(() => gone++);
  await sleep(IDLE_MS / 2);
  abuse.floods++;
  abuse.floodRefused += gone + socks.filter((s) => s === null).length;
  for (const s of socks) s?.destroy();
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function abuseWorker(port: number, n: number): Promise<void> {
  const from = `127.0.0.${2 + n}`;
  const patterns = [
    () => stall(port, from, Buffer.from([0x00])),
    () => burstReset(port, from),
    () => garbage(port, from),
    () => burstRead(port, from),
    () => stall(port, from, Buffer.concat([Buffer.from([0xff, 0xff]), Buffer.alloc(100)])),
    () => flood(port, from),
  ];
  for (let i = n; running; i++) {
    try {
      await patterns[i % patterns.length]();
    } catch (e) {
      // A refused or reset connection is the server defending itself; a server that is gone is
      // caught by the well-behaved clients and the exit handler.
      if (problems.length < 20 && !running) problems.push(`abuse: ${(e as Error).message}`);
    }
    await sleep(200);
  }
}

function encode(name: string, id: number): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: 'A', class: 'IN' }],
  });
}

// ------------------------------------------------------------------------------------------------

interface Child {
  proc: ChildProcess;
  port: number;
  admin: string;
  exited: boolean;
}

/** Starts the built server on `file` and resolves once it listens (DNS and admin API). */
function startChild(file: string, upstream: string): Promise<Child> {
  if (!existsSync(join(ROOT, 'dist/cli.js'))) throw new Error('dist/ is missing: run npm run build first');
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [
        BIN,
        'serve',
        '--config',
        file,
        '--listen',
        '127.0.0.1:0',
        '--admin',
        '127.0.0.1:0',
        '--upstream',
        upstream,
        '--log-level',
        'info',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    // info: the listening lines say where DNS and the admin API are; only warnings are shown.
    let out = '';
    let port = 0;
    const child: Child = { proc, port: 0, admin: '', exited: false };
    proc.on('exit', (code, signal) => {
      child.exited = true;
      reject(new Error(`the server exited (${signal ?? code}) before listening`));
    });
    proc.stdout?.on('data', (d) => {
      if (SERVER_LOG) appendFileSync(SERVER_LOG, d);
      out += d;
      for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const j = JSON.parse(line) as { udp?: string; admin?: string; level?: number; msg?: string };
        if (typeof j.udp === 'string') port = Number(j.udp.split(':').pop());
        if (typeof j.admin === 'string') child.admin = j.admin;
        if ((j.level ?? 0) >= 40) process.stderr.write(`server: ${j.msg}\n`);
        if (port && child.admin && !child.port) {
          child.port = port;
          resolve(child);
        }
      }
    });
  });
}

function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? +(Number(m[1]) / 1024).toFixed(1) : 0;
}

async function admin(child: Child, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`http://${child.admin}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'pldns-soak-'));
  const file = join(dir, 'config.yaml');
  let up: FakeUpstream | undefined;
  let child: Child | undefined;
  const timers: NodeJS.Timeout[] = [];
  try {
    up = await startFakeUpstream();
    const upstream = up.hostPort;
    writeFileSync(file, JSON.stringify(config(upstream, 60)));
    child = await startChild(file, upstream);
    const srv = child;
    const pid = srv.proc.pid as number;
    srv.proc.removeAllListeners('exit');
    srv.proc.on('exit', (code, signal) => {
      srv.exited = true;
      if (running) wrong(`the server exited (${signal ?? code})`);
    });
    const started = Date.now();
    const rss: {
      s: number;
      mib: number;
      heapUsed?: number;
      heapTotal?: number;
      external?: number;
      cache?: number;
      /** Queries sent since the sample before, a second. */
      qps?: number;
    }[] = [{ s: 0, mib: rssMiB(pid) }];
    slot = performance.now();
    let sentAtSample = stats.sent;
    let sampledAt = started;
    process.stderr.write(
      `soak: ${SECONDS} s against 127.0.0.1:${srv.port} (server pid ${pid}; ${UDP_WORKERS} UDP + ${TCP_WORKERS} TCP + ${ABUSE_WORKERS} abusive TCP clients)\n`,
    );

    // Reload every 3 s (alternating TTLs); impair or restore an AZ every 2 s; scrape every second.
    let ttl = 60;
    timers.push(
      setInterval(() => {
        ttl = ttl === 60 ? 30 : 60;
        writeFileSync(file, JSON.stringify(config(upstream, ttl)));
        void admin(srv, 'POST', '/v1/reload').then(
          async (r) => {
            if (r.ok) stats.reloads++;
            else wrong(`reload rejected: ${await r.text()}`);
          },
          (e) => wrong(`reload failed: ${e}`),
        );
      }, 3000),
    );
    let step = 0;
    let changing = false;
    timers.push(
      setInterval(() => {
        if (changing) return;
        changing = true;
        const current = new Set(impairedAt.get(generation));
        const az = AZS[step % AZS.length];
        const calls: [string, boolean][] = [];
        // Impair one AZ, then a second one, then restore both (and now and then all three).
        if (step % 4 === 3) {
          for (const a of current) calls.push([a, false]);
          current.clear();
        } else if (step % 11 === 10) {
          for (const a of AZS) {
            calls.push([a, true]);
            current.add(a);
          }
        } else {
          calls.push([az, true]);
          current.add(az);
        }
        step++;
        stats.impairs++;
        const gen = ++generation;
        impairedAt.set(gen, current);
        void (async () => {
          try {
            for (const [a, impaired] of calls) {
              const r = await admin(srv, 'PUT', `/v1/azs/${a}`, { impaired });
              if (!r.ok) wrong(`PUT /v1/azs/${a}: ${r.status}`);
            }
            settledGen = gen;
          } catch (e) {
            wrong(`PUT /v1/azs: ${e}`);
          } finally {
            changing = false;
          }
        })();
      }, 2000),
    );
    let scrapes = 0;
    /** The server's own memory parts from the last scrape (MiB), kept with each RSS sample. */
    let parts: Record<string, number> = {};
    timers.push(
      setInterval(() => {
        void admin(srv, 'GET', '/metrics').then(
          async (r) => {
            const text = await r.text();
            if (!r.ok) return;
            scrapes++;
            const seen: Record<string, number> = {};
            for (const m of text.matchAll(/^privatelink_dns_memory_bytes\{part="(\w+)"\} (\d+(?:\.\d+)?)$/gm))
              seen[m[1]] = +(Number(m[2]) / 2 ** 20).toFixed(1);
            parts = seen;
          },
          () => undefined,
        );
      }, 1000),
    );
    timers.push(
      setInterval(() => {
        const now = Date.now();
        const qps = Math.round(((stats.sent - sentAtSample) * 1000) / Math.max(1, now - sampledAt));
        sentAtSample = stats.sent;
        sampledAt = now;
        if (!srv.exited)
          rss.push({
            qps,
            s: Math.round((now - started) / 1000),
            mib: rssMiB(pid),
            heapUsed: parts.heap_used,
            heapTotal: parts.heap_total,
            external: parts.external,
            cache: parts.cache,
          });
      }, RSS_EVERY_MS),
    );

    // The fake upstream logs every query it gets: forget them as we go (count them first).
    let upstreamSeen = 0;
    const fake = up;
    timers.push(
      setInterval(() => {
        upstreamSeen += fake.count();
        fake.reset();
      }, 1000),
    );
    const workers = [
      ...Array.from({ length: UDP_WORKERS }, () => udpWorker(srv.port)),
      ...Array.from({ length: TCP_WORKERS }, () => tcpWorker(srv.port)),
      ...Array.from({ length: ABUSE_WORKERS }, (_, n) => abuseWorker(srv.port, n)),
    ];
    const progress = setInterval(() => {
      process.stderr.write(
        `soak: ${Math.round((Date.now() - started) / 1000)} s: ${stats.sent} sent, ${stats.answered} answered, ${stats.wrong} wrong, ${stats.lost} lost, server RSS ${rss[rss.length - 1].mib} MiB\n`,
      );
    }, 10_000);
    timers.push(progress);
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    running = false;
    for (const t of timers) clearInterval(t);
    await Promise.all(workers);
    const seconds = (Date.now() - started) / 1000;
    if (!srv.exited) rss.push({ s: Math.round(seconds), mib: rssMiB(pid) });
    const warmup = Math.max(10, seconds / 5);
    const { low, high, median } = spreadOf(rss.filter((r) => r.s >= warmup).map((r) => r.mib));
    const report = {
      seconds: Math.round(seconds),
      sent: stats.sent,
      answered: stats.answered,
      wrong: stats.wrong,
      lost: stats.lost,
      udp: stats.udp,
      tcp: stats.tcp,
      local: stats.local,
      forwarded: stats.forwarded,
      upstreamQueries: upstreamSeen + up.count(),
      reloads: stats.reloads,
      healthChanges: stats.impairs,
      scrapes,
      abuse,
      qps: Math.round(stats.sent / seconds),
      rate: RATE,
      sendsBehindPace: behind,
      qpsAfterWarmup: spreadOf(
        rss.filter((r) => r.s >= warmup && r.qps !== undefined).map((r) => r.qps as number),
      ),
      rssStartMiB: rss[0].mib,
      rssAfterWarmup: { fromSecond: Math.round(warmup), lowMiB: low, highMiB: high, medianMiB: median },
      rssSpreadPercent: median ? +((100 * Math.max(high - median, median - low)) / median).toFixed(1) : 0,
      rssSeries: rss,
    };
    if (JSON_OUT) process.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      process.stdout.write(
        [
          `soak: ${report.seconds} s, ${report.qps} queries/s (${RATE ? `paced at ${RATE}; ${behind} sends over 50 ms late` : 'unpaced'})`,
          report.qpsAfterWarmup.high
            ? `  rate      per ${RSS_EVERY_MS / 1000} s sample after ${Math.round(warmup)} s: ${report.qpsAfterWarmup.low}–${report.qpsAfterWarmup.high} q/s (median ${report.qpsAfterWarmup.median})`
            : `  rate      no ${RSS_EVERY_MS / 1000} s sample after ${Math.round(warmup)} s (a run too short for one)`,
          `  sent      ${report.sent} (udp ${report.udp}, tcp ${report.tcp})`,
          `  answered  ${report.answered} (local ${report.local}, forwarded ${report.forwarded}; upstream saw ${report.upstreamQueries})`,
          `  wrong     ${report.wrong}`,
          `  lost      ${report.lost}`,
          `  reloads   ${report.reloads}, health changes ${report.healthChanges}, /metrics scrapes ${report.scrapes}`,
          `  abuse     ${abuse.connections} TCP connections from other addresses: ${abuse.stalledClosedByServer} stalled messages closed by the server, ${abuse.burstsReset} padded bursts reset unread, ${abuse.burstsRead} pipelined bursts read, ${abuse.garbageFrames} garbage frames, ${abuse.floods} floods over the per-client cap (${abuse.floodRefused} connections refused)`,
          `  RSS       ${report.rssStartMiB} MiB at start; after ${report.rssAfterWarmup.fromSecond} s ${low}–${high} MiB (median ${median}, ±${report.rssSpreadPercent}%)`,
          `  series    ${rss.map((r) => `${r.s}s:${r.mib}`).join(' ')}`,
          `  heap      used/total/external MiB ${rss
            .filter((r) => r.heapUsed !== undefined)
            .map((r) => `${r.s}s:${r.heapUsed}/${r.heapTotal}/${r.external}`)
            .join(' ')}`,
          '',
        ].join('\n'),
      );
    }
    for (const p of problems) process.stderr.write(`soak: ${p}\n`);
    const failed = stats.wrong > 0 || stats.lost > 0 || stats.answered === 0 || srv.exited;
    if (failed) process.stderr.write('soak: FAILED (wrong or lost answers, or the server exited)\n');
    return failed ? 1 : 0;
  } finally {
    running = false;
    stopping = true;
    for (const t of timers) clearInterval(t);
    if (child && !child.exited) {
      const proc = child.proc;
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await gone;
    }
    await up?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Lowest, highest and median of a series. */
function spreadOf(xs: number[]): { low: number; high: number; median: number } {
  const sorted = [...xs].sort((a, b) => a - b);
  return {
    low: sorted[0] ?? 0,
    high: sorted[sorted.length - 1] ?? 0,
    median: sorted[Math.floor(sorted.length / 2)] ?? 0,
  };
}

// Awaited at the top level: the module runner that loads this script stays open until the soak
// ends (the server loads parts of itself on first use).
process.exitCode = await main().catch((e: unknown) => {
  process.stderr.write(`soak: ${e instanceof Error ? e.message : String(e)}\n`);
  return 1;
});
