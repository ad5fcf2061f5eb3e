/**
 * A real fake upstream DNS server for tests: UDP and TCP on the same ephemeral port of a
 * loopback address, with a switchable {@link FakeBehaviour} and a log of every query it got.
 *
 * ```ts
 * const up = await startFakeUpstream();                 // normal answers on 127.0.0.1:<port>
 * const dead = await startFakeUpstream({ behaviour: 'dead' });
 * up.behaviour = 'servfail';                             // switch at any time
 * up.count('udp');                                       // queries received over UDP
 * up.queries[0].packet.additionals                       // decoded (dns-packet) query as received
 * await up.close();
 * ```
 *
 * Default answers (see {@link defaultAnswer}): A → 192.0.2.1, AAAA → 2001:db8::1, TXT "fake"
 * (TTL 300); names starting with `nx.` → NXDOMAIN with an SOA (TTL 3600, MINIMUM 60); `nosoa.` →
 * NXDOMAIN without SOA; `nodata.` → NOERROR without answers, with an SOA; `big.` → 60 A records
 * (too big for 512 bytes); `ttl<N>.` → A with TTL N. Replies carry the fake's own OPT (4096 bytes,
 * an NSID option "fake") when the query had EDNS. Pass `answer` to replace all of this.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';

/**
 * - `answer`: normal answers (UDP and TCP).
 * - `dead`: never answers.
 * - `slow`: answers after `delayMs`.
 * - `servfail` / `refused`: answers with that rcode.
 * - `truncate`: over UDP answers with TC and no records; over TCP answers in full.
 * - `wrong-id`: replies with another ID (and a spoofed A 6.6.6.6).
 * - `wrong-question`: replies for another name (spoofed A 6.6.6.6).
 * - `wrong-port`: replies (spoofed A 6.6.6.6) from another UDP port of the same address.
 * - `twice`: answers, then sends a second reply with the same ID (A 6.6.6.6) 10 ms later.
 * - `formerr-edns`: answers FORMERR (without OPT) to queries with EDNS, normally to the rest.
 *
 * With `thenAnswer`, the spoofing behaviours (`wrong-*`) also send the genuine answer 20 ms
 * after the bad one.
 */
export type FakeBehaviour =
  | 'answer'
  | 'dead'
  | 'slow'
  | 'servfail'
  | 'refused'
  | 'truncate'
  | 'wrong-id'
  | 'wrong-question'
  | 'wrong-port'
  | 'twice'
  | 'formerr-edns';

/** The records of an answer, in dns-packet form. */
export interface FakeAnswer {
  rcode?: string;
  flags?: number;
  answers?: dnsPacket.Answer[];
  authorities?: dnsPacket.Answer[];
  additionals?: dnsPacket.Answer[];
}

/** One query received. */
export interface FakeQuery {
  transport: 'udp' | 'tcp';
  /** The bytes as received. */
  raw: Buffer;
  packet: dnsPacket.Packet;
  from: { address: string; port: number };
}

export interface FakeUpstreamOptions {
  /** @default 'answer' */
  behaviour?: FakeBehaviour;
  /** Delay of `slow`, ms. @default 300 */
  delayMs?: number;
  /** Spoofing behaviours also send the genuine answer afterwards. @default false */
  thenAnswer?: boolean;
  /** Builds the normal answer. @default defaultAnswer */
  answer?: (q: dnsPacket.Question, query: dnsPacket.Packet) => FakeAnswer;
  /** @default '127.0.0.1' */
  host?: string;
}

const SPOOF_A = '6.6.6.6';
const RCODES: Record<string, number> = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
};

function soa(zone: string): dnsPacket.Answer {
  return {
    type: 'SOA',
    name: zone,
    ttl: 3600,
    data: {
      mname: 'ns.fake.test',
      rname: 'hostmaster.fake.test',
      serial: 1,
      refresh: 3600,
      retry: 600,
      expire: 86400,
      minimum: 60,
    },
  } as dnsPacket.Answer;
}

/** The default answers described in the module documentation. */
export function defaultAnswer(q: dnsPacket.Question): FakeAnswer {
  const name = q.name;
  const lower = name.toLowerCase();
  const zone = lower.split('.').slice(1).join('.') || '.';
  if (lower.startsWith('nx.')) return { rcode: 'NXDOMAIN', authorities: [soa(zone)] };
  if (lower.startsWith('nosoa.')) return { rcode: 'NXDOMAIN' };
  if (lower.startsWith('nodata.')) return { authorities: [soa(zone)] };
  const ttlMatch = /^ttl(\d+)\./.exec(lower);
  const ttl = ttlMatch ? Number(ttlMatch[1]) : 300;
  if (lower.startsWith('big.') && q.type === 'A') {
    const answers: dnsPacket.Answer[] = [];
    for (let i = 0; i < 60; i++) answers.push({ type: 'A', name, ttl, data: `198.51.100.${i + 1}` });
    return { answers };
  }
  switch (q.type) {
    case 'A':
      return { answers: [{ type: 'A', name, ttl, data: '192.0.2.1' }] };
    case 'AAAA':
      return { answers: [{ type: 'AAAA', name, ttl, data: '2001:db8::1' }] };
    case 'TXT':
      return { answers: [{ type: 'TXT', name, ttl, data: ['fake'] }] };
    default:
      return { authorities: [soa(zone)] };
  }
}

export interface FakeUpstream {
  readonly address: string;
  readonly port: number;
  /** "127.0.0.1:PORT" (or "[::1]:PORT"), as an upstream setting. */
  readonly hostPort: string;
  behaviour: FakeBehaviour;
  delayMs: number;
  thenAnswer: boolean;
  /** Every query received, in order. */
  readonly queries: FakeQuery[];
  /** Queries received (over one transport, or both). */
  count(transport?: 'udp' | 'tcp'): number;
  /** Forgets the received queries. */
  reset(): void;
  close(): Promise<void>;
}

function hasEdns(p: dnsPacket.Packet): boolean {
  return (p.additionals ?? []).some((a) => a.type === 'OPT');
}

/** Starts a fake upstream on an ephemeral port (UDP and TCP share it). */
export async function startFakeUpstream(opts: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const host = opts.host ?? '127.0.0.1';
  const family = net.isIP(host) === 6 ? 'udp6' : 'udp4';
  const answerFn = opts.answer ?? ((q: dnsPacket.Question) => defaultAnswer(q));
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const build = (
    query: dnsPacket.Packet,
    transport: 'udp' | 'tcp',
    tweak?: { id?: number; name?: string; spoof?: boolean; rcode?: string; tc?: boolean; noOpt?: boolean },
  ): Buffer => {
    const q = query.questions![0];
    const a: FakeAnswer = tweak?.spoof
      ? { answers: [{ type: 'A', name: tweak.name ?? q.name, ttl: 300, data: SPOOF_A }] }
      : tweak?.rcode
        ? { rcode: tweak.rcode }
        : answerFn(q, query);
    let flags =
      (a.flags ?? 0) | dnsPacket.RECURSION_AVAILABLE | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED);
    const truncated = tweak?.tc && transport === 'udp';
    if (truncated) flags |= dnsPacket.TRUNCATED_RESPONSE;
    // dns-packet encodes the rcode from the low bits of `flags`.
    flags = (flags & ~0xf) | (RCODES[tweak?.rcode ?? a.rcode ?? 'NOERROR'] ?? 0);
    const additionals = truncated ? [] : [...(a.additionals ?? [])];
    if (hasEdns(query) && !tweak?.noOpt) {
      additionals.push({
        type: 'OPT',
        name: '.',
        udpPayloadSize: 4096,
        flags: 0,
        options: [{ code: 3, data: Buffer.from('fake') }],
      } as unknown as dnsPacket.Answer);
    }
    return dnsPacket.encode({
      id: tweak?.id ?? query.id,
      type: 'response',
      flags,
      questions: [{ ...q, name: tweak?.name ?? q.name }],
      answers: truncated ? [] : (a.answers ?? []),
      authorities: truncated ? [] : (a.authorities ?? []),
      additionals,
    } as dnsPacket.Packet);
  };

  let udp = dgram.createSocket(family);
  const spoofSock = dgram.createSocket(family);
  const tcp = net.createServer();
  const sockets = new Set<net.Socket>();

  const state = {
    behaviour: opts.behaviour ?? ('answer' as FakeBehaviour),
    delayMs: opts.delayMs ?? 300,
    thenAnswer: opts.thenAnswer ?? false,
  };
  const queries: FakeQuery[] = [];

  /** Decides the replies to one query: a list of [delayMs, bytes, viaSpoofSocket]. */
  const plan = (query: dnsPacket.Packet, transport: 'udp' | 'tcp'): [number, Buffer, boolean][] => {
    const genuine = () => build(query, transport);
    const q = query.questions![0];
    switch (state.behaviour) {
      case 'dead':
        return [];
      case 'slow':
        return [[state.delayMs, genuine(), false]];
      case 'servfail':
        return [[0, build(query, transport, { rcode: 'SERVFAIL' }), false]];
      case 'refused':
        return [[0, build(query, transport, { rcode: 'REFUSED' }), false]];
      case 'truncate':
        return [[0, transport === 'udp' ? build(query, transport, { tc: true }) : genuine(), false]];
      case 'formerr-edns':
        return [
          [0, hasEdns(query) ? build(query, transport, { rcode: 'FORMERR', noOpt: true }) : genuine(), false],
        ];
      case 'twice':
        return [
          [0, genuine(), false],
          [10, build(query, transport, { spoof: true }), false],
        ];
      case 'wrong-id':
      case 'wrong-question':
      case 'wrong-port': {
        const bad =
          state.behaviour === 'wrong-id'
            ? build(query, transport, { spoof: true, id: ((query.id ?? 0) + 1) & 0xffff })
            : state.behaviour === 'wrong-question'
              ? build(query, transport, { spoof: true, name: `spoof.${q.name}` })
              : build(query, transport, { spoof: true });
        const out: [number, Buffer, boolean][] = [[0, bad, state.behaviour === 'wrong-port']];
        if (state.thenAnswer) out.push([20, genuine(), false]);
        return out;
      }
      default:
        return [[0, genuine(), false]];
    }
  };

  const onUdp = (raw: Buffer, rinfo: dgram.RemoteInfo) => {
    let packet: dnsPacket.Packet;
    try {
      packet = dnsPacket.decode(raw);
    } catch {
      return;
    }
    queries.push({ transport: 'udp', raw, packet, from: { address: rinfo.address, port: rinfo.port } });
    for (const [delay, bytes, spoof] of plan(packet, 'udp')) {
      const send = () => (spoof ? spoofSock : udp).send(bytes, rinfo.port, rinfo.address);
      if (delay > 0) later(delay, send);
      else send();
    }
  };

  tcp.on('connection', (sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        const raw = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        let packet: dnsPacket.Packet;
        try {
          packet = dnsPacket.decode(raw);
        } catch {
          continue;
        }
        queries.push({
          transport: 'tcp',
          raw: Buffer.from(raw),
          packet,
          from: { address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 },
        });
        for (const [delay, bytes] of plan(packet, 'tcp')) {
          const frame = Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
          const send = () => {
            if (!sock.destroyed) sock.write(frame);
          };
          if (delay > 0) later(delay, send);
          else send();
        }
      }
    });
  });

  // Bind UDP on port 0, then TCP on the same port (a fresh UDP socket if TCP's port is taken).
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, host, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    port = udp.address().port;
    const ok = await new Promise<boolean>((resolve) => {
      const onErr = () => resolve(false);
      tcp.once('error', onErr);
      tcp.listen(port, host, () => {
        tcp.off('error', onErr);
        resolve(true);
      });
    });
    if (ok) break;
    udp.close();
    if (attempt > 20) throw new Error('could not bind a fake upstream');
    udp = dgram.createSocket(family);
  }
  udp.on('message', onUdp);
  await new Promise<void>((resolve) => spoofSock.bind(0, host, () => resolve()));

  const hostPort = family === 'udp6' ? `[${host}]:${port}` : `${host}:${port}`;
  return {
    address: host,
    port,
    hostPort,
    get behaviour() {
      return state.behaviour;
    },
    set behaviour(b: FakeBehaviour) {
      state.behaviour = b;
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(ms: number) {
      state.delayMs = ms;
    },
    get thenAnswer() {
      return state.thenAnswer;
    },
    set thenAnswer(v: boolean) {
      state.thenAnswer = v;
    },
    queries,
    count: (transport) =>
      transport ? queries.filter((q) => q.transport === transport).length : queries.length,
    reset: () => {
      queries.length = 0;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      await new Promise<void>((resolve) => spoofSock.close(() => resolve()));
    },
  };
}
