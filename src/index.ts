/**
 * privatelink-dns: a local DNS server that answers like the hidden Route 53 zones behind AWS
 * PrivateLink interface endpoints, and forwards everything else.
 *
 * @example
 * ```ts
 * import { startServer } from 'privatelink-dns';
 * const server = await startServer({ config: 'config/endpoints.yaml', listen: '127.0.0.1:0', upstreams: ['127.0.0.1:5300'] });
 * // … query server.udp.port …
 * await server.close();
 * ```
 */

export {
  type CreateLookupOptions,
  createLookup,
  type DnsLookupFunction,
  type LookupServerAddresses,
} from './client/lookup.js';
export { ConfigError, type ConfigProblem, formatProblem } from './config/load.js';
export type { Config, ConfigInput } from './config/schema.js';
export {
  type Address,
  type ReloadResult,
  type RunningServer,
  type ServerOptions,
  startServer,
} from './core/server.js';
export type { LogLevel } from './log/logger.js';
export type { NameInfo } from './privatelink/owned-names.js';
