/**
 * Runs a query through the handlers in their declared order. Synchronous handlers (access,
 * local, cache) stay synchronous: a promise is only created when a handler returns one.
 */
import type { Handler, HandlerResult, QueryContext } from './types.js';

export class Chain {
  constructor(readonly handlers: readonly Handler[]) {}

  /** Resolves to the response, null to drop, or undefined when no handler answered. */
  run(ctx: QueryContext): HandlerResult | Promise<HandlerResult> {
    return this.from(0, ctx);
  }

  private from(start: number, ctx: QueryContext): HandlerResult | Promise<HandlerResult> {
    const hs = this.handlers;
    for (let i = start; i < hs.length; i++) {
      const r = hs[i].handle(ctx);
      if (r instanceof Promise) {
        return r.then((v) => (v === undefined ? this.from(i + 1, ctx) : v));
      }
      if (r !== undefined) return r;
    }
    return undefined;
  }
}
