/** The streams a CLI command writes to (process.stdout/stderr, or buffers in tests). */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}
