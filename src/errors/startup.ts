/**
 * Start-up errors: a listener that cannot bind, an admin API without its token. Each has a code
 * from the error catalog, and for a known cause the catalog's words ("address already in use").
 */
import { ERRORS, type StartupErrorCode } from './catalog.js';

/** A start-up failure with a catalog code; its message is what `serve` prints. */
export class StartupError extends Error {
  constructor(
    readonly code: StartupErrorCode,
    message: string,
    /** The socket error code behind it (EADDRINUSE, …), when there is one. */
    readonly errno?: string,
  ) {
    super(message);
    this.name = 'StartupError';
  }
}

/** The catalog entry of a socket error code, for the listen errors the catalog knows. */
export function listenErrorInfo(errno: string | undefined): ListenErrorDef | undefined {
  if (!errno) return undefined;
  return LISTEN_ERRORS.find((e) => e.errno === errno);
}

type ListenErrorDef = Extract<(typeof ERRORS)[number], { errno: string }>;
const LISTEN_ERRORS = ERRORS.filter((e): e is ListenErrorDef => 'errno' in e);

/**
 * The error for a listener that failed to bind: `${what} on ${address}: address already in use`
 * for a cause the catalog knows, else the socket error's own message. `what` is e.g.
 * "cannot listen" or "admin API cannot listen".
 */
export function listenError(what: string, address: string, e: unknown): Error {
  const errno = (e as NodeJS.ErrnoException | undefined)?.code;
  const info = listenErrorInfo(errno);
  if (!info) {
    const why = e instanceof Error ? e.message : String(e);
    return Object.assign(new Error(`${what} on ${address}: ${why}`), { code: errno });
  }
  return new StartupError(info.code, `${what} on ${address}: ${info.says}`, errno);
}
