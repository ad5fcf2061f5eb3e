/** In-memory stdout/stderr for calling CLI commands' `run(argv, io)` in tests. */
import { Writable } from 'node:stream';

export function memIo() {
  const out: string[] = [];
  const err: string[] = [];
  const stream = (sink: string[]) =>
    new Writable({
      write(chunk, _enc, cb) {
        sink.push(String(chunk));
        cb();
      },
    });
  return {
    io: { stdout: stream(out), stderr: stream(err) },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}
