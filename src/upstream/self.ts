/** Recognising this server's own listen sockets among upstream addresses. */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { isLoopback } from '../net/loopback.js';

export interface SocketAddress {
  address: string;
  port: number;
}

function plain(address: string): string {
  const a = address.toLowerCase();
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

function isWildcard(a: string): boolean {
  return a === '' || a === '0.0.0.0' || a === '::';
}

/**
 * Docker's embedded DNS server: inside a container on a user network, packets to 127.0.0.11:53
 * are NAT-redirected to Docker's resolver, so they never reach a socket of ours.
 */
const DOCKER_EMBEDDED_DNS = '127.0.0.11';

/** True for addresses of this machine: loopback ranges and every interface address. */
export function isLocalAddress(address: string): boolean {
  const a = plain(address).split('%')[0];
  if (a === DOCKER_EMBEDDED_DNS) return false;
  if (isLoopback(a)) return true;
  for (const list of Object.values(networkInterfaces())) {
    for (const itf of list ?? []) if (plain(itf.address) === a) return true;
  }
  return false;
}

/**
 * True when sending to `up` would reach one of our own listen sockets: same port, and the same
 * address or a local address when we listen on a wildcard address.
 */
export function isSelf(up: SocketAddress, self: readonly SocketAddress[]): boolean {
  const a = plain(up.address);
  for (const s of self) {
    if (s.port !== up.port) continue;
    const sa = plain(s.address);
    if (sa === a) return true;
    if (isWildcard(sa) && isLocalAddress(a)) return true;
  }
  return false;
}
