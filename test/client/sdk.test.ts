/**
 * The AWS SDK v3, unmodified except for its HTTP handler, reaching an interface endpoint through
 * createLookup: @aws-sdk/client-sqs calls https://sqs.us-east-1.amazonaws.com (the private DNS
 * name of an SQS interface endpoint) whose two interfaces are loopback addresses, where two fake
 * SQS servers listen with a certificate for that name. Then us-east-1a is impaired through the
 * admin API and every new connection goes to the interface in us-east-1b.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import pino from 'pino';
import { Agent as UndiciAgent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLookup, type RunningServer, startServer } from '../../src/index.js';

const NAME = 'sqs.us-east-1.amazonaws.com';
const IFACE = { 'us-east-1a': '127.0.1.10', 'us-east-1b': '127.0.2.10' } as const;

const CONFIG = {
  vpcs: [
    {
      id: 'vpc-0a1b2c3d4e5f60718',
      region: 'us-east-1',
      cidrs: ['127.0.0.0/8'],
      subnets: [
        { id: 'subnet-0aaa', az: 'us-east-1a', ipv4Cidr: '127.0.1.0/24' },
        { id: 'subnet-0bbb', az: 'us-east-1b', ipv4Cidr: '127.0.2.0/24' },
      ],
      endpoints: [
        {
          service: 'com.amazonaws.us-east-1.sqs',
          privateDnsEnabled: true,
          interfaces: [
            { subnet: 'subnet-0aaa', ipv4: IFACE['us-east-1a'] },
            { subnet: 'subnet-0bbb', ipv4: IFACE['us-east-1b'] },
          ],
        },
      ],
    },
  ],
};

interface Seen {
  az: string;
  host: string | undefined;
  target: string | undefined;
  auth: string | undefined;
}

let dir: string;
let cert: Buffer;
let server: RunningServer;
const fakes: https.Server[] = [];
const seen: Seen[] = [];
let port = 0;
const savedEnv = { ...process.env };

/** A fake SQS (JSON protocol) on `address`: ListQueues answers with a queue named after the AZ. */
function fakeSqs(az: string, address: string, key: Buffer, listenPort: number): Promise<https.Server> {
  const srv = https.createServer({ key, cert }, (req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({
        az,
        host: req.headers.host,
        target: req.headers['x-amz-target'] as string | undefined,
        auth: req.headers.authorization,
      });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', connection: 'close' });
      res.end(JSON.stringify({ QueueUrls: [`https://${NAME}/000000000000/queue-${az}`] }));
    });
  });
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(listenPort, address, () => resolve(srv));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pldns-sdk-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${NAME}`,
      '-addext',
      `subjectAltName=DNS:${NAME}`,
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  cert = readFileSync(join(dir, 'cert.pem'));
  const key = readFileSync(join(dir, 'key.pem'));
  // One port on both interface addresses (the SDK has one endpoint URL): take a free one on the
  // first address and try it on the second, a few times over.
  for (let attempt = 0; attempt < 20 && fakes.length < 2; attempt++) {
    const a = await fakeSqs('us-east-1a', IFACE['us-east-1a'], key, 0);
    port = (a.address() as { port: number }).port;
    try {
      fakes.push(a, await fakeSqs('us-east-1b', IFACE['us-east-1b'], key, port));
    } catch {
      a.close();
    }
  }
  expect(fakes.length).toBe(2);
  server = await startServer({
    config: CONFIG,
    listen: '127.0.0.1:0',
    admin: '127.0.0.1:0',
    // Nothing here is forwarded; a closed loopback port keeps the machine's resolver out of it.
    upstreams: ['127.0.0.1:9'],
    logger: pino({ level: 'silent' }),
  });
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(dir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
  });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
});

afterAll(async () => {
  process.env = savedEnv;
  await server?.close();
  for (const f of fakes) f.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function admin(method: string, path: string, body?: unknown): Promise<Response> {
  const a = server.admin;
  if (!a) throw new Error('no admin API');
  return fetch(`http://127.0.0.1:${a.port}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe('AWS SDK v3 through createLookup', () => {
  it('calls SQS at its private DNS name; after an AZ impairment only the other interface is used', async () => {
    // A new connection per request, so every request resolves the name again (a keep-alive
    // connection would stay on the interface it was opened to, as in a real VPC).
    const agent = new https.Agent({ lookup: createLookup(server), ca: cert, keepAlive: false });
    const sqs = new SQSClient({
      region: 'us-east-1',
      endpoint: `https://${NAME}:${port}`,
      requestHandler: new NodeHttpHandler({ httpsAgent: agent }),
      maxAttempts: 1,
    });
    try {
      const queues: string[] = [];
      for (let i = 0; i < 4; i++) {
        const out = await sqs.send(new ListQueuesCommand({}));
        queues.push(...(out.QueueUrls ?? []));
      }
      // Both interfaces got requests (round robin), each signed for the private DNS name.
      expect(new Set(seen.map((s) => s.az))).toEqual(new Set(['us-east-1a', 'us-east-1b']));
      expect(new Set(queues)).toEqual(
        new Set([
          `https://${NAME}/000000000000/queue-us-east-1a`,
          `https://${NAME}/000000000000/queue-us-east-1b`,
        ]),
      );
      for (const s of seen) {
        expect(s.host).toBe(`${NAME}:${port}`);
        expect(s.target).toBe('AmazonSQS.ListQueues');
        expect(s.auth).toMatch(
          /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/us-east-1\/sqs\/aws4_request/,
        );
      }

      const res = await admin('PUT', '/v1/azs/us-east-1a', { impaired: true });
      expect(res.status).toBe(200);
      seen.length = 0;
      for (let i = 0; i < 4; i++) {
        const out = await sqs.send(new ListQueuesCommand({}));
        expect(out.QueueUrls).toEqual([`https://${NAME}/000000000000/queue-us-east-1b`]);
      }
      expect(seen.map((s) => s.az)).toEqual(['us-east-1b', 'us-east-1b', 'us-east-1b', 'us-east-1b']);

      // Restored: us-east-1a takes requests again.
      expect((await admin('PUT', '/v1/azs/us-east-1a', { impaired: false })).status).toBe(200);
      seen.length = 0;
      for (let i = 0; i < 4; i++) await sqs.send(new ListQueuesCommand({}));
      expect(seen.map((s) => s.az)).toContain('us-east-1a');
    } finally {
      sqs.destroy();
      agent.destroy();
    }
  });

  it('https.get with https.Agent({ lookup }) and undici with Agent({ connect: { lookup } })', async () => {
    const lookup = createLookup(server);
    seen.length = 0;
    const agent = new https.Agent({ lookup, ca: cert });
    const viaHttps = await new Promise<string>((resolve, reject) => {
      https
        .get(`https://${NAME}:${port}/`, { agent }, (res) => {
          let text = '';
          res.on('data', (d) => {
            text += d;
          });
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    agent.destroy();
    expect(viaHttps).toContain('queue-us-east-1');
    const dispatcher = new UndiciAgent({ connect: { lookup, ca: cert } });
    try {
      const res = await undiciFetch(`https://${NAME}:${port}/`, { method: 'POST', body: '{}', dispatcher });
      const body = (await res.json()) as { QueueUrls: string[] };
      expect(body.QueueUrls[0]).toMatch(/queue-us-east-1[ab]$/);
    } finally {
      await dispatcher.close();
    }
    expect(seen.length).toBe(2);
    for (const s of seen) expect(s.host).toBe(`${NAME}:${port}`);
  });
});
