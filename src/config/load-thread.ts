/**
 * Loading a config off the event loop: the file is read, parsed and checked in a worker thread,
 * so answers never stop while a reload of any size is checked, and the memory of the parse (the
 * YAML trees, the schema's copies, the parsers: about 100 MB for 10,000 endpoints) is returned
 * with the thread instead of staying with the process. The checked config comes back as JSON
 * bytes (several times faster to copy than a structured clone of the object), decoded here once,
 * and packed (`packed.ts`): the cluster primary keeps and sends those to its workers. The text it
 * came from comes back packed too, for the positions of later problems.
 *
 * From TypeScript sources (the test runner), where there is no compiled thread entry, the load
 * runs in-process with the same results.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { unpackText } from './packed.js';
import { lazyLocator } from './positions.js';
import {
  ConfigError,
  type ConfigProblem,
  type LoadedConfig,
  loadFailedProblem,
  markChecked,
  UnsettledConfigError,
} from './problems.js';
import type { Config } from './schema.js';

/** What the thread is asked to load: a file, or a text that is reported under `file`. */
export interface LoadRequest {
  file: string;
  text?: string;
  /** When the text has this SHA-256, the thread answers `unchanged` without parsing it. */
  unchangedDigest?: string;
  /** Read the file only once it is this old, and unchanged while read (see `readConfigFile`). */
  settleMs?: number;
}

export type LoadReply =
  | { t: 'loaded'; json: ArrayBuffer; packed: ArrayBuffer; source: ArrayBuffer; digest: string }
  | { t: 'unchanged' }
  | { t: 'problems'; problems: ConfigProblem[]; unsettled?: true }
  | { t: 'error'; message: string };

const ENTRY = fileURLToPath(new URL('./load-worker.js', import.meta.url));
let entryExists: boolean | undefined;

/** True when loads run in a worker thread (the compiled package; not from TypeScript sources). */
export function threadLoading(): boolean {
  entryExists ??= existsSync(ENTRY);
  return entryExists;
}

/** Old-generation limit of the loading thread (MB): PRIVATELINK_DNS_CONFIG_HEAP_MB, else 1024. */
export function loadHeapLimitMb(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.PRIVATELINK_DNS_CONFIG_HEAP_MB);
  return Number.isInteger(v) && v >= 16 ? v : 1024;
}

let youngGenerationFlag: string | null = null;

/**
 * Sets a V8 flag that sizes this process's young generation from now on (the cluster primary's,
 * `src/cluster/primary.ts`) and sets it again after every loading thread starts: starting a
 * worker thread resets the V8 flags set at run time, and the decode of a large config right after
 * the thread would otherwise grow the young generation to its full default size.
 */
export function setYoungGenerationFlag(flag: string): void {
  youngGenerationFlag = flag;
  setFlagsFromString(flag);
}

/**
 * Loads and checks a config in a worker thread. Resolves to the loaded config (marked checked,
 * with its JSON bytes), or null when the text's digest is `unchangedDigest`; rejects with
 * {@link ConfigError} naming every problem, or the thread's failure (out of memory included:
 * the process itself keeps serving).
 */
export function loadInThread(req: LoadRequest): Promise<LoadedConfig | null> {
  return new Promise((resolve, reject) => {
    let reply: LoadReply | undefined;
    const worker = new Worker(ENTRY, {
      workerData: req,
      resourceLimits: { maxOldGenerationSizeMb: loadHeapLimitMb() },
      stdout: false,
      stderr: false,
    });
    // Starting the thread resets the flags set at run time, on the thread's own time: set them
    // again once it runs and once it is gone, before the decode below.
    const again = () => {
      if (youngGenerationFlag) setFlagsFromString(youngGenerationFlag);
    };
    worker.once('online', again);
    worker.on('message', (m: LoadReply) => {
      reply = m;
    });
    let failure: Error | undefined;
    worker.on('error', (e) => {
      failure = e;
    });
    worker.on('exit', (code) => {
      again();
      const failed = (message: string) =>
        reject(new ConfigError([loadFailedProblem(req.file, `cannot load the config: ${message}`)]));
      if (!reply) {
        const oom = (failure as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
        return failed(
          oom
            ? `checking it needed more than ${loadHeapLimitMb()} MB (PRIVATELINK_DNS_CONFIG_HEAP_MB)`
            : (failure?.message ?? `the loading thread exited (${code})`),
        );
      }
      if (reply.t === 'unchanged') return resolve(null);
      if (reply.t === 'problems')
        return reject(
          reply.unsettled ? new UnsettledConfigError(reply.problems) : new ConfigError(reply.problems),
        );
      if (reply.t === 'error') return failed(reply.message);
      const source = new Uint8Array(reply.source);
      let config: Config;
      try {
        config = JSON.parse(Buffer.from(reply.json).toString('utf8'));
      } catch (e) {
        return failed(String(e));
      }
      resolve({
        config: markChecked(config),
        file: req.file,
        digest: reply.digest,
        json: new Uint8Array(reply.packed),
        locate: lazyLocator(() => unpackText(source), req.file),
      });
    });
  });
}
