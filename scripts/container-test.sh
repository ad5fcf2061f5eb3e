#!/usr/bin/env bash
# Container check: builds the image from ./Dockerfile on a Node base made from this machine's own
# Node install (no registry is needed for base images), then, on an internal container network
# that this script creates (each container in its own network namespace, no route out):
#   1. runs the image with a config mounted at /etc/privatelink-dns (as the README does), its
#      upstream a stand-in resolver container on the same network;
#   2. waits for the HEALTHCHECK command (admin API /readyz) to pass;
#   3. runs an application container with --dns pointing at it and checks that an endpoint name
#      resolves to the interface addresses (getaddrinfo and c-ares) and a forwarded name still
#      resolves; queries over TCP with the image's own `privatelink-dns query --tcp`;
#   4. queries it from the host through the bridge (the address Docker's `dig` from the host
#      comes from) and expects the private answer;
#   5. stops it with SIGTERM and expects exit status 0 and a "stopped" log line.
# CONTAINER_ENGINE=podman (the default) or docker. Needs root, and podman (installed from Debian's
# packages when missing) or a running Docker engine. When containers cannot run here, it prints
# "container-test: skipped: <reason>" and exits 0 (1 with PLDNS_REQUIRE_ENGINE=1); a failing check
# exits 1.
# PLDNS_BASE_IMAGE / PLDNS_IMAGE: use that base / that built image (made by the caller, who also
# removes it) instead of making one. Arguments, if any, are a command run after the checks passed,
# with PLDNS_IMAGE and PLDNS_BASE_IMAGE set to the images made here (before they are removed):
#   CONTAINER_ENGINE=docker bash scripts/container-test.sh bash scripts/compose-test.sh Every container, network and image this script makes is
# removed when it exits, passed or failed.
set -euo pipefail
cd "$(dirname "$0")/.."

engine=${CONTAINER_ENGINE:-podman}
case "$engine" in podman | docker) ;; *)
  echo "container-test: CONTAINER_ENGINE must be podman or docker, not $engine" >&2
  exit 2
  ;;
esac
log() { echo "container-test[$engine] $(date +%T): $*"; }
skip() {
  if [ "${PLDNS_REQUIRE_ENGINE:-0}" = 1 ]; then
    echo "container-test[$engine]: FAILED (PLDNS_REQUIRE_ENGINE=1): cannot run: $*" >&2
    exit 1
  fi
  echo "container-test[$engine]: skipped: $*"
  exit 0
}
fail() {
  echo "container-test[$engine]: FAILED: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || skip "needs root for rootful $engine (uid is $(id -u))"

# ---- a container engine ------------------------------------------------------------------------
if [ "$engine" = docker ]; then
  command -v docker >/dev/null 2>&1 || skip "docker is not installed"
  docker info >/dev/null 2>&1 || skip "no Docker engine answers (is dockerd running?)"
elif ! command -v podman >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    log "installing podman and runc from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq podman runc; } >/tmp/container-test-apt.log 2>&1; then
      skip "apt-get install podman runc failed: $(tail -n 3 /tmp/container-test-apt.log | tr '\n' ' ')"
    fi
  fi
fi
command -v "$engine" >/dev/null 2>&1 || skip "podman is not installed and cannot be installed (no apt-get)"
# crun refuses hybrid cgroup hierarchies with controllers on the v2 mount ("cgroups in hybrid mode
# not supported"); runc copes. Install it when missing and prefer it.
if [ "$engine" = podman ] && ! command -v runc >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq runc >/dev/null 2>&1 || true
fi

node_bin=$(readlink -f "$(command -v node)")
npm_dir=$(readlink -f "$(dirname "$(readlink -f "$(command -v npm)")")/..")
node_major=$(node -p 'process.versions.node.split(".")[0]')
tag=$$
build_base=${PLDNS_BUILD_IMAGE:-}
base=${PLDNS_BASE_IMAGE:-"localhost/privatelink-dns-test-base:node${node_major}-$tag"}
image=${PLDNS_IMAGE:-"localhost/privatelink-dns:container-test-$tag"}
net="pldns-test-$tag"
octet=$((200 + tag % 50))
subnet="172.31.$octet.0/24"
gw="172.31.$octet.1"
upstream_ip="172.31.$octet.5"
server_ip="172.31.$octet.53"
srv="pldns-srv-$tag"
up="pldns-up-$tag"
work=$(mktemp -d /tmp/pldns-container-test.XXXXXX)

# Images this run made (the build's intermediate stages too): every image ID that was not there
# before, removed at exit with the tags this script gave.
before_ids=$("$engine" images -a -q --no-trunc 2>/dev/null | sort -u || true)
made_tags=()
cleanup() {
  if [ "$engine" = podman ]; then
    podman rm -f -t 0 "$srv" "$up" >/dev/null 2>&1 || true
    podman network rm -f "$net" >/dev/null 2>&1 || true
  else
    docker rm -f "$srv" "$up" >/dev/null 2>&1 || true
    docker network rm "$net" >/dev/null 2>&1 || true
  fi
  local i now
  for ((i = ${#made_tags[@]} - 1; i >= 0; i--)); do "$engine" rmi -f "${made_tags[i]}" >/dev/null 2>&1 || true; done
  # Children before parents: a few passes until nothing new is left.
  for _ in 1 2 3 4; do
    now=$(comm -13 <(echo "$before_ids") <("$engine" images -a -q --no-trunc 2>/dev/null | sort -u))
    [ -n "$now" ] || break
    for id in $now; do "$engine" rmi -f "$id" >/dev/null 2>&1 || true; done
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# Hard limits of this machine: podman's defaults (nofile 1048576, nproc unlimited) may exceed
# them, and then the runtime cannot set them ("setrlimit RLIMIT_NOFILE: Operation not permitted").
lim() {
  local v
  v=$("$@")
  if [ "$v" = unlimited ] || [ "$v" -gt 16384 ]; then v=16384; fi
  echo "$v"
}
nofile=$(lim ulimit -Hn)
nproc=$(lim ulimit -Hu)
limits=(--ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc")

# ---- the base image: this machine's node, its shared libraries, npm, and a shell -----------------
if [ -z "${PLDNS_BASE_IMAGE:-}" ]; then
  made_tags+=("$base")
  log "making $base from $node_bin (Node $(node -v)) and $npm_dir"
  r="$work/rootfs"
  mkdir -p "$r"/usr/{bin,lib,lib64,local/bin} "$r"/etc/ssl/certs "$r"/tmp "$r"/root "$r"/home/node
  ln -s usr/bin "$r/bin"
  ln -s usr/bin "$r/sbin"
  ln -s usr/lib "$r/lib"
  ln -s usr/lib64 "$r/lib64"
  chmod 1777 "$r/tmp"
  # node, a shell, the few coreutils a Dockerfile RUN line may use (as in the slim Node images), and
  # getent for resolving through the C library in a test.
  bins=("$node_bin" "$(readlink -f /bin/sh)")
  for c in env ln cat ls mkdir rm cp chmod id getent; do bins+=("$(readlink -f "$(command -v "$c")")"); done
  for b in "${bins[@]}"; do
    cp -L "$b" "$r/usr/bin/"
    for l in $(ldd "$b" | grep -o '/[^ ]*'); do
      mkdir -p "$r$(dirname "$l")"
      cp -L "$l" "$r$l"
    done
  done
  [ "$(basename "$node_bin")" = node ] || mv "$r/usr/bin/$(basename "$node_bin")" "$r/usr/bin/node"
  [ -e "$r/usr/bin/sh" ] || ln -s "$(basename "$(readlink -f /bin/sh)")" "$r/usr/bin/sh"
  mkdir -p "$r/usr/lib/node_modules"
  cp -a "$npm_dir" "$r/usr/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$r/usr/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$r/usr/bin/npx"
  changes=(--change 'ENV PATH=/usr/local/bin:/usr/bin:/bin')
  # The machine's CA bundle (TLS to the npm registry may pass a proxy with its own CA).
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    cp /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/"
    changes+=(--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt')
  fi
  printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n' >"$r/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\n' >"$r/etc/group"
  chown 1000:1000 "$r/home/node"
  tar -C "$r" -c . | "$engine" import "${changes[@]}" - "$base" >/dev/null 2>&1 ||
    skip "$engine import of the base image failed"
  if [ "$engine" = docker ]; then
    # Docker's classic builder mounts nothing into a build: the build stages start from a copy of
    # the base with this machine's npm cache in /root/.npm (BUILD_IMAGE of the Dockerfile).
    npm_cache=$(npm config get cache 2>/dev/null || true)
    if [ -n "$npm_cache" ] && [ -d "$npm_cache/_cacache" ]; then
      build_base="$base-build"
      made_tags+=("$build_base")
      mkdir -p "$r/root/.npm"
      cp -a "$npm_cache/_cacache" "$r/root/.npm/"
      tar -C "$r" -c . | docker import "${changes[@]}" - "$build_base" >/dev/null 2>&1 ||
        skip "docker import of the build image failed"
    fi
  fi
  rm -rf "$r"
fi

# ---- which OCI runtime works here ----------------------------------------------------------------
runtime=()
probe_err="$work/probe.err"
if [ "$engine" = docker ]; then
  docker run --rm "${limits[@]}" "$base" node -e 0 >/dev/null 2>"$probe_err" ||
    skip "docker cannot run a container here: $(tr '\n' ' ' <"$probe_err")"
elif command -v runc >/dev/null 2>&1 &&
  podman --runtime runc run --rm "${limits[@]}" "$base" node -e 0 >/dev/null 2>"$probe_err"; then
  runtime=(--runtime runc)
elif podman run --rm "${limits[@]}" "$base" node -e 0 >/dev/null 2>>"$probe_err"; then
  runtime=()
else
  skip "podman cannot run a container here: $(grep -v syslog "$probe_err" | tr '\n' ' ')"
fi
pm() { "$engine" "${runtime[@]}" "$@"; }
if [ "$engine" = podman ]; then
  log "podman $(podman --version | awk '{print $3}'), runtime ${runtime[1]:-default}"
else
  log "docker $(docker version -f '{{.Server.Version}}' 2>/dev/null), storage $(docker info -f '{{.Driver}}' 2>/dev/null)"
fi

# ---- build the image -----------------------------------------------------------------------------
if [ -z "${PLDNS_IMAGE:-}" ]; then
  made_tags+=("$image")
  log "building $image on $base"
  if [ "$engine" = podman ]; then
    # The npm cache of this machine is mounted into the build, so `npm ci` finds every tarball there.
    build_args=(--format docker --build-arg "NODE_IMAGE=$base" "${limits[@]}" -t "$image")
    npm_cache=$(npm config get cache 2>/dev/null || true)
    if [ -n "$npm_cache" ] && [ -d "$npm_cache" ]; then build_args+=(-v "$npm_cache:/root/.npm"); fi
    build=(pm build "${build_args[@]}" .)
  else
    # Docker's classic builder (BuildKit would fetch its Dockerfile frontend from a registry). With
    # the build image (this machine's npm cache inside) `npm ci` takes what the cache has; anything
    # else comes from the npm registry through the host's network.
    build=(env DOCKER_BUILDKIT=0 docker build --force-rm --network host --build-arg "NODE_IMAGE=$base" "${limits[@]}" -t "$image")
    if [ -n "$build_base" ]; then
      build+=(--build-arg "BUILD_IMAGE=$build_base" --build-arg NPM_CI_FLAGS=--prefer-offline)
    fi
    build+=(.)
  fi
  if ! "${build[@]}" >"$work/build.log" 2>&1; then
    tail -n 40 "$work/build.log" >&2
    fail "$engine build failed (log above)"
  fi
fi

# ---- network, upstream, server ------------------------------------------------------------------
net_args=(--internal --subnet "$subnet" --gateway "$gw")
# Podman's network DNS (aardvark) is not wanted: --dns names the server. Docker's embedded DNS
# cannot be turned off and is not asked for anything here.
[ "$engine" = podman ] && net_args+=(--disable-dns)
pm network create "${net_args[@]}" "$net" >/dev/null || skip "$engine network create $subnet failed"

mkdir -p "$work/up" "$work/config"
cat >"$work/up/upstream.mjs" <<'EOF'
// Stand-in upstream: A 192.0.2.10 (TEST-NET-1) for *.forwarded.test, NXDOMAIN otherwise. UDP only.
import dgram from 'node:dgram';
const sock = dgram.createSocket('udp4');
sock.on('message', (msg, rinfo) => {
  let off = 12;
  const labels = [];
  while (msg[off] !== 0) {
    labels.push(msg.subarray(off + 1, off + 1 + msg[off]).toString('latin1'));
    off += msg[off] + 1;
  }
  off += 1;
  const qtype = msg.readUInt16BE(off);
  const question = msg.subarray(12, off + 4);
  const name = labels.join('.').toLowerCase();
  const hit = name.endsWith('.forwarded.test');
  const answer = hit && qtype === 1;
  const head = Buffer.alloc(12);
  msg.copy(head, 0, 0, 2);
  head.writeUInt16BE(0x8180 | (msg.readUInt16BE(2) & 0x0100) | (hit ? 0 : 3), 2);
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(answer ? 1 : 0, 6);
  const rr = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 10]);
  sock.send(answer ? Buffer.concat([head, question, rr]) : Buffer.concat([head, question]), rinfo.port, rinfo.address);
  console.log(JSON.stringify({ from: rinfo.address, name, qtype, answered: answer }));
});
sock.bind(53, '0.0.0.0', () => console.log('upstream listening on 0.0.0.0:53'));
EOF
# The bundled example, with the stand-in as its upstream, mounted the way the README does.
cp config/endpoints.yaml "$work/config/endpoints.yaml"
printf '\nupstreams: ["%s"]\n' "$upstream_ip" >>"$work/config/endpoints.yaml"
chmod -R a+rX "$work"

pm run -d --name "$up" --network "$net" --ip "$upstream_ip" "${limits[@]}" --sysctl net.ipv4.ip_unprivileged_port_start=0 \
  -v "$work/up:/up:ro" "$base" node /up/upstream.mjs >/dev/null 2>"$work/run.err" ||
  fail "starting the upstream container: $(grep -v syslog "$work/run.err")"
# Docker sets ip_unprivileged_port_start=0 itself; podman needs the flag.
health_args=()
[ "$engine" = docker ] && health_args=(--health-interval 1s)
pm run -d --name "$srv" --network "$net" --ip "$server_ip" "${limits[@]}" "${health_args[@]}" --sysctl net.ipv4.ip_unprivileged_port_start=0 \
  -v "$work/config:/etc/privatelink-dns:ro" "$image" >/dev/null 2>"$work/run.err" ||
  fail "starting the server container: $(grep -v syslog "$work/run.err")"

ready=0
for _ in $(seq 1 60); do
  if [ "$("$engine" inspect -f '{{.State.Running}}' "$srv" 2>/dev/null)" != true ]; then
    "$engine" logs "$srv" >&2 || true
    fail "the server container exited"
  fi
  if pm exec "$srv" node /app/healthcheck.mjs http://127.0.0.1:8053/readyz >/dev/null 2>&1; then
    ready=1
    break
  fi
  sleep 0.5
done
[ "$ready" = 1 ] || {
  "$engine" logs "$srv" >&2
  fail "the server never became ready"
}
listening=0
for _ in $(seq 1 20); do
  if "$engine" logs "$srv" 2>&1 | grep -q '"msg":"listening on 0.0.0.0:53 (udp+tcp)"'; then
    listening=1
    break
  fi
  sleep 0.5
done
[ "$listening" = 1 ] || fail "no listen line in the logs"
log "server ready at $server_ip:53; log: $("$engine" logs "$srv" 2>&1 | grep -m1 listening)"
hc=$("$engine" image inspect -f '{{json .Config.Healthcheck}}' "$image" 2>/dev/null || true)
case "$hc" in *healthcheck.mjs*) log "image HEALTHCHECK: $hc" ;; *) fail "the image has no HEALTHCHECK ($hc)" ;; esac
if [ "$engine" = podman ]; then
  if pm healthcheck run "$srv" >/dev/null 2>"$work/hc.err"; then
    log "podman healthcheck run: $("$engine" inspect -f '{{.State.Health.Status}}' "$srv" 2>/dev/null || echo passed)"
  else
    fail "podman healthcheck run failed: $(grep -v syslog "$work/hc.err")"
  fi
else
  # Docker runs the image's HEALTHCHECK itself (every second here, see `docker run` above).
  status=
  for _ in $(seq 1 30); do
    status=$(docker inspect -f '{{.State.Health.Status}}' "$srv" 2>/dev/null || true)
    [ "$status" = healthy ] && break
    sleep 0.5
  done
  [ "$status" = healthy ] || fail "docker health status is '$status', not healthy"
  log "docker health status: $status"
fi
[ "$(pm exec "$srv" node -p 'process.getuid()')" = 1000 ] || fail "the server does not run as uid 1000"

# ---- an application container that uses it as --dns ----------------------------------------------
cat >"$work/up/client.cjs" <<'EOF'
// Resolves through /etc/resolv.conf (written by podman from --dns): getaddrinfo and c-ares.
const dns = require('node:dns');
const want = {
  'monitoring.us-east-2.amazonaws.com': ['10.0.1.23', '10.0.2.23', '10.0.3.23'],
  'vpce-099deb00b40f00e22-lj2wisx3.monitoring.us-east-2.vpce.amazonaws.com': ['10.0.1.23', '10.0.2.23', '10.0.3.23'],
  'vpce-099deb00b40f00e22-lj2wisx3-us-east-2a.monitoring.us-east-2.vpce.amazonaws.com': ['10.0.1.23'],
  'app.forwarded.test': ['192.0.2.10'],
};
(async () => {
  let bad = 0;
  for (const [name, expect] of Object.entries(want)) {
    for (const how of ['lookup', 'resolve4']) {
      let got;
      try {
        got =
          how === 'lookup'
            ? (await dns.promises.lookup(name, { all: true, family: 4 })).map((a) => a.address)
            : await dns.promises.resolve4(name);
      } catch (e) {
        got = [String(e.code)];
      }
      const ok = JSON.stringify([...got].sort()) === JSON.stringify(expect);
      if (!ok) bad++;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${how.padEnd(8)} ${name} -> ${got.join(', ')}`);
    }
  }
  process.exit(bad ? 1 : 0);
})();
EOF
log "application container with --dns $server_ip:"
pm run --rm --network "$net" --dns "$server_ip" "${limits[@]}" -v "$work/up:/up:ro" "$base" node /up/client.cjs \
  2> >(grep -v syslog >&2) || fail "the application container did not get the expected answers"
log "TCP, with the image's own query command:"
pm run --rm --no-healthcheck --network "$net" "${limits[@]}" "$image" query monitoring.us-east-2.amazonaws.com A \
  --server "$server_ip:53" --tcp 2> >(grep -v syslog >&2) | tee "$work/tcp.out"
grep -q '10.0.1.23' "$work/tcp.out" || fail "no endpoint address in the TCP answer"

# ---- from the host, through the bridge ----------------------------------------------------------
log "from the host (source: the bridge gateway $gw):"
node -e '
const r = new (require("node:dns").promises.Resolver)({ timeout: 2000, tries: 2 });
r.setServers([process.argv[1]]);
r.resolve4("monitoring.us-east-2.amazonaws.com").then(
  (a) => { console.log("monitoring.us-east-2.amazonaws.com ->", a.join(", ")); process.exit(a.includes("10.0.1.23") ? 0 : 1); },
  (e) => { console.log("error", e.code); process.exit(1); });' "$server_ip" || fail "the host did not get the private answer"

# ---- hot reload through the mounted directory --------------------------------------------------------
log "AZ drill: impairedAzs: [us-east-2a] written to the mounted config"
sed -i 's/^impairedAzs: \[\]$/impairedAzs: [us-east-2a]/' "$work/config/endpoints.yaml"
grep -q '^impairedAzs: \[us-east-2a\]$' "$work/config/endpoints.yaml" || fail "could not edit the test config"
drilled=0
for _ in $(seq 1 40); do
  if node -e '
const r = new (require("node:dns").promises.Resolver)({ timeout: 1000, tries: 1 });
r.setServers([process.argv[1]]);
r.resolve4("monitoring.us-east-2.amazonaws.com").then(
  (a) => { if (a.includes("10.0.1.23")) process.exit(1); console.log("monitoring.us-east-2.amazonaws.com ->", a.join(", ")); },
  () => process.exit(1));' "$server_ip"; then
    drilled=1
    break
  fi
  sleep 0.5
done
[ "$drilled" = 1 ] || fail "the server did not reload the edited config (10.0.1.23 still answered)"
"$engine" logs "$srv" 2>&1 | grep -q '"msg":"config reloaded"' || fail "no \"config reloaded\" log line"

# ---- SIGTERM ---------------------------------------------------------------------------------------
pm stop -t 15 "$srv" >/dev/null 2>&1
code=$("$engine" inspect -f '{{.State.ExitCode}}' "$srv")
"$engine" logs "$srv" 2>&1 | tail -n 2
[ "$code" = 0 ] || fail "exit status after SIGTERM was $code"
"$engine" logs "$srv" 2>&1 | grep -q '"msg":"stopped"' || fail "no \"stopped\" line after SIGTERM"
log "passed: image $image (base $base), endpoint and forwarded names resolve through --dns, SIGTERM exits 0"

# ---- then: the caller's command, with the same images -------------------------------------------
if [ "$#" -gt 0 ]; then
  log "running with PLDNS_IMAGE=$image PLDNS_BASE_IMAGE=$base: $*"
  PLDNS_IMAGE=$image PLDNS_BASE_IMAGE=$base "$@" || fail "$* failed"
fi
