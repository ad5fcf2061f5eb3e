/** Test helpers for the forwarding side: build query contexts, run the cache → forward handlers. */
import * as dnsPacket from 'dns-packet';
import pino from 'pino';
import { afterEach } from 'vitest';
import { type Config, type ConfigInput, ConfigSchema } from '../../src/config/schema.js';
import { parseQuery, type Query, WireError } from '../../src/dns/query.js';
import { HealthState } from '../../src/health/state.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { buildCatalog, type Catalog } from '../../src/privatelink/catalog.js';
import { createForwarding, type Forwarding } from '../../src/resolve/forward/setup.js';
import { LocalHandler } from '../../src/resolve/local.js';
import type { QueryContext, Transport } from '../../src/resolve/types.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';

export function config(input: ConfigInput = {}): Config {
  return ConfigSchema.parse(input);
}

export interface Ask {
  id?: number;
  /** Send an OPT (EDNS); `do` sets the DO bit; `options` adds client options (e.g. a COOKIE). */
  edns?: boolean;
  do?: boolean;
  udpSize?: number;
  options?: { code: number; data: Buffer }[];
  transport?: Transport;
  /** Defaults: 65535 over TCP; the client's EDNS size (≥ 512) over UDP, else 512. */
  maxSize?: number;
  clientAddress?: string;
  cd?: boolean;
}

/** Encodes a query with dns-packet. */
export function encodeQuery(name: string, type: string, a: Ask = {}): Buffer {
  const additionals: dnsPacket.Answer[] = [];
  if (a.edns || a.do || a.options) {
    additionals.push({
      type: 'OPT',
      name: '.',
      udpPayloadSize: a.udpSize ?? 1232,
      flags: a.do ? dnsPacket.DNSSEC_OK : 0,
      options: a.options ?? [],
    } as unknown as dnsPacket.Answer);
  }
  return dnsPacket.encode({
    id: a.id ?? 4321,
    type: 'query',
    flags: dnsPacket.RECURSION_DESIRED | (a.cd ? dnsPacket.CHECKING_DISABLED : 0),
    questions: [{ name, type: type as dnsPacket.RecordType, class: 'IN' }],
    additionals,
  } as dnsPacket.Packet);
}

/** A QueryContext for a message (parsed with the server's own parser). */
export function contextFor(msg: Buffer, a: Ask = {}, view: QueryContext['view'] = null): QueryContext {
  const q = parseQuery(msg);
  if (q instanceof WireError) throw new Error(`bad test query: ${q.message}`);
  const transport = a.transport ?? 'udp';
  const maxSize =
    a.maxSize ?? (transport === 'tcp' ? 65535 : q.edns ? Math.max(512, Math.min(q.edns.udpSize, 1232)) : 512);
  return {
    msg,
    q: q as Query,
    clientAddress: a.clientAddress ?? '127.0.0.1',
    clientPort: 40000,
    transport,
    maxSize,
    view,
    source: 'error',
    key: '',
    group: null,
  };
}

export interface Harness {
  fwd: Forwarding;
  metrics: Metrics;
  logs: Record<string, unknown>[];
  catalog: Catalog;
  clock: { ms: number };
  /** Runs cache then forward, like the chain; returns the raw and decoded response. */
  ask(
    name: string,
    type: string,
    a?: Ask,
    view?: QueryContext['view'],
  ): Promise<{ raw: Buffer; pkt: dnsPacket.Packet; ctx: QueryContext }>;
  /** Runs cache then forward on a raw message. */
  askRaw(
    msg: Buffer,
    a?: Ask,
    view?: QueryContext['view'],
  ): Promise<{ raw: Buffer | null; ctx: QueryContext }>;
  close(): Promise<void>;
}

export function makeHarness(opts: {
  upstreams: string[];
  config?: ConfigInput;
  self?: { address: string; port: number }[];
}): Harness {
  const cfg = config({
    // Loose enough for a loaded CI machine; tests about timeouts set their own.
    forwarder: { attemptTimeoutMs: 1000, deadlineMs: 2000 },
    ...opts.config,
  });
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => logs.push(JSON.parse(s)) });
  const metrics = new Metrics();
  const catalog = buildCatalog(cfg, new HealthState());
  const clock = { ms: 1_000_000 };
  const fwd = createForwarding({
    config: cfg,
    upstreams: opts.upstreams,
    logger,
    metrics,
    catalog: () => h.catalog,
    selfAddresses: () => opts.self ?? [],
    now: () => clock.ms,
  });
  const local = new LocalHandler(() => h.catalog);
  const askRaw = async (msg: Buffer, a: Ask = {}, view: QueryContext['view'] = null) => {
    const ctx = contextFor(msg, a, view);
    // The chain's order after access: owned names never reach the cache or the forwarder.
    let out: Buffer | null | undefined = await local.handle(ctx);
    if (out === undefined) out = await fwd.cache.handle(ctx);
    if (out === undefined) out = await fwd.forward.handle(ctx);
    return { raw: out ?? null, ctx };
  };
  const h: Harness = {
    fwd,
    metrics,
    logs,
    catalog,
    clock,
    askRaw,
    async ask(name, type, a = {}, view = null) {
      const { raw, ctx } = await askRaw(encodeQuery(name, type, a), a, view);
      if (!raw) throw new Error('no response');
      return { raw, pkt: dnsPacket.decode(raw), ctx };
    },
    close: () => fwd.close(),
  };
  return h;
}

/** The OPT record of a decoded packet, if any. */
export function optOf(p: dnsPacket.Packet): (dnsPacket.Answer & Record<string, unknown>) | undefined {
  return (p.additionals ?? []).find((a) => a.type === 'OPT') as
    | (dnsPacket.Answer & Record<string, unknown>)
    | undefined;
}

/** The EDE (code 15) option of a decoded response: [info code, text]. */
export function edeOf(p: dnsPacket.Packet): [number, string] | undefined {
  const opt = optOf(p) as { options?: { code: number; data: Buffer }[] } | undefined;
  const o = opt?.options?.find((x) => x.code === 15);
  if (!o) return undefined;
  return [o.data.readUInt16BE(0), o.data.subarray(2).toString('utf8')];
}

export function addresses(p: dnsPacket.Packet): string[] {
  return (p.answers ?? [])
    .filter((a) => a.type === 'A' || a.type === 'AAAA')
    .map((a) => String((a as { data: unknown }).data));
}

/** The rcode name of a decoded response. */
export function rcodeOf(p: dnsPacket.Packet): string | undefined {
  return (p as { rcode?: string }).rcode;
}

/** Fake upstreams and harnesses made through these are closed after each test. */
export function forwardFixtures() {
  let ups: FakeUpstream[] = [];
  let harnesses: Harness[] = [];
  afterEach(async () => {
    await Promise.all(harnesses.map((h) => h.close()));
    harnesses = [];
    await Promise.all(ups.map((u) => u.close()));
    ups = [];
  });
  return {
    async fake(...args: Parameters<typeof startFakeUpstream>): Promise<FakeUpstream> {
      const u = await startFakeUpstream(...args);
      ups.push(u);
      return u;
    },
    harness(opts: Parameters<typeof makeHarness>[0]): Harness {
      const h = makeHarness(opts);
      harnesses.push(h);
      return h;
    },
  };
}
