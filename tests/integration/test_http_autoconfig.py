"""The HTTP server and client autoconfiguration against a real `postamt serve`:
Thunderbird autoconfig, Outlook autodiscover (POX and JSON v2), the Apple
profile (parsed with plistlib), the /setup page, and the HTTP limits, over
http.client, raw sockets and curl."""
import http.client
import plistlib
import re
import socket
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest


def get(server, path, method="GET", body=None, headers=None, host=None):
    c = http.client.HTTPConnection("127.0.0.1", server.ports["http"], timeout=10)
    h = dict(headers or {})
    if host:
        h["Host"] = host
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r, data


def raw(server, data: bytes, read_until_close=True) -> bytes:
    with socket.create_connection(("127.0.0.1", server.ports["http"]), timeout=10) as s:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
            if not read_until_close and b"\r\n\r\n" in out:
                break
        return out


def servers(root, tag):
    return [(e.get("type"), e.findtext("hostname"), int(e.findtext("port")), e.findtext("socketType"),
             e.findtext("username")) for e in root.iter(tag)]


def test_thunderbird_autoconfig(server):
    for path, host in (("/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=bob%40example.org", None),
                       ("/mail/config-v1.1.xml?emailaddress=bob@example.org", None),
                       ("/.well-known/autoconfig/mail/config-v1.1.xml", "autoconfig.example.org")):
        r, body = get(server, path, host=host)
        assert r.status == 200, body
        assert r.getheader("Content-Type").startswith("application/xml")
        root = ET.fromstring(body)
        assert root.tag == "clientConfig" and root.get("version") == "1.1"
        provider = root.find("emailProvider")
        assert provider.get("id") == "example.org"
        assert provider.findtext("domain") == "example.org"
        incoming = servers(provider, "incomingServer")
        outgoing = servers(provider, "outgoingServer")
        # Implicit TLS first (RFC 8314), IMAP before POP3.
        assert incoming == [("imap", "mail.example.org", 993, "SSL", "%EMAILADDRESS%"),
                            ("imap", "mail.example.org", 143, "STARTTLS", "%EMAILADDRESS%"),
                            ("pop3", "mail.example.org", 995, "SSL", "%EMAILADDRESS%"),
                            ("pop3", "mail.example.org", 110, "STARTTLS", "%EMAILADDRESS%")]
        assert outgoing == [("smtp", "mail.example.org", 465, "SSL", "%EMAILADDRESS%"),
                            ("smtp", "mail.example.org", 587, "STARTTLS", "%EMAILADDRESS%")]


def test_unknown_user_gets_generic_settings_foreign_domain_404(server):
    _, known = get(server, "/mail/config-v1.1.xml?emailaddress=bob@example.org")
    _, unknown = get(server, "/mail/config-v1.1.xml?emailaddress=nobody@example.org")
    assert known == unknown  # whether a user exists is not revealed
    r, _ = get(server, "/mail/config-v1.1.xml?emailaddress=bob@example.com")
    assert r.status == 404
    r, _ = get(server, "/mail/config-v1.1.xml?emailaddress=not-an-address")
    assert r.status == 400
    r, _ = get(server, "/.well-known/autoconfig/mail/config-v1.1.xml", host="autoconfig.example.com")
    assert r.status == 404


POX = """<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request>
    <EMailAddress>{}</EMailAddress>
    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
  </Request>
</Autodiscover>"""

NS = {"r": "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"}


def test_autodiscover_pox(server):
    for path in ("/autodiscover/autodiscover.xml", "/Autodiscover/Autodiscover.xml"):
        r, body = get(server, path, "POST", POX.format("carol@example.org").encode(),
                      {"Content-Type": "text/xml"}, host="autodiscover.example.org")
        assert r.status == 200, body
        root = ET.fromstring(body)
        assert root.tag == "{http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006}Autodiscover"
        account = root.find("r:Response/r:Account", NS)
        assert account.findtext("r:AccountType", namespaces=NS) == "email"
        assert account.findtext("r:Action", namespaces=NS) == "settings"
        protos = {p.findtext("r:Type", namespaces=NS): p for p in account.findall("r:Protocol", NS)}
        assert set(protos) == {"IMAP", "POP3", "SMTP"}
        imap, smtp = protos["IMAP"], protos["SMTP"]
        assert imap.findtext("r:Server", namespaces=NS) == "mail.example.org"
        assert imap.findtext("r:Port", namespaces=NS) == "993"
        assert imap.findtext("r:SSL", namespaces=NS) == "on"
        assert imap.findtext("r:LoginName", namespaces=NS) == "carol@example.org"
        assert smtp.findtext("r:Port", namespaces=NS) == "465"
        assert smtp.findtext("r:SSL", namespaces=NS) == "on"
    r, _ = get(server, "/autodiscover/autodiscover.xml", "POST", b"<Autodiscover><Request>", {})
    assert r.status == 400
    r, _ = get(server, "/autodiscover/autodiscover.xml", "POST",
               b'<!DOCTYPE a [<!ENTITY e "x">]><a><EMailAddress>&e;@example.org</EMailAddress></a>', {})
    assert r.status == 400
    r, _ = get(server, "/autodiscover/autodiscover.xml", "POST", POX.format("x@example.com").encode(), {})
    assert r.status == 404
    r, _ = get(server, "/autodiscover/autodiscover.xml")  # GET is not how it is asked
    assert r.status == 405
    assert "POST" in r.getheader("Allow")


def test_autodiscover_json_v2(server):
    import json
    r, body = get(server, "/autodiscover/autodiscover.json/v1.0/bob@example.org?Protocol=AutodiscoverV1",
                  host="autodiscover.example.org")
    assert r.status == 200, body
    assert r.getheader("Content-Type") == "application/json"
    assert json.loads(body) == {"Protocol": "AutodiscoverV1",
                                "Url": "https://autodiscover.example.org/autodiscover/autodiscover.xml"}
    r, body = get(server, "/autodiscover/autodiscover.json?Email=bob%40example.org&Protocol=AutodiscoverV1")
    assert r.status == 200 and json.loads(body)["Protocol"] == "AutodiscoverV1"
    r, body = get(server, "/autodiscover/autodiscover.json/v1.0/bob@example.org?Protocol=ActiveSync")
    assert r.status == 400 and json.loads(body)["ErrorCode"] == "InvalidProtocol"
    r, _ = get(server, "/autodiscover/autodiscover.json/v1.0/bob@example.com?Protocol=AutodiscoverV1")
    assert r.status == 404


def test_mobileconfig(server):
    r, body = get(server, "/setup/mobileconfig?emailaddress=bob%40example.org")
    assert r.status == 200
    assert r.getheader("Content-Type") == "application/x-apple-aspen-config"
    assert "bob@example.org.mobileconfig" in r.getheader("Content-Disposition")
    p = plistlib.loads(body)
    assert p["PayloadType"] == "Configuration"
    assert p["PayloadVersion"] == 1
    (mail,) = p["PayloadContent"]
    assert mail["PayloadType"] == "com.apple.mail.managed"
    assert mail["EmailAccountType"] == "EmailTypeIMAP"
    assert mail["EmailAddress"] == "bob@example.org"
    assert mail["IncomingMailServerHostName"] == "mail.example.org"
    assert mail["IncomingMailServerPortNumber"] == 993
    assert mail["IncomingMailServerUseSSL"] is True
    assert mail["IncomingMailServerUsername"] == "bob@example.org"
    assert mail["OutgoingMailServerPortNumber"] == 465
    assert mail["OutgoingMailServerUseSSL"] is True
    assert not any("Password" in k and isinstance(v, str) for k, v in mail.items())
    # Stable per address: downloading again replaces the profile on the device.
    _, again = get(server, "/setup/mobileconfig?emailaddress=bob%40example.org")
    assert plistlib.loads(again)["PayloadUUID"] == p["PayloadUUID"]
    _, other = get(server, "/setup/mobileconfig?emailaddress=carol%40example.org")
    assert plistlib.loads(other)["PayloadUUID"] != p["PayloadUUID"]
    r, _ = get(server, "/setup/mobileconfig?emailaddress=bob%40example.com")
    assert r.status == 404


def test_setup_page(server):
    r, body = get(server, "/setup")
    assert r.status == 200
    page = body.decode()
    assert '<form method="get" action="/setup">' in page
    assert 'name="viewport"' in page
    assert "<script" not in page and "src=" not in page  # nothing loaded from elsewhere
    r, body = get(server, "/setup?emailaddress=bob%40example.org")
    page = body.decode()
    assert r.status == 200
    rows = re.findall(r'<tr class="(\w+)"><td>([^<]*)</td>(.*?)</tr>', page)
    cells = [(cls, what, re.findall(r'<td class="(\w+)"[^>]*>([^<]*)</td>', rest)) for cls, what, rest in rows]
    host = [("server", "mail.example.org")]
    user = [("user", "bob@example.org")]
    assert cells == [
        ("imap", "Incoming mail (IMAP)", host + [("port", "993"), ("security", "SSL/TLS")] + user),
        ("imap", "Incoming mail (IMAP)", host + [("port", "143"), ("security", "STARTTLS")] + user),
        ("pop3", "Incoming mail (POP3)", host + [("port", "995"), ("security", "SSL/TLS")] + user),
        ("pop3", "Incoming mail (POP3)", host + [("port", "110"), ("security", "STARTTLS")] + user),
        ("smtp", "Outgoing mail (SMTP)", host + [("port", "465"), ("security", "SSL/TLS")] + user),
        ("smtp", "Outgoing mail (SMTP)", host + [("port", "587"), ("security", "STARTTLS")] + user),
    ]
    assert 'href="/setup/mobileconfig?emailaddress=bob%40example.org"' in page
    r, body = get(server, "/setup?emailaddress=bob%40example.com")
    assert r.status == 404 and "does not handle mail for that domain" in body.decode()


def test_limits_and_protocol(server):
    # Oversized header -> 431, body -> 413, malformed -> 400, each closing.
    r, _ = get(server, "/setup", headers={"X-Big": "a" * 20000})
    assert r.status == 431
    r, _ = get(server, "/autodiscover/autodiscover.xml", "POST", b"x" * (1024 * 1024 + 1), {})
    assert r.status == 413
    out = raw(server, b"GARBAGE\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 400 ") and b"Connection: close" in out
    out = raw(server, b"GET / HTTP/1.1\r\n\r\n")  # no Host
    assert out.startswith(b"HTTP/1.1 400 ")
    out = raw(server, b"GET / HTTP/3.0\r\nHost: x\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 505 ")
    r, _ = get(server, "/no/such/path")
    assert r.status == 404
    r, _ = get(server, "/setup", "DELETE")
    assert r.status == 405 and r.getheader("Allow") == "GET, HEAD"

    # HEAD: headers as for GET (same length), no body.
    c = http.client.HTTPConnection("127.0.0.1", server.ports["http"], timeout=10)
    c.request("GET", "/setup")
    g = c.getresponse()
    gbody = g.read()
    c.request("HEAD", "/setup")  # same connection: keep-alive
    h = c.getresponse()
    assert h.read() == b""
    assert h.status == 200 and int(h.getheader("Content-Length")) == len(gbody)
    assert h.getheader("Server") == "Postamt" and h.getheader("Date").endswith(" GMT")
    c.close()

    # Pipelined requests on one connection, the last asking to close.
    out = raw(server, b"GET /setup HTTP/1.1\r\nHost: a\r\n\r\n"
                      b"GET /nothing HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert out.count(b"HTTP/1.1 200 OK") == 1 and out.count(b"HTTP/1.1 404 Not Found") == 1
    assert out.index(b"200 OK") < out.index(b"404 Not Found")


def test_slow_request_gets_408(server, tmp_path):
    # An unfinished request is cut off after the request timeout (30 s by
    # default) or the idle timeout: here the header never ends.
    with socket.create_connection(("127.0.0.1", server.ports["http"]), timeout=90) as s:
        s.sendall(b"GET /setup HTTP/1.1\r\nHost: a\r\n")
        t0 = time.time()
        out = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            out += chunk
        assert out.startswith(b"HTTP/1.1 408 ")
        assert time.time() - t0 < 65


def test_curl(server):
    base = f"http://127.0.0.1:{server.ports['http']}"
    res = subprocess.run(["curl", "-sS", "--fail", "-H", "Host: autoconfig.example.org",
                          f"{base}/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=bob%40example.org"],
                         capture_output=True, timeout=30)
    assert res.returncode == 0, res.stderr
    assert ET.fromstring(res.stdout).find("emailProvider").get("id") == "example.org"
    # Keep-alive: two URLs, one connection.
    res = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{http_code} %{num_connects}\n",
                          f"{base}/setup", f"{base}/setup?emailaddress=bob%40example.org"],
                         capture_output=True, timeout=30, text=True)
    assert res.stdout.split("\n")[:2] == ["200 1", "200 0"], res.stdout
    # POX through curl (curl sends Expect: 100-continue for big bodies; force it).
    res = subprocess.run(["curl", "-sS", "-H", "Content-Type: text/xml", "-H", "Expect: 100-continue",
                          "--data-binary", POX.format("bob@example.org"), f"{base}/autodiscover/autodiscover.xml"],
                         capture_output=True, timeout=30)
    assert res.returncode == 0 and b"<Port>993</Port>" in res.stdout
    res = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--data-binary", "@-",
                          f"{base}/autodiscover/autodiscover.xml"], input=b"y" * (2 << 20),
                         capture_output=True, timeout=30)
    assert res.stdout == b"413"


def test_public_listener_hides_admin_and_metrics(postamt_bin, tmp_path):
    """A listener on a non-loopback address offers only autoconfig, acme and
    mta-sts by default; `services` lists what it offers explicitly."""
    from postamt_server import PostamtServer, free_port
    pub, only_metrics = free_port(), free_port()
    extra = f"""
[[listener]]
name = "web"
protocol = "http"
address = ["0.0.0.0"]
port = {pub}

[[listener]]
name = "metrics-only"
protocol = "http"
address = ["127.0.0.1"]
port = {only_metrics}
services = ["metrics"]
"""
    srv = PostamtServer(postamt_bin, tmp_path)
    srv.config.write_text(srv.config.read_text() + extra)
    srv.cli("domain", "add", "example.org")
    srv.start()
    try:
        def status(port, path):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            c.close()
            return r.status
        assert status(pub, "/setup") == 200
        assert status(only_metrics, "/setup") == 404
        assert status(srv.ports["http"], "/setup") == 200  # loopback-only: everything
    finally:
        srv.stop()
