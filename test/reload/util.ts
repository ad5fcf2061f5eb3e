/** Shared pieces of the reload tests: YAML configs, a steady query stream, log capture, metrics. */
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { stringify } from 'yaml';
import type { ConfigInput } from '../../src/config/schema.js';
import { cloudwatch, oneVpc } from '../helpers/configs.js';
import { addresses, query, queryTcp } from '../helpers/dns-client.js';

export const CW_PRIVATE = 'monitoring.us-east-2.amazonaws.com';
export const OLD = ['10.0.1.23', '10.0.2.23', '10.0.3.23'];
export const NEW = ['10.0.1.77', '10.0.2.77', '10.0.3.77'];
export const THIRD = ['10.0.1.88', '10.0.2.88'];

/** The CloudWatch endpoint with one interface per address (subnets a, b, c in that order). */
export function cwWith(ips: string[], over: Partial<ConfigInput> = {}): ConfigInput {
  const subnets = ['subnet-0aaa', 'subnet-0bbb', 'subnet-0ccc'];
  return oneVpc([cloudwatch({ interfaces: ips.map((ipv4, i) => ({ subnet: subnets[i], ipv4 })) })], over);
}

export function yamlOf(c: ConfigInput): string {
  return stringify(c);
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'pldns-reload-'));
}

/** Saves like an editor that writes a temporary file and renames it over the original. */
export function renameSave(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** The sorted addresses the server answers for `name` right now. */
export async function answerOf(port: number, name = CW_PRIVATE): Promise<string> {
  return addresses(await query(port, name))
    .sort()
    .join(',');
}

export interface QueryStream {
  /** Sorted, comma-joined answer sets in the order the answers arrived. */
  readonly answers: string[];
  /** Queries that failed: timeouts, bad rcodes. */
  readonly failures: string[];
  stop(): Promise<void>;
}

/**
 * Keeps `workers` queries for `name` in flight until stopped or `max` were sent (a bound,
 * so a forgotten stream cannot run forever).
 */
export function queryStream(
  port: number,
  name = CW_PRIVATE,
  workers = 8,
  max = 40_000,
  transport: 'udp' | 'tcp' = 'udp',
): QueryStream {
  const answers: string[] = [];
  const failures: string[] = [];
  let sent = 0;
  let stopped = false;
  const loops = Array.from({ length: workers }, async () => {
    while (!stopped && sent < max) {
      sent++;
      try {
        const d = transport === 'udp' ? await query(port, name) : await queryTcp(port, name);
        if (d.rcode !== 'NOERROR') failures.push(`rcode ${d.rcode}`);
        else answers.push(addresses(d).sort().join(','));
      } catch (e) {
        failures.push(String(e));
      }
    }
  });
  return {
    answers,
    failures,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** A pino logger at info level whose JSON lines are kept in `lines`. */
export function memoryLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    {
      write(s: string) {
        for (const l of s.split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines };
}

/** The value of a counter sample in Prometheus text, 0 when absent. */
export function sample(metricsText: string, name: string, labels: string): number {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^${esc(name)}${labels ? `\\{${esc(labels)}\\}` : ''} (\\S+)$`, 'm').exec(metricsText);
  return m ? Number(m[1]) : 0;
}

/** The 1-based line of the first line of `text` that contains `needle`. */
export function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`${needle} not in the text`);
  return i + 1;
}
