#!/usr/bin/env bash
# The recipes of docs/testing.md that this machine's toolchains can run, against the image
# PLDNS_IMAGE (made by scripts/container-test.sh, which runs this after its own checks):
#   Python: examples/testing/python/test_privatelink_dns.py (docker run + dnspython, from Debian's
#   python3-dnspython, installed when missing).
# Go and Java recipes are not run here: their libraries (testcontainers-go, Testcontainers for
# Java) come from module proxies and Maven Central, which this machine cannot reach.
set -euo pipefail
cd "$(dirname "$0")/.."

image=${PLDNS_IMAGE:?PLDNS_IMAGE must name the image to test}
if ! python3 -c 'import dns.resolver' 2>/dev/null; then
  echo "recipes-test: installing python3-dnspython"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-dnspython >/dev/null
fi
echo "recipes-test $(date +%T): python (${CONTAINER_ENGINE:-docker}), image $image"
cd examples/testing/python
PYTHONDONTWRITEBYTECODE=1 PRIVATELINK_DNS_IMAGE=$image DOCKER=${CONTAINER_ENGINE:-docker} python3 -m unittest -v test_privatelink_dns.py
