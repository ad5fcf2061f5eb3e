/**
 * `createLookup`: a `dns.lookup` that asks one DNS server (this one, typically started in the same
 * test) instead of the system resolver, for HTTP agents, SDK clients and sockets inside tests.
 */
import dns, {
  type LookupAddress,
  type LookupAllOptions,
  type LookupOneOptions,
  type LookupOptions,
} from 'node:dns';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { promisify } from 'node:util';
import { Rcode, RRType } from '../dns/constants.js';
import { parseHostPort } from '../net/host-port.js';
import { type DnsServer, type DnsTarget, ExchangeError, exchange } from './exchange.js';

/** A server as {@link startServer} returns it: its UDP and TCP addresses. */
export interface LookupServerAddresses {
  udp: { address: string; port: number };
  tcp: { address: string; port: number };
}

/** Options of {@link createLookup}. */
export interface CreateLookupOptions {
  /** How long to wait for each UDP try, and for a TCP answer. @default 2000 */
  timeoutMs?: number;
  /** UDP tries per question before `ETIMEOUT`. @default 2 */
  tries?: number;
}

type OneCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;
type AllCallback = (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void;
type AnyCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A function with the signature of `dns.lookup` (callback form, all its overloads), usable
 * wherever Node takes a `lookup`: `http(s).Agent`, `net.connect`, `tls.connect`, undici's
 * `connect` options. `util.promisify(lookup)` resolves like `dns.promises.lookup`.
 */
export interface DnsLookupFunction {
  (hostname: string, callback: OneCallback): void;
  (hostname: string, family: number, callback: OneCallback): void;
  (hostname: string, options: LookupOneOptions, callback: OneCallback): void;
  (hostname: string, options: LookupAllOptions, callback: AllCallback): void;
  (hostname: string, options: LookupOptions, callback: AnyCallback): void;
  [promisify.custom]: {
    (hostname: string, options?: number | LookupOneOptions): Promise<LookupAddress>;
    (hostname: string, options: LookupAllOptions): Promise<LookupAddress[]>;
    (hostname: string, options: LookupOptions): Promise<LookupAddress | LookupAddress[]>;
  };
}

type Order = 'verbatim' | 'ipv4first' | 'ipv6first';

interface Request {
  family: 0 | 4 | 6;
  hints: number;
  all: boolean;
  order: Order;
}

const VALID_HINTS = dns.ADDRCONFIG | dns.V4MAPPED | dns.ALL;

/**
 * Returns a `dns.lookup`-compatible function that resolves names through the DNS server at
 * `server` rather than the system resolver: a {@link RunningServer} (its UDP and TCP
 * addresses; a wildcard listen address is reached on loopback), `{ host, port }`, or
 * `"HOST:PORT"`.
 *
 * It takes every option Node passes: `family` (0, 4, 6, `'IPv4'`, `'IPv6'`), `all`, `hints`
 * (`dns.ADDRCONFIG`: a family is asked for only when this host has an address of it other than
 * 127.0.0.1 and ::1, as glibc does; `dns.V4MAPPED`: with `family: 6` and no AAAA answer, the
 * A answers as `::ffff:a.b.c.d`, and with `dns.ALL` both), `order` and `verbatim`
 * (`verbatim`: IPv4 answers before IPv6 ones, the order getaddrinfo gives on a host without
 * global IPv6; the default follows `dns.getDefaultResultOrder()`).
 *
 * Each question goes over UDP (retried after `timeoutMs`, `tries` times) and again over TCP
 * when the answer is truncated. A and AAAA are asked in parallel for `family: 0`. IP literals
 * are answered at once, and `localhost` and names under `.localhost` with the loopback
 * addresses (RFC 6761), as getaddrinfo does from /etc/hosts.
 *
 * Errors carry Node's codes (`err.code`, with `syscall: 'getaddrinfo'` and `hostname`):
 * `ENOTFOUND` for NXDOMAIN (and names that cannot be encoded), `ENODATA` when the name exists
 * without an address of the asked family, `ESERVFAIL`, `EREFUSED`, `EFORMERR`, `ENOTIMP`,
 * `ETIMEOUT` when no answer came, `EBADRESP` for a malformed TCP answer, and `ECONNREFUSED`
 * when nothing listens.
 *
 * @example
 * ```ts
 * import https from 'node:https';
 * import { createLookup, startServer } from 'privatelink-dns';
 *
 * const server = await startServer({ config: 'endpoints.yaml', listen: '127.0.0.1:0' });
 * const agent = new https.Agent({ lookup: createLookup(server) });
 * https.get('https://monitoring.us-east-2.amazonaws.com/', { agent });
 * ```
 */
export function createLookup(
  server: LookupServerAddresses | DnsTarget | string,
  options: CreateLookupOptions = {},
): DnsLookupFunction {
  const target = serverOf(server);
  const settings = { timeoutMs: options.timeoutMs ?? 2000, tries: options.tries ?? 2 };

  const resolve = async (hostname: string, req: Request): Promise<LookupAddress[]> => {
    const local = localhostAnswer(hostname, req);
    if (local) return local;
    const v4 = req.family !== 6 && (!(req.hints & dns.ADDRCONFIG) || hasAddress(4));
    const v6 = req.family !== 4 && (!(req.hints & dns.ADDRCONFIG) || hasAddress(6));
    const mapped = req.family === 6 && (req.hints & dns.V4MAPPED) !== 0;
    const ask = (qtype: number) => ask1(target, hostname, qtype, settings);
    const [a, aaaa] = await Promise.all([v4 || mapped ? ask(RRType.A) : null, v6 ? ask(RRType.AAAA) : null]);
    let four = a && !(a instanceof Error) ? a : [];
    const six = aaaa && !(aaaa instanceof Error) ? aaaa : [];
    if (mapped) {
      four = six.length === 0 || (req.hints & dns.ALL) !== 0 ? four.map((x) => `::ffff:${x}`) : [];
    }
    const fourOut = four.map((address) => ({ address, family: mapped ? 6 : 4 }));
    const sixOut = six.map((address) => ({ address, family: 6 }));
    const out = req.order === 'ipv6first' ? [...sixOut, ...fourOut] : [...fourOut, ...sixOut];
    if (out.length > 0) return out;
    throw lookupError(hostname, pickCode([a, aaaa], v4 || v6 || mapped));
  };

  const lookup = ((hostname: string, a: unknown, b?: unknown): void => {
    const cb = (typeof a === 'function' ? a : b) as AnyCallback;
    if (typeof cb !== 'function') throw invalidArg('callback', cb);
    if (typeof hostname !== 'string') throw invalidArg('hostname', hostname);
    const req = requestOf(typeof a === 'function' ? undefined : a);
    if (!hostname) {
      // As dns.lookup: an empty name is not an error, it answers nothing.
      process.nextTick(() =>
        req.all ? cb(null, []) : cb(null, null as unknown as string, req.family === 6 ? 6 : 4),
      );
      return;
    }
    const literal = isIP(hostname);
    if (literal) {
      process.nextTick(() =>
        req.all ? cb(null, [{ address: hostname, family: literal }]) : cb(null, hostname, literal),
      );
      return;
    }
    resolve(hostname, req).then(
      (list) => (req.all ? cb(null, list) : cb(null, list[0].address, list[0].family)),
      (err: NodeJS.ErrnoException) => cb(err, req.all ? [] : (undefined as unknown as string)),
    );
  }) as DnsLookupFunction;

  lookup[promisify.custom] = ((hostname: string, opts?: number | LookupOptions) =>
    new Promise((ok, fail) => {
      lookup(hostname, requestOptions(opts), (err, address, family) => {
        if (err) fail(err);
        else ok(Array.isArray(address) ? address : { address, family: family as number });
      });
    })) as DnsLookupFunction[typeof promisify.custom];
  return lookup;
}

function requestOptions(opts: number | LookupOptions | undefined): LookupOptions {
  return typeof opts === 'number' ? { family: opts } : (opts ?? {});
}

function serverOf(server: LookupServerAddresses | DnsTarget | string): DnsServer {
  if (typeof server === 'string') {
    const hp = parseHostPort(server, 53);
    return { udp: hp, tcp: hp };
  }
  if ('udp' in server) {
    return {
      udp: { host: reachable(server.udp.address), port: server.udp.port },
      tcp: { host: reachable(server.tcp.address), port: server.tcp.port },
    };
  }
  return { udp: server, tcp: server };
}

/** A wildcard listen address is asked on loopback. */
function reachable(address: string): string {
  if (address === '0.0.0.0' || address === '') return '127.0.0.1';
  if (address === '::') return '::1';
  return address;
}

function requestOf(a: unknown): Request {
  let family: unknown = 0;
  let hints: unknown = 0;
  let all = false;
  let order: Order = defaultOrder();
  if (typeof a === 'number') family = a;
  else if (a !== undefined && a !== null) {
    if (typeof a !== 'object') throw invalidArg('options', a);
    const o = a as LookupOptions;
    if (o.family !== undefined) family = o.family;
    if (o.hints !== undefined) hints = o.hints;
    all = o.all === true;
    if (o.verbatim !== undefined) order = o.verbatim ? 'verbatim' : 'ipv4first';
    if (o.order !== undefined) {
      if (o.order !== 'verbatim' && o.order !== 'ipv4first' && o.order !== 'ipv6first') {
        throw invalidArg('options.order', o.order);
      }
      order = o.order;
    }
  }
  if (family === 'IPv4') family = 4;
  else if (family === 'IPv6') family = 6;
  if (family !== 0 && family !== 4 && family !== 6) throw invalidArg('options.family', family);
  if (typeof hints !== 'number' || (hints & ~VALID_HINTS) !== 0) throw invalidArg('options.hints', hints);
  return { family, hints, all, order };
}

function defaultOrder(): Order {
  const o = (dns as { getDefaultResultOrder?: () => string }).getDefaultResultOrder?.();
  return o === 'ipv4first' || o === 'ipv6first' ? o : 'verbatim';
}

function invalidArg(name: string, value: unknown): TypeError {
  const err = new TypeError(`The argument '${name}' is invalid. Received ${String(value)}`) as TypeError & {
    code: string;
  };
  err.code = 'ERR_INVALID_ARG_VALUE';
  return err;
}

/** glibc's AI_ADDRCONFIG test: an address of the family other than 127.0.0.1 and ::1. */
function hasAddress(family: 4 | 6): boolean {
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      if (family === 4 && i.family === 'IPv4' && i.address !== '127.0.0.1') return true;
      if (family === 6 && i.family === 'IPv6' && i.address !== '::1') return true;
    }
  }
  return false;
}

function localhostAnswer(hostname: string, req: Request): LookupAddress[] | null {
  const n = hostname.toLowerCase().replace(/\.$/, '');
  if (n !== 'localhost' && !n.endsWith('.localhost')) return null;
  const four = { address: '127.0.0.1', family: 4 };
  const six = { address: '::1', family: 6 };
  if (req.family === 4) return [four];
  if (req.family === 6) return [six];
  return req.order === 'ipv6first' ? [six, four] : [four, six];
}

/** One question: its addresses, or the lookup error code it ended in. */
async function ask1(
  server: DnsServer,
  hostname: string,
  qtype: number,
  s: { timeoutMs: number; tries: number },
): Promise<string[] | LookupFailure> {
  try {
    const ans = await exchange(server, hostname, qtype, s);
    if (ans.rcode === Rcode.NOERROR)
      return ans.addresses.length ? ans.addresses : new LookupFailure(dns.NODATA);
    return new LookupFailure(RCODE_ERRORS[ans.rcode] ?? dns.BADRESP);
  } catch (e) {
    if (e instanceof ExchangeError) return new LookupFailure(e.code);
    // encodeName refuses empty/overlong labels: getaddrinfo reports such names as not found.
    return new LookupFailure(dns.NOTFOUND);
  }
}

class LookupFailure extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

const RCODE_ERRORS: Record<number, string> = {
  [Rcode.NXDOMAIN]: dns.NOTFOUND,
  [Rcode.SERVFAIL]: dns.SERVFAIL,
  [Rcode.REFUSED]: dns.REFUSED,
  [Rcode.FORMERR]: dns.FORMERR,
  [Rcode.NOTIMP]: dns.NOTIMP,
};

/**
 * The code when no question gave an address: NXDOMAIN wins (the name does not exist), then any
 * failure other than NODATA (the first asked), then NODATA.
 */
function pickCode(results: (string[] | LookupFailure | null)[], asked: boolean): string {
  if (!asked) return dns.NODATA;
  const failures = results.filter((r): r is LookupFailure => r instanceof LookupFailure);
  if (failures.some((f) => f.code === dns.NOTFOUND)) return dns.NOTFOUND;
  const hard = failures.find((f) => f.code !== dns.NODATA);
  return hard ? hard.code : dns.NODATA;
}

function lookupError(hostname: string, code: string): NodeJS.ErrnoException {
  const err = new Error(`getaddrinfo ${code} ${hostname}`) as NodeJS.ErrnoException & { hostname: string };
  err.code = code;
  err.syscall = 'getaddrinfo';
  err.hostname = hostname;
  return err;
}
