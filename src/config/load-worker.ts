/**
 * Entry point of the config-loading worker thread (see `load-thread.ts`): reads the file (or takes
 * the text), parses and checks it, and posts back the checked config as JSON bytes (to parse) and
 * packed (to keep, `packed.ts`) with the text it came from, packed, or the problems. Everything it allocated (the YAML trees, the schema's copies, the
 * rules' tables, the parsers themselves) dies with the thread.
 */
import { parentPort } from 'node:worker_threads';
import { parseConfigText, readConfigFile, textDigest } from './load.js';
import type { LoadReply, LoadRequest } from './load-thread.js';
import { packText } from './packed.js';
import { ConfigError, UnsettledConfigError } from './problems.js';

/** Bytes of a string in a fresh ArrayBuffer of their own (never the shared Buffer pool). */
function bytesOf(text: string): ArrayBuffer {
  const b = Buffer.alloc(Buffer.byteLength(text));
  b.write(text);
  return b.buffer as ArrayBuffer;
}

/** The bytes in an ArrayBuffer of their own, to transfer. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength)
    return bytes.buffer as ArrayBuffer;
  return bytes.slice().buffer as ArrayBuffer;
}

function run(req: LoadRequest): { reply: LoadReply; transfer: ArrayBuffer[] } {
  try {
    const text = req.text ?? readConfigFile(req.file, req.settleMs);
    if (req.unchangedDigest !== undefined && textDigest(text) === req.unchangedDigest)
      return { reply: { t: 'unchanged' }, transfer: [] };
    const loaded = parseConfigText(text, req.file);
    const jsonText = JSON.stringify(loaded.config);
    const json = bytesOf(jsonText);
    const packed = ownBuffer(packText(jsonText));
    const source = ownBuffer(packText(text));
    return {
      reply: { t: 'loaded', json, packed, source, digest: loaded.digest ?? textDigest(text) },
      transfer: [json, packed, source],
    };
  } catch (e) {
    if (e instanceof UnsettledConfigError)
      return { reply: { t: 'problems', problems: e.problems, unsettled: true }, transfer: [] };
    if (e instanceof ConfigError) return { reply: { t: 'problems', problems: e.problems }, transfer: [] };
    return { reply: { t: 'error', message: String((e as Error)?.message ?? e) }, transfer: [] };
  }
}

// One load per message, in order, for as long as the thread is kept (`load-thread.ts`).
parentPort?.on('message', (req: LoadRequest) => {
  const { reply, transfer } = run(req);
  parentPort?.postMessage(reply, transfer);
});
