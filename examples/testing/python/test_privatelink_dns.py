"""privatelink-dns in a Python test: `docker run` + dnspython (python3-dnspython / pip install dnspython).

    PRIVATELINK_DNS_IMAGE=privatelink-dns:latest python3 -m unittest test_privatelink_dns.py

Starts the image with the bundled example config, the DNS port and the admin API published on
loopback ports Docker picks, asks for the private DNS name of the CloudWatch endpoint, impairs an
AZ through the admin API and sees its interface leave the answer. The container is removed at
the end, passed or failed. DOCKER=podman runs it with Podman.
"""

import json
import os
import secrets
import subprocess
import time
import unittest
import urllib.request

import dns.message
import dns.query
import dns.rdatatype
import dns.resolver

IMAGE = os.environ.get("PRIVATELINK_DNS_IMAGE", "privatelink-dns:latest")
DOCKER = os.environ.get("DOCKER", "docker")
NAME = "monitoring.us-east-2.amazonaws.com"
ALL = ["10.0.1.23", "10.0.2.23", "10.0.3.23"]


def published(container, port):
    """The host port Docker mapped `port` (e.g. "53/udp") to."""
    out = subprocess.check_output([DOCKER, "port", container, port], text=True)
    return int(out.splitlines()[0].rsplit(":", 1)[1])


class PrivatelinkDnsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.token = secrets.token_urlsafe(18)
        cls.container = subprocess.check_output(
            [DOCKER, "run", "-d",
             "-p", "127.0.0.1::53/udp", "-p", "127.0.0.1::53/tcp", "-p", "127.0.0.1::8053/tcp",
             # Podman needs this for port 53 as uid 1000; Docker sets it anyway.
             "--sysctl", "net.ipv4.ip_unprivileged_port_start=0",
             IMAGE, "serve", "--config", "/etc/privatelink-dns/endpoints.yaml",
             "--listen", "0.0.0.0:53", "--admin", "0.0.0.0:8053", "--admin-token", cls.token],
            text=True).strip()
        try:
            cls.resolver = dns.resolver.Resolver(configure=False)
            cls.resolver.nameservers = ["127.0.0.1"]
            cls.resolver.port = published(cls.container, "53/udp")
            cls.tcp_port = published(cls.container, "53/tcp")  # Docker maps TCP to another port
            cls.resolver.lifetime = 2
            cls.admin = f"http://127.0.0.1:{published(cls.container, '8053/tcp')}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{cls.admin}/readyz", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("privatelink-dns did not become ready")
                time.sleep(0.5)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        subprocess.run([DOCKER, "rm", "-f", cls.container], capture_output=True)

    def addresses(self, name):
        return sorted(r.address for r in self.resolver.resolve(name, "A"))

    def addresses_tcp(self, name):
        reply = dns.query.tcp(dns.message.make_query(name, "A"), "127.0.0.1", port=self.tcp_port, timeout=2)
        return sorted(r.address for rrset in reply.answer if rrset.rdtype == dns.rdatatype.A for r in rrset)

    def set_impaired(self, az, impaired):
        req = urllib.request.Request(
            f"{self.admin}/v1/azs/{az}", method="PUT",
            data=json.dumps({"impaired": impaired}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(req, timeout=5) as r:
            self.assertEqual(r.status, 200)

    def test_private_dns_name(self):
        self.assertEqual(self.addresses(NAME), ALL)
        self.assertEqual(self.addresses_tcp(NAME), ALL)

    def test_az_impairment(self):
        self.set_impaired("us-east-2a", True)
        try:
            self.assertEqual(self.addresses(NAME), ["10.0.2.23", "10.0.3.23"])
        finally:
            self.set_impaired("us-east-2a", False)
        self.assertEqual(self.addresses(NAME), ALL)


if __name__ == "__main__":
    unittest.main()
