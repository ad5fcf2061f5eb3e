/**
 * A small client of the admin API for the `az` and `interface` commands: JSON over node:http,
 * with errors that say what went wrong in words a user can act on.
 */
import { request } from 'node:http';
import { formatHostPort, parseHostPort } from '../net/host-port.js';
import { DEFAULT_ADMIN, DEFAULT_ADMIN_PORT } from './server.js';

/** Where the admin API is and how to authenticate. */
export interface AdminClientOptions {
  /** HOST:PORT of the admin API. @default '127.0.0.1:8053' */
  admin?: string;
  /** Bearer token. */
  token?: string;
  /** Give up after this long. @default 5000 */
  timeoutMs?: number;
}

/** A failed admin call: unreachable (no status) or an error reply (status, code). */
export class AdminClientError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'AdminClientError';
  }
}

/** Sends one request and resolves with the parsed JSON of a 2xx reply; rejects with {@link AdminClientError}. */
export function adminCall<T = unknown>(
  opts: AdminClientOptions,
  method: 'GET' | 'PUT' | 'POST',
  path: string,
  body?: unknown,
): Promise<T> {
  let hp: { host: string; port: number };
  try {
    hp = parseHostPort(opts.admin ?? DEFAULT_ADMIN, DEFAULT_ADMIN_PORT);
  } catch (e) {
    return Promise.reject(new AdminClientError(`--admin ${(e as Error).message}`));
  }
  const where = formatHostPort(hp);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { accept: 'application/json' };
  // Requests that change state are JSON, with a body or without (the API refuses them otherwise).
  if (method !== 'GET') headers['content-type'] = 'application/json';
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  return new Promise<T>((resolve, reject) => {
    const req = request({ host: hp.host, port: hp.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => reject(new AdminClientError(`admin API at ${where}: ${e.message}`)));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          reject(
            new AdminClientError(
              `admin API at ${where} answered HTTP ${res.statusCode} without JSON`,
              res.statusCode,
            ),
          );
          return;
        }
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          resolve(json as T);
          return;
        }
        const err = (json as { error?: { code?: string; message?: string; problems?: unknown[] } }).error;
        let message = err?.message ?? `HTTP ${status}`;
        if (Array.isArray(err?.problems)) {
          for (const p of err.problems as {
            file?: string;
            line?: number;
            col?: number;
            message?: string;
          }[]) {
            message += `\n  ${p.file ?? ''}:${p.line ?? ''}:${p.col ?? ''}: ${p.message ?? ''}`;
          }
        }
        if (status === 401 && !opts.token)
          message += ' (give --admin-token or set PRIVATELINK_DNS_ADMIN_TOKEN)';
        reject(new AdminClientError(message, status, err?.code));
      });
    });
    req.setTimeout(opts.timeoutMs ?? 5000, () => {
      req.destroy(
        new AdminClientError(
          `admin API at ${where} did not answer within ${(opts.timeoutMs ?? 5000) / 1000}s`,
        ),
      );
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e instanceof AdminClientError) reject(e);
      else if (e.code === 'ECONNREFUSED') {
        reject(
          new AdminClientError(
            `cannot reach the admin API at ${where}: connection refused (is "privatelink-dns serve" running with its admin API there? see --admin)`,
          ),
        );
      } else reject(new AdminClientError(`cannot reach the admin API at ${where}: ${e.message}`));
    });
    req.end(payload);
  });
}
