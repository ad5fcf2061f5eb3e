/**
 * The messages between the cluster primary and its workers (node:cluster IPC). The primary is the
 * one source of truth: it loads and validates the config, runs the health probes, takes admin
 * overrides and reloads, and pushes the result to every worker; a worker only answers queries.
 * Every push carries a sequence number that the worker acknowledges once it has applied it, so
 * the primary knows when every worker answers the same thing. Configs arrive checked: a worker
 * does not check them again (see `markChecked`), it only builds its catalog.
 */
import { type Packed, packConfig, unpackConfig } from '../config/packed.js';
import type { Config } from '../config/schema.js';
import type { LogFormat } from '../log/logger.js';

/** Effective health of every interface: [health key, healthy]. */
export type HealthEntries = [string, boolean][];

/** What a worker needs to serve, besides the config. */
export interface WorkerOptions {
  /** HOST:PORT every worker binds (shared through the primary). */
  listen: string;
  upstreams?: string[];
  logLevel: string;
  /** How the worker writes its log lines. @default 'json' */
  logFormat?: LogFormat;
  shutdownGraceMs?: number;
  /** --query-log: every worker appends whole lines to this destination. */
  queryLog?: string;
}

export type ToWorker =
  | { t: 'start'; seq: number; options: WorkerOptions; config: EncodedConfig; health: HealthEntries }
  | { t: 'config'; seq: number; config: EncodedConfig; health: HealthEntries }
  | { t: 'health'; seq: number; health: HealthEntries }
  | { t: 'stop' };

export type FromWorker =
  /** The worker listens for messages now (anything sent earlier would be lost). */
  | { t: 'hello' }
  | { t: 'ready'; seq: number; udp: { address: string; port: number } }
  | { t: 'ack'; seq: number; error?: string }
  | { t: 'failed'; error: string; code?: string };

/** Tells the messages of this protocol from anything else on the IPC channel. */
export function isFromWorker(m: unknown): m is FromWorker {
  return typeof m === 'object' && m !== null && typeof (m as { t?: unknown }).t === 'string';
}

/**
 * A config on the IPC channel: its JSON text, deflated (`src/config/packed.ts`). The channel uses
 * structured clone ('advanced' serialization), which copies bytes in one go; a config of 10,000
 * endpoints as objects takes several times longer to clone than to stringify, copy and parse, and
 * packed it is 0.4 MB instead of 6.5 MB, for the primary to keep and for every send's buffer.
 */
export type EncodedConfig = Packed;

export function encodeConfig(config: Config): EncodedConfig {
  return packConfig(config);
}

export function decodeConfig(bytes: EncodedConfig): Config {
  return unpackConfig(bytes);
}
