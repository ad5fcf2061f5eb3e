// The benchmark's records: N dual-stack endpoints (3 AZs each) in one VPC whose client range is
// loopback, written as a privatelink-dns config, and the exact same names and addresses as a
// dnsmasq hosts file and unbound local-data lines (taken from our own catalog, so every peer
// serves byte-for-byte the same record sets).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const REGION = 'us-east-2';
const AZS = ['a', 'b', 'c'];
/** Interface addresses start past the 4 addresses AWS reserves at the bottom of a subnet. */
const FIRST_HOST = 16;

const hex17 = (prefix, i) => `${prefix}${i.toString(16).padStart(17 - prefix.length, '0')}`;

/**
 * Endpoints per block of subnets: each AZ's subnet is a /16 (the largest AWS allows), so above
 * 65,000 endpoints (the 100,000-endpoint point of the scaling curve) every AZ gets one more
 * subnet per 65,000 endpoints. Below that the layout is one subnet per AZ, 10.(AZ+1).0.0/16.
 */
const PER_BLOCK = 65_000;
const subnetId = (z, b) => (b ? `subnet-0bench${z}${b}` : `subnet-0bench${z}`);

function ipv4(az, i) {
  const b = Math.floor(i / PER_BLOCK);
  const n = FIRST_HOST + (i % PER_BLOCK);
  return `10.${3 * b + az + 1}.${n >> 8}.${n & 255}`;
}

function ipv6(az, i) {
  const b = Math.floor(i / PER_BLOCK);
  return `2600:1f16:1:a${b}${az + 1}::${(FIRST_HOST + (i % PER_BLOCK)).toString(16)}`;
}

/** YAML text of a config with `n` endpoints (block style, as users write it). */
export function configYaml(n, { ttl = 60 } = {}) {
  const out = [];
  out.push(`ttl: ${ttl}`, 'vpcs:', '  - id: vpc-0b0e0c0b0e0c0b0e0', `    region: ${REGION}`);
  out.push('    cidrs: [127.0.0.0/8, "::1/128"]', '    subnets:');
  for (let b = 0; b * PER_BLOCK < Math.max(n, 1); b++)
    AZS.forEach((z, k) => {
      out.push(
        `      - { id: ${subnetId(z, b)}, az: ${REGION}${z}, ipv4Cidr: 10.${3 * b + k + 1}.0.0/16, ipv6Cidr: "2600:1f16:1:a${b}${k + 1}::/64" }`,
      );
    });
  out.push('    endpoints:');
  for (let i = 0; i < n; i++) {
    out.push(`      - id: vpce-${hex17('0', i)}`);
    out.push(`        dnsSuffix: ${`b${i.toString(36)}`.padEnd(8, '0')}`);
    out.push(`        service: com.amazonaws.vpce.${REGION}.vpce-svc-${hex17('1', i)}`);
    out.push(`        privateDnsNames: [svc${i}.bench.internal]`);
    out.push('        ipAddressType: dualstack');
    out.push('        interfaces:');
    AZS.forEach((z, k) => {
      out.push(
        `          - { subnet: ${subnetId(z, Math.floor(i / PER_BLOCK))}, ipv4: ${ipv4(k, i)}, ipv6: "${ipv6(k, i)}" }`,
      );
    });
  }
  return `${out.join('\n')}\n`;
}

/**
 * Every name the config owns with its addresses, from our own catalog (dist/ must be built):
 * [{ name, form, endpoint, v4: [...], v6: [...] }].
 */
export async function ownedNames(root, yaml) {
  const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;
  const { parseConfigText } = await import(dist('config/load.js'));
  const { buildCatalog } = await import(dist('privatelink/catalog.js'));
  const { HealthState } = await import(dist('health/state.js'));
  const loaded = parseConfigText(yaml, 'bench.yaml');
  const catalog = buildCatalog(loaded.config, new HealthState());
  const out = [];
  const add = (o) => {
    const itfs =
      o.form === 'zonal' ? o.endpoint.interfaces.filter((i) => i.az === o.az) : o.endpoint.interfaces;
    out.push({
      name: o.name,
      form: o.form,
      endpoint: o.endpoint.id,
      v4: o.a ? itfs.map((i) => i.ipv4).filter(Boolean) : [],
      v6: o.aaaa ? itfs.map((i) => i.ipv6).filter(Boolean) : [],
    });
  };
  for (const o of catalog.publicNames.values()) add(o);
  for (const v of catalog.views) for (const o of v.names.values()) add(o);
  return out;
}

/** dnsmasq hosts file: one line per address (several lines per name give several records). */
export function dnsmasqHosts(names) {
  const lines = [];
  for (const n of names) {
    for (const a of n.v4) lines.push(`${a} ${n.name}`);
    for (const a of n.v6) lines.push(`${a} ${n.name}`);
  }
  return `${lines.join('\n')}\n`;
}

/** unbound local-data lines (inside `server:`). */
export function unboundLocalData(names, ttl = 60) {
  const lines = [];
  for (const n of names) {
    for (const a of n.v4) lines.push(`  local-data: "${n.name}. ${ttl} IN A ${a}"`);
    for (const a of n.v6) lines.push(`  local-data: "${n.name}. ${ttl} IN AAAA ${a}"`);
  }
  return lines.join('\n');
}

/** A small deterministic PRNG (mulberry32) so query files are the same on every run. */
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle(list, seed) {
  const r = rng(seed);
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

/** The forwarded test zone the fake upstream answers for. */
export const FWD_ZONE = 'fwd.bench';

/** Endpoint queries: every owned name, A and AAAA, shuffled, repeated up to `min` lines. */
export function endpointQueries(names, min = 10_000) {
  const base = [];
  for (const n of names) {
    base.push(`${n.name} A`, `${n.name} AAAA`);
  }
  shuffle(base, 1);
  const out = [];
  // One element at a time: a spread of 1,000,000 queries (100,000 endpoints) overflows the stack.
  while (out.length < min) for (const q of base) out.push(q);
  return out;
}

/** The names of the cache-warm set: `count` forwarded names. */
export function warmQueries(count = 1000) {
  const out = [];
  for (let i = 0; i < count; i++) out.push(`w${i}.${FWD_ZONE} A`);
  return out;
}

/** Unique forwarded names (cache cold): `tag` keeps runs apart. */
export function coldQueries(tag, count) {
  const out = new Array(count);
  for (let i = 0; i < count; i++) out[i] = `u${i}-${tag}.${FWD_ZONE} A`;
  return out;
}

/** A real application's stream: 80% forwarded names from the warm set, 20% endpoint names. */
export function mixQueries(names, warm, lines = 50_000, seed = 7) {
  const r = rng(seed);
  const ep = endpointQueries(names, 1);
  const out = new Array(lines);
  for (let i = 0; i < lines; i++) {
    out[i] = r() < 0.8 ? warm[Math.floor(r() * warm.length)] : ep[Math.floor(r() * ep.length)];
  }
  return out;
}

export function writeLines(file, lines) {
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/**
 * The apex of the zone a name belongs to in the zone files: the VPC endpoint names live under
 * `REGION.vpce.amazonaws.com`, the private DNS names under their last two labels.
 */
export function zoneApex(name) {
  const labels = name.split('.');
  return labels.slice(name.endsWith('.vpce.amazonaws.com') ? -4 : -2).join('.');
}

/**
 * RFC 1035 zone files with the same records (BIND, PowerDNS Recursor auth-zones): a map of apex →
 * text. Each zone has an SOA and an NS at the apex (required by the format; never queried).
 */
export function zoneFiles(names, ttl = 60) {
  const zones = new Map();
  for (const n of names) {
    const apex = zoneApex(n.name);
    if (!zones.has(apex))
      zones.set(apex, [
        `$TTL ${ttl}`,
        `${apex}. ${ttl} IN SOA ns.${apex}. hostmaster.${apex}. 1 3600 600 86400 ${ttl}`,
        `${apex}. ${ttl} IN NS ns.${apex}.`,
        `ns.${apex}. ${ttl} IN A 127.0.0.1`,
      ]);
    const z = zones.get(apex);
    for (const a of n.v4) z.push(`${n.name}. ${ttl} IN A ${a}`);
    for (const a of n.v6) z.push(`${n.name}. ${ttl} IN AAAA ${a}`);
  }
  return new Map([...zones].map(([k, v]) => [k, `${v.join('\n')}\n`]));
}
