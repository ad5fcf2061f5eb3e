#!/usr/bin/env bash
# The compose example (examples/compose/compose.yaml) brought up and down with the image
# PLDNS_IMAGE (made by scripts/container-test.sh, which runs this after its own checks):
#   1. `up -d --no-build` with both services on that image, the app asking only endpoint names
#      once (ONCE=1), the server published on a free loopback port (PRIVATELINK_DNS_PORT);
#   2. the app waited for (depends_on: service_healthy), its output checked, its container has no
#      HEALTHCHECK and an init;
#   3. the host asks the published port and gets the private answer;
#   4. the server stops on SIGTERM with status 0; `down` removes containers and the network,
#      also on failure.
# Compose v2 (`docker compose`) when present, else v1 (`docker-compose`); COMPOSE overrides.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "compose-test $(date +%T): $*"; }
fail() {
  echo "compose-test: FAILED: $*" >&2
  exit 1
}
image=${PLDNS_IMAGE:?PLDNS_IMAGE must name the image to run}
if [ -n "${COMPOSE:-}" ]; then
  read -r -a compose <<<"$COMPOSE"
elif docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  command -v docker-compose >/dev/null 2>&1 || fail "neither docker compose nor docker-compose is installed"
  compose=(docker-compose)
fi
log "$("${compose[@]}" version | head -n 1)"

proj="pldns-compose-$$"
work=$(mktemp -d /tmp/pldns-compose-test.XXXXXX)
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
export PRIVATELINK_DNS_PORT=$port
names=(monitoring.us-east-2.amazonaws.com vpce-099deb00b40f00e22-lj2wisx3-us-east-2a.monitoring.us-east-2.vpce.amazonaws.com)
cat >"$work/ci.yaml" <<YAML
services:
  privatelink-dns:
    image: $image
  app:
    image: $image
    command: [${names[0]}, ${names[1]}]
    environment:
      ONCE: "1"
YAML
dc() { "${compose[@]}" -p "$proj" -f examples/compose/compose.yaml -f "$work/ci.yaml" "$@"; }
cleanup() {
  dc down -v --remove-orphans -t 5 >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

log "up (project $proj, published on 127.0.0.1:$port)"
diagnose() {
  local c
  c=$(dc ps -q privatelink-dns 2>/dev/null || true)
  [ -n "$c" ] || return 0
  echo "--- privatelink-dns: health" >&2
  docker inspect -f '{{json .State.Health}}' "$c" >&2 || true
  echo "--- privatelink-dns: logs" >&2
  docker logs --tail 30 "$c" >&2 2>&1 || true
}
dc up -d --no-build >"$work/up.log" 2>&1 || {
  cat "$work/up.log" >&2
  diagnose
  fail "compose up failed"
}
app=$(dc ps -q app)
srv=$(dc ps -q privatelink-dns)
[ -n "$app" ] && [ -n "$srv" ] || fail "compose did not create both containers"
code=$(timeout 120 docker wait "$app") || fail "the app did not finish in 120 s"
dc logs --no-color app >"$work/app.log" 2>&1 || true
cat "$work/app.log"
[ "$code" = 0 ] || fail "the app exited with $code"
grep -q "${names[0]} -> .*10.0.1.23" "$work/app.log" || fail "the app did not get the private answer"
grep -q "${names[0]} -> .*10.0.2.23" "$work/app.log" || fail "the app did not get every interface"
grep -q "${names[1]} -> 10.0.1.23$" "$work/app.log" || fail "the app did not get the zonal answer"
[ "$(docker inspect -f '{{.State.Health}}' "$app")" = '<nil>' ] || fail "the app has a health check"
[ "$(docker inspect -f '{{.HostConfig.Init}}' "$app")" = true ] || fail "the app runs without an init"
[ "$(docker inspect -f '{{.State.Health.Status}}' "$srv")" = healthy ] || fail "the server is not healthy"

log "from the host: 127.0.0.1:$port"
node -e '
const r = new (require("node:dns").promises.Resolver)({ timeout: 2000, tries: 2 });
r.setServers([`127.0.0.1:${process.argv[1]}`]);
r.resolve4("monitoring.us-east-2.amazonaws.com").then(
  (a) => { console.log("monitoring.us-east-2.amazonaws.com ->", a.join(", ")); process.exit(a.includes("10.0.1.23") ? 0 : 1); },
  (e) => { console.log("error", e.code); process.exit(1); });' "$port" || fail "the host did not get the private answer"

dc stop -t 15 privatelink-dns >/dev/null 2>&1
[ "$(docker inspect -f '{{.State.ExitCode}}' "$srv")" = 0 ] || fail "the server did not exit 0 on SIGTERM"
docker logs "$srv" 2>&1 | grep -q '"msg":"stopped"' || fail "no \"stopped\" line from the server"
log "passed: the compose example up and down with ${compose[*]}"
