/**
 * `privatelink-dns/testcontainers`: the server's image as a Testcontainers module, shaped like the
 * community modules (`@testcontainers/localstack`). Needs the optional peer dependency
 * `testcontainers`; the package's main entry never loads it.
 *
 * @example
 * ```ts
 * import { GenericContainer, Network } from 'testcontainers';
 * import { PrivatelinkDnsContainer, withDns } from 'privatelink-dns/testcontainers';
 *
 * const network = await new Network().start();
 * const dns = await new PrivatelinkDnsContainer().withConfig('test/endpoints.yaml').withNetwork(network).start();
 * const app = await withDns(new GenericContainer('my-app'), dns.getDnsAddress()).withNetwork(network).start();
 * await dns.impairAz('us-east-2a');
 * ```
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  AbstractStartedContainer,
  GenericContainer,
  getContainerRuntimeClient,
  type InspectResult,
  type StartedTestContainer,
  type WaitStrategy,
} from 'testcontainers';
import { type CreateLookupOptions, createLookup, type DnsLookupFunction } from '../client/lookup.js';

/** The image used when none is given: `PRIVATELINK_DNS_IMAGE`, else `privatelink-dns:latest`. */
export const DEFAULT_IMAGE = 'privatelink-dns:latest';
/** Where the config goes inside the container (the image's own default path). */
export const CONFIG_PATH = '/etc/privatelink-dns/endpoints.yaml';
/** DNS port inside the container (UDP and TCP). */
export const DNS_PORT = 53;
/** Admin API port inside the container. */
export const ADMIN_PORT = 8053;

/**
 * The container's command: `serve` on the config at its fixed path, DNS and the admin API on every
 * address. Values go in `--flag=value` form: a token or an address that starts with "-" (a
 * random base64url token does, one time in 64) is then a value, never taken for a flag.
 */
export function serveCommand(adminToken: string, upstreams: readonly string[]): string[] {
  return [
    'serve',
    `--config=${CONFIG_PATH}`,
    `--listen=0.0.0.0:${DNS_PORT}`,
    `--admin=0.0.0.0:${ADMIN_PORT}`,
    `--admin-token=${adminToken}`,
    ...upstreams.map((u) => `--upstream=${u}`),
  ];
}

/**
 * The privatelink-dns container: DNS on 53/udp and 53/tcp, the admin API on 8053 (published
 * with a random bearer token), started once `/readyz` answers 200.
 */
export class PrivatelinkDnsContainer extends GenericContainer {
  private configText: string | null = null;
  private upstreams: string[] = [];
  private adminToken = randomBytes(18).toString('base64url');
  private udpPort = 0;

  constructor(image: string = process.env.PRIVATELINK_DNS_IMAGE || DEFAULT_IMAGE) {
    super(image);
    this.withExposedPorts(`${DNS_PORT}/udp`, `${DNS_PORT}/tcp`, ADMIN_PORT)
      .withWaitStrategy(new ReadyzWaitStrategy())
      .withStartupTimeout(60_000);
    // Port 53 as uid 1000: Docker sets this sysctl in every container, Podman only when asked.
    this.hostConfig.Sysctls = { ...this.hostConfig.Sysctls, 'net.ipv4.ip_unprivileged_port_start': '0' };
  }

  /**
   * The config: YAML text (anything with a newline), an object in the config's shape, or the
   * path of a file on this machine. It is copied to {@link CONFIG_PATH} in the container.
   */
  withConfig(config: string | object): this {
    this.configText = configText(config);
    return this;
  }

  /** Upstream resolvers (`HOST[:PORT]`, IP literals) for every name that is not an endpoint's. */
  withUpstreams(...upstreams: (string | string[])[]): this {
    this.upstreams.push(...upstreams.flat());
    return this;
  }

  /** The admin API's bearer token. @default random */
  withAdminToken(token: string): this {
    this.adminToken = token;
    return this;
  }

  override async start(): Promise<StartedPrivatelinkDnsContainer> {
    this.withCommand(serveCommand(this.adminToken, this.upstreams));
    if (this.configText !== null) {
      this.withCopyContentToContainer([{ content: this.configText, target: CONFIG_PATH, mode: 0o644 }]);
    }
    return new StartedPrivatelinkDnsContainer(await super.start(), this.adminToken, this.udpPort);
  }

  /**
   * Testcontainers keeps one binding per container port number, so 53/tcp hides 53/udp: the UDP
   * binding is read here, from the container's inspect result.
   */
  protected override async containerStarted(
    _container: StartedTestContainer,
    inspect: InspectResult,
    _reused: boolean,
  ): Promise<void> {
    const bindings = inspect.ports[`${DNS_PORT}/udp`] ?? [];
    const v4 = bindings.find((b) => b.hostIp === '' || b.hostIp === '0.0.0.0' || /^\d+\./.test(b.hostIp));
    this.udpPort = (v4 ?? bindings[0])?.hostPort ?? 0;
  }
}

/**
 * Waits until the admin API's `/readyz` answers 200 on the published admin port at the host
 * Testcontainers reaches containers on (its `getHost()`), polling every 500 ms, each request
 * allowed 5 s (a busy machine can be slow).
 *
 * When that host gives no answer and is not 127.0.0.1, it also asks 127.0.0.1: if the server
 * is ready there but the host gives no answer twice in a row, waiting longer cannot help, and it
 * fails with {@link unreachableHostMessage}. This is what happens with Podman when the machine has a
 * `/.dockerenv` (a VM or CI image built from a container image): Testcontainers then believes it
 * runs inside a container and takes the gateway of Podman's default network (10.88.0.1), an
 * address the host has only while some container is attached to that network, so a container on
 * a network of its own (`withNetwork`) is published on ports nobody can reach that way.
 */
export class ReadyzWaitStrategy implements WaitStrategy {
  private startupTimeoutMs = 60_000;
  private startupTimeoutSet = false;

  /** `host`: where Testcontainers reaches published ports. @default its container runtime's host */
  constructor(
    private readonly host: () => Promise<string> = async () =>
      (await getContainerRuntimeClient()).info.containerRuntime.host,
  ) {}

  async waitUntilReady(
    ...[container, boundPorts]: Parameters<WaitStrategy['waitUntilReady']>
  ): Promise<void> {
    const host = await this.host();
    const port = boundPorts.getBinding(ADMIN_PORT);
    const deadline = Date.now() + this.startupTimeoutMs;
    let strikes = 0;
    for (;;) {
      const last = await readyz(host, port);
      let state = last.state;
      if (state === 'silent' && host !== LOOPBACK && (await readyz(LOOPBACK, port)).state === 'ready') {
        // Ready on loopback: another try at the host tells a server that was not up yet from no
        // path; twice in a row (a loaded machine may lose one) and waiting longer cannot help.
        state = (await readyz(host, port)).state;
        strikes = state === 'silent' ? strikes + 1 : 0;
        if (strikes >= 2) throw new Error(unreachableHostMessage(host, port));
      }
      if (state === 'ready') return;
      const gone = await exited(container);
      if (gone) throw new Error(exitedMessage(gone));
      if (Date.now() >= deadline) {
        const inside = last.state === 'silent' ? await readyInside(container) : undefined;
        throw new Error(
          `privatelink-dns: /readyz on ${host}:${port} did not answer 200 in ${this.startupTimeoutMs} ms ` +
            `(last try: ${last.detail})${inside ? `; ${unpublishedMessage(inside, host, port)}` : ''}`,
        );
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  withStartupTimeout(startupTimeoutMs: number): this {
    this.startupTimeoutMs = startupTimeoutMs;
    this.startupTimeoutSet = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.startupTimeoutSet;
  }

  getStartupTimeout(): number {
    return this.startupTimeoutMs;
  }
}

const LOOPBACK = '127.0.0.1';

/** The one-line error when the published ports answer on 127.0.0.1 but not at Testcontainers' host. */
export function unreachableHostMessage(host: string, port: number): string {
  return (
    `privatelink-dns: the container is ready on 127.0.0.1:${port} but ${host}:${port} gives no answer; ` +
    `${host} is the host Testcontainers chose (with /.dockerenv present it takes the engine's default network ` +
    `gateway, which Podman has only while a container is attached to that network): ` +
    'set TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1'
  );
}

/** One GET /readyz: what came of it, and in words for an error message. */
interface Probe {
  /** `ready` (200), `answered` (another status), `silent` (no answer in 5 s, or no connection). */
  state: 'ready' | 'answered' | 'silent';
  detail: string;
}

async function readyz(host: string, port: number): Promise<Probe> {
  try {
    const res = await fetch(`http://${hostForUrl(host)}:${port}/readyz`, {
      signal: AbortSignal.timeout(5000),
    });
    await res.body?.cancel();
    return res.status === 200
      ? { state: 'ready', detail: 'HTTP 200' }
      : { state: 'answered', detail: `HTTP ${res.status}` };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const detail =
      err.name === 'TimeoutError'
        ? 'no answer in 5 s'
        : (err.cause?.code ?? err.cause?.message ?? err.message ?? String(e));
    return { state: 'silent', detail };
  }
}

/** The container as the engine reports it: the few fields read here (dockerode's inspect). */
interface Inspected {
  State?: { Running?: boolean; Status?: string; ExitCode?: number; Error?: string };
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> };
}
interface Inspectable {
  inspect(): Promise<Inspected>;
  logs?(opts: { stdout: boolean; stderr: boolean; tail: number; follow: false }): Promise<Buffer>;
}

function inspectable(c: unknown): c is Inspectable {
  return typeof (c as Inspectable | undefined)?.inspect === 'function';
}

/** The container's state and last log lines once it is no longer running, else undefined. */
async function exited(container: unknown): Promise<{ state: string; logs: string } | undefined> {
  if (!inspectable(container)) return undefined;
  let info: Inspected;
  try {
    info = await container.inspect();
  } catch {
    return undefined; // the engine did not answer: the wait goes on, the timeout decides
  }
  const st = info.State;
  if (st?.Running !== false) return undefined;
  const state = `${st.Status ?? 'not running'}, exit code ${st.ExitCode ?? '?'}${st.Error ? `, ${st.Error}` : ''}`;
  let logs = '';
  try {
    const raw = await container.logs?.({ stdout: true, stderr: true, tail: 20, follow: false });
    if (raw) logs = demuxLogs(Buffer.from(raw)).trimEnd();
  } catch {
    // no logs to add
  }
  return { state, logs };
}

/** The message when the container stopped before it was ready. */
export function exitedMessage(gone: { state: string; logs: string }): string {
  return (
    `privatelink-dns: the container stopped before /readyz answered 200 (${gone.state})` +
    (gone.logs ? `; its last log lines:\n${gone.logs}` : '; it logged nothing')
  );
}

/**
 * An engine's log stream without a TTY: frames of [stream, 0, 0, 0, length (4 bytes, big endian)]
 * and the bytes; text that is not framed so is returned as it is.
 */
export function demuxLogs(raw: Buffer): string {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= raw.length && raw[i] <= 2 && raw[i + 1] === 0 && raw[i + 2] === 0 && raw[i + 3] === 0) {
    const n = raw.readUInt32BE(i + 4);
    parts.push(raw.subarray(i + 8, i + 8 + n));
    i += 8 + n;
  }
  if (i === 0) return raw.toString('utf8');
  return Buffer.concat(parts).toString('utf8');
}

/**
 * The container's own address where /readyz answers 200 on {@link ADMIN_PORT} (asked once, when
 * the published port gave no answer until the timeout), else undefined.
 */
async function readyInside(container: unknown): Promise<string | undefined> {
  if (!inspectable(container)) return undefined;
  try {
    const nets = (await container.inspect()).NetworkSettings?.Networks ?? {};
    for (const n of Object.values(nets)) {
      const ip = n.IPAddress;
      if (ip && (await readyz(ip, ADMIN_PORT)).state === 'ready') return ip;
    }
  } catch {
    // nothing to add
  }
  return undefined;
}

/** What it means when the server is ready at its own address but not at the published port. */
export function unpublishedMessage(inside: string, host: string, port: number): string {
  return (
    `the server is ready at the container's own address ${inside}:${ADMIN_PORT}, so the engine does not forward ` +
    `${host}:${port} to it (with rootful Podman, published ports reach 127.0.0.1 only through ` +
    'route_localnet and NAT rules that netavark or CNI set up: check `iptables -t nat -S` and ' +
    '`sysctl net.ipv4.conf.all.route_localnet`, or set TESTCONTAINERS_HOST_OVERRIDE to the address of a host interface)'
  );
}

/** A started privatelink-dns container. */
export class StartedPrivatelinkDnsContainer extends AbstractStartedContainer {
  constructor(
    started: StartedTestContainer,
    private readonly adminToken: string,
    private readonly udpPort: number,
  ) {
    super(started);
  }

  override getMappedPort(port: number | `${number}/${'tcp' | 'udp'}`, protocol?: string): number {
    const [p, proto] = typeof port === 'string' ? port.split('/') : [String(port), protocol ?? 'tcp'];
    if (Number(p) === DNS_PORT && proto.toLowerCase() === 'udp') {
      if (!this.udpPort) throw new Error(`no host port is bound to ${DNS_PORT}/udp`);
      return this.udpPort;
    }
    return typeof port === 'string' ? super.getMappedPort(port) : super.getMappedPort(port, protocol);
  }

  /**
   * Its address on a container network (the first one unless named): what other containers on
   * that network use as their DNS server (`withDns(container, address)`, `--dns`).
   */
  getDnsAddress(networkName?: string): string {
    const name = networkName ?? this.getNetworkNames()[0];
    if (!name) throw new Error('the container is on no network');
    return this.getIpAddress(name);
  }

  /** The host port that 53/udp (or 53/tcp) is published on; the host is {@link getHost}. */
  getDnsPort(protocol: 'udp' | 'tcp' = 'udp'): number {
    return this.getMappedPort(DNS_PORT, protocol);
  }

  /** The admin API as seen from this machine, e.g. `http://localhost:32771`. */
  getAdminUrl(): string {
    return `http://${hostForUrl(this.getHost())}:${this.getMappedPort(ADMIN_PORT)}`;
  }

  /** The admin API's bearer token. */
  getAdminToken(): string {
    return this.adminToken;
  }

  /**
   * A `dns.lookup` that asks this container through its published ports (see
   * {@link createLookup}). The queries arrive from the container network's gateway, which the
   * config's VPC `cidrs` must include for the private answers (Docker and Podman networks lie
   * in 10.88.0.0/16, 172.16.0.0/12 or 192.168.0.0/16).
   */
  createLookup(options?: CreateLookupOptions): DnsLookupFunction {
    const host = this.getHost();
    return createLookup(
      {
        udp: { address: host, port: this.getDnsPort('udp') },
        tcp: { address: host, port: this.getDnsPort('tcp') },
      },
      options,
    );
  }

  /** Impairs an AZ through the admin API: its interfaces drop out of regional and private names. */
  async impairAz(az: string): Promise<unknown> {
    return this.admin('PUT', `/v1/azs/${encodeURIComponent(az)}`, { impaired: true });
  }

  /** Gives an AZ back to its health checks. */
  async restoreAz(az: string): Promise<unknown> {
    return this.admin('PUT', `/v1/azs/${encodeURIComponent(az)}`, { impaired: false });
  }

  /**
   * Reloads the config: with an argument (as {@link PrivatelinkDnsContainer.withConfig} takes),
   * copies it in first. Resolves to the admin API's reload result; rejects with its problems when
   * the config is refused (the server keeps the old one).
   */
  async reload(config?: string | object): Promise<unknown> {
    if (config !== undefined) {
      await this.copyContentToContainer([{ content: configText(config), target: CONFIG_PATH, mode: 0o644 }]);
    }
    return this.admin('POST', '/v1/reload', {});
  }

  /** One admin API request (JSON in and out, with the token); rejects on a non-2xx status. */
  async admin(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.getAdminUrl()}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : null;
    if (!res.ok) {
      const err = new Error(`${method} ${path}: ${res.status} ${text}`) as Error & {
        status: number;
        body: unknown;
      };
      err.status = res.status;
      err.body = json;
      throw err;
    }
    return json;
  }
}

/**
 * Makes `container` use `servers` as its DNS servers (Docker's `--dns`, written into its
 * /etc/resolv.conf), e.g. `withDns(new GenericContainer('app'), dns.getDnsAddress())`.
 */
export function withDns<T extends GenericContainer>(container: T, ...servers: string[]): T {
  const hc = (container as unknown as { hostConfig: { Dns?: string[] } }).hostConfig;
  hc.Dns = [...(hc.Dns ?? []), ...servers];
  return container;
}

function configText(config: string | object): string {
  if (typeof config !== 'string') return `${JSON.stringify(config, null, 2)}\n`;
  if (config.includes('\n')) return config;
  return readFileSync(config, 'utf8');
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
