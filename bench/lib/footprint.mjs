// The physical memory of a process tree, each page counted once.
//
// Summing VmRSS over a server and its workers counts every page they share several times: the
// node binary and the libraries it maps (about 40 MB a Node process, the same page-cache pages
// in each) are in every process's RSS. The kernel's own view of the tree, and a container's
// memory cgroup, count each physical page once. This module does the same from /proc: for every
// mapping with resident pages it reads /proc/PID/pagemap and collects the page frame numbers, so
// a page mapped by three processes counts once. Reading frame numbers needs CAP_SYS_ADMIN (root);
// without it the kernel reports them as 0, and the sum of PSS (each shared page split between its
// sharers, some of which may be outside the tree) is used instead, and said so.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

const PAGE = 4096;
const PRESENT = 1n << 63n;
const PFN_MASK = (1n << 55n) - 1n;

/** Mappings of `pid` with resident pages: [start, end) as page numbers, and whether file-backed. */
function residentMappings(pid) {
  const out = [];
  let text;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return out;
  }
  let cur = null;
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (head) {
      cur = {
        start: Number.parseInt(head[1], 16) / PAGE,
        end: Number.parseInt(head[2], 16) / PAGE,
        file: head[3] !== '0' && head[4].startsWith('/'),
        rssKb: 0,
      };
      out.push(cur);
      continue;
    }
    if (cur && line.startsWith('Rss:')) cur.rssKb = Number(/(\d+)/.exec(line)[1]);
  }
  return out.filter((m) => m.rssKb > 0);
}

function pssKb(pid) {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * The tree's footprint in kB: `{ kb, fileKb, method }`. `kb` counts every physical page resident
 * in any of `pids` once; `fileKb` is the part of it backed by files (the binary, libraries).
 * `method` is 'pagemap' (exact) or 'pss' (no frame numbers readable here).
 */
export function footprintKb(pids) {
  const frames = new Set();
  const fileFrames = new Set();
  let readable = false;
  const chunk = Buffer.alloc(8 * 4096);
  for (const pid of pids) {
    const maps = residentMappings(pid);
    let fd;
    try {
      fd = openSync(`/proc/${pid}/pagemap`, 'r');
    } catch {
      continue;
    }
    try {
      for (const m of maps) {
        for (let page = m.start; page < m.end; ) {
          const n = Math.min(m.end - page, chunk.length / 8);
          const got = readSync(fd, chunk, 0, n * 8, page * 8);
          for (let i = 0; i + 8 <= got; i += 8) {
            const e = chunk.readBigUInt64LE(i);
            if (!(e & PRESENT)) continue;
            const pfn = Number(e & PFN_MASK);
            if (pfn === 0) continue;
            readable = true;
            frames.add(pfn);
            if (m.file) fileFrames.add(pfn);
          }
          page += n;
        }
      }
    } catch {
      // the process went away mid-read: what was read counts
    } finally {
      closeSync(fd);
    }
  }
  if (!readable) return { kb: pids.reduce((s, p) => s + pssKb(p), 0), fileKb: NaN, method: 'pss' };
  return { kb: (frames.size * PAGE) / 1024, fileKb: (fileFrames.size * PAGE) / 1024, method: 'pagemap' };
}
