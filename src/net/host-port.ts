/** HOST, HOST:PORT, IPV6 and [IPV6]:PORT forms used by --listen, --upstream and the config. */
import { isIP } from 'node:net';

export interface HostPort {
  host: string;
  port: number;
}

/**
 * Parses an address with an optional port. A bare IPv6 address ("::1", "2001:db8::53") takes the
 * default port; "[::1]:5300" sets one. Throws an Error saying what is wrong.
 */
export function parseHostPort(text: string, defaultPort: number): HostPort {
  const s = text.trim();
  let host: string;
  let port: string | undefined;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) throw new Error(`"${text}": missing "]"`);
    host = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest) {
      if (!rest.startsWith(':')) throw new Error(`"${text}": expected ":PORT" after "]"`);
      port = rest.slice(1);
    }
    if (isIP(host) !== 6) throw new Error(`"${text}": "${host}" is not an IPv6 address`);
  } else if (isIP(s) === 6) {
    host = s;
  } else {
    const colon = s.lastIndexOf(':');
    if (colon >= 0) {
      host = s.slice(0, colon);
      port = s.slice(colon + 1);
    } else host = s;
    if (!host) throw new Error(`"${text}": missing host`);
  }
  let p = defaultPort;
  if (port !== undefined) {
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw new Error(`"${text}": port must be 0-65535`);
    p = Number(port);
  }
  return { host, port: p };
}

/** "127.0.0.1:53" or "[::1]:53". */
export function formatHostPort(hp: HostPort): string {
  return isIP(hp.host) === 6 ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}
