// serve --workers 2 --query-log FILE: both workers append to one file; under a stream of queries
// from several clients and a logrotate-style rotation (rename, then SIGUSR1 to the primary),
// every line is whole JSON and every answered query is logged exactly once. Runs the built CLI.
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeQuery } from '../helpers/dns-client.js';
import { type ClusterCli, listeningPort, spawnCluster, stopCluster } from './cli.js';

let cli: ClusterCli;
let port = 0;
let logFile = '';
let logDir = '';

beforeAll(async () => {
  logDir = mkdtempSync(join(tmpdir(), 'pldns-qlog-'));
  logFile = join(logDir, 'query.log');
  cli = spawnCluster('off', { args: ['--query-log', logFile] });
  port = await listeningPort(cli);
}, 60_000);

afterAll(async () => {
  await stopCluster(cli);
  rmSync(logDir, { recursive: true, force: true });
});

/** Sends `n` queries from one socket, one at a time; resolves with the names answered. */
async function client(tag: string, n: number): Promise<string[]> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const answered: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `vpce-099deb00b40f00e22-lj2wisx3.monitoring.us-east-2.vpce.amazonaws.com`;
    const got = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 2000);
      sock.once('message', () => {
        clearTimeout(t);
        resolve(true);
      });
      sock.send(makeQuery(name, { id: i + 1 }), port, '127.0.0.1');
    });
    if (got) answered.push(`${tag}/${i}`);
  }
  sock.close();
  return answered;
}

it('one file, whole lines, each answered query once, across a rotation', async () => {
  const per = 150;
  const streams = Promise.all(['a', 'b', 'c', 'd'].map((t) => client(t, per)));
  await new Promise((r) => setTimeout(r, 100));
  renameSync(logFile, `${logFile}.1`);
  cli.child.kill('SIGUSR1');
  const answered = (await streams).flat();
  // SIGTERM flushes every worker's log before it exits.
  await stopCluster(cli);
  const text = readFileSync(`${logFile}.1`, 'utf8') + readFileSync(logFile, 'utf8');
  const lines = text.split('\n').filter((l) => l.length > 0);
  const parsed = lines.map(
    (l) => JSON.parse(l) as { query_name: string; srcport: string; transport: string },
  );
  expect(text.endsWith('\n')).toBe(true);
  expect(parsed).toHaveLength(answered.length);
  expect(parsed.every((p) => p.query_name.endsWith('.vpce.amazonaws.com.') && p.transport === 'UDP')).toBe(
    true,
  );
  // Four clients (source ports), each logged as often as it was answered.
  const byPort = new Map<string, number>();
  for (const p of parsed) byPort.set(p.srcport, (byPort.get(p.srcport) ?? 0) + 1);
  expect([...byPort.values()].reduce((a, b) => a + b, 0)).toBe(answered.length);
  expect(byPort.size).toBe(4);
}, 120_000);
