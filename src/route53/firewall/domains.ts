/**
 * DNS Firewall domain specifications and the one table that matches a query name against every
 * domain list at once, by labels.
 *
 * A specification is a name (`example.com`: that name only), a wildcard (`*.example.com`: every
 * name below example.com, at any depth, but not example.com itself) or `*` alone (every name).
 * AWS accepts A-Z, a-z, 0-9 and hyphens in labels, an optional leading `*`, 1 to 255 characters.
 *
 * The table maps each name to a small "combo" id: which lists hold the name exactly and which
 * hold it as a wildcard base. It is an open-addressing hash table in typed arrays over one byte
 * arena of names (no JS string or Map entry per domain: a million domains load without garbage
 * and cost the garbage collector nothing to keep). Names are hashed from their last character to
 * their first, so one pass over a query name from its end yields the hash of every parent
 * suffix on the way: a lookup is one read of the name and one probe per label, never a scan, and
 * builds no string.
 */

/** A parsed domain specification. */
export interface DomainSpec {
  /** The base name, lower case, no final dot ('' for `*`). */
  name: string;
  /** True for `*.name` and `*`. */
  wildcard: boolean;
}

/** Why a specification is not accepted, and at which character (0-based) of the text. */
export interface DomainSpecError {
  message: string;
  at: number;
}

/**
 * Parses one specification (already trimmed). Returns the spec, or where and why it is bad.
 */
export function parseDomainSpec(text: string): DomainSpec | DomainSpecError {
  if (text.length === 0) return { message: 'empty domain', at: 0 };
  if (text.length > 255) return { message: 'a domain is 1 to 255 characters', at: 255 };
  if (text === '*' || text === '*.') return { name: '', wildcard: true };
  let start = 0;
  let wildcard = false;
  if (text.startsWith('*.')) {
    wildcard = true;
    start = 2;
  } else if (text.startsWith('*')) {
    return { message: "a wildcard is '*' or '*.' followed by a domain (e.g. *.example.com)", at: 1 };
  }
  let end = text.length;
  if (text.endsWith('.')) end--;
  if (end <= start) return { message: 'empty domain after the wildcard', at: start };
  let labelStart = start;
  for (let i = start; i <= end; i++) {
    const c = i < end ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      const len = i - labelStart;
      if (len === 0) return { message: 'empty label (two dots in a row, or a leading dot)', at: i };
      if (len > 63) return { message: 'a label is at most 63 characters', at: labelStart };
      labelStart = i + 1;
      continue;
    }
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d;
    if (!ok) {
      const ch = text[i];
      return {
        message:
          ch === '*'
            ? "'*' is allowed only as the first label (*.example.com)"
            : `character '${ch}' is not allowed: labels take A-Z, a-z, 0-9 and '-'`,
        at: i,
      };
    }
  }
  return { name: text.slice(start, end).toLowerCase(), wildcard };
}

/** Whether a value is an error of {@link parseDomainSpec}. */
export function isSpecError(v: DomainSpec | DomainSpecError): v is DomainSpecError {
  return (v as DomainSpecError).message !== undefined;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c || c === 0xfeff;
}

/**
 * The lines of a domain list file, fed in chunks of bytes as the file is read: one domain a line,
 * `#` to the end of the line is a comment, blank lines and surrounding spaces are ignored. Each
 * domain goes straight into `table` (list `list`); each bad line is passed to `onError` with its
 * 1-based line and column.
 *
 * A line of plain ASCII is checked and added byte by byte, without building a string; a bad line,
 * or one with other bytes (a UTF-8 byte order mark, say), is decoded and parsed by
 * {@link parseDomainSpec}, which says what is wrong and where (the column counts UTF-16 units of
 * the decoded line, as an editor shows it).
 */
export class ListFileParser {
  private lineNo = 0;

  constructor(
    private readonly table: DomainTable,
    private readonly list: number,
    private readonly onError: (line: number, col: number, message: string) => void,
  ) {}

  /**
   * Parses the lines of `buf[0, end)`. Unless `last`, the bytes after the last newline are not
   * parsed (the line goes on in the next chunk): returns where they start, for the caller to
   * carry over. With `last`, everything is parsed and `end` is returned.
   */
  feed(buf: Uint8Array, end: number, last: boolean): number {
    let pos = 0;
    for (;;) {
      let eol = buf.indexOf(0x0a, pos);
      if (eol < 0 || eol >= end) {
        if (!last) return pos;
        eol = end;
      }
      this.lineNo++;
      this.line(buf, pos, eol);
      if (eol >= end) return end;
      pos = eol + 1;
    }
  }

  /**
   * Reads a whole file through `read` (like `fs.readSync` into `buf` at `at`, at most `len`
   * bytes; 0 at the end), `chunk` bytes at a time, carrying a line cut by a chunk over to the next.
   */
  read(read: (buf: Buffer, at: number, len: number) => number, chunk: number): void {
    let buf = Buffer.allocUnsafe(Math.max(chunk, 1));
    let kept = 0;
    for (;;) {
      if (kept === buf.length) {
        // One line longer than the buffer: make room for more of it.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, kept);
        buf = bigger;
      }
      const n = read(buf, kept, buf.length - kept);
      const end = kept + n;
      if (n === 0) {
        this.feed(buf, end, true);
        return;
      }
      const done = this.feed(buf, end, false);
      kept = end - done;
      if (kept > 0) buf.copy(buf, 0, done, end);
    }
  }

  private line(buf: Uint8Array, start: number, eol: number): void {
    let a = start;
    let b = eol;
    let ascii = true;
    for (let i = a; i < b; i++) {
      const c = buf[i];
      if (c === 0x23) {
        b = i;
        break;
      }
      if (c >= 0x80) ascii = false;
    }
    if (!ascii) {
      this.decoded(Buffer.from(buf.buffer, buf.byteOffset + start, eol - start).toString('utf8'));
      return;
    }
    while (a < b && isAsciiSpace(buf[a])) a++;
    while (b > a && isAsciiSpace(buf[b - 1])) b--;
    if (b === a) return;
    if (this.table.addBytes(this.list, buf, a, b)) return;
    const text = Buffer.from(buf.buffer, buf.byteOffset + a, b - a).toString('latin1');
    const r = parseDomainSpec(text);
    if (isSpecError(r)) this.onError(this.lineNo, a - start + 1 + r.at, r.message);
    else this.table.add(this.list, r);
  }

  /** A line that is not plain ASCII, as text. */
  private decoded(text: string): void {
    let a = 0;
    let b = text.length;
    const hash = text.indexOf('#');
    if (hash >= 0) b = hash;
    while (a < b && isSpace(text.charCodeAt(a))) a++;
    while (b > a && isSpace(text.charCodeAt(b - 1))) b--;
    if (b === a) return;
    const r = parseDomainSpec(text.slice(a, b));
    if (isSpecError(r)) this.onError(this.lineNo, a + 1 + r.at, r.message);
    else this.table.add(this.list, r);
  }
}

function isAsciiSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c;
}

/** Exact and wildcard list indices of one name, and the same as bit masks (lists 0 to 30). */
interface Combo {
  exact: readonly number[];
  wild: readonly number[];
  exactMask: number;
  wildMask: number;
}

/** Lists whose matches fit a bit mask ({@link DomainTable.matchMask}). */
export const MASK_LISTS = 31;

const HASH_SEED = 0x811c9dc5;
const HASH_PRIME = 0x01000193;
/** Longest name kept (AWS: 1 to 255 characters, with the `*.`). */
const MAX_NAME = 255;
/** Most labels in a name (a 255-byte wire name has at most 127). */
const MAX_LABELS = 128;

/** The slot of a hash (the name hash mixed, so that close names spread). */
function slotOf(h: number, mask: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  return x & mask;
}

function maskOf(lists: readonly number[]): number {
  let m = 0;
  for (const l of lists) if (l < MASK_LISTS) m |= 1 << l;
  return m;
}

/**
 * Every domain list's names in one table (name → combo id). Built once per config, then
 * {@link DomainTable.freeze}d (trimmed to size) and only read.
 */
export class DomainTable {
  /** Lower-case name bytes, no final dot, one after the other. */
  private arena: Uint8Array;
  private arenaUsed = 0;
  /** Per entry: where its name starts in the arena, its length and its combo. */
  private entOff: Uint32Array;
  private entLen: Uint8Array;
  private entCombo: Int32Array;
  private count = 0;
  /**
   * Two numbers per slot: the entry index + 1 (0: empty) and the name's hash, side by side so
   * that a probe reads one cache line. At most half the slots are taken.
   */
  private slots: Int32Array;
  private slotMask: number;
  /** The combo of `*` (every name), or -1. */
  private rootCombo = -1;

  private readonly combos: Combo[] = [];
  private readonly comboIds = new Map<string, number>();
  /** Combo transitions already computed: (combo + 1, list, wildcard) → combo. */
  private readonly steps = new Map<number, number>();
  /** Domains per list (duplicates counted once). */
  readonly sizes: number[];
  /** stamp[list] === gen when the list matched the current lookup. */
  private readonly stamp: Uint32Array;
  private gen = 0;
  /** The entries met by the current lookup: [exact, wild...]. */
  private readonly hits = new Int32Array(MAX_LABELS + 1);

  /** `expected`: how many names to make room for at once (they still grow past it). */
  constructor(
    readonly listCount: number,
    expected = 16,
  ) {
    this.sizes = new Array<number>(listCount).fill(0);
    this.stamp = new Uint32Array(listCount);
    const cap = Math.max(16, expected);
    this.arena = new Uint8Array(cap * 16);
    this.entOff = new Uint32Array(cap);
    this.entLen = new Uint8Array(cap);
    this.entCombo = new Int32Array(cap);
    let slots = 32;
    while (slots < cap * 2) slots *= 2;
    this.slots = new Int32Array(slots * 2);
    this.slotMask = slots - 1;
  }

  /** Makes room for `more` names and `bytes` name bytes beyond what is used. */
  reserve(more: number, bytes: number): void {
    this.reserveArena(bytes);
    this.reserveEntries(more);
  }

  private reserveArena(bytes: number): void {
    const need = this.arenaUsed + bytes;
    if (need <= this.arena.length) return;
    const next = new Uint8Array(Math.max(need, this.arena.length * 2));
    next.set(this.arena.subarray(0, this.arenaUsed));
    this.arena = next;
  }

  private reserveEntries(more: number): void {
    const need = this.count + more;
    if (need > this.entOff.length) {
      const cap = Math.max(need, this.entOff.length * 2);
      this.entOff = grow(this.entOff, new Uint32Array(cap), this.count);
      this.entLen = grow(this.entLen, new Uint8Array(cap), this.count);
      this.entCombo = grow(this.entCombo, new Int32Array(cap), this.count);
    }
    if (need * 2 > this.slotMask + 1) {
      let n = this.slotMask + 1;
      while (n < need * 2) n *= 2;
      const slots = new Int32Array(n * 2);
      const mask = n - 1;
      const old = this.slots;
      for (let i = 0; i < old.length; i += 2) {
        if (old[i] === 0) continue;
        const h = old[i + 1];
        let s = slotOf(h, mask);
        while (slots[s * 2] !== 0) s = (s + 1) & mask;
        slots[s * 2] = old[i];
        slots[s * 2 + 1] = h;
      }
      this.slots = slots;
      this.slotMask = mask;
    }
  }

  /** Trims arrays mostly unused and drops what only adding needs: call once every name is in. */
  freeze(): void {
    this.arena = trim(this.arena, this.arenaUsed);
    this.entOff = trim(this.entOff, this.count);
    this.entLen = trim(this.entLen, this.count);
    this.entCombo = trim(this.entCombo, this.count);
    this.steps.clear();
    this.comboIds.clear();
  }

  private comboId(exact: readonly number[], wild: readonly number[]): number {
    const key = `${exact.join(',')}|${wild.join(',')}`;
    let id = this.comboIds.get(key);
    if (id === undefined) {
      id = this.combos.length;
      this.combos.push({ exact, wild, exactMask: maskOf(exact), wildMask: maskOf(wild) });
      this.comboIds.set(key, id);
    }
    return id;
  }

  /** The combo after adding list `list` (as a wildcard base or not) to combo `prev` (-1: none). */
  private step(prev: number, list: number, wildcard: boolean): number {
    const key = ((prev + 1) * this.listCount + list) * 2 + (wildcard ? 1 : 0);
    let next = this.steps.get(key);
    if (next === undefined) {
      const c = prev < 0 ? { exact: [], wild: [] } : this.combos[prev];
      const into = wildcard ? c.wild : c.exact;
      if (into.includes(list)) next = prev;
      else {
        const grown = [...into, list].sort((x, y) => x - y);
        next = wildcard ? this.comboId(c.exact, grown) : this.comboId(grown, c.wild);
      }
      this.steps.set(key, next);
    }
    return next;
  }

  /** Adds a spec to list `list`. */
  add(list: number, spec: DomainSpec): void {
    const name = spec.name;
    if (name.length === 0) {
      if (spec.wildcard) this.addRoot(list);
      return;
    }
    this.reserveArena(name.length);
    const arena = this.arena;
    const off = this.arenaUsed;
    for (let i = 0; i < name.length; i++) arena[off + i] = name.charCodeAt(i);
    this.insert(list, spec.wildcard, off, name.length);
  }

  private addRoot(list: number): void {
    const next = this.step(this.rootCombo, list, true);
    if (next === this.rootCombo) return;
    this.sizes[list]++;
    this.rootCombo = next;
  }

  /**
   * Adds the domain `buf[start, end)` (ASCII, trimmed) to list `list` when it is a plain valid
   * specification, lower-casing it into the arena as it is checked. Returns false, adding
   * nothing, for anything else (the caller then parses it as text and reports the problem).
   */
  addBytes(list: number, buf: Uint8Array, start: number, end: number): boolean {
    let s = start;
    let e = end;
    if (e - s > MAX_NAME) return false;
    let wildcard = false;
    if (buf[s] === 0x2a) {
      if (e - s === 1 || (e - s === 2 && buf[s + 1] === 0x2e)) {
        this.addRoot(list);
        return true;
      }
      if (buf[s + 1] !== 0x2e) return false;
      wildcard = true;
      s += 2;
    }
    if (buf[e - 1] === 0x2e) e--;
    if (e <= s) return false;
    this.reserveArena(e - s);
    const arena = this.arena;
    const off = this.arenaUsed;
    let p = off;
    let label = 0;
    for (let i = s; i < e; i++) {
      let c = buf[i];
      if (c === 0x2e) {
        if (label === 0) return false;
        label = 0;
      } else {
        if (c >= 0x41 && c <= 0x5a) c |= 0x20;
        else if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d)) return false;
        if (++label > 63) return false;
      }
      arena[p++] = c;
    }
    if (label === 0) return false;
    this.insert(list, wildcard, off, p - off);
    return true;
  }

  /** Adds the name at arena[off, off + len) (written past what is used) to list `list`. */
  private insert(list: number, wildcard: boolean, off: number, len: number): void {
    const arena = this.arena;
    let h = HASH_SEED;
    for (let i = off + len - 1; i >= off; i--) h = Math.imul(h ^ arena[i], HASH_PRIME);
    const mask = this.slotMask;
    const slots = this.slots;
    let slot = slotOf(h, mask);
    let e = -1;
    for (;;) {
      const x = slots[slot * 2] - 1;
      if (x < 0) break;
      if (slots[slot * 2 + 1] === h && this.entLen[x] === len && this.sameInArena(x, off, len)) {
        e = x;
        break;
      }
      slot = (slot + 1) & mask;
    }
    const prev = e < 0 ? -1 : this.entCombo[e];
    const next = this.step(prev, list, wildcard);
    if (next === prev) return;
    this.sizes[list]++;
    if (e >= 0) {
      this.entCombo[e] = next;
      return;
    }
    if ((this.count + 1) * 2 > this.slotMask + 1 || this.count + 1 > this.entOff.length) {
      this.reserveEntries(1);
      slot = slotOf(h, this.slotMask);
      while (this.slots[slot * 2] !== 0) slot = (slot + 1) & this.slotMask;
    }
    const n = this.count++;
    this.entOff[n] = off;
    this.entLen[n] = len;
    this.entCombo[n] = next;
    this.slots[slot * 2] = n + 1;
    this.slots[slot * 2 + 1] = h;
    this.arenaUsed = off + len;
  }

  private sameInArena(e: number, off: number, len: number): boolean {
    const arena = this.arena;
    const at = this.entOff[e];
    for (let i = 0; i < len; i++) if (arena[at + i] !== arena[off + i]) return false;
    return true;
  }

  /** Names in the table (exact and wildcard bases, and `*`). */
  get size(): number {
    return this.count + (this.rootCombo >= 0 ? 1 : 0);
  }

  /**
   * The entry of `name[start, end)` (a suffix of a lower-case name), whose hash is `h`; -1 when
   * the table does not hold it.
   */
  private find(h: number, name: string, start: number, end: number): number {
    const len = end - start;
    const mask = this.slotMask;
    const slots = this.slots;
    let slot = slotOf(h, mask);
    for (;;) {
      const e = slots[slot * 2] - 1;
      if (e < 0) return -1;
      if (slots[slot * 2 + 1] === h && this.entLen[e] === len) {
        const arena = this.arena;
        let at = this.entOff[e];
        let i = start;
        while (i < end && arena[at] === name.charCodeAt(i)) {
          at++;
          i++;
        }
        if (i === end) return e;
      }
      slot = (slot + 1) & mask;
    }
  }

  /**
   * Meets the entries of `qname` (lower case, no final dot, '' for the root): hits[0] the entry
   * of the name itself (-1 if none), then the entries of its parent suffixes; returns how many
   * hits were written. Labels are separated by '.' only (the query parser writes a dot inside a
   * label as `\046`).
   */
  private meet(qname: string): number {
    const hits = this.hits;
    let n = 1;
    let h = HASH_SEED;
    const len = qname.length;
    for (let i = len - 1; i >= 0; i--) {
      const c = qname.charCodeAt(i);
      if (c === 0x2e && n <= MAX_LABELS) {
        const e = this.find(h, qname, i + 1, len);
        if (e >= 0) hits[n++] = e;
      }
      h = Math.imul(h ^ c, HASH_PRIME);
    }
    hits[0] = len > 0 ? this.find(h, qname, 0, len) : -1;
    return n;
  }

  /**
   * The lists that match `qname` as a bit mask (bit i: list i), for tables of at most
   * {@link MASK_LISTS} lists: the name itself in a list, a parent suffix as a wildcard base in
   * one, or `*`.
   */
  matchMask(qname: string): number {
    const n = this.meet(qname);
    const hits = this.hits;
    const combos = this.combos;
    const ce = this.entCombo;
    let m = this.rootCombo >= 0 ? combos[this.rootCombo].wildMask : 0;
    if (hits[0] >= 0) m |= combos[ce[hits[0]]].exactMask;
    for (let i = 1; i < n; i++) m |= combos[ce[hits[i]]].wildMask;
    return m;
  }

  /**
   * Looks `qname` up (lower case, no final dot, '' for the root) and returns a generation number:
   * list `i` matched when {@link matched}(i, gen) is true. Valid until the next lookup. For any
   * number of lists ({@link matchMask} is the faster form for up to 31).
   */
  lookup(qname: string): number {
    let gen = ++this.gen;
    if (gen === 0xffffffff) {
      this.stamp.fill(0);
      this.gen = 1;
      gen = 1;
    }
    const stamp = this.stamp;
    const combos = this.combos;
    const ce = this.entCombo;
    const hits = this.hits;
    const n = this.meet(qname);
    if (hits[0] >= 0) for (const l of combos[ce[hits[0]]].exact) stamp[l] = gen;
    for (let i = 1; i < n; i++) for (const l of combos[ce[hits[i]]].wild) stamp[l] = gen;
    if (this.rootCombo >= 0) for (const l of combos[this.rootCombo].wild) stamp[l] = gen;
    return gen;
  }

  /** Whether list `list` matched the lookup that returned `gen`. */
  matched(list: number, gen: number): boolean {
    return this.stamp[list] === gen;
  }
}

/** `a` cut to its first `used` elements when more than a quarter of it is unused. */
function trim<T extends Uint32Array | Uint8Array | Int32Array>(a: T, used: number): T {
  return a.length - used > a.length / 4 ? (a.slice(0, used) as T) : a;
}

function grow<T extends Uint32Array | Uint8Array | Int32Array>(from: T, to: T, used: number): T {
  to.set(from.subarray(0, used));
  return to;
}
