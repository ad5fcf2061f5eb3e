// Runs dnsperf against one server and reads back queries/s, losses and per-query latencies.
import { spawn } from 'node:child_process';
import { closeSync, createReadStream, openSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/**
 * One dnsperf run. `rate` fixes the query rate (-Q); otherwise `outstanding` queries are kept in
 * flight (-q) by `clients` clients (-c). `once` stops at the end of the file (-n 1). `mode` 'tcp'
 * sends over TCP, each client one connection with its queries pipelined on it.
 * Per-query latencies come from -v (written to `out`, a file, then read back).
 */
export async function dnsperf({
  port,
  file,
  seconds,
  clients = 20,
  outstanding = 200,
  rate,
  once,
  out,
  mode = 'udp',
}) {
  const args = [
    '-s',
    '127.0.0.1',
    '-p',
    String(port),
    '-d',
    file,
    '-l',
    String(seconds),
    '-c',
    String(clients),
  ];
  args.push('-q', String(outstanding), '-t', '2', '-v');
  if (rate) args.push('-Q', String(rate));
  if (once) args.push('-n', '1');
  if (mode !== 'udp') args.push('-m', mode);
  const text = await runToFile('dnsperf', args, out);
  const lat = [];
  let qps = 0;
  let sent = 0;
  let lost = 0;
  const rcodes = {};
  const rl = createInterface({ input: createReadStream(out), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of rl) {
    if (line.charCodeAt(0) === 62 /* > */) {
      const sp = line.lastIndexOf(' ');
      const v = Number(line.slice(sp + 1));
      if (!Number.isNaN(v)) lat.push(v);
      continue;
    }
    let m = /Queries per second:\s+([\d.]+)/.exec(line);
    if (m) qps = Number(m[1]);
    m = /Queries sent:\s+(\d+)/.exec(line);
    if (m) sent = Number(m[1]);
    m = /Queries lost:\s+(\d+)/.exec(line);
    if (m) lost = Number(m[1]);
    m = /Response codes:\s+(.*)$/.exec(line);
    if (m) for (const p of m[1].matchAll(/([A-Z]+) (\d+)/g)) rcodes[p[1]] = Number(p[2]);
  }
  if (!qps) throw new Error(`dnsperf printed no result:\n${text}`);
  const sorted = Float64Array.from(lat).sort();
  const pct = (p) =>
    sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN;
  return { qps, sent, lost, rcodes, p50: pct(0.5) * 1000, p99: pct(0.99) * 1000 };
}

function runToFile(cmd, args, out) {
  return new Promise((resolve, reject) => {
    const fd = openSync(out, 'w');
    const child = spawn(cmd, args, { stdio: ['ignore', fd, fd] });
    child.on('error', reject);
    child.on('exit', (code) => {
      closeSync(fd);
      if (code !== 0) reject(new Error(`${cmd} exited ${code}:\n${readFileSync(out, 'utf8').slice(-2000)}`));
      else resolve('');
    });
  });
}
