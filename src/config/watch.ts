/**
 * Notices changes of the config file, however they are made: a plain write, an editor that saves
 * by writing a temporary file and renaming it over the original, or a Kubernetes ConfigMap volume
 * that swaps its `..data` symlink to a new directory.
 *
 * Watching the file itself misses the last two (the watched inode is replaced, not changed), so
 * the directory that holds the file is watched instead (and the directory the file resolves to,
 * when it is a symlink). Every event schedules one debounced check. The check stats the file
 * first: events for the directory's other files (a log written next to the config, anything in
 * /tmp) leave the file's path, inode, size, mtime and ctime as they were, and cost a stat, not a
 * read and a hash of the whole file. When the stat differs the content hash is compared with the
 * last one seen; only a real change of content calls `onChange`, and only once the file has
 * stayed unchanged for the settle time (no half-written saves). A slow stat poll backs the events
 * up on file systems where they are unreliable (network mounts).
 */
import { createHash } from 'node:crypto';
import { type FSWatcher, readFileSync, realpathSync, type Stats, statSync, watch } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { configFileProblem, maxConfigBytes } from './problems.js';

/** Options of {@link watchConfig}. */
export interface WatchConfigOptions {
  /**
   * Quiet time after the last event before the file is checked (editors and ConfigMap swaps
   * make several events for one change).
   * @default 200
   */
  debounceMs?: number;
  /**
   * How long the file must stay unchanged (size and mtime) before it is taken: a save written in
   * two parts (an editor, `kubectl cp`) is never reloaded half-written, even when the half is
   * valid YAML.
   * @default 250
   */
  settleMs?: number;
  /**
   * Interval of the backup stat poll; 0 turns it off.
   * @default 2000
   */
  pollMs?: number;
  /** Called with an error thrown by `onChange` (it is otherwise swallowed to keep watching). */
  onError?: (err: unknown) => void;
}

/** A running watch; `close()` stops it (idempotent). */
export interface ConfigWatcher {
  close(): void;
}

interface Fingerprint {
  /** realpath + inode + size + mtime + ctime: cheap to compare on every event and poll. */
  stat: string;
  hash: string;
}

function statKey(real: string, st: Stats): string {
  return `${real}|${st.dev}|${st.ino}|${st.size}|${st.mtimeMs}|${st.ctimeMs}`;
}

function statOf(path: string): string | null {
  try {
    const real = realpathSync(path);
    return statKey(real, statSync(real));
  } catch {
    return null;
  }
}

function fingerprint(path: string): Fingerprint | null {
  try {
    const real = realpathSync(path);
    const st = statSync(real);
    // Never open what the loader would refuse (a FIFO blocks, a device never ends): the reload
    // that follows reports it.
    if (configFileProblem(st, maxConfigBytes())) return { stat: statKey(real, st), hash: '' };
    const hash = createHash('sha256').update(readFileSync(real)).digest('hex');
    return { stat: statKey(real, st), hash };
  } catch {
    // Missing for a moment (between unlink and rename, or mid-swap): a later event or poll
    // sees the new file.
    return null;
  }
}

/**
 * Calls `onChange` (debounced) whenever the content of the file at `path` changes, including
 * rename-saves and ConfigMap `..data` symlink swaps. The file may be missing at times; it is
 * picked up again when it reappears. Nothing happens for events that leave the content as it was.
 */
export function watchConfig(
  path: string,
  onChange: () => void,
  opts: WatchConfigOptions = {},
): ConfigWatcher {
  const debounceMs = opts.debounceMs ?? 200;
  const settleMs = opts.settleMs ?? 250;
  /** The stat of a changed file waiting to settle, and when it was first seen so. */
  let settling: { stat: string; since: number } | null = null;
  const pollMs = opts.pollMs ?? 2000;
  const abs = resolve(path);
  const home = dirname(abs);
  let last = fingerprint(abs);
  let lastStat = last?.stat ?? null;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const watchers = new Map<string, FSWatcher>();

  const schedule = (): void => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(check, debounceMs);
    timer.unref();
  };

  const watchDir = (dir: string): void => {
    if (watchers.has(dir)) return;
    try {
      const w = watch(dir, { persistent: false }, schedule);
      w.on('error', () => {
        // The directory went away (an old ConfigMap generation): forget it.
        w.close();
        if (watchers.get(dir) === w) watchers.delete(dir);
        schedule();
      });
      watchers.set(dir, w);
    } catch {
      // Directory missing: the home directory is retried on every check.
    }
  };

  /** Watches the file's directory and the directory it resolves to; drops stale ones. */
  const syncWatches = (): void => {
    const wanted = new Set([home]);
    try {
      wanted.add(dirname(realpathSync(abs)));
    } catch {
      // not there right now
    }
    for (const [dir, w] of watchers) {
      if (!wanted.has(dir)) {
        w.close();
        watchers.delete(dir);
      }
    }
    for (const dir of wanted) watchDir(dir);
  };

  function check(): void {
    timer = undefined;
    if (closed) return;
    syncWatches();
    // The file as it was when last read: an event for another file of the directory.
    const st = statOf(abs);
    if (last && st === last.stat) {
      lastStat = st;
      settling = null;
      return;
    }
    const fp = fingerprint(abs);
    lastStat = fp?.stat ?? null;
    if (!fp) return;
    if (last && fp.hash === last.hash) {
      // Written again with the same content (touched, saved unchanged): not a change.
      last = fp;
      settling = null;
      return;
    }
    // Changed: take it only once it has stayed as it is for settleMs.
    const now = Date.now();
    if (!settling || settling.stat !== fp.stat) settling = { stat: fp.stat, since: now };
    const wait = settling.since + settleMs - now;
    if (wait > 0) {
      if (timer) clearTimeout(timer);
      timer = setTimeout(check, wait);
      timer.unref();
      return;
    }
    settling = null;
    last = fp;
    try {
      onChange();
    } catch (err) {
      opts.onError?.(err);
    }
  }

  syncWatches();
  const poll =
    pollMs > 0
      ? setInterval(() => {
          if (statOf(abs) !== lastStat) schedule();
        }, pollMs)
      : undefined;
  poll?.unref();

  return {
    close(): void {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
