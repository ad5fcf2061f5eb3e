/**
 * Makes Jazzer.js's libFuzzer addon load on glibc older than 2.38 (Debian 12 has 2.36).
 *
 * The published linux-x64 prebuild of @jazzer.js/fuzzer needs GLIBC_2.38 for two symbols only,
 * `__isoc23_strtol` and `__isoc23_strtoul` (C23 `strtol`/`strtoul`, which also accept a "0b"
 * prefix). When the addon does not load, this writes a copy next to it (the addon loader looks in
 * `dist/prebuilds/` before `prebuilds/`) whose two imports name plain `strtol`/`strtoul`, with the
 * GLIBC_2.38 version reference marked weak. The original file is left as installed.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const RENAMES = new Map([
  ['__isoc23_strtol', 'strtol'],
  ['__isoc23_strtoul', 'strtoul'],
]);
/** Versions newer than Debian 12's glibc 2.36 and libstdc++ of GCC 12. */
const NEWER = new Set(['GLIBC_2.38', 'GLIBCXX_3.4.31', 'GLIBCXX_3.4.32']);

function cstr(buf, off) {
  let end = off;
  while (buf[end] !== 0) end++;
  return buf.toString('latin1', off, end);
}

/** Returns the patched ELF image, or null when there is nothing to patch. */
export function patchElf(input) {
  const b = Buffer.from(input);
  if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1)
    throw new Error('not a 64-bit little-endian ELF');
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a);
  const shnum = b.readUInt16LE(0x3c);
  const sections = [];
  for (let i = 0; i < shnum; i++) {
    const h = shoff + i * shentsize;
    sections.push({
      type: b.readUInt32LE(h + 4),
      offset: Number(b.readBigUInt64LE(h + 0x18)),
      size: Number(b.readBigUInt64LE(h + 0x20)),
      link: b.readUInt32LE(h + 0x28),
      entsize: Number(b.readBigUInt64LE(h + 0x38)),
    });
  }
  const dynsym = sections.find((s) => s.type === 11);
  const versym = sections.find((s) => s.type === 0x6fffffff);
  const verneed = sections.find((s) => s.type === 0x6ffffffe);
  if (!dynsym || !versym || !verneed) return null;
  const dynstr = sections[dynsym.link];
  let changed = 0;
  // Verneed entries: vn_version, vn_cnt, vn_file, vn_aux, vn_next; auxiliaries: vna_hash,
  // vna_flags, vna_other, vna_name, vna_next. The newer versions are marked weak (a missing weak
  // version is not fatal) and the symbols bound to them are left unversioned.
  const weakened = new Set();
  let vn = verneed.offset;
  for (;;) {
    const cnt = b.readUInt16LE(vn + 2);
    let aux = vn + b.readUInt32LE(vn + 8);
    for (let j = 0; j < cnt; j++) {
      if (NEWER.has(cstr(b, dynstr.offset + b.readUInt32LE(aux + 8)))) {
        b.writeUInt16LE(b.readUInt16LE(aux + 4) | 2, aux + 4); // VER_FLG_WEAK
        weakened.add(b.readUInt16LE(aux + 6));
        changed++;
      }
      aux += b.readUInt32LE(aux + 12);
    }
    const next = b.readUInt32LE(vn + 12);
    if (next === 0) break;
    vn += next;
  }
  const count = dynsym.size / 24;
  for (let i = 0; i < count; i++) {
    const e = dynsym.offset + i * 24;
    const nameOff = dynstr.offset + b.readUInt32LE(e);
    const to = RENAMES.get(cstr(b, nameOff));
    if (to !== undefined) b.write(`${to}\0`, nameOff, 'latin1');
    if (to !== undefined || weakened.has(b.readUInt16LE(versym.offset + i * 2) & 0x7fff)) {
      b.writeUInt16LE(1, versym.offset + i * 2); // VER_NDX_GLOBAL: the library's default version
      changed++;
    }
  }
  return changed ? b : null;
}

/** Ensures `@jazzer.js/fuzzer` loads; returns a note when a patched copy had to be written. */
export function ensureFuzzerAddon() {
  const pkgDir = dirname(require.resolve('@jazzer.js/fuzzer/package.json'));
  const name = `fuzzer-${process.platform}-${process.arch}.node`;
  const patched = join(pkgDir, 'dist', 'prebuilds', name);
  const original = join(pkgDir, 'prebuilds', name);
  if (existsSync(patched)) {
    require(patched);
    return `using ${patched}`;
  }
  try {
    require(original);
    return null;
  } catch (e) {
    if (process.platform !== 'linux' || !/GLIBC(XX)?_[0-9.]+' not found/.test(String(e?.message))) throw e;
  }
  const image = patchElf(readFileSync(original));
  if (!image) throw new Error(`${name}: nothing to patch, the addon does not load`);
  mkdirSync(dirname(patched), { recursive: true });
  writeFileSync(patched, image);
  require(patched);
  return `wrote ${patched} (the prebuild needs glibc 2.38 for __isoc23_strtol/strtoul only)`;
}
