/**
 * One upstream resolver: its address, passive health (CoreDNS style: down after `maxFails`
 * consecutive failures, probed until it answers) and what we learnt about it (no EDNS).
 */
import { isIP } from 'node:net';
import { formatHostPort, parseHostPort } from '../net/host-port.js';
import { BadUpstreamError } from './errors.js';

/** Why one try at an upstream failed (also the `reason` label of the failure metric). */
export type FailureReason = 'timeout' | 'network' | 'servfail' | 'refused' | 'malformed';

/** Parses HOST, HOST:PORT, IPV6 or [IPV6]:PORT (default port 53). Hosts must be IP addresses. */
export function parseUpstream(text: string): { address: string; port: number; family: 4 | 6 } {
  let hp: { host: string; port: number };
  try {
    hp = parseHostPort(text, 53);
  } catch (e) {
    throw new BadUpstreamError(text, (e as Error).message);
  }
  const fam = isIP(hp.host);
  if (fam === 0) throw new BadUpstreamError(text, `"${hp.host}" is not an IP address`);
  if (hp.port === 0) throw new BadUpstreamError(text, 'port 0 is not a port one can send to');
  return { address: hp.host, port: hp.port, family: fam as 4 | 6 };
}

export class Upstream {
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
  /** "127.0.0.1:53" / "[::1]:53": the metric label and log field. */
  readonly key: string;
  /** Consecutive failures. */
  fails = 0;
  /** Marked down: skipped while another upstream is up, probed in the background. */
  down = false;
  /** Until this time (ms, monotonic) queries go without EDNS (it answered FORMERR/NOTIMP to EDNS). */
  noEdnsUntil = 0;
  /** The background probe timer while down. */
  probeTimer: NodeJS.Timeout | null = null;
  /** Set when the upstream turned out to be one of our own listen sockets. */
  isSelf = false;

  constructor(text: string) {
    const p = parseUpstream(text);
    this.address = p.address;
    this.port = p.port;
    this.family = p.family;
    this.key = formatHostPort({ host: p.address, port: p.port });
  }
}
