/**
 * The admin HTTP API on `node:http`: JSON in and out, health and readiness, Prometheus metrics,
 * interface and AZ health, resolve explanations and reload. See the README, "Health, AZ impairment and the admin API".
 *
 * Bound to a non-loopback address it refuses to start without a token; with a token every route
 * except /healthz and /readyz requires `Authorization: Bearer <token>`.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { listenError, StartupError } from '../errors/startup.js';
import { registerHealthGauge } from '../health/probes.js';
import { formatHostPort, parseHostPort } from '../net/host-port.js';
import { isLoopback } from '../net/loopback.js';
import type { AdminContext } from './context.js';
import { AdminError } from './errors.js';
import { type AdminReply, matchRoute, ROUTES } from './routes.js';

export type { AdminContext } from './context.js';

/** The default admin address. */
export const DEFAULT_ADMIN = '127.0.0.1:8053';
/** The default admin port when an address has none. */
export const DEFAULT_ADMIN_PORT = 8053;
/** Largest request body accepted (bytes). */
export const MAX_BODY = 64 * 1024;

/** A running admin API. */
export interface AdminServer {
  address: { address: string; port: number };
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Options of {@link startAdmin}. */
export interface AdminOptions {
  /** HOST:PORT to listen on (port 0 picks a free port). */
  listen: string;
  /** Bearer token; required when `listen` is not a loopback address. */
  token?: string;
  logger: Logger;
  ctx: AdminContext;
  /**
   * Host names (besides loopback names and addresses and the bind address) that requests may
   * carry in `Host` and `Origin`; PRIVATELINK_DNS_ADMIN_ALLOWED_HOSTS (comma-separated) adds more.
   */
  allowedHosts?: string[];
}

function tokenMatches(header: string | undefined, token: string): boolean {
  if (!header) return false;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!m) return false;
  const a = Buffer.from(m[1]);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY) {
      reject(new AdminError(413, 'body_too_large', `the body is larger than ${MAX_BODY} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        // Stop reading; the 413 goes out first and the connection closes after it.
        req.removeAllListeners('data');
        req.pause();
        reject(new AdminError(413, 'body_too_large', `the body is larger than ${MAX_BODY} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function parseJsonBody(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type && !/^application\/json\b/i.test(type)) {
    throw new AdminError(
      415,
      'unsupported_media_type',
      `send JSON (Content-Type: application/json), not ${type}`,
    );
  }
  const raw = (await readBody(req)).toString('utf8');
  if (raw.trim() === '') throw new AdminError(400, 'bad_json', 'the body is empty; send a JSON object');
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw new AdminError(400, 'bad_json', `the body is not valid JSON: ${(e as Error).message}`);
  }
}

function send(res: ServerResponse, reply: AdminReply, extraHeaders: Record<string, string> = {}): void {
  const body = reply.text !== undefined ? reply.text : `${JSON.stringify(reply.json ?? null, null, 2)}\n`;
  res.writeHead(reply.status, {
    'content-type':
      reply.text !== undefined ? (reply.contentType ?? 'text/plain; charset=utf-8') : 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...extraHeaders,
  });
  res.end(body);
}

function splitPath(pathname: string): string[] {
  try {
    return pathname
      .split('/')
      .filter(Boolean)
      .map((s) => decodeURIComponent(s));
  } catch {
    throw new AdminError(400, 'bad_query', `the path ${pathname} is not valid percent-encoding`);
  }
}

/** Most admin connections open at once. */
export const MAX_CONNECTIONS = 128;

/**
 * Throws the start-up error for an admin API that would listen off loopback without a token.
 * Servers call it before they open any socket, so nothing logs "listening" first.
 */
export function checkAdminExposure(listen: false | string | undefined, token: string | undefined): void {
  if (!listen || token) return;
  const { host, port } = parseHostPort(listen, DEFAULT_ADMIN_PORT);
  if (isLoopback(host)) return;
  throw new StartupError(
    'startup.admin-token-required',
    `admin API on ${formatHostPort({ host, port })} would be reachable from other hosts: give --admin-token (or $PRIVATELINK_DNS_ADMIN_TOKEN), or bind it to 127.0.0.1`,
  );
}

/**
 * Starts the admin API. Rejects when the address is not loopback and no token is given, or when
 * it cannot listen.
 */
export async function startAdmin(opts: AdminOptions): Promise<AdminServer> {
  const { host, port } = parseHostPort(opts.listen, DEFAULT_ADMIN_PORT);
  const token = opts.token || undefined;
  const shown = formatHostPort({ host, port });
  checkAdminExposure(opts.listen, token);
  const log = opts.logger;
  const ctx = opts.ctx;
  // Names a request may carry in Host (without a token) and in Origin: loopback names and
  // addresses, the bind address, and what PRIVATELINK_DNS_ADMIN_ALLOWED_HOSTS adds.
  const extra = new Set(
    [...(opts.allowedHosts ?? []), ...(process.env.PRIVATELINK_DNS_ADMIN_ALLOWED_HOSTS ?? '').split(',')]
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  const nameAllowed = (name: string): boolean => {
    const n = name.toLowerCase().replace(/^\[|\]$/g, '');
    return (
      n === 'localhost' ||
      n.endsWith('.localhost') ||
      isLoopback(n) ||
      n === host.toLowerCase() ||
      extra.has(n)
    );
  };
  const hostAllowed = (h: string | undefined): boolean => {
    if (!h) return false;
    const m = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(h);
    return m !== null && nameAllowed(m[1]);
  };
  const originAllowed = (origin: string): boolean => {
    try {
      return nameAllowed(new URL(origin).hostname);
    } catch {
      return false;
    }
  };
  // Present on /metrics even when this process runs no probes.
  registerHealthGauge(ctx.metrics, ctx.health, () => ctx.catalog());

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://admin');
    const m = matchRoute(method, splitPath(url.pathname));
    if (!m.route) {
      if (m.allowed.length) {
        throw new AdminError(
          405,
          'method_not_allowed',
          `${method} is not allowed on ${url.pathname} (use ${m.allowed.join(', ')})`,
          {
            allowed: m.allowed,
          },
        );
      }
      throw new AdminError(404, 'not_found', `no such resource: ${url.pathname}`);
    }
    if (!token && !hostAllowed(req.headers.host)) {
      throw new AdminError(
        403,
        'forbidden_host',
        `Host "${req.headers.host ?? ''}" is not this admin API's address (use 127.0.0.1 or localhost)`,
      );
    }
    if (method !== 'GET' && method !== 'HEAD') {
      const origin = req.headers.origin;
      if (origin !== undefined && !originAllowed(origin)) {
        throw new AdminError(403, 'forbidden_origin', `requests from ${origin} may not change anything`);
      }
      const type = req.headers['content-type'];
      if (!/^application\/json\b/i.test(type ?? '')) {
        throw new AdminError(
          415,
          'unsupported_media_type',
          type
            ? `send JSON (Content-Type: application/json), not ${type}`
            : `${method} needs Content-Type: application/json (send JSON; a body is optional)`,
        );
      }
    }
    if (token && !m.route.open && !tokenMatches(req.headers.authorization, token)) {
      throw new AdminError(
        401,
        'unauthorized',
        req.headers.authorization ? 'the bearer token is wrong' : 'send Authorization: Bearer <token>',
      );
    }
    const reply = await m.route.handler(ctx, {
      params: m.params,
      query: url.searchParams,
      body: () => parseJsonBody(req),
    });
    if (m.route.method !== 'GET') {
      log.info({ method, path: url.pathname, status: reply.status }, `admin ${method} ${url.pathname}`);
    }
    send(res, reply);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const err =
        e instanceof AdminError
          ? e
          : new AdminError(500, 'internal', e instanceof Error ? e.message : String(e));
      if (err.status >= 500) log.error({ err: e, path: req.url }, 'admin request failed');
      else log.debug({ path: req.url, code: err.code }, err.message);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const headers: Record<string, string> = {};
      if (err.status === 401) headers['www-authenticate'] = 'Bearer';
      if (err.status === 405) headers.allow = (err.details.allowed as string[]).join(', ');
      if (err.status === 413) {
        headers.connection = 'close';
        res.once('finish', () => req.socket.destroy());
      }
      send(res, { status: err.status, json: err.toJSON() }, headers);
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  // Idle connections cannot take every file descriptor from DNS over TCP and the forwarder:
  // beyond this many, new connections are closed at once.
  server.maxConnections = MAX_CONNECTIONS;

  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => reject(listenError('admin API cannot listen', shown, e));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const a = server.address();
  const address = typeof a === 'object' && a ? { address: a.address, port: a.port } : { address: host, port };
  log.info(
    { admin: formatHostPort({ host: address.address, port: address.port }), auth: token ? 'bearer' : 'none' },
    `admin API on http://${formatHostPort({ host: address.address, port: address.port })}`,
  );
  let closing: Promise<void> | undefined;
  return {
    address,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Every route as "METHOD /path" (for docs and tests). */
export const ADMIN_ROUTES = ROUTES.map((r) => `${r.method} ${r.path}`);
