/**
 * DNS Firewall domain specifications and the one table that matches a query name against every
 * domain list at once, by labels.
 *
 * A specification is a name (`example.com`: that name only), a wildcard (`*.example.com`: every
 * name below example.com, at any depth, but not example.com itself) or `*` alone (every name).
 * AWS accepts A-Z, a-z, 0-9 and hyphens in labels, an optional leading `*`, 1 to 255 characters.
 *
 * The table maps each name to a small "combo" id: which lists hold the name exactly and which
 * hold it as a wildcard base. A lookup reads the query name itself (exact entries) and then every
 * parent suffix (wildcard entries): one map read per label, never a scan, and it stamps the lists
 * that matched into a reused array (no allocation per query but the suffix strings).
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

/** One parsed line of a domain list file: the spec, or the problem and its 1-based column. */
export interface ListLine {
  line: number;
  col: number;
  spec?: DomainSpec;
  error?: string;
}

/**
 * Parses the text of a domain list file: one domain a line, `#` to the end of the line is a
 * comment, blank lines and surrounding spaces are ignored. Calls `onSpec` for each domain and
 * `onError` for each bad line (1-based line and column).
 */
export function parseListText(
  text: string,
  onSpec: (spec: DomainSpec) => void,
  onError: (line: number, col: number, message: string) => void,
): void {
  let lineNo = 0;
  let pos = 0;
  const n = text.length;
  while (pos <= n) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = n;
    lineNo++;
    let a = pos;
    let b = eol;
    // '#' is looked for in this line only (a search of the whole rest of the file per line
    // would make a large list quadratic).
    for (let i = a; i < b; i++)
      if (text.charCodeAt(i) === 0x23) {
        b = i;
        break;
      }
    while (a < b && isSpace(text.charCodeAt(a))) a++;
    while (b > a && isSpace(text.charCodeAt(b - 1))) b--;
    if (b > a) {
      const item = text.slice(a, b);
      const r = parseDomainSpec(item);
      if (isSpecError(r)) onError(lineNo, a - pos + 1 + r.at, r.message);
      else onSpec(r);
    }
    if (eol >= n) break;
    pos = eol + 1;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c || c === 0xfeff;
}

/** Exact and wildcard list indices of one name. */
interface Combo {
  exact: readonly number[];
  wild: readonly number[];
}

/**
 * Every domain list's names in one map (name → combo id). Built once per config; read-only after
 * {@link DomainTable.freeze}.
 */
export class DomainTable {
  private readonly map = new Map<string, number>();
  private readonly combos: Combo[] = [];
  private readonly comboIds = new Map<string, number>();
  /** Domains per list (duplicates counted once). */
  readonly sizes: number[];
  /** stamp[list] === gen when the list matched the current lookup. */
  private readonly stamp: Uint32Array;
  private gen = 0;

  constructor(readonly listCount: number) {
    this.sizes = new Array<number>(listCount).fill(0);
    this.stamp = new Uint32Array(listCount);
  }

  private comboId(exact: readonly number[], wild: readonly number[]): number {
    const key = `${exact.join(',')}|${wild.join(',')}`;
    let id = this.comboIds.get(key);
    if (id === undefined) {
      id = this.combos.length;
      this.combos.push({ exact, wild });
      this.comboIds.set(key, id);
    }
    return id;
  }

  /** Combo transitions already computed: (combo + 1, list, wildcard) → combo. */
  private readonly steps = new Map<number, number>();

  /** Adds a spec to list `list`. */
  add(list: number, spec: DomainSpec): void {
    const prev = this.map.get(spec.name);
    const w = spec.wildcard ? 1 : 0;
    const key = ((prev === undefined ? 0 : prev + 1) * this.listCount + list) * 2 + w;
    let next = this.steps.get(key);
    if (next === undefined) {
      const c = prev === undefined ? { exact: [], wild: [] } : this.combos[prev];
      const into = spec.wildcard ? c.wild : c.exact;
      if (into.includes(list)) next = prev as number;
      else {
        const grown = [...into, list].sort((x, y) => x - y);
        next = spec.wildcard ? this.comboId(c.exact, grown) : this.comboId(grown, c.wild);
      }
      this.steps.set(key, next);
    }
    if (next === prev) return;
    this.sizes[list]++;
    this.map.set(spec.name, next);
  }

  /** Names in the table (exact and wildcard bases). */
  get size(): number {
    return this.map.size;
  }

  /**
   * Looks `qname` up (lower case, no final dot, '' for the root) and returns a generation number:
   * list `i` matched when {@link matched}(i, gen) is true. Valid until the next lookup.
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
    const map = this.map;
    let id = map.get(qname);
    if (id !== undefined) for (const l of combos[id].exact) stamp[l] = gen;
    if (qname.length === 0) return gen;
    let dot = qname.indexOf('.');
    while (dot >= 0) {
      id = map.get(qname.slice(dot + 1));
      if (id !== undefined) for (const l of combos[id].wild) stamp[l] = gen;
      dot = qname.indexOf('.', dot + 1);
    }
    id = map.get('');
    if (id !== undefined) for (const l of combos[id].wild) stamp[l] = gen;
    return gen;
  }

  /** Whether list `list` matched the lookup that returned `gen`. */
  matched(list: number, gen: number): boolean {
    return this.stamp[list] === gen;
  }
}
