/**
 * Entry point of the config-loading worker thread (see `load-thread.ts`): reads the file (or takes
 * the text), parses and checks it, and posts back the checked config as JSON bytes (with the text
 * when it was given one), or the problems. Everything it allocated (the YAML trees, the schema's copies, the
 * rules' tables, the parsers themselves) dies with the thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parseConfigText, readConfigFile, textDigest } from './load.js';
import type { LoadReply, LoadRequest } from './load-thread.js';
import { ConfigError } from './problems.js';

/** Bytes of a string in a fresh ArrayBuffer of their own (never the shared Buffer pool). */
function bytesOf(text: string): ArrayBuffer {
  const b = Buffer.alloc(Buffer.byteLength(text));
  b.write(text);
  return b.buffer as ArrayBuffer;
}

function run(req: LoadRequest): { reply: LoadReply; transfer: ArrayBuffer[] } {
  try {
    const text = req.text ?? readConfigFile(req.file);
    if (req.unchangedDigest !== undefined && textDigest(text) === req.unchangedDigest)
      return { reply: { t: 'unchanged' }, transfer: [] };
    const loaded = parseConfigText(text, req.file);
    const json = bytesOf(JSON.stringify(loaded.config));
    const digest = loaded.digest ?? textDigest(text);
    // A file is read again if a position is needed later (see load-thread.ts); a text is sent back.
    if (req.text === undefined) return { reply: { t: 'loaded', json, digest }, transfer: [json] };
    const source = bytesOf(text);
    return { reply: { t: 'loaded', json, source, digest }, transfer: [json, source] };
  } catch (e) {
    if (e instanceof ConfigError) return { reply: { t: 'problems', problems: e.problems }, transfer: [] };
    return { reply: { t: 'error', message: String((e as Error)?.message ?? e) }, transfer: [] };
  }
}

const { reply, transfer } = run(workerData as LoadRequest);
parentPort?.postMessage(reply, transfer);
