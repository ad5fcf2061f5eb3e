/**
 * The Testcontainers module against a real engine (Docker, or Podman's Docker-compatible socket
 * through DOCKER_HOST) and the image PRIVATELINK_DNS_IMAGE: start, resolve from the host through
 * the published ports (UDP and TCP) and from a sibling container that has it as its DNS server
 * (getent, i.e. glibc), impair and restore an AZ, reload (a new config, then a refused one),
 * stop. Everything started here is stopped and removed in afterAll, passed or failed.
 */
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import {
  GenericContainer,
  Network,
  type StartedNetwork,
  type StartedTestContainer,
  Wait,
} from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PrivatelinkDnsContainer,
  type StartedPrivatelinkDnsContainer,
  withDns,
} from '../../src/testcontainers/index.js';
import { addresses, queryTcp } from '../helpers/dns-client.js';

const IMAGE = process.env.PRIVATELINK_DNS_IMAGE;
const PRIVATE = 'monitoring.us-east-2.amazonaws.com';
const ZONAL_A = 'vpce-099deb00b40f00e22-lj2wisx3-us-east-2a.monitoring.us-east-2.vpce.amazonaws.com';
const ALL = ['10.0.1.23', '10.0.2.23', '10.0.3.23'];

/**
 * The CloudWatch endpoint; container networks (and the host, via their gateways) are in the VPC:
 * Docker's in 172.16.0.0/12 and 192.168.0.0/16, Podman's in 10.88.0.0/16 (its default) and
 * 10.89.0.0/24 upwards (the networks it creates).
 */
const config = (third = '10.0.3.23') => `
vpcs:
  - id: vpc-0a1b2c3d4e5f60718
    region: us-east-2
    cidrs: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 127.0.0.0/8]
    subnets:
      - { id: subnet-0aaa, az: us-east-2a, ipv4Cidr: 10.0.1.0/24 }
      - { id: subnet-0bbb, az: us-east-2b, ipv4Cidr: 10.0.2.0/24 }
      - { id: subnet-0ccc, az: us-east-2c, ipv4Cidr: 10.0.3.0/24 }
    endpoints:
      - id: vpce-099deb00b40f00e22
        dnsSuffix: lj2wisx3
        service: com.amazonaws.us-east-2.monitoring
        privateDnsEnabled: true
        interfaces:
          - { subnet: subnet-0aaa, ipv4: 10.0.1.23 }
          - { subnet: subnet-0bbb, ipv4: 10.0.2.23 }
          - { subnet: subnet-0ccc, ipv4: ${third} }
`;

/**
 * scripts/testcontainers-test.sh names its run: the containers started here carry it as a label
 * and the network in its name, so that the script removes them even when this process dies.
 */
const RUN = process.env.PLDNS_TEST_RUN;

/**
 * Limits within this machine's hard limits (scripts/testcontainers-test.sh sets them for Podman),
 * and the run's label.
 */
function limits<T extends GenericContainer>(c: T): T {
  if (RUN) c.withLabels({ 'privatelink-dns.test-run': RUN });
  const nofile = Number(process.env.PLDNS_TEST_ULIMIT_NOFILE);
  const nproc = Number(process.env.PLDNS_TEST_ULIMIT_NPROC);
  if (nofile > 0 && nproc > 0) {
    c.withUlimits({ nofile: { soft: nofile, hard: nofile }, nproc: { soft: nproc, hard: nproc } });
  }
  return c;
}

let network: StartedNetwork | undefined;
let dns: StartedPrivatelinkDnsContainer | undefined;
let app: StartedTestContainer | undefined;

beforeAll(async () => {
  if (!IMAGE)
    throw new Error(
      'PRIVATELINK_DNS_IMAGE must name the image to test (scripts/testcontainers-test.sh sets it)',
    );
  network = await new Network(
    RUN ? { nextUuid: () => `pldns-tc-${RUN}-${randomBytes(4).toString('hex')}` } : undefined,
  ).start();
  dns = await limits(new PrivatelinkDnsContainer(IMAGE))
    .withConfig(config())
    // Nothing here is forwarded; the container's own loopback keeps any stray query inside it.
    .withUpstreams('127.0.0.1:9')
    .withNetwork(network)
    // A loaded CI machine can take longer than the module's default 60 s.
    .withStartupTimeout(110_000)
    .start();
  // The sibling: the same image (it has node and getent), kept running, with the server as its DNS.
  // Its image EXPOSEs 53: Podman reports an EXPOSEd port as a binding still to be made (null),
  // which Testcontainers waits for in vain ("ports to be bound"), so the sibling publishes them,
  // and is ready once it has started (nothing listens on them).
  app = await withDns(limits(new GenericContainer(IMAGE)), dns.getDnsAddress())
    .withExposedPorts('53/udp', '53/tcp')
    .withEntrypoint(['node', '-e', 'console.log("sibling up"); setInterval(() => {}, 1 << 30)'])
    .withWaitStrategy(Wait.forLogMessage('sibling up'))
    .withNetwork(network)
    .start();
});

afterAll(async () => {
  await app?.stop({ timeout: 1 }).catch(() => {});
  await dns?.stop({ timeout: 5 }).catch(() => {});
  await network?.stop().catch(() => {});
});

/** getent ahostsv4 NAME inside the sibling: glibc through /etc/resolv.conf. */
async function getent(name: string): Promise<string[]> {
  if (!app) throw new Error('no app container');
  const r = await app.exec(['getent', 'ahostsv4', name]);
  if (r.exitCode !== 0) return [`exit ${r.exitCode}`];
  return [
    ...new Set(
      r.output
        .split('\n')
        .map((l) => l.split(/\s+/)[0])
        .filter(Boolean),
    ),
  ].sort();
}

async function fromHost(name: string): Promise<string[]> {
  if (!dns) throw new Error('no dns container');
  const r = await promisify(dns.createLookup())(name, { all: true, family: 4 });
  return r.map((a) => a.address).sort();
}

describe('PrivatelinkDnsContainer', () => {
  it('started: /readyz answered, ports published, an address on the network', async () => {
    if (!dns || !network) throw new Error('not started');
    expect(dns.getDnsAddress()).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(dns.getDnsAddress(network.getName())).toBe(dns.getDnsAddress());
    expect(dns.getDnsPort('udp')).toBeGreaterThan(0);
    expect(dns.getDnsPort('tcp')).toBeGreaterThan(0);
    const ready = await fetch(`${dns.getAdminUrl()}/readyz`);
    expect(ready.status).toBe(200);
    // The admin API is published with a token: without it, 401.
    expect((await fetch(`${dns.getAdminUrl()}/v1/azs`)).status).toBe(401);
  });

  it('resolves from the host over UDP (createLookup) and TCP', async () => {
    if (!dns) throw new Error('not started');
    expect(await fromHost(PRIVATE)).toEqual(ALL);
    const tcp = await queryTcp(dns.getDnsPort('tcp'), PRIVATE, {
      host: dns.getHost() === 'localhost' ? '127.0.0.1' : dns.getHost(),
    });
    expect(addresses(tcp).sort()).toEqual(ALL);
  });

  it('resolves from a sibling container started withDns(getDnsAddress())', async () => {
    expect(await getent(PRIVATE)).toEqual(ALL);
    expect(await getent(ZONAL_A)).toEqual(['10.0.1.23']);
  });

  it('impairAz drops the AZ from the private name for both, restoreAz brings it back', async () => {
    if (!dns) throw new Error('not started');
    await dns.impairAz('us-east-2a');
    expect(await fromHost(PRIVATE)).toEqual(['10.0.2.23', '10.0.3.23']);
    expect(await getent(PRIVATE)).toEqual(['10.0.2.23', '10.0.3.23']);
    // The zonal name keeps answering, as in AWS.
    expect(await getent(ZONAL_A)).toEqual(['10.0.1.23']);
    await dns.restoreAz('us-east-2a');
    expect(await fromHost(PRIVATE)).toEqual(ALL);
  });

  it('reload takes a new config; a refused one keeps the old and rejects with its problems', async () => {
    if (!dns) throw new Error('not started');
    await dns.reload(config('10.0.3.99'));
    expect(await fromHost(PRIVATE)).toEqual(['10.0.1.23', '10.0.2.23', '10.0.3.99']);
    await expect(dns.reload('vpcs:\n  - id: not-a-vpc-id\n')).rejects.toMatchObject({ status: 422 });
    expect(await getent(PRIVATE)).toEqual(['10.0.1.23', '10.0.2.23', '10.0.3.99']);
  });

  it('stops', async () => {
    if (!dns) throw new Error('not started');
    const lookup = promisify(dns.createLookup({ timeoutMs: 300, tries: 1 }));
    const stopped = await dns.stop({ timeout: 10 });
    dns = undefined;
    expect(stopped).toBeDefined();
    await expect(lookup(PRIVATE, { family: 4 })).rejects.toMatchObject({
      code: expect.stringMatching(/^(ECONNREFUSED|ETIMEOUT)$/),
    });
  });
});
