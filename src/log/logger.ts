/**
 * The process logger: pino writing JSON lines to stdout (fd 1) through a small destination that
 * gives up on a broken pipe. pino's default destination retries a write that fails with EPIPE
 * forever, so a server whose log reader had gone (a supervisor or test runner that exited) never
 * got to shut down on SIGTERM. Here EPIPE (or any other write error) ends logging and nothing
 * else; a full pipe (EAGAIN) drops the line rather than stall the query path.
 */
import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Logger, pino } from 'pino';

/** pino-pretty, loaded only for the pretty format (JSON logging does not carry it). */
function prettyFactory(options: import('pino-pretty').PrettyOptions): (line: string) => string {
  const { prettyFactory: factory } = createRequire(import.meta.url)(
    'pino-pretty',
  ) as typeof import('pino-pretty');
  return factory(options) as (line: string) => string;
}

/** A pino destination for a file descriptor that never throws and never loops. */
export class FdDestination {
  private broken = false;
  /** Lines dropped because the reader was not keeping up. */
  dropped = 0;
  constructor(private readonly fd: number) {}

  write(line: string): void {
    if (this.broken) return;
    try {
      writeSync(this.fd, line);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') this.dropped++;
      else this.broken = true;
    }
  }
}

/** pino's levels, and `silent`. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** The log levels, for `--log-level`. */
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** How log lines look: JSON lines, or pino-pretty's coloured lines for people. */
export type LogFormat = 'json' | 'pretty';

/** The log formats, for `--log-format`. */
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];

/** The default format: pretty on a terminal, JSON otherwise (pipes, files, containers). */
export function defaultLogFormat(isTTY = process.stdout.isTTY === true): LogFormat {
  return isTTY ? 'pretty' : 'json';
}

/** A destination that turns each JSON line into pino-pretty's form before writing it. */
class PrettyDestination {
  constructor(
    private readonly inner: FdDestination,
    private readonly prettify: (line: string) => string,
  ) {}
  write(line: string): void {
    this.inner.write(this.prettify(line));
  }
}

export function stdoutLogger(level: string, format: LogFormat = 'json'): Logger {
  const out = new FdDestination(1);
  if (format === 'pretty') {
    // pino-pretty in this thread (no transport worker), through the same EPIPE-safe destination.
    const prettify = prettyFactory({ colorize: process.stdout.isTTY === true, ignore: 'pid,hostname' });
    return pino({ level }, new PrettyDestination(out, prettify));
  }
  return pino({ level }, out);
}
