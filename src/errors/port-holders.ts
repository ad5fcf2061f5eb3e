/**
 * Who holds a port, on Linux: the sockets bound to it (from /proc/net/{udp,tcp}{,6}) and, where
 * this process may see them, the processes that own them. Used to say what holds port 53 when
 * `serve` cannot listen there (systemd-resolved's stub on 127.0.0.53, dnsmasq, a container
 * runtime's DNS).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { troubleshooting } from './troubleshooting.js';

/** One socket bound to the port. */
export interface PortHolder {
  proto: 'udp' | 'tcp';
  /** The local address, e.g. 127.0.0.53 or :: */
  address: string;
  port: number;
  inode: number;
  /** The owning process, when /proc lets this process see it. */
  pid?: number;
  command?: string;
}

/** The sockets bound to `port` (TCP: listening ones), [] where /proc/net is not there. */
export function portHolders(port: number, proc = '/proc'): PortHolder[] {
  const out: PortHolder[] = [];
  for (const [file, proto, v6] of [
    ['udp', 'udp', false],
    ['udp6', 'udp', true],
    ['tcp', 'tcp', false],
    ['tcp6', 'tcp', true],
  ] as const) {
    let text: string;
    try {
      text = readFileSync(`${proc}/net/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const [addrHex, portHex] = f[1].split(':');
      if (Number.parseInt(portHex, 16) !== port) continue;
      if (proto === 'tcp' && f[3] !== '0A') continue; // LISTEN only
      out.push({ proto, address: v6 ? ipv6Of(addrHex) : ipv4Of(addrHex), port, inode: Number(f[9]) });
    }
  }
  if (out.length) ownersOf(out, proc);
  return out;
}

/** /proc/net writes an IPv4 address as 8 hex digits in host (little-endian) order. */
function ipv4Of(hex: string): string {
  const n = Number.parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.');
}

/** 32 hex digits: four 32-bit words, each in host order. */
function ipv6Of(hex: string): string {
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(Number.parseInt(word.slice(b * 2, b * 2 + 2), 16));
  }
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255)
    return bytes.slice(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return groups
    .join(':')
    .replace(/(^|:)0(:0)+(:|$)/, '::')
    .replace(/:{3,}/, '::');
}

function ownersOf(holders: PortHolder[], proc: string): void {
  const byInode = new Map(holders.map((h) => [h.inode, h]));
  let pids: string[];
  try {
    pids = readdirSync(proc).filter((d) => /^\d+$/.test(d));
  } catch {
    return;
  }
  let left = byInode.size;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`${proc}/${pid}/fd`);
    } catch {
      continue; // another user's process
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`${proc}/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      const h = m ? byInode.get(Number(m[1])) : undefined;
      if (!h || h.pid !== undefined) continue;
      h.pid = Number(pid);
      try {
        h.command = readFileSync(`${proc}/${pid}/comm`, 'utf8').trim();
      } catch {
        // gone meanwhile
      }
      if (--left === 0) return;
    }
  }
}

const CONTAINER_RUNTIMES =
  /^(dockerd|docker-proxy|containerd.*|podman|aardvark-dns|netavark|conmon|lima.*|colima)$/;

/** What a holder usually is, in words: "systemd-resolved's stub listener", "dnsmasq", … */
export function holderKind(h: PortHolder): string {
  if (h.address === '127.0.0.53' || h.address === '127.0.0.54') return "systemd-resolved's stub listener";
  if (h.command === 'systemd-resolve' || h.command === 'systemd-resolved') return 'systemd-resolved';
  if (h.command === 'dnsmasq') return 'dnsmasq';
  if (h.command && CONTAINER_RUNTIMES.test(h.command)) return 'a container runtime';
  return 'a process';
}

/**
 * The holders in words, one per address and process with its protocols:
 * `systemd-resolved's stub listener on 127.0.0.53:53 (udp, tcp; systemd-resolve, pid 412)`.
 */
export function describeHolders(holders: readonly PortHolder[]): string[] {
  const groups = new Map<string, { h: PortHolder; protos: string[] }>();
  for (const h of holders) {
    const key = `${h.address} ${h.pid ?? ''}`;
    const g = groups.get(key);
    if (g) {
      if (!g.protos.includes(h.proto)) g.protos.push(h.proto);
    } else groups.set(key, { h, protos: [h.proto] });
  }
  return [...groups.values()].map(({ h, protos }) => {
    const who = h.command ? `; ${h.command}, pid ${h.pid}` : h.pid !== undefined ? `; pid ${h.pid}` : '';
    const addr = h.address.includes(':') ? `[${h.address}]` : h.address;
    return `${holderKind(h)} on ${addr}:${h.port} (${protos.join(', ')}${who})`;
  });
}

/**
 * What to add to "address already in use" for port 53: who holds it (when /proc says), what
 * usually does, and the troubleshooting page.
 */
export function port53Hint(holders: readonly PortHolder[]): string {
  const named = describeHolders(holders);
  const held = named.length ? `; held by ${named.join(', ')}` : '';
  return `${held}; port 53 is usually held by systemd-resolved's stub (127.0.0.53), dnsmasq or a container runtime: see ${troubleshooting('port-53-is-busy')}`;
}
