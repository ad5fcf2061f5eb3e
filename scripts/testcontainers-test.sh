#!/usr/bin/env bash
# The Testcontainers module's tests (test/containers/, vitest.containers.config.ts) against the
# image PLDNS_IMAGE (made by scripts/container-test.sh, which runs this after its own checks).
# CONTAINER_ENGINE=docker: the Docker engine (DOCKER_HOST, else /var/run/docker.sock).
# CONTAINER_ENGINE=podman: Podman's Docker-compatible API, served here on a socket of our own
# (`podman system service`, stopped again at exit) and given to Testcontainers as DOCKER_HOST,
# with TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1 (unless set): where /.dockerenv exists, as on a
# machine made from a container image, Testcontainers takes the gateway of Podman's default
# network (10.88.0.1) for the host, an address this machine has only while a container is on that
# network; Podman publishes on 0.0.0.0, so 127.0.0.1 reaches every published port.
# Ryuk is off (TESTCONTAINERS_RYUK_DISABLED=true: its image is not in any registry we reach);
# the tests stop and remove what they start, and this script removes at exit, passed or failed,
# every container labelled with its run (privatelink-dns.test-run=RUN) and every network named
# pldns-tc-RUN-*, in case the tests could not.
set -euo pipefail
cd "$(dirname "$0")/.."

image=${PLDNS_IMAGE:?PLDNS_IMAGE must name the image to test}
engine=${CONTAINER_ENGINE:-docker}
export TESTCONTAINERS_RYUK_DISABLED=true
run=$$
export PLDNS_TEST_RUN=$run
service_pid=
work=$(mktemp -d /tmp/pldns-testcontainers.XXXXXX)
# Removes the containers and networks of this run that the tests left.
remove_left() {
  local left nets
  left=$("$engine" ps -a -q --filter "label=privatelink-dns.test-run=$run" 2>/dev/null || true)
  if [ -n "$left" ]; then
    echo "testcontainers-test: removing containers the tests left: $(echo $left)" >&2
    # shellcheck disable=SC2086
    "$engine" rm -f $left >/dev/null 2>&1 || true
  fi
  nets=$("$engine" network ls --format '{{.Name}}' 2>/dev/null | grep "^pldns-tc-$run-" || true)
  if [ -n "$nets" ]; then
    echo "testcontainers-test: removing networks the tests left: $(echo $nets)" >&2
    # shellcheck disable=SC2086
    "$engine" network rm $nets >/dev/null 2>&1 || true
  fi
}
cleanup() {
  remove_left
  if [ -n "$service_pid" ]; then
    kill "$service_pid" 2>/dev/null || true
    wait "$service_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

if [ "$engine" = podman ]; then
  sock="$work/podman.sock"
  podman system service --time=0 "unix://$sock" >"$work/service.log" 2>&1 &
  service_pid=$!
  for _ in $(seq 1 50); do
    [ -S "$sock" ] && break
    sleep 0.2
  done
  [ -S "$sock" ] || {
    cat "$work/service.log" >&2
    echo "testcontainers-test: FAILED: podman system service did not open $sock" >&2
    exit 1
  }
  export DOCKER_HOST="unix://$sock"
  export TESTCONTAINERS_HOST_OVERRIDE=${TESTCONTAINERS_HOST_OVERRIDE:-127.0.0.1}
  # Podman's default limits (nofile 1048576, nproc unlimited) may exceed this machine's hard
  # limits, and then no container starts ("error setting rlimits"): the tests ask for these.
  lim() {
    local v
    v=$("$@")
    if [ "$v" = unlimited ] || [ "$v" -gt 16384 ]; then v=16384; fi
    echo "$v"
  }
  export PLDNS_TEST_ULIMIT_NOFILE PLDNS_TEST_ULIMIT_NPROC
  PLDNS_TEST_ULIMIT_NOFILE=$(lim ulimit -Hn)
  PLDNS_TEST_ULIMIT_NPROC=$(lim ulimit -Hu)
fi
echo "testcontainers-test $(date +%T): $engine (${DOCKER_HOST:-/var/run/docker.sock}${TESTCONTAINERS_HOST_OVERRIDE:+, host $TESTCONTAINERS_HOST_OVERRIDE}), image $image, run $run"

# What the engine says of this run's containers and of the host's NAT, printed when the tests fail
# (before the cleanup at exit removes the containers).
diagnose() {
  local ids id
  echo "testcontainers-test $(date +%T): diagnostics ($engine)" >&2
  ids=$("$engine" ps -a -q --filter "label=privatelink-dns.test-run=$run" 2>/dev/null || true)
  for id in $ids; do
    "$engine" inspect --format '{{.Name}} {{.State.Status}} exit={{.State.ExitCode}} ports={{json .NetworkSettings.Ports}}' "$id" >&2 || true
    "$engine" logs --tail 20 "$id" 2>&1 | sed 's/^/  | /' >&2 || true
  done
  { sysctl net.ipv4.conf.all.route_localnet 2>&1; sysctl -a 2>/dev/null | grep 'route_localnet = 1'; } | sed 's/^/  sysctl: /' >&2 || true
  iptables -t nat -S 2>&1 | grep -Ei 'dnat|masq|localnet|netavark|cni' | head -40 | sed 's/^/  nat: /' >&2 || true
  [ -n "$service_pid" ] && tail -20 "$work/service.log" | sed 's/^/  service: /' >&2
  return 0
}

tries=1
# Podman's published ports have been seen to stay silent on one run and answer on the next: one
# more try there, after the diagnostics of the first.
[ "$engine" = podman ] && tries=2
for try in $(seq 1 "$tries"); do
  if PRIVATELINK_DNS_IMAGE=$image npx vitest run --config vitest.containers.config.ts; then
    [ "$try" -gt 1 ] && echo "testcontainers-test $(date +%T): passed on try $try of $tries (the first failed: see above)" >&2
    exit 0
  fi
  diagnose
  if [ "$try" -lt "$tries" ]; then
    echo "testcontainers-test $(date +%T): FAILED on try $try; trying again" >&2
    remove_left
  fi
done
echo "testcontainers-test $(date +%T): FAILED ($engine)" >&2
exit 1
