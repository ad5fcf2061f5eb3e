/** A real server with its admin API on ephemeral loopback ports, and a small HTTP client for it. */
import { pino } from 'pino';
import { type RunningServer, type ServerOptions, startServer } from '../../src/core/server.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';

export interface ApiReply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test JSON is checked by assertions
  json: any;
  text: string;
}

export interface AdminHarness {
  srv: RunningServer;
  up: FakeUpstream;
  /** DNS port (UDP and TCP). */
  dns: number;
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiReply>;
  close(): Promise<void>;
}

/** Sends a request to an admin API; `body` strings are sent as is, other values as JSON. */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiReply> {
  const init: RequestInit = { method, headers: { ...headers } };
  // As every client of the API does: requests that change state are JSON.
  if (method !== 'GET') (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

export async function startHarness(
  config: ServerOptions['config'],
  more: Partial<ServerOptions> = {},
): Promise<AdminHarness> {
  const up = await startFakeUpstream();
  const srv = await startServer({
    config,
    listen: '127.0.0.1:0',
    admin: '127.0.0.1:0',
    upstreams: [up.hostPort],
    logger: pino({ level: 'silent' }),
    watch: false,
    ...more,
  });
  const base = `http://127.0.0.1:${srv.admin!.port}`;
  return {
    srv,
    up,
    dns: srv.udp.port,
    api: (method, path, body, headers) => call(base, method, path, body, headers),
    close: async () => {
      await srv.close();
      await up.close();
    },
  };
}
