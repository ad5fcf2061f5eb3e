/**
 * The admin API's routes. Each handler takes the context, the path parameters and the request
 * (query string, JSON body) and returns a reply; errors are thrown as {@link AdminError}.
 * Changes to health go straight into {@link HealthState}, so they are in effect (on the very
 * next DNS query) by the time the reply is sent.
 */
import { healthKey } from '../health/state.js';
import { firewallView } from '../route53/firewall/view.js';
import type { AdminContext } from './context.js';
import { AdminError, listForMessage } from './errors.js';
import { hostedZonesView } from './hosted-zones.js';
import { explain } from './resolve.js';
import { azView, endpointView, interfaceView, knownAzs } from './views.js';

/** What a handler gets besides the context. */
export interface AdminRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body (read on demand; throws AdminError for bad JSON). */
  body(): Promise<unknown>;
}

/** A reply: JSON (`json`) or text (`text` with its content type). */
export interface AdminReply {
  status: number;
  json?: unknown;
  text?: string;
  contentType?: string;
}

type Handler = (ctx: AdminContext, req: AdminRequest) => AdminReply | Promise<AdminReply>;

/** One route: a method and a path pattern with `{param}` segments. */
export interface Route {
  method: 'GET' | 'PUT' | 'POST';
  path: string;
  /** Open without the bearer token (liveness and readiness probes). */
  open?: boolean;
  handler: Handler;
}

const ok = (json: unknown): AdminReply => ({ status: 200, json });

/** Checks that a body is a JSON object with exactly the given key, of an allowed kind. */
function field<T>(body: unknown, key: string, accept: (v: unknown) => v is T, expected: string): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new AdminError(400, 'bad_body', `the body must be a JSON object like {"${key}": ${expected}}`);
  }
  const extra = Object.keys(body).filter((k) => k !== key);
  if (extra.length) {
    throw new AdminError(
      400,
      'bad_body',
      `unknown field(s) ${extra.map((k) => `"${k}"`).join(', ')}; expected only "${key}"`,
    );
  }
  if (!(key in body)) throw new AdminError(400, 'bad_body', `missing field "${key}" (${expected})`);
  const v = (body as Record<string, unknown>)[key];
  if (!accept(v))
    throw new AdminError(400, 'bad_body', `"${key}" must be ${expected}, got ${JSON.stringify(v)}`);
  return v;
}

const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isBoolOrNull = (v: unknown): v is boolean | null => v === null || typeof v === 'boolean';

function findEndpoints(ctx: AdminContext, id: string) {
  const eps = ctx.catalog().endpoints.filter((e) => e.id === id);
  if (eps.length === 0) {
    const known = [...new Set(ctx.catalog().endpoints.map((e) => e.id))];
    throw new AdminError(404, 'unknown_endpoint', `no endpoint ${id} (known: ${listForMessage(known)})`);
  }
  return eps;
}

/** Every route of the admin API, in the order they are matched. */
export const ROUTES: Route[] = [
  { method: 'GET', path: '/healthz', open: true, handler: () => ok({ status: 'ok' }) },
  { method: 'GET', path: '/v1/firewall', handler: (ctx) => ok(firewallView(ctx.firewall?.() ?? null)) },
  {
    method: 'GET',
    path: '/readyz',
    open: true,
    handler: (ctx) => {
      // Sync failures keep the last good config serving: still ready, with the detail.
      const s = ctx.sync?.();
      const sync = s ? { sync: { state: s.state, lastSuccess: s.lastSuccess, lastError: s.lastError } } : {};
      return ctx.ready() ? ok({ ready: true, ...sync }) : { status: 503, json: { ready: false, ...sync } };
    },
  },
  {
    method: 'GET',
    path: '/v1/sync',
    handler: (ctx) => ok(ctx.sync?.() ?? { state: 'off' }),
  },
  {
    method: 'GET',
    path: '/metrics',
    handler: async (ctx) => ({
      status: 200,
      text: await ctx.metrics.text(),
      contentType: ctx.metrics.contentType,
    }),
  },
  {
    method: 'GET',
    path: '/v1/endpoints',
    handler: (ctx) =>
      ok({
        impairedAzs: ctx.health.impairedAzs(),
        endpoints: ctx.catalog().endpoints.map((ep) => endpointView(ctx, ep)),
      }),
  },
  {
    method: 'GET',
    path: '/v1/endpoints/{id}',
    handler: (ctx, req) => ok(endpointView(ctx, findEndpoints(ctx, req.params.id)[0])),
  },
  {
    method: 'PUT',
    path: '/v1/endpoints/{id}/interfaces/{az}',
    handler: async (ctx, req) => {
      const { id, az } = req.params;
      const ep = findEndpoints(ctx, id)[0];
      const itf = ep.interfaces.find((i) => i.az === az);
      if (!itf) {
        throw new AdminError(
          404,
          'unknown_interface',
          `${id} has no interface in ${az} (it has ${listForMessage(ep.interfaces.map((i) => i.az))})`,
        );
      }
      const healthy = field(await req.body(), 'healthy', isBoolOrNull, 'true, false or null');
      ctx.health.setOverride(healthKey(id, az), healthy);
      await ctx.settled?.();
      return ok({ endpoint: id, ...interfaceView(ctx, itf) });
    },
  },
  {
    method: 'GET',
    path: '/v1/azs',
    handler: (ctx) => ok({ azs: knownAzs(ctx).map((az) => azView(ctx, az)) }),
  },
  {
    method: 'PUT',
    path: '/v1/azs/{az}',
    handler: async (ctx, req) => {
      const { az } = req.params;
      const known = knownAzs(ctx);
      if (!known.includes(az)) {
        throw new AdminError(
          404,
          'unknown_az',
          `no interface is in AZ ${az} (AZs: ${listForMessage(known)})`,
        );
      }
      const impaired = field(await req.body(), 'impaired', isBool, 'true or false');
      ctx.health.setAzImpaired(az, impaired);
      await ctx.settled?.();
      return ok(azView(ctx, az));
    },
  },
  { method: 'GET', path: '/v1/resolve', handler: (ctx, req) => ok(explain(ctx, req.query)) },
  { method: 'GET', path: '/v1/hosted-zones', handler: (ctx) => ok({ hostedZones: hostedZonesView(ctx) }) },
  {
    method: 'POST',
    path: '/v1/reload',
    handler: async (ctx) => {
      const r = await ctx.reload();
      if (r.ok) return ok(r);
      throw new AdminError(
        422,
        'invalid_config',
        `the new config has ${r.problems.length} problem(s); the previous one keeps serving`,
        {
          problems: r.problems,
        },
      );
    },
  },
];

/** The result of matching a path: a route with its parameters, or which methods the path allows. */
export type RouteMatch =
  | { route: Route; params: Record<string, string> }
  | { route: null; allowed: string[] };

/** Matches a method and a path (already split into decoded segments). */
export function matchRoute(
  method: string,
  segments: readonly string[],
  routes: readonly Route[] = ROUTES,
): RouteMatch {
  const allowed: string[] = [];
  for (const route of routes) {
    const pattern = route.path.split('/').filter(Boolean);
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let match = true;
    for (let i = 0; i < pattern.length; i++) {
      const p = pattern[i];
      if (p.startsWith('{') && p.endsWith('}')) params[p.slice(1, -1)] = segments[i];
      else if (p !== segments[i]) {
        match = false;
        break;
      }
    }
    if (!match) continue;
    if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { route, params };
    allowed.push(route.method);
  }
  return { route: null, allowed };
}
