/** The system's resolvers from resolv.conf text (the default upstreams when none is configured). */
import { isIP } from 'node:net';
import { isSelf, type SocketAddress } from './self.js';

/**
 * The `nameserver` addresses of resolv.conf text, in order, skipping any that is this server
 * itself (e.g. when it listens on 127.0.0.53:53 in place of systemd-resolved). IPv6 addresses
 * are returned bare (port 53 is implied); zone ids ("fe80::1%eth0") are kept.
 */
export function systemUpstreams(resolvConfText: string, self: readonly SocketAddress[]): string[] {
  const out: string[] = [];
  for (const raw of resolvConfText.split(/\r?\n/)) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const m = /^nameserver\s+(\S+)/.exec(line);
    if (!m) continue;
    const addr = m[1];
    if (isIP(addr) === 0) continue;
    if (isSelf({ address: addr, port: 53 }, self)) continue;
    if (!out.includes(addr)) out.push(addr);
  }
  return out;
}
