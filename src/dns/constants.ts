/** DNS numbers used across the server (RFC 1035, 3596, 6891, 8914). */

export const RRType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  TSIG: 250,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
} as const;

export const RRClass = { IN: 1, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;

export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  /** Extended rcode (needs OPT): 16 = BADVERS. */
  BADVERS: 16,
} as const;

export const RcodeName: Record<number, string> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  16: 'BADVERS',
};

/** Extended DNS Error info codes (RFC 8914) that the server emits. */
export const EdeCode = {
  OTHER: 0,
  STALE_ANSWER: 3,
  PROHIBITED: 18,
  NOT_READY: 14,
  NO_REACHABLE_AUTHORITY: 22,
  NETWORK_ERROR: 23,
} as const;

const TYPE_NAMES: Record<number, string> = {};
for (const [k, v] of Object.entries(RRType)) TYPE_NAMES[v] = k;

/** "A", "AAAA", … or "TYPE123" for the rest (RFC 3597). */
export function typeName(t: number): string {
  return TYPE_NAMES[t] ?? `TYPE${t}`;
}

/** Parses "A", "aaaa", "TYPE65" or a number; undefined when unknown. */
export function parseType(s: string): number | undefined {
  const up = s.toUpperCase();
  if (up in RRType) return RRType[up as keyof typeof RRType];
  const m = /^(?:TYPE)?(\d{1,5})$/.exec(up);
  if (m) {
    const n = Number(m[1]);
    if (n >= 0 && n <= 65535) return n;
  }
  return undefined;
}

/** Our EDNS UDP payload size (DNS flag day 2020). */
export const EDNS_UDP_SIZE = 1232;
/** The classic DNS-over-UDP limit without EDNS. */
export const CLASSIC_UDP_SIZE = 512;

/** Size of the fixed message header. */
export const HEADER_SIZE = 12;

/** Flag bits of header byte 2/3 as one 16-bit word. */
export const Flag = {
  QR: 0x8000,
  AA: 0x0400,
  TC: 0x0200,
  RD: 0x0100,
  RA: 0x0080,
  AD: 0x0020,
  CD: 0x0010,
} as const;
