/**
 * glibc's stub resolver (getaddrinfo through `getent`) against the server on port 53, inside a
 * network namespace this test creates (CI runs as root). getaddrinfo asks A and AAAA in parallel:
 * a NODATA answer to the AAAA half must not fail the lookup.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, type Netns } from '../helpers/netns.js';

let ns: Netns | undefined;

/** getent's exit status and output (2 = not found). */
const getent = (db: string, name: string) => ns!.getent(db, name);

beforeAll(async () => {
  // One address per family (documentation ranges), for getaddrinfo's AI_ADDRCONFIG.
  ns = createNetns('pldns-glibc', {
    addresses: ['192.0.2.100/24', '2001:db8::100/64'],
    nameserver: '127.0.0.1',
  });
  await ns.startUpstream();
  await ns.serve(['--listen', '127.0.0.1:53', '--upstream', '127.0.0.1:5300'], '127.0.0.1:53');
});

afterAll(() => {
  ns?.close();
});

describe('glibc getaddrinfo', () => {
  it('resolves the private DNS name to every interface (A answer, AAAA NODATA)', () => {
    const r = getent('ahosts', 'monitoring.us-east-2.amazonaws.com');
    expect(r.status).toBe(0);
    const addrs = [
      ...new Set(
        r.out
          .trim()
          .split('\n')
          .map((l) => l.split(/\s+/)[0]),
      ),
    ].sort();
    expect(addrs).toEqual(['10.0.1.23', '10.0.2.23', '10.0.3.23']);
  });

  it('resolves a zonal name and a dual-stack name with both families', () => {
    const z = getent(
      'ahostsv4',
      'vpce-099deb00b40f00e22-lj2wisx3-us-east-2b.monitoring.us-east-2.vpce.amazonaws.com',
    );
    expect(z.out.trim().split('\n')[0].split(/\s+/)[0]).toBe('10.0.2.23');
    const d = getent('ahosts', 'ssm.us-east-2.amazonaws.com');
    const addrs = new Set(
      d.out
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[0]),
    );
    expect(addrs).toEqual(new Set(['10.0.1.60', '10.0.2.60', '2600:1f16:1:a01::60', '2600:1f16:1:a02::60']));
  });

  it('resolves forwarded names and reports missing ones as not found', () => {
    const f = getent('ahostsv4', 'app.example.test');
    expect(f.status).toBe(0);
    expect(f.out).toMatch(/^192\.0\.2\.1\s/);
    expect(getent('ahosts', 'nothere.monitoring.us-east-2.amazonaws.com').status).toBe(2);
    expect(getent('ahosts', 'nx.example.test').status).toBe(2);
  });
});
