// serve --workers 2 over real sockets: both workers answer on the shared UDP socket and TCP
// listener, round robin stays even, and an admin change or a reload is in effect on every worker
// once the admin call has returned. Runs the built CLI (npm test builds first).
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CW_REGIONAL, cloudwatch, oneVpc } from '../helpers/configs.js';
import { addresses, query, queryTcp } from '../helpers/dns-client.js';
import { type ClusterCli, spawnCluster, stopCluster } from './cli.js';

const ALL = ['10.0.1.23', '10.0.2.23', '10.0.3.23'];

let cli: ClusterCli;
let configFile: string;
let child: ChildProcess;
let port = 0;
let admin = '';
let output = '';

function waitFor(re: RegExp, ms: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}:\n${output}`)), ms);
    const check = () => {
      const m = re.exec(output);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        resolve(m);
      }
    };
    child.stdout?.on('data', check);
    check();
  });
}

/** Queries from many sockets (so the kernel spreads them over the workers), one at a time. */
async function firstAddresses(n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(addresses(await query(port, CW_REGIONAL))[0]);
  return out;
}

async function allAnswers(n: number): Promise<string[][]> {
  return Promise.all(Array.from({ length: n }, () => query(port, CW_REGIONAL).then(addresses)));
}

async function put(path: string, body: unknown): Promise<number> {
  const r = await fetch(`${admin}${path}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await r.text();
  return r.status;
}

beforeAll(async () => {
  const c = spawnCluster('127.0.0.1:0');
  cli = c;
  child = c.child;
  configFile = c.configFile;
  // waitFor reads `output`; the child writes it through c.output().
  const sync = () => {
    output = c.output();
  };
  child.stdout?.on('data', sync);
  child.stderr?.on('data', sync);
  const a = await waitFor(/admin API on (http:\/\/127\.0\.0\.1:\d+)/, 30_000);
  admin = a[1];
  const l = await waitFor(/listening on 127\.0\.0\.1:(\d+) \(udp\+tcp, 2 workers\)/, 30_000);
  port = Number(l[1]);
}, 60_000);

afterAll(() => stopCluster(cli));

describe('serve --workers 2', () => {
  it('runs two worker processes that answer over UDP and TCP', async () => {
    const workers = output.match(/"worker":\d+,"component":"server"[^\n]*"msg":"worker serving"/g) ?? [];
    expect(workers.length).toBe(2);
    // One "listening on" line, the primary's, with the port the cluster serves on.
    expect(output.match(/listening on [^"]*/g)).toEqual([
      `listening on 127.0.0.1:${port} (udp+tcp, 2 workers)`,
    ]);
    expect(addresses(await query(port, CW_REGIONAL)).sort()).toEqual(ALL);
    expect(addresses(await queryTcp(port, CW_REGIONAL)).sort()).toEqual(ALL);
  });

  it('keeps round robin even across workers', async () => {
    const n = 60;
    const first = await firstAddresses(n);
    const counts = ALL.map((a) => first.filter((x) => x === a).length);
    // Each worker rotates on its own: every worker is even, the sum is within one step per worker.
    for (const c of counts) expect(Math.abs(c - n / ALL.length)).toBeLessThanOrEqual(2);
  });

  it('applies an AZ impairment on every worker before the admin call returns', async () => {
    expect(await put('/v1/azs/us-east-2b', { impaired: true })).toBe(200);
    for (const a of await allAnswers(40)) expect(a.sort()).toEqual(['10.0.1.23', '10.0.3.23']);
    expect(await put('/v1/azs/us-east-2b', { impaired: false })).toBe(200);
    for (const a of await allAnswers(40)) expect(a.sort()).toEqual(ALL);
  });

  it('applies an interface override on every worker before the admin call returns', async () => {
    const id = 'vpce-099deb00b40f00e22';
    expect(await put(`/v1/endpoints/${id}/interfaces/us-east-2a`, { healthy: false })).toBe(200);
    for (const a of await allAnswers(40)) expect(a.sort()).toEqual(['10.0.2.23', '10.0.3.23']);
    expect(await put(`/v1/endpoints/${id}/interfaces/us-east-2a`, { healthy: null })).toBe(200);
    for (const a of await allAnswers(40)) expect(a.sort()).toEqual(ALL);
  });

  it('reloads every worker before the reload call returns', async () => {
    const moved = cloudwatch({
      interfaces: [
        { subnet: 'subnet-0aaa', ipv4: '10.0.1.99' },
        { subnet: 'subnet-0bbb', ipv4: '10.0.2.23' },
        { subnet: 'subnet-0ccc', ipv4: '10.0.3.23' },
      ],
    });
    writeFileSync(configFile, stringify(oneVpc([moved])));
    const r = await fetch(`${admin}/v1/reload`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(200);
    await r.text();
    for (const a of await allAnswers(40)) expect(a.sort()).toEqual(['10.0.1.99', '10.0.2.23', '10.0.3.23']);
  });
});
