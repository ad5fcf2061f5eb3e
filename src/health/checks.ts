/**
 * One round of a health check: a TCP connect, an HTTP GET or a DNS query, bounded by a timeout.
 * Each returns an outcome with a short human detail ("connection refused", "HTTP 503", …) that
 * ends up in the interface's health reason. Checks only ever contact the address the config names.
 */
import { createSocket } from 'node:dgram';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, isIP } from 'node:net';
import type { HealthCheckConfig } from '../config/schema.js';
import { formatHostPort, parseHostPort } from '../net/host-port.js';
import { lookupAddress } from '../net/lookup.js';

/** The result of one probe round. */
export interface ProbeOutcome {
  ok: boolean;
  /** What happened, e.g. "connected", "connection refused", "HTTP 503", "timed out after 5s". */
  detail: string;
}

/** Runs one round of a check; must settle by itself (the timeout is the check's job). */
export type ProbeFn = (check: HealthCheckConfig) => Promise<ProbeOutcome>;

/** Which kind of check a config is, and its target as written ("tcp 127.0.0.1:4566"). */
export function describeCheck(check: HealthCheckConfig): { kind: 'tcp' | 'http' | 'dns'; target: string } {
  if (check.tcp !== undefined) return { kind: 'tcp', target: check.tcp };
  if (check.http !== undefined) return { kind: 'http', target: check.http };
  return { kind: 'dns', target: check.dns ?? '' };
}

/** Short text for a socket error: "connection refused", "host unreachable", … */
export function errorDetail(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'EHOSTUNREACH':
      return 'host unreachable';
    case 'ENETUNREACH':
      return 'network unreachable';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ETIMEDOUT':
      return 'timed out';
    case 'EADDRNOTAVAIL':
      return 'address not available';
    default:
      return err?.code ? `${err.code}: ${err.message}` : String(err?.message ?? e);
  }
}

function seconds(s: number): string {
  return `${Number.isInteger(s) ? s : s.toFixed(1)}s`;
}

/** Opens a TCP connection and closes it at once: connected = healthy. */
export function tcpCheck(target: string, timeoutSeconds: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    let hp: { host: string; port: number };
    try {
      hp = parseHostPort(target, 0);
      if (hp.port === 0) throw new Error(`"${target}": a TCP check needs HOST:PORT`);
    } catch (e) {
      resolve({ ok: false, detail: (e as Error).message });
      return;
    }
    const sock = connect({ host: hp.host, port: hp.port });
    let done = false;
    const finish = (o: ProbeOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(o);
    };
    const timer = setTimeout(
      () => finish({ ok: false, detail: `timed out after ${seconds(timeoutSeconds)}` }),
      timeoutSeconds * 1000,
    );
    sock.once('connect', () => finish({ ok: true, detail: 'connected' }));
    sock.once('error', (e) => finish({ ok: false, detail: errorDetail(e) }));
  });
}

/** An HTTP(S) GET without keep-alive: a 2xx or 3xx status = healthy (redirects are not followed). */
export function httpCheck(target: string, timeoutSeconds: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      resolve({ ok: false, detail: 'not a URL' });
      return;
    }
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let done = false;
    const finish = (o: ProbeOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve(o);
    };
    const req = request(url, {
      method: 'GET',
      agent: false,
      headers: { connection: 'close', 'user-agent': 'privatelink-dns-health-check' },
    });
    const timer = setTimeout(
      () => finish({ ok: false, detail: `timed out after ${seconds(timeoutSeconds)}` }),
      timeoutSeconds * 1000,
    );
    req.once('response', (res) => {
      const code = res.statusCode ?? 0;
      res.resume();
      finish({ ok: code >= 200 && code < 400, detail: `HTTP ${code}` });
    });
    req.once('error', (e) => finish({ ok: false, detail: errorDetail(e) }));
    req.end();
  });
}

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

/**
 * Sends `. IN NS` over UDP: any response except SERVFAIL = healthy (the server is up and
 * answering; REFUSED and NXDOMAIN still prove that).
 */
export async function dnsCheck(target: string, timeoutSeconds: number): Promise<ProbeOutcome> {
  let hp: { host: string; port: number };
  let address: string;
  try {
    hp = parseHostPort(target, 53);
    address = await lookupAddress(hp.host);
  } catch (e) {
    return { ok: false, detail: e instanceof Error && !('code' in e) ? e.message : errorDetail(e) };
  }
  return new Promise((resolve) => {
    const sock = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
    const id = Math.floor(Math.random() * 0x10000);
    // Header (id, RD, one question) + root name + NS + IN.
    const msg = Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1]);
    let done = false;
    const finish = (o: ProbeOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      resolve(o);
    };
    const timer = setTimeout(
      () => finish({ ok: false, detail: `no answer within ${seconds(timeoutSeconds)}` }),
      timeoutSeconds * 1000,
    );
    sock.on('message', (m) => {
      if (m.length < 12 || m.readUInt16BE(0) !== id || (m[2] & 0x80) === 0) return;
      const rcode = m[3] & 0x0f;
      const name = RCODES[rcode] ?? `rcode ${rcode}`;
      finish({ ok: rcode !== 2, detail: `answered ${name}` });
    });
    sock.on('error', (e) => finish({ ok: false, detail: errorDetail(e) }));
    sock.send(msg, hp.port, address, (e) => {
      if (e) finish({ ok: false, detail: errorDetail(e) });
    });
  });
}

/** The default {@link ProbeFn}: runs the check the config names. */
export const runCheck: ProbeFn = (check) => {
  const { kind, target } = describeCheck(check);
  if (kind === 'tcp') return tcpCheck(target, check.timeoutSeconds);
  if (kind === 'http') return httpCheck(target, check.timeoutSeconds);
  return dnsCheck(target, check.timeoutSeconds);
};

/** "tcp 127.0.0.1:4566", "http http://…", "dns [::1]:5300": how logs name a check. */
export function checkLabel(check: HealthCheckConfig): string {
  const { kind, target } = describeCheck(check);
  if (kind === 'dns') {
    try {
      return `dns ${formatHostPort(parseHostPort(target, 53))}`;
    } catch {
      return `dns ${target}`;
    }
  }
  return `${kind} ${target}`;
}
