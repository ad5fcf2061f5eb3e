/**
 * The deployment files users apply as they are: the Kubernetes manifests (and their config), the
 * compose example, the Dockerfile. Parsed with the `yaml` package; the config a ConfigMap carries
 * goes through the same parser and AWS rules the server uses.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type LoadedConfig, parseConfigText } from '../../src/config/load.js';
import { MALLOC_TRIM_THRESHOLD } from '../../src/core/malloc.js';
import { heapGrowthFlag } from '../../src/core/young-generation.js';
import { cidrWithin, parseCidr } from '../../src/net/cidr.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const K8S = join(ROOT, 'deploy/kubernetes');

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped YAML
type Doc = Record<string, any>;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(f) ? [p] : [];
  });
}

function docs(file: string): Doc[] {
  const out: Doc[] = [];
  for (const d of parseAllDocuments(readFileSync(file, 'utf8'))) {
    expect(d.errors, `${relative(ROOT, file)}: ${d.errors.join('; ')}`).toEqual([]);
    const js = d.toJS();
    if (js) out.push(js);
  }
  return out;
}

const manifests = yamlFiles(K8S).flatMap((f) => docs(f).map((doc) => ({ file: relative(ROOT, f), doc })));
const kinds = (kind: string) => manifests.filter((m) => m.doc.kind === kind);
const configMap = kinds('ConfigMap').find((m) => m.doc.data?.['endpoints.yaml'])!;
const workloads = [...kinds('Deployment'), ...kinds('DaemonSet')];
const service = kinds('Service')[0];

function loadCarried(): LoadedConfig {
  return parseConfigText(configMap.doc.data['endpoints.yaml'], `${configMap.file}#endpoints.yaml`);
}

/** The value following a flag in the container args. */
function arg(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

function inAnyCidr(addr: string, cidrs: string[]): boolean {
  const a = parseCidr(addr);
  return (
    a !== null &&
    cidrs.some((c) => {
      const p = parseCidr(c);
      return p !== null && cidrWithin(a, p);
    })
  );
}

describe('deploy/kubernetes', () => {
  it('parses, and every object has a kind, a name and the privatelink-dns namespace or kube-system', () => {
    expect(manifests.length).toBeGreaterThan(5);
    for (const { file, doc } of manifests) {
      expect(doc.apiVersion, file).toBeTruthy();
      expect(doc.kind, file).toBeTruthy();
      if (doc.kind === 'Kustomization') continue;
      expect(doc.metadata?.name, file).toBeTruthy();
      if (doc.kind !== 'Namespace')
        expect(['privatelink-dns', 'kube-system'], file).toContain(doc.metadata.namespace);
    }
  });

  it('the ConfigMap carries a config the server accepts', () => {
    expect(configMap, 'a ConfigMap with data.endpoints.yaml').toBeTruthy();
    const loaded = loadCarried();
    expect(loaded.config.vpcs.length).toBeGreaterThan(0);
    expect(loaded.config.vpcs.flatMap((v) => v.endpoints).length).toBeGreaterThan(0);
  });

  it('counts a pod CIDR as inside the VPC (clients arrive from CoreDNS pods) and never forwards to cluster DNS', () => {
    const { config } = loadCarried();
    const cidrs = config.vpcs.flatMap((v) => v.cidrs);
    // kubeadm/flannel/kind pod CIDR, as documented in the ConfigMap's comments.
    expect(inAnyCidr('10.244.1.7', cidrs)).toBe(true);
    // Typical cluster DNS Service addresses (kubeadm 10.96.0.10, EKS 10.100.0.10 / 172.20.0.10).
    for (const up of config.upstreams ?? [])
      expect(['10.96.0.10', '10.100.0.10', '172.20.0.10']).not.toContain(up);
  });

  it('ConfigMap edits reach the pods: mounted as a directory, not with subPath; args point at the key', () => {
    expect(workloads.length).toBe(2);
    for (const { file, doc } of workloads) {
      const pod = doc.spec.template.spec;
      const vol = pod.volumes.find((v: Doc) => v.configMap?.name === configMap.doc.metadata.name);
      expect(vol, file).toBeTruthy();
      const c = pod.containers[0];
      const mount = c.volumeMounts.find((m: Doc) => m.name === vol.name);
      expect(mount.subPath, `${file}: subPath mounts never update`).toBeUndefined();
      expect(arg(c.args, '--config'), file).toBe(`${mount.mountPath}/endpoints.yaml`);
    }
  });

  it('the pods do not use the cluster DNS as their upstream (CoreDNS → us → CoreDNS loop)', () => {
    for (const { file, doc } of workloads) {
      const pod = doc.spec.template.spec;
      expect(pod.dnsPolicy, file).toBe('Default');
      expect(pod.hostNetwork ?? false, file).toBe(false);
    }
  });

  it('runs non-root on a high port that the Service maps from 53/udp and 53/tcp', () => {
    for (const { file, doc } of workloads) {
      const pod = doc.spec.template.spec;
      const c = pod.containers[0];
      expect(pod.securityContext.runAsNonRoot, file).toBe(true);
      expect(pod.securityContext.runAsUser, file).toBeGreaterThan(0);
      expect(c.securityContext.allowPrivilegeEscalation, file).toBe(false);
      expect(c.securityContext.capabilities.drop, file).toEqual(['ALL']);
      const listen = arg(c.args, '--listen')!;
      const port = Number(listen.split(':').pop());
      expect(port, file).toBeGreaterThanOrEqual(1024);
      const named = new Map<string, Doc>(c.ports.map((p: Doc) => [p.name, p]));
      for (const sp of service.doc.spec.ports) {
        expect(sp.port, service.file).toBe(53);
        const target = named.get(sp.targetPort);
        expect(target, `${file}: container port ${sp.targetPort}`).toBeTruthy();
        expect(target?.containerPort, file).toBe(port);
        expect(target?.protocol, file).toBe(sp.protocol);
      }
      expect(service.doc.spec.ports.map((p: Doc) => p.protocol).sort()).toEqual(['TCP', 'UDP']);
      expect(service.doc.spec.selector).toEqual(doc.spec.template.metadata.labels);
    }
  });

  it('probes the admin API (/readyz, /healthz) on the port it listens on, with resource requests', () => {
    for (const { file, doc } of workloads) {
      const c = doc.spec.template.spec.containers[0];
      const admin = arg(c.args, '--admin')!;
      const adminPort = Number(admin.split(':').pop());
      // Off loopback the admin API requires a token.
      expect(arg(c.args, '--admin-token'), file).toBeTruthy();
      const portOf = (p: string | number) =>
        typeof p === 'number' ? p : c.ports.find((x: Doc) => x.name === p)?.containerPort;
      expect(c.readinessProbe.httpGet.path, file).toBe('/readyz');
      expect(c.livenessProbe.httpGet.path, file).toBe('/healthz');
      expect(portOf(c.readinessProbe.httpGet.port), file).toBe(adminPort);
      expect(portOf(c.livenessProbe.httpGet.port), file).toBe(adminPort);
      expect(c.resources.requests.cpu, file).toBeTruthy();
      expect(c.resources.requests.memory, file).toBeTruthy();
    }
    const dep = kinds('Deployment')[0].doc;
    expect(dep.spec.replicas).toBeGreaterThanOrEqual(2);
  });

  it('kustomizations list files that exist', () => {
    for (const { file, doc } of kinds('Kustomization')) {
      const dir = join(ROOT, file, '..');
      for (const r of doc.resources) expect(existsSync(join(dir, r)), `${file}: ${r}`).toBe(true);
    }
  });

  /** The objects a kustomization builds: its resources, recursively, with strategic patches applied by name. */
  function kustomize(dir: string): Doc[] {
    const k = parseAllDocuments(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'))[0].toJS() as {
      resources: string[];
      patches?: { patch: string }[];
    };
    const out: Doc[] = [];
    for (const r of k.resources) {
      const p = join(dir, r);
      if (statSync(p).isDirectory()) out.push(...kustomize(p));
      else out.push(...parseAllDocuments(readFileSync(p, 'utf8')).map((d) => d.toJS() as Doc));
    }
    for (const { patch } of k.patches ?? []) {
      const pd = parseAllDocuments(patch)[0].toJS() as Doc;
      const target = out.find((d) => d.kind === pd.kind && d.metadata.name === pd.metadata.name);
      expect(target, `patch target ${pd.kind}/${pd.metadata.name}`).toBeDefined();
      Object.assign(target!.spec, pd.spec);
    }
    return out;
  }

  it('both kustomize variants build the expected objects', () => {
    const names = (docs: Doc[]) => docs.map((d) => `${d.kind}/${d.metadata.name}`).sort();
    expect(names(kustomize(K8S))).toEqual([
      'ConfigMap/privatelink-dns-config',
      'Deployment/privatelink-dns',
      'Namespace/privatelink-dns',
      'PodDisruptionBudget/privatelink-dns',
      'Service/privatelink-dns',
    ]);
    const nodeLocal = kustomize(join(K8S, 'node-local'));
    expect(names(nodeLocal)).toEqual([
      'ConfigMap/privatelink-dns-config',
      'DaemonSet/privatelink-dns',
      'Namespace/privatelink-dns',
      'Service/privatelink-dns',
    ]);
    expect(nodeLocal.find((d) => d.kind === 'Service')!.spec.internalTrafficPolicy).toBe('Local');
  });

  it('the CoreDNS snippets forward amazonaws.com (and api.aws) to the Service', () => {
    const snippet = readFileSync(join(K8S, 'coredns/Corefile.snippet'), 'utf8');
    const custom = kinds('ConfigMap').find((m) => m.doc.metadata.name === 'coredns-custom')!;
    for (const text of [snippet, ...Object.values<string>(custom.doc.data)]) {
      expect(text).toMatch(/^amazonaws\.com:53 \{[^}]*forward \. PRIVATELINK_DNS_IP/m);
      expect(text).toMatch(/^api\.aws:53 \{[^}]*forward \. PRIVATELINK_DNS_IP/m);
    }
  });
});

describe('examples/compose', () => {
  const file = join(ROOT, 'examples/compose/compose.yaml');
  const [compose] = docs(file);
  const srv = compose.services['privatelink-dns'];
  const app = compose.services.app;

  it('puts the server at a fixed address inside the user network, and the app asks it', () => {
    const ip = srv.networks.vpc.ipv4_address;
    const subnet = compose.networks.vpc.ipam.config[0].subnet;
    expect(inAnyCidr(ip, [subnet])).toBe(true);
    expect(app.dns).toEqual([ip]);
    expect(app.depends_on['privatelink-dns'].condition).toBe('service_healthy');
    expect(srv.sysctls['net.ipv4.ip_unprivileged_port_start']).toBe(0);
  });

  it('mounts a config that counts the compose network and its gateway as inside the VPC', () => {
    const mount = srv.volumes.find((v: string) => v.includes(':/etc/privatelink-dns'));
    const dir = join(ROOT, 'examples/compose', mount.split(':')[0]);
    const path = arg(srv.command, '--config')!;
    expect(path.startsWith('/etc/privatelink-dns/')).toBe(true);
    const text = readFileSync(join(dir, path.slice('/etc/privatelink-dns/'.length)), 'utf8');
    const { config } = parseConfigText(text, 'compose config');
    const cidrs = config.vpcs.flatMap((v) => v.cidrs);
    const ipam = compose.networks.vpc.ipam.config[0];
    expect(inAnyCidr(ipam.gateway, cidrs)).toBe(true);
    expect(inAnyCidr(srv.networks.vpc.ipv4_address.replace(/\.\d+$/, '.100'), cidrs)).toBe(true);
    // The server listens on port 53 of its own address.
    expect(arg(srv.command, '--listen')).toBe(`${srv.networks.vpc.ipv4_address}:53`);
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

  it('builds on a Node base given as an ARG, defaulting to a supported LTS line (22 or 24)', () => {
    const m = /^ARG NODE_IMAGE=node:(\d+)[\w.-]*$/m.exec(text);
    expect(m).toBeTruthy();
    expect(['22', '24']).toContain(m![1]);
    expect(text).toMatch(/^FROM \$\{NODE_IMAGE\} AS runtime$/m);
  });

  it("sets glibc's trim threshold for the server it runs (src/core/malloc.ts)", () => {
    const runtime = text.slice(text.indexOf('AS runtime'));
    expect(runtime).toMatch(new RegExp(`^ENV MALLOC_TRIM_THRESHOLD_=${MALLOC_TRIM_THRESHOLD}$`, 'm'));
  });

  it("caps V8's old generation growth for the server it runs, at a value serve takes", () => {
    const runtime = text.slice(text.indexOf('AS runtime'));
    const m = /^ENV PRIVATELINK_DNS_HEAP_GROWTH_PERCENT=(\S+)$/m.exec(runtime);
    expect(m).toBeTruthy();
    expect(heapGrowthFlag({ PRIVATELINK_DNS_HEAP_GROWTH_PERCENT: m![1] })).toBe(
      `--heap-growing-percent=${m![1]}`,
    );
  });

  it('runs as a numeric non-root user, reads /etc/privatelink-dns/endpoints.yaml, has a HEALTHCHECK', () => {
    expect(text).toMatch(/^USER 1000:1000$/m);
    expect(text).toMatch(/^COPY config\/endpoints\.yaml \/etc\/privatelink-dns\/endpoints\.yaml$/m);
    expect(text).toMatch(
      /^CMD \[.*"--config", "\/etc\/privatelink-dns\/endpoints\.yaml".*"--listen", "0\.0\.0\.0:53"/m,
    );
    expect(text).toMatch(/^HEALTHCHECK /m);
    expect(text).toMatch(/^EXPOSE 53\/udp 53\/tcp$/m);
  });

  it('the bundled config counts the Docker bridge ranges as inside the VPC', () => {
    const { config } = parseConfigText(readFileSync(join(ROOT, 'config/endpoints.yaml'), 'utf8'));
    const cidrs = config.vpcs.flatMap((v) => v.cidrs);
    for (const gw of ['172.17.0.1', '172.18.0.1', '192.168.65.1']) expect(inAnyCidr(gw, cidrs)).toBe(true);
  });
});
