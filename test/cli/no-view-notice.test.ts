/**
 * "My container gets public answers": a private name asked by a client in no VPC view is
 * forwarded, and the server says so at info, once per client and name.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/core/server.js';
import { CW_REGIONAL, cloudwatch, oneVpc, VPC_ID } from '../helpers/configs.js';
import { addresses, query } from '../helpers/dns-client.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk, _enc, cb) {
    for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
    cb();
  },
});
let up: FakeUpstream;
let server: RunningServer;

beforeAll(async () => {
  up = await startFakeUpstream();
  server = await startServer({
    // 127.0.0.1 (the test's client) is outside the VPC: it sees no private names.
    config: oneVpc([cloudwatch()], {}, { cidrs: ['10.0.0.0/16'] }),
    listen: '127.0.0.1:0',
    upstreams: [up.hostPort],
    logger: pino({ level: 'info' }, sink),
  });
});
afterAll(async () => {
  await server.close();
  await up.close();
});

const notices = () => lines.filter((l) => l.component === 'query' && l.level === 30);

describe('a private name forwarded for a client in no VPC view', () => {
  it('is forwarded (the public answer) and logged once per client and name', async () => {
    const name = 'monitoring.us-east-2.amazonaws.com';
    expect(addresses(await query(server.udp.port, name))).toEqual(['192.0.2.1']);
    expect(addresses(await query(server.udp.port, name))).toEqual(['192.0.2.1']);
    expect(notices()).toEqual([
      expect.objectContaining({
        client: '127.0.0.1',
        name,
        vpc: VPC_ID,
        msg: `${name} is a private name of ${VPC_ID}, but client 127.0.0.1 is in no VPC view (no VPC's cidrs contain it): forwarded upstream; add its range to the VPC's cidrs (see docs/troubleshooting.md#my-container-gets-public-answers)`,
      }),
    ]);
  });

  it('says nothing for names no view owns, or for names everyone sees', async () => {
    const before = notices().length;
    await query(server.udp.port, 'example.org');
    expect(addresses(await query(server.udp.port, CW_REGIONAL)).length).toBe(3);
    expect(notices().length).toBe(before);
  });
});
