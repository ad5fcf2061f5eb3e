/**
 * The process logger: pino writing JSON lines to stdout (fd 1) through a small destination that
 * gives up on a broken pipe. pino's default destination retries a write that fails with EPIPE
 * forever, so a server whose log reader had gone (a supervisor or test runner that exited) never
 * got to shut down on SIGTERM. Here EPIPE (or any other write error) ends logging and nothing
 * else; a full pipe (EAGAIN) drops the line rather than stall the query path.
 */
import { writeSync } from 'node:fs';
import { type Logger, pino } from 'pino';

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

export function stdoutLogger(level: string): Logger {
  return pino({ level }, new FdDestination(1));
}
