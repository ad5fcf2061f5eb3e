#!/usr/bin/env bash
# The Testcontainers module's tests (test/containers/, vitest.containers.config.ts) against the
# image PLDNS_IMAGE (made by scripts/container-test.sh, which runs this after its own checks).
# CONTAINER_ENGINE=docker: the Docker engine (DOCKER_HOST, else /var/run/docker.sock).
# CONTAINER_ENGINE=podman: Podman's Docker-compatible API, served here on a socket of our own
# (`podman system service`, stopped again at exit) and given to Testcontainers as DOCKER_HOST.
# Ryuk is off (TESTCONTAINERS_RYUK_DISABLED=true: its image is not in any registry we reach);
# the tests stop and remove what they start.
set -euo pipefail
cd "$(dirname "$0")/.."

image=${PLDNS_IMAGE:?PLDNS_IMAGE must name the image to test}
engine=${CONTAINER_ENGINE:-docker}
export TESTCONTAINERS_RYUK_DISABLED=true
service_pid=
work=$(mktemp -d /tmp/pldns-testcontainers.XXXXXX)
cleanup() {
  if [ -n "$service_pid" ]; then kill "$service_pid" 2>/dev/null || true; fi
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
echo "testcontainers-test $(date +%T): $engine (${DOCKER_HOST:-/var/run/docker.sock}), image $image"
PRIVATELINK_DNS_IMAGE=$image npx vitest run --config vitest.containers.config.ts
