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
# The first Python that has dnspython: the one on PATH, else Debian's (which python3-dnspython is
# installed for, when missing; a python3 on PATH may be another install, e.g. pyenv's).
python=
for p in python3 /usr/bin/python3; do
  if "$p" -c 'import dns.resolver' 2>/dev/null; then
    python=$p
    break
  fi
done
if [ -z "$python" ]; then
  echo "recipes-test: installing python3-dnspython"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-dnspython >/dev/null
  python=/usr/bin/python3
fi
echo "recipes-test $(date +%T): $python ($("$python" --version)), ${CONTAINER_ENGINE:-docker}, image $image"
cd examples/testing/python
PYTHONDONTWRITEBYTECODE=1 PRIVATELINK_DNS_IMAGE=$image DOCKER=${CONTAINER_ENGINE:-docker} "$python" -m unittest -v test_privatelink_dns.py
