/**
 * Route 53 record values (`ResourceRecords[].Value`, the config's `values`) in presentation
 * format, turned into wire RDATA once when the catalog is built. Each parser returns the bytes
 * or a message that says what is wrong and how the value is written.
 */
import { RRType } from '../dns/constants.js';
import { encodeName } from '../dns/names.js';
import { parseAddress } from '../net/cidr.js';

/** The record types a private hosted zone takes, with their wire numbers. */
export const PHZ_TYPES = {
  A: RRType.A,
  AAAA: RRType.AAAA,
  CNAME: RRType.CNAME,
  TXT: RRType.TXT,
  MX: RRType.MX,
  SRV: RRType.SRV,
  PTR: RRType.PTR,
  CAA: 257,
  NAPTR: 35,
  SPF: 99,
  NS: RRType.NS,
  SOA: RRType.SOA,
} as const;

export type PhzType = keyof typeof PHZ_TYPES;
export const PHZ_TYPE_NAMES = Object.keys(PHZ_TYPES) as PhzType[];

/** How each type's value is written (for messages). */
export const VALUE_FORMS: Record<PhzType, string> = {
  A: '10.0.5.10',
  AAAA: '2600:1f16:1:a01::10',
  CNAME: 'api.corp.internal',
  TXT: '"v=spf1 -all"',
  MX: '10 mail.corp.internal',
  SRV: '10 5 443 api.corp.internal',
  PTR: 'host.corp.internal',
  CAA: '0 issue "amazon.com"',
  NAPTR: '100 10 "S" "SIP+D2U" "" _sip._udp.corp.internal',
  SPF: '"v=spf1 -all"',
  NS: 'ns-1536.awsdns-00.co.uk',
  SOA: 'ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400',
};

export type Parsed = { ok: true; rdata: Buffer } | { ok: false; why: string };

const LABEL = /^[a-z0-9_*]([a-z0-9_-]{0,61}[a-z0-9_])?$/i;

/** A domain name in a value ("." is the root). */
export function nameRdata(text: string): Buffer | null {
  const t = text.endsWith('.') && text !== '.' ? text.slice(0, -1) : text;
  if (t === '.' || t === '') return Buffer.from([0]);
  if (t.length > 253 || !t.split('.').every((l) => LABEL.test(l))) return null;
  try {
    return encodeName(t.toLowerCase());
  } catch {
    return null;
  }
}

function u16(n: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(n);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function int(s: string | undefined, max: number): number | null {
  if (s === undefined || !/^\d{1,10}$/.test(s)) return null;
  const n = Number(s);
  return n <= max ? n : null;
}

/**
 * Splits a value into fields: runs of non-blanks, or quoted strings (with `\"`, `\\` and `\DDD`
 * escapes). Quoted fields come back with `quoted: true`. Null for an unclosed quote.
 */
export function fields(text: string): { text: string; quoted: boolean }[] | null {
  const out: { text: string; quoted: boolean }[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= text.length) return null;
        const d = text[i];
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\' && i + 1 < text.length) {
          const m = /^\d{3}/.exec(text.slice(i + 1, i + 4));
          if (m) {
            s += String.fromCharCode(Number(m[0]) & 0xff);
            i += 4;
          } else {
            s += text[i + 1];
            i += 2;
          }
          continue;
        }
        s += d;
        i++;
      }
      out.push({ text: s, quoted: true });
      continue;
    }
    let j = i;
    while (j < text.length && text[j] !== ' ' && text[j] !== '\t') j++;
    out.push({ text: text.slice(i, j), quoted: false });
    i = j;
  }
  return out;
}

/** One character-string: a length byte and at most 255 bytes. */
function charString(s: string): Buffer | null {
  const b = Buffer.from(s, 'latin1');
  if (b.length > 255) return null;
  return Buffer.concat([Buffer.from([b.length]), b]);
}

const bad = (why: string): Parsed => ({ ok: false, why });
const ok = (rdata: Buffer): Parsed => ({ ok: true, rdata });

/** What is wrong with one value of a record of `type`, or null (addresses without encoding them). */
export function valueProblem(type: PhzType, value: string): string | null {
  if (type === 'A' || type === 'AAAA') {
    const a = parseAddress(value.trim());
    if (a && a.length === (type === 'A' ? 4 : 16)) return null;
  }
  const p = parseValue(type, value);
  return p.ok ? null : p.why;
}

/** Parses one value of a record of `type`. */
export function parseValue(type: PhzType, value: string): Parsed {
  const v = value.trim();
  // Made only for a message: 100,000 good values build no strings.
  const form = (): string => `write it like ${VALUE_FORMS[type]}`;
  switch (type) {
    case 'A': {
      const a = parseAddress(v);
      return a && a.length === 4 ? ok(Buffer.from(a)) : bad(`"${value}" is not an IPv4 address; ${form()}`);
    }
    case 'AAAA': {
      const a = parseAddress(v);
      return a && a.length === 16 ? ok(Buffer.from(a)) : bad(`"${value}" is not an IPv6 address; ${form()}`);
    }
    case 'CNAME':
    case 'PTR':
    case 'NS': {
      const n = nameRdata(v);
      return n ? ok(n) : bad(`"${value}" is not a domain name; ${form()}`);
    }
    case 'MX': {
      const f = v.split(/\s+/);
      const pref = int(f[0], 65535);
      const n = f.length === 2 ? nameRdata(f[1]) : null;
      if (pref === null || !n) return bad(`"${value}" is not "PREFERENCE HOST"; ${form()}`);
      return ok(Buffer.concat([u16(pref), n]));
    }
    case 'SRV': {
      const f = v.split(/\s+/);
      const nums = f.slice(0, 3).map((x) => int(x, 65535));
      const n = f.length === 4 ? nameRdata(f[3]) : null;
      if (nums.some((x) => x === null) || !n)
        return bad(`"${value}" is not "PRIORITY WEIGHT PORT TARGET"; ${form()}`);
      return ok(Buffer.concat([u16(nums[0]!), u16(nums[1]!), u16(nums[2]!), n]));
    }
    case 'TXT':
    case 'SPF': {
      const f = fields(v);
      if (!f || f.length === 0) return bad(`"${value}" has an unclosed quote; ${form()}`);
      // Unquoted text is one string, as Route 53 stores it.
      const parts = f.every((x) => x.quoted) ? f.map((x) => x.text) : [v];
      const out: Buffer[] = [];
      for (const p of parts) {
        const c = charString(p);
        if (!c)
          return bad(`a string of "${value}" is longer than 255 characters; split it into quoted strings`);
        out.push(c);
      }
      return ok(Buffer.concat(out));
    }
    case 'CAA': {
      const f = fields(v);
      const flags = int(f?.[0]?.text, 255);
      const tag = f?.[1]?.text;
      if (f?.length !== 3 || flags === null || !tag || !/^[a-z0-9]{1,15}$/i.test(tag))
        return bad(`"${value}" is not "FLAGS TAG \\"VALUE\\""; ${form()}`);
      return ok(
        Buffer.concat([
          Buffer.from([flags, tag.length]),
          Buffer.from(tag, 'ascii'),
          Buffer.from(f[2].text, 'latin1'),
        ]),
      );
    }
    case 'NAPTR': {
      const f = fields(v);
      const order = int(f?.[0]?.text, 65535);
      const pref = int(f?.[1]?.text, 65535);
      const repl = f?.[5] ? nameRdata(f[5].text) : null;
      const strs = f ? f.slice(2, 5).map((x) => charString(x.text)) : [];
      if (f?.length !== 6 || order === null || pref === null || !repl || strs.some((s) => !s))
        return bad(
          `"${value}" is not "ORDER PREFERENCE \\"FLAGS\\" \\"SERVICE\\" \\"REGEXP\\" REPLACEMENT"; ${form()}`,
        );
      return ok(Buffer.concat([u16(order), u16(pref), ...(strs as Buffer[]), repl]));
    }
    case 'SOA': {
      const f = v.split(/\s+/);
      const m = f.length === 7 ? nameRdata(f[0]) : null;
      const r = f.length === 7 ? nameRdata(f[1]) : null;
      const nums = f.slice(2).map((x) => int(x, 0xffffffff));
      if (!m || !r || nums.length !== 5 || nums.some((x) => x === null))
        return bad(`"${value}" is not "MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM"; ${form()}`);
      return ok(Buffer.concat([m, r, ...nums.map((x) => u32(x!))]));
    }
  }
}
