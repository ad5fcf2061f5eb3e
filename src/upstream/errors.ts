/**
 * Errors of the upstream side: small named classes, each with a stable `code` from the error
 * catalog (src/errors/catalog.ts).
 */
import type { ConfigProblemCode, UpstreamErrorCode } from '../errors/catalog.js';

/** One try at one upstream got no acceptable answer in time. */
export class UpstreamTimeoutError extends Error {
  readonly code: UpstreamErrorCode = 'upstream.timeout';
  constructor(upstream: string) {
    super(`upstream ${upstream} did not answer in time`);
    this.name = 'UpstreamTimeoutError';
  }
}

/** The socket failed (ICMP unreachable, connection refused or reset, closed mid-answer). */
export class UpstreamNetworkError extends Error {
  readonly code: UpstreamErrorCode = 'upstream.network';
  constructor(upstream: string, cause?: unknown) {
    super(`upstream ${upstream}: ${cause instanceof Error ? cause.message : 'network error'}`, { cause });
    this.name = 'UpstreamNetworkError';
  }
}

/** The exchange was closed while the query was in flight. */
export class ExchangeClosedError extends Error {
  readonly code: UpstreamErrorCode = 'upstream.closed';
  constructor() {
    super('the upstream exchange is closed');
    this.name = 'ExchangeClosedError';
  }
}

/** An upstream is this server itself (it would forward to itself forever). */
export class UpstreamIsSelfError extends Error {
  readonly code: UpstreamErrorCode = 'upstream.self';
  constructor(readonly upstream: string) {
    super(`upstream ${upstream} is this server itself; refusing to forward to it`);
    this.name = 'UpstreamIsSelfError';
  }
}

/** An upstream address does not parse. */
export class BadUpstreamError extends Error {
  readonly code: UpstreamErrorCode = 'upstream.bad-address';
  constructor(
    readonly upstream: string,
    reason: string,
  ) {
    super(`bad upstream "${upstream}": ${reason}`);
    this.name = 'BadUpstreamError';
  }
}

/** The config problem code for an error the forwarder raised while taking a config. */
export function configProblemCode(e: unknown): ConfigProblemCode {
  if (e instanceof UpstreamIsSelfError) return 'config.upstream-self';
  if (e instanceof BadUpstreamError) return 'config.bad-upstream';
  return 'config.load-failed';
}
