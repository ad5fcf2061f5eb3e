/**
 * Loading a config off the event loop: the file is read, parsed and checked in a worker thread,
 * so answers never stop while a reload of any size is checked, and the memory of the parse (the
 * YAML trees, the schema's copies, the parsers: about 100 MB for 10,000 endpoints) is returned
 * with the thread instead of staying with the process: the thread takes the loads of a burst one
 * after another and exits once no load has come for a while (`loadThreadLingerMs`). The checked config comes back as JSON
 * bytes (several times faster to copy than a structured clone of the object), decoded here once,
 * and packed (`packed.ts`): the cluster primary keeps and sends those to its workers. The text it
 * came from comes back packed too, for the positions of later problems.
 *
 * From TypeScript sources (the test runner), where there is no compiled thread entry, the load
 * runs in-process with the same results.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { flagsAgain } from '../core/young-generation.js';
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

/** How long the loading thread stays after a load for the next one (ms): PRIVATELINK_DNS_CONFIG_THREAD_LINGER_MS, else 10,000. */
export function loadThreadLingerMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.PRIVATELINK_DNS_CONFIG_THREAD_LINGER_MS);
  return Number.isInteger(v) && v >= 0 ? v : 10_000;
}

interface Pending {
  req: LoadRequest;
  /** Whether the thread stays for the next load once this one is done (a reload's does). */
  linger: boolean;
  resolve: (c: LoadedConfig | null) => void;
  reject: (e: unknown) => void;
}

/**
 * The loading thread: started for a load, it takes the loads that follow one at a time and stays
 * for {@link loadThreadLingerMs} after the last, then exits and its memory goes with it. Reloads
 * come in bursts (an editor's saves, a sync, SIGHUPs): one thread for the burst instead of one per
 * reload keeps the process's memory steady (each start maps a new V8 isolate of 10–20 MB).
 */
let thread: Worker | undefined;
let current: Pending | undefined;
let lingerTimer: NodeJS.Timeout | undefined;
const queue: Pending[] = [];

function startThread(): Worker {
  const heapMb = loadHeapLimitMb();
  const worker = new Worker(ENTRY, {
    resourceLimits: { maxOldGenerationSizeMb: heapMb },
    stdout: false,
    stderr: false,
  });
  // The thread's start resets the flags on its own time: set them again once it runs and once it
  // is gone.
  worker.once('online', flagsAgain);
  worker.on('message', (m: LoadReply) => {
    if (thread !== worker) return; // a retired thread's (it had no load in progress)
    const p = current;
    current = undefined;
    if (p) settle(p, m);
    next(p?.linger ?? true);
  });
  let failure: Error | undefined;
  worker.on('error', (e) => {
    failure = e;
  });
  worker.on('exit', (code) => {
    flagsAgain();
    // A thread retired while idle (it lingered out) ends after the next one may have started:
    // the load in progress is that one's.
    if (thread !== worker) return;
    thread = undefined;
    const p = current;
    current = undefined;
    if (p) {
      const oom = (failure as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
      p.reject(
        failedLoad(
          p.req,
          oom
            ? `checking it needed more than ${heapMb} MB (PRIVATELINK_DNS_CONFIG_HEAP_MB)`
            : (failure?.message ?? `the loading thread exited (${code})`),
        ),
      );
    }
    next(); // a load queued behind a failed one gets a new thread
  });
  return worker;
}

function failedLoad(req: LoadRequest, message: string): ConfigError {
  return new ConfigError([loadFailedProblem(req.file, `cannot load the config: ${message}`)]);
}

/** Ends the thread unless a load has started on it meanwhile. */
function retire(worker: Worker): void {
  if (thread === worker && !current) {
    thread = undefined;
    void worker.terminate();
  }
}

/**
 * Takes the next queued load, or lets the idle thread linger and go (at once when the load just
 * done asked for no linger).
 */
function next(linger = true): void {
  if (current) return;
  const p = queue.shift();
  if (!p) {
    clearTimeout(lingerTimer);
    const worker = thread;
    if (!worker) return;
    // Idle, the thread never keeps the process alive: a server that is stopping does not wait.
    worker.unref();
    const lingerMs = linger ? loadThreadLingerMs() : 0;
    if (lingerMs === 0) {
      retire(worker); // a start's load is followed by no burst: the thread's memory goes at once
      return;
    }
    lingerTimer = setTimeout(() => retire(worker), lingerMs);
    lingerTimer.unref();
    return;
  }
  clearTimeout(lingerTimer);
  current = p;
  thread ??= startThread();
  thread.ref(); // a load in progress keeps the process alive (a start waits for its config)
  thread.postMessage(p.req);
}

function settle(p: Pending, reply: LoadReply): void {
  const { req } = p;
  if (reply.t === 'unchanged') {
    p.resolve(null);
    return;
  }
  if (reply.t === 'problems') {
    p.reject(reply.unsettled ? new UnsettledConfigError(reply.problems) : new ConfigError(reply.problems));
    return;
  }
  if (reply.t === 'error') {
    p.reject(failedLoad(req, reply.message));
    return;
  }
  const source = new Uint8Array(reply.source);
  let config: Config;
  try {
    config = JSON.parse(Buffer.from(reply.json).toString('utf8'));
  } catch (e) {
    p.reject(failedLoad(req, String(e)));
    return;
  }
  p.resolve({
    config: markChecked(config),
    file: req.file,
    digest: reply.digest,
    json: new Uint8Array(reply.packed),
    locate: lazyLocator(() => unpackText(source), req.file),
  });
}

/**
 * Loads and checks a config in the loading thread (loads run one at a time, in the order asked).
 * Resolves to the loaded config (marked checked, with its JSON bytes), or null when the text's
 * digest is `unchangedDigest`; rejects with {@link ConfigError} naming every problem, or the
 * thread's failure (out of memory included: the process itself keeps serving, and the next load
 * gets a new thread). With `linger: false` (a start's load) the thread exits as soon as it is idle
 * instead of staying for a burst of reloads.
 */
export function loadInThread(
  req: LoadRequest,
  opts: { linger?: boolean } = {},
): Promise<LoadedConfig | null> {
  return new Promise((resolve, reject) => {
    queue.push({ req, linger: opts.linger ?? true, resolve, reject });
    next();
  });
}

/** Whether the loading thread is there and working, for tests and diagnostics. */
export function loadThreadState(): 'none' | 'idle' | 'busy' {
  return !thread ? 'none' : current ? 'busy' : 'idle';
}
