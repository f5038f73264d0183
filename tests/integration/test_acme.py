"""ACME (RFC 8555) against Debian's pebble on loopback: a fresh server obtains a
certificate for its host name and autoconfig./autodiscover./mta-sts. of its
domain, serves it on IMAPS and SMTPS, renews it on `postamt acme renew --force`
while an old connection stays up, and keeps running on its self-signed
certificate when the CA cannot be reached. Pebble resolves the names through a
private dnsmasq that maps *.postamt.example to 127.0.0.1."""
import json
import os
import pathlib
import shutil
import socket
import ssl
import subprocess
import time
import urllib.request

import pytest

from dns_server import Dnsmasq
from postamt_server import PostamtServer, free_port

PEBBLE = shutil.which("pebble") or "/usr/bin/pebble"
DOMAIN = "postamt.example"
HOST = "mail." + DOMAIN
NAMES = {HOST, "autoconfig." + DOMAIN, "autodiscover." + DOMAIN, "mta-sts." + DOMAIN}


class Pebble:
    def __init__(self, tmp: pathlib.Path, dns_port: int, tls_port: int, http_port: int):
        self.dir = tmp / "pebble"
        self.dir.mkdir()
        self.cert = self.dir / "cert.pem"
        self.key = self.dir / "key.pem"
        # Pebble's package ships no test certificates: make one for its own
        # HTTPS listeners (the ACME API and the management API).
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-keyout", str(self.key), "-out", str(self.cert), "-days", "2",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       check=True, capture_output=True)
        self.port = free_port()
        self.mgmt_port = free_port()
        cfg = {"pebble": {"listenAddress": f"127.0.0.1:{self.port}",
                          "managementListenAddress": f"127.0.0.1:{self.mgmt_port}",
                          "certificate": str(self.cert), "privateKey": str(self.key),
                          "httpPort": http_port, "tlsPort": tls_port,
                          "ocspResponderURL": "", "externalAccountBindingRequired": False}}
        self.config = self.dir / "pebble.json"
        self.config.write_text(json.dumps(cfg))
        self.log = self.dir / "pebble.log"
        self.dns_port = dns_port
        self.proc = None

    @property
    def directory(self) -> str:
        return f"https://127.0.0.1:{self.port}/dir"

    def start(self):
        env = dict(os.environ, PEBBLE_VA_NOSLEEP="1")
        self.logf = open(self.log, "wb")
        self.proc = subprocess.Popen([PEBBLE, "-config", str(self.config), "-dnsserver",
                                      f"127.0.0.1:{self.dns_port}"], stdout=self.logf,
                                     stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 20
        while time.time() < deadline:
            assert self.proc.poll() is None, "pebble exited:\n" + self.log.read_text(errors="replace")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1), \
                        socket.create_connection(("127.0.0.1", self.mgmt_port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError("pebble did not start:\n" + self.log.read_text(errors="replace"))

    def root_pem(self) -> str:
        ctx = ssl.create_default_context(cafile=str(self.cert))
        with urllib.request.urlopen(f"https://127.0.0.1:{self.mgmt_port}/roots/0", context=ctx) as r:
            return r.read().decode()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.logf.close()


def acme_config(directory: str, ca_file: pathlib.Path, challenge: str, http_port: int = 0,
                https_port: int = 0) -> str:
    listeners = ""
    if http_port:
        listeners += f"""
[[listener]]
name = "acme-http"
protocol = "http"
address = ["127.0.0.1"]
port = {http_port}
services = ["acme", "autoconfig"]
"""
    if https_port:
        listeners += f"""
[[listener]]
name = "acme-https"
protocol = "http"
tls = "implicit"
address = ["127.0.0.1"]
port = {https_port}
services = ["acme", "autoconfig", "metrics"]
"""
    return listeners + f"""
[acme]
enabled = true
directory_url = "{directory}"
ca_file = "{ca_file}"
email = "postmaster@{DOMAIN}"
challenge = "{challenge}"
"""


@pytest.fixture
def dns(tmp_path):
    d = Dnsmasq(tmp_path, f"--address=/{DOMAIN}/127.0.0.1", local=("example",)).start()
    yield d
    d.stop()


def wait_for_log(srv: PostamtServer, text: str, count: int = 1, timeout: float = 90) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        log = srv.read_log()
        if log.count(text) >= count:
            return log
        assert srv.proc.poll() is None, "server exited:\n" + log
        time.sleep(0.2)
    raise AssertionError(f"no '{text}' (x{count}) in the log within {timeout}s:\n{srv.read_log()[-6000:]}")


def peer_cert(port: int, root: pathlib.Path, server_name: str = HOST):
    """Handshake verifying against pebble's root; returns (decoded cert, socket)."""
    ctx = ssl.create_default_context(cafile=str(root))
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    s = ctx.wrap_socket(raw, server_hostname=server_name)
    return s.getpeercert(), s


def sans(cert) -> set:
    return {v for k, v in cert.get("subjectAltName", ()) if k == "DNS"}


def https_get(port: int, root: pathlib.Path, path: str, server_name: str = HOST):
    """(peer certificate, status line) of a GET over HTTPS verified against pebble's root."""
    cert, s = peer_cert(port, root, server_name)
    with s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {server_name}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(4096):
            data += chunk
    return cert, data.split(b"\r\n", 1)[0]


def new_server(postamt_bin, tmp_path, extra: str, imaps_port: int | None = None) -> PostamtServer:
    root = tmp_path / "srv"
    root.mkdir(exist_ok=True)
    srv = PostamtServer(postamt_bin, root, extra_config=extra, hostname=HOST, default_domain=DOMAIN)
    if imaps_port:
        srv.ports["imaps"] = imaps_port
        srv.write_config()
    srv.cli("domain", "add", DOMAIN)
    return srv


def test_tls_alpn_obtain_serve_and_forced_renewal(postamt_bin, tmp_path, dns):
    imaps = free_port()
    https = free_port()
    pebble = Pebble(tmp_path, dns.port, tls_port=imaps, http_port=free_port()).start()
    srv = None
    try:
        srv = new_server(postamt_bin, tmp_path,
                         acme_config(pebble.directory, pebble.cert, "tls-alpn-01", https_port=https), imaps)
        srv.start()
        wait_for_log(srv, "event=acme_certificate_stored")
        wait_for_log(srv, "event=tls_reloaded", count=2)
        root = tmp_path / "pebble-root.pem"
        root.write_text(pebble.root_pem())

        # Served on IMAPS and SMTPS (465), verified against pebble's root.
        cert, old_conn = peer_cert(srv.ports["imaps"], root)
        assert sans(cert) == NAMES
        serial1 = cert["serialNumber"]
        assert old_conn.recv(200).startswith(b"* OK")
        c2, s2 = peer_cert(srv.ports["submissions"], root, "autoconfig." + DOMAIN)
        assert c2["serialNumber"] == serial1
        assert s2.recv(200).startswith(b"220")
        s2.close()
        c3, status = https_get(https, root, "/healthz", "mta-sts." + DOMAIN)
        assert c3["serialNumber"] == serial1 and status.startswith(b"HTTP/1.1 "), status
        # A client without SNI gets it too: it replaced the self-signed default.
        ctx = ssl.create_default_context(cafile=str(root))
        ctx.check_hostname = False
        with ctx.wrap_socket(socket.create_connection(("127.0.0.1", srv.ports["imaps"]), timeout=10)) as s:
            assert s.getpeercert()["serialNumber"] == serial1

        # ALPN offers without a pending challenge change nothing: the normal
        # certificate, no protocol selected (also for acme-tls/1 itself).
        for protos in (["acme-tls/1"], ["h2", "http/1.1"]):
            ctx = ssl.create_default_context(cafile=str(root))
            ctx.set_alpn_protocols(protos)
            with ctx.wrap_socket(socket.create_connection(("127.0.0.1", srv.ports["imaps"]), timeout=10),
                                 server_hostname=HOST) as s:
                assert s.getpeercert()["serialNumber"] == serial1
                assert s.selected_alpn_protocol() is None

        status = srv.cli("acme", "status").stdout.decode()
        assert HOST in status and serial1.lstrip("0").upper() in status.upper(), status

        # Forced renewal while old_conn stays open.
        res = srv.cli("acme", "renew", "--force", "--wait", "120")
        assert b"renewed" in res.stdout, res.stdout
        cert3, s3 = peer_cert(srv.ports["imaps"], root)
        assert cert3["serialNumber"] != serial1
        assert sans(cert3) == NAMES
        s3.close()
        old_conn.sendall(b"a1 NOOP\r\n")
        assert b"a1 OK" in old_conn.recv(200)
        assert old_conn.getpeercert()["serialNumber"] == serial1
        old_conn.close()

        # Files: the key material is private.
        pem = srv.data / "acme" / "certs" / HOST / "certificate.pem"
        assert oct(pem.stat().st_mode & 0o777) == "0o600"
        assert oct((srv.data / "acme" / "account.key").stat().st_mode & 0o777) == "0o600"

        # Nothing due: a plain renew orders nothing.
        res = srv.cli("acme", "renew", "--wait", "60")
        assert b"not-due" in res.stdout, res.stdout
        # A new local domain is not covered: renew adds its names.
        srv.cli("domain", "add", "sub." + DOMAIN)
        res = srv.cli("acme", "renew", "--wait", "120")
        assert b"renewed" in res.stdout, res.stdout
        cert4, s4 = peer_cert(srv.ports["imaps"], root, "autoconfig.sub." + DOMAIN)
        s4.close()
        assert sans(cert4) == NAMES | {p + "sub." + DOMAIN for p in ("autoconfig.", "autodiscover.", "mta-sts.")}

        # A restart loads the stored certificate without a new order.
        srv.stop()
        srv.start()
        cert5, s5 = peer_cert(srv.ports["imaps"], root)
        assert cert5["serialNumber"] == cert4["serialNumber"]
        s5.close()
        assert srv.read_log().count("event=acme_order_start") == 3
    finally:
        if srv:
            srv.stop()
        pebble.stop()


def test_unreachable_ca_keeps_self_signed(postamt_bin, tmp_path, dns):
    dead = free_port()  # nothing listens here
    pebble_like = Pebble(tmp_path, dns.port, tls_port=free_port(), http_port=free_port())  # only for its cert
    srv = new_server(postamt_bin, tmp_path,
                     acme_config(f"https://127.0.0.1:{dead}/dir", pebble_like.cert, "tls-alpn-01"))
    try:
        srv.start()
        log = wait_for_log(srv, "event=acme_failed")
        assert f"127.0.0.1:{dead}" in log.split("event=acme_failed", 1)[1].splitlines()[0]
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with ctx.wrap_socket(socket.create_connection(("127.0.0.1", srv.ports["imaps"]), timeout=10),
                             server_hostname=HOST) as s:
            assert s.recv(200).startswith(b"* OK")
        assert srv.proc.poll() is None
        res = srv.cli("acme", "renew", "--force", "--wait", "60", check=False)
        assert res.returncode == 1 and b"failed" in res.stdout, res
        assert not (srv.data / "acme" / "certs" / HOST / "certificate.pem").exists()
    finally:
        srv.stop()


def test_http01_obtain_and_serve_https(postamt_bin, tmp_path, dns):
    http = free_port()
    https = free_port()
    pebble = Pebble(tmp_path, dns.port, tls_port=free_port(), http_port=http).start()
    srv = None
    try:
        srv = new_server(postamt_bin, tmp_path,
                         acme_config(pebble.directory, pebble.cert, "http-01", http_port=http, https_port=https))
        srv.start()
        wait_for_log(srv, "event=acme_certificate_stored")
        wait_for_log(srv, "event=tls_reloaded", count=2)
        root = tmp_path / "pebble-root.pem"
        root.write_text(pebble.root_pem())
        cert, status = https_get(https, root, "/healthz", "autodiscover." + DOMAIN)
        assert sans(cert) == NAMES
        assert status.startswith(b"HTTP/1.1 "), status
        c2, s2 = peer_cert(srv.ports["imaps"], root)
        assert c2["serialNumber"] == cert["serialNumber"]
        s2.close()
        # No TLS-ALPN challenge was answered; the HTTP-01 ones were, and
        # an unknown token is a plain 404.
        log = srv.read_log()
        assert "event=acme_tls_alpn_challenge" not in log
        assert log.count("event=acme_challenge ") >= 1 and "type=http-01" in log
        with socket.create_connection(("127.0.0.1", http), timeout=10) as s:
            s.sendall(f"GET /.well-known/acme-challenge/nope HTTP/1.1\r\nHost: {HOST}\r\n"
                      "Connection: close\r\n\r\n".encode())
            assert s.recv(100).startswith(b"HTTP/1.1 404")
    finally:
        if srv:
            srv.stop()
        pebble.stop()


def test_ca_refuses_keeps_serving(postamt_bin, tmp_path, dns):
    """Pebble validates against a port where nothing answers the challenge:
    the order fails, the log says why, the server keeps its self-signed cert."""
    pebble = Pebble(tmp_path, dns.port, tls_port=free_port(), http_port=free_port()).start()
    srv = None
    try:
        srv = new_server(postamt_bin, tmp_path, acme_config(pebble.directory, pebble.cert, "tls-alpn-01"))
        srv.start()
        log = wait_for_log(srv, "event=acme_failed", timeout=120)
        line = log.split("event=acme_failed", 1)[1].splitlines()[0]
        assert "validation of" in line and DOMAIN in line, line
        ctx = ssl.create_default_context(cafile=str(pebble.cert))
        ctx.check_hostname = False
        with pytest.raises(ssl.SSLCertVerificationError):
            ctx.wrap_socket(socket.create_connection(("127.0.0.1", srv.ports["imaps"]), timeout=10),
                            server_hostname=HOST)
        ctx.verify_mode = ssl.CERT_NONE
        with ctx.wrap_socket(socket.create_connection(("127.0.0.1", srv.ports["imaps"]), timeout=10),
                             server_hostname=HOST) as s:
            assert s.recv(200).startswith(b"* OK")
        assert srv.proc.poll() is None
        assert "event=acme_certificate_stored" not in srv.read_log()
    finally:
        if srv:
            srv.stop()
        pebble.stop()
