/**
 * The query-log writer on its own: lines are encoded as queries are recorded and written without
 * a flush (a chunk not yet full goes out on a timer), the bound drops and counts what is over it,
 * and a reload's new settings show in the next line.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { QueryLogsConfig, VpcConfig } from '../../src/config/schema.js';
import type { Metrics } from '../../src/metrics/metrics.js';
import type { QueryContext } from '../../src/resolve/types.js';
import { QueryLog } from '../../src/route53/query-log/writer.js';

const dir = mkdtempSync(join(tmpdir(), 'qlog-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const vpc = { id: 'vpc-0a1b2c3d4e5f60718', region: 'us-east-2' } as VpcConfig;
const config = (over: Partial<QueryLogsConfig> = {}): QueryLogsConfig =>
  ({
    destination: 'x',
    logCacheHits: false,
    accountId: '111122223333',
    maxBufferedLines: 100_000,
    ...over,
  }) as QueryLogsConfig;

/** A response to `name` A with one answer, 192.0.2.1. */
function response(name: string): Buffer {
  const q: number[] = [];
  for (const l of name.split('.')) q.push(l.length, ...Buffer.from(l));
  q.push(0);
  return Buffer.from([
    0x12,
    0x34,
    0x81,
    0x80,
    0,
    1,
    0,
    1,
    0,
    0,
    0,
    0,
    ...q,
    0,
    1,
    0,
    1,
    0xc0,
    0x0c,
    0,
    1,
    0,
    1,
    0,
    0,
    0,
    60,
    0,
    4,
    192,
    0,
    2,
    1,
  ]);
}

function ctx(name: string): QueryContext {
  return {
    q: { qname: name, qtype: 1, qclass: 1 },
    clientAddress: '127.0.0.1',
    clientPort: 40000,
    transport: 'udp',
    view: { vpc },
    source: 'local',
    firewall: null,
  } as unknown as QueryContext;
}

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l)
    .map((l) => JSON.parse(l));

describe('query-log writer', () => {
  it('writes lines without a flush: a chunk not yet full goes out on its own', async () => {
    const file = join(dir, 'timer.log');
    const log = new QueryLog(file, { config: config() });
    for (const n of ['a.example', 'b.example', 'c.example']) log.record(ctx(n), response(n));
    expect(log.pending).toBe(3);
    // The lines are in the file before the write's callback counts them as written.
    await vi.waitFor(() => expect(log.pending).toBe(0), { timeout: 10_000, interval: 20 });
    expect(lines(file).map((l) => l.query_name)).toEqual(['a.example.', 'b.example.', 'c.example.']);
    await log.close();
  });

  it('more lines than a chunk holds: every line once, whole, in order', async () => {
    const file = join(dir, 'chunks.log');
    const log = new QueryLog(file, { config: config() });
    const total = 5000;
    for (let i = 0; i < total; i++) log.record(ctx(`q${i}.example`), response(`q${i}.example`));
    await log.close();
    const got = lines(file);
    expect(got).toHaveLength(total);
    expect(got.map((l) => l.query_name)).toEqual(Array.from({ length: total }, (_, i) => `q${i}.example.`));
  });

  it('drops and counts what is over maxBufferedLines', async () => {
    const file = join(dir, 'bound.log');
    const dropped: number[] = [];
    const metrics = {
      inc: (name: string, labels: Record<string, string>, by = 1) => {
        if (name === 'query_log_dropped' && labels.reason === 'buffer-full') dropped.push(by);
      },
    } as unknown as Metrics;
    const log = new QueryLog(file, { config: config({ maxBufferedLines: 10 }), metrics });
    for (let i = 0; i < 25; i++) log.record(ctx(`q${i}.example`), response(`q${i}.example`));
    expect(log.pending).toBe(10);
    await log.close();
    expect(lines(file).map((l) => l.query_name)).toEqual(
      Array.from({ length: 10 }, (_, i) => `q${i}.example.`),
    );
    expect(dropped.reduce((a, b) => a + b, 0)).toBe(15);
  });

  it('a reload with a new account id shows in the next line', async () => {
    const file = join(dir, 'reload.log');
    const log = new QueryLog(file, { config: config() });
    log.record(ctx('a.example'), response('a.example'));
    log.configure(config({ accountId: '444455556666' }));
    log.record(ctx('b.example'), response('b.example'));
    await log.close();
    expect(lines(file).map((l) => l.account_id)).toEqual(['111122223333', '444455556666']);
  });
});
