/**
 * Query logs in Resolver's format: every line is checked against the JSON Schema written from
 * AWS's documentation (schema/resolver-query-log.schema.json); cache hits are left out unless
 * `logCacheHits`; firewall matches carry the firewall fields; reopening under a query stream
 * loses and tears no line.
 */
import { mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { type RunningServer, startServer } from '../../src/core/server.js';
import { cloudwatch, oneVpc, VPC_ID } from '../helpers/configs.js';
import { query, queryTcp } from '../helpers/dns-client.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';

const silent = pino({ level: 'silent' });
const CW_PRIVATE = 'monitoring.us-east-2.amazonaws.com';
const schema = JSON.parse(
  readFileSync(new URL('../../schema/resolver-query-log.schema.json', import.meta.url), 'utf8'),
);
const ajv = new Ajv2020({ allErrors: true, strict: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validLine = ajv.compile(schema);

const dir = mkdtempSync(join(tmpdir(), 'qlog-'));
let up: FakeUpstream;
beforeAll(async () => {
  up = await startFakeUpstream();
});
afterAll(async () => up?.close());

const firewall: ConfigInput['firewall'] = {
  domainLists: [
    { name: 'bad', domains: ['evil.example'] },
    { name: 'watch', domains: ['*.watch.example'] },
  ],
  ruleGroups: [
    {
      name: 'baseline',
      rules: [
        { name: 'block', priority: 1, domainList: 'bad', action: 'BLOCK', blockResponse: 'NXDOMAIN' },
        { name: 'alert', priority: 2, domainList: 'watch', action: 'ALERT' },
      ],
    },
  ],
  associations: [{ ruleGroup: 'baseline', vpc: VPC_ID, priority: 101 }],
};

async function serve(file: string, queryLogs: Record<string, unknown> = {}): Promise<RunningServer> {
  return startServer({
    config: oneVpc([cloudwatch()], {
      firewall,
      queryLogs: { destination: file, accountId: '111122223333', ...queryLogs },
    }),
    listen: '127.0.0.1:0',
    upstreams: [up.hostPort],
    logger: silent,
    watch: false,
  });
}

function linesOf(file: string): Record<string, unknown>[] {
  const text = readFileSync(file, 'utf8');
  // Whole lines only: a file holds nothing, or ends with a newline.
  expect(text === '' || text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l));
}

describe('lines in Resolver query log format', () => {
  let lines: Record<string, unknown>[];
  beforeAll(async () => {
    const file = join(dir, 'format.log');
    const srv = await serve(file);
    const port = srv.udp.port;
    await query(port, 'www.example.org'); // forwarded
    await query(port, 'www.example.org'); // cache hit: not logged
    await queryTcp(port, CW_PRIVATE); // our own name, over TCP
    await query(port, 'evil.example'); // BLOCK
    await query(port, 'a.watch.example', { type: 'AAAA' }); // ALERT
    await query(port, 'nx.example.org'); // NXDOMAIN from upstream
    await srv.close(); // flushes
    lines = linesOf(file);
  });

  it('every line is valid against the schema written from AWS documentation', () => {
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      const ok = validLine(l);
      expect(ok, JSON.stringify(validLine.errors)).toBe(true);
    }
  });

  it('logs each query once; the cache hit is left out', () => {
    expect(lines.map((l) => l.query_name)).toEqual([
      'www.example.org.',
      `${CW_PRIVATE}.`,
      'evil.example.',
      'a.watch.example.',
      'nx.example.org.',
    ]);
  });

  it('has the values Resolver writes', () => {
    const [fwd, local] = lines;
    expect(fwd).toMatchObject({
      version: '1.100000',
      account_id: '111122223333',
      region: 'us-east-2',
      vpc_id: VPC_ID,
      query_type: 'A',
      query_class: 'IN',
      rcode: 'NOERROR',
      answers: [{ Rdata: '192.0.2.1', Type: 'A', Class: 'IN' }],
      srcaddr: '127.0.0.1',
      transport: 'UDP',
    });
    expect(fwd.srcport).toMatch(/^\d+$/);
    expect(local.transport).toBe('TCP');
    expect((local.answers as { Rdata: string }[]).map((a) => a.Rdata).sort()).toEqual([
      '10.0.1.23',
      '10.0.2.23',
      '10.0.3.23',
    ]);
    expect(lines[4].rcode).toBe('NXDOMAIN');
    expect(lines[4].answers).toEqual([]);
  });

  it('firewall fields on matched queries only', () => {
    expect(lines[2]).toMatchObject({ rcode: 'NXDOMAIN', firewall_rule_action: 'BLOCK' });
    expect(lines[2].firewall_rule_group_id).toMatch(/^rslvr-frg-[0-9a-f]{17}$/);
    expect(lines[2].firewall_domain_list_id).toMatch(/^rslvr-fdl-[0-9a-f]{17}$/);
    expect(lines[3]).toMatchObject({ firewall_rule_action: 'ALERT', query_type: 'AAAA' });
    expect(lines[3].firewall_domain_list_id).not.toBe(lines[2].firewall_domain_list_id);
    expect(lines[3].firewall_rule_group_id).toBe(lines[2].firewall_rule_group_id);
    for (const l of [lines[0], lines[1], lines[4]]) expect(l).not.toHaveProperty('firewall_rule_action');
  });
});

describe('logCacheHits and the VPC filter', () => {
  it('logCacheHits: true logs the cache hit too', async () => {
    const file = join(dir, 'hits.log');
    const srv = await serve(file, { logCacheHits: true });
    await query(srv.udp.port, 'hit.example.org');
    await query(srv.udp.port, 'hit.example.org');
    await srv.close();
    expect(linesOf(file).map((l) => l.query_name)).toEqual(['hit.example.org.', 'hit.example.org.']);
  });

  it('queries from outside the logged VPCs are not logged', async () => {
    const file = join(dir, 'outside.log');
    const srv = await startServer({
      config: oneVpc([cloudwatch()], { queryLogs: { destination: file } }, { cidrs: ['10.0.0.0/16'] }),
      listen: '127.0.0.1:0',
      upstreams: [up.hostPort],
      logger: silent,
      watch: false,
    });
    await query(srv.udp.port, 'outside.example.org');
    await srv.close();
    expect(readFileSync(file, 'utf8')).toBe('');
  });
});

describe('reopen under a query stream', () => {
  it('loses and tears no line across three rotations', async () => {
    const file = join(dir, 'rotate.log');
    const srv = await serve(file);
    const port = srv.udp.port;
    const total = 300;
    const rotated: string[] = [];
    const stream = (async () => {
      for (let i = 0; i < total; i++) await query(port, `q${i}.stream.example.org`);
    })();
    for (let r = 0; r < 3; r++) {
      // rotate while queries are in flight: rename (logrotate's "create"), then reopen
      await new Promise((res) => setTimeout(res, 15));
      const to = `${file}.${r}`;
      renameSync(file, to);
      rotated.push(to);
      await srv.reopenQueryLog();
    }
    await stream;
    await srv.close();
    const names = [...rotated, file].flatMap((f) => linesOf(f).map((l) => l.query_name));
    expect(names).toHaveLength(total);
    expect(new Set(names).size).toBe(total);
    for (let i = 0; i < total; i++) expect(names).toContain(`q${i}.stream.example.org.`);
  });
});
