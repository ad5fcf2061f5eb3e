/**
 * server.names() and truthful `changed` in reload results (the API and POST /v1/reload), for a
 * server that keeps its config and for a lean one (`serve`: the catalog, not the endpoints).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type RunningServer, startServer } from '../../src/core/server.js';
import { CW_ID, CW_REGIONAL, cloudwatch, cwZonal, oneVpc, VPC_ID } from '../helpers/configs.js';

const config = oneVpc([cloudwatch()]);

describe.each([
  ['keeps its config', false],
  ['lean', true],
])('a server that %s', (_how, lean) => {
  const dir = mkdtempSync(join(tmpdir(), 'pldns-names-'));
  const file = join(dir, 'endpoints.yaml');
  let server: RunningServer;
  let loadedEndpoints = -1;

  beforeAll(async () => {
    writeFileSync(file, stringify(config));
    server = await startServer({
      config: file,
      listen: '127.0.0.1:0',
      upstreams: ['127.0.0.1:9'],
      admin: '127.0.0.1:0',
      watch: false,
      logger: pino({ level: 'silent' }),
      leanConfig: lean,
      onLoaded: (l) => {
        loadedEndpoints = l.config.vpcs[0].endpoints.length;
      },
    });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gets the whole config once loaded, and keeps the endpoints only when not lean', () => {
    expect(loadedEndpoints).toBe(1);
    expect(server.config().vpcs[0].endpoints.length).toBe(lean ? 0 : 1);
  });

  describe('server.names()', () => {
    it('lists every owned name with its kind, endpoint, VPC and addresses', () => {
      const all = ['10.0.1.23', '10.0.2.23', '10.0.3.23'];
      expect(server.names()).toEqual([
        { name: CW_REGIONAL, kind: 'regional', wildcard: false, endpoint: CW_ID, vpc: null, addresses: all },
        ...['us-east-2a', 'us-east-2b', 'us-east-2c'].map((az, i) => ({
          name: cwZonal(az),
          kind: 'zonal',
          wildcard: false,
          endpoint: CW_ID,
          vpc: null,
          az,
          addresses: [all[i]],
        })),
        {
          name: 'monitoring.us-east-2.amazonaws.com',
          kind: 'private',
          wildcard: false,
          endpoint: CW_ID,
          vpc: VPC_ID,
          addresses: all,
        },
      ]);
    });
  });

  describe('reload reports changed truthfully', () => {
    const reloadOverHttp = async () => {
      const r = await fetch(`http://127.0.0.1:${server.admin?.port}/v1/reload`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      return r.json();
    };

    it('the same file: changed false', async () => {
      expect(await reloadOverHttp()).toMatchObject({ ok: true, changed: false });
    });

    it('only a comment added: the text changed, the config did not', async () => {
      writeFileSync(file, `# a comment\n${stringify(config)}`);
      expect(await reloadOverHttp()).toMatchObject({ ok: true, changed: false });
    });

    it('a new ttl: changed true, and it is applied', async () => {
      writeFileSync(file, stringify({ ...config, ttl: 30 }));
      expect(await reloadOverHttp()).toMatchObject({ ok: true, changed: true });
      expect(server.config().ttl).toBe(30);
    });

    it('the same inline object again: changed false', async () => {
      expect(await server.reload({ ...config, ttl: 30 })).toEqual({ ok: true, changed: false });
      expect(await server.reload({ ...config, ttl: 40 })).toEqual({ ok: true, changed: true });
      expect(server.config().ttl).toBe(40);
    });
  });
});
