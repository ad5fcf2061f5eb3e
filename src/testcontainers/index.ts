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
  type InspectResult,
  type StartedTestContainer,
  Wait,
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
      // Each poll may take up to 5 s (Testcontainers' default of 1 s is too short on a busy machine).
      .withWaitStrategy(Wait.forHttp('/readyz', ADMIN_PORT).forStatusCode(200).withReadTimeout(5000))
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
    const command = [
      'serve',
      '--config',
      CONFIG_PATH,
      '--listen',
      `0.0.0.0:${DNS_PORT}`,
      '--admin',
      `0.0.0.0:${ADMIN_PORT}`,
      '--admin-token',
      this.adminToken,
    ];
    for (const u of this.upstreams) command.push('--upstream', u);
    this.withCommand(command);
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
