/**
 * The admin API's errors: one class, a stable machine-readable `code`, an HTTP status, and a
 * message that names the problem. Sent as `{"error": {"code", "message", ...details}}`. The codes,
 * their statuses, meanings and fixes are in the error catalog (src/errors/catalog.ts).
 */
import { type AdminWireCode, adminErrorByWire, type ErrorCode } from '../errors/catalog.js';

/** Stable error codes of the admin API: the `wire` codes of the `admin.*` entries of the error catalog. */
export type AdminErrorCode = AdminWireCode;

/** An error answered as JSON with its status. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: AdminErrorCode,
    message: string,
    /** Extra fields merged into the error object (e.g. `problems`, `allowed`). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AdminError';
  }

  /** The catalog code of this error, e.g. `admin.not-found` for `not_found`. */
  get catalogCode(): ErrorCode {
    return adminErrorByWire(this.code).code as ErrorCode;
  }

  /** The JSON body sent to the client. */
  toJSON(): { error: Record<string, unknown> } {
    return { error: { code: this.code, message: this.message, ...this.details } };
  }
}

/** Lists up to `max` items for a message: "a, b, c (and 4 more)". */
export function listForMessage(items: readonly string[], max = 10): string {
  if (items.length === 0) return 'none';
  const head = items.slice(0, max).join(', ');
  return items.length > max ? `${head} (and ${items.length - max} more)` : head;
}
