"""The outbound SMTP client (src/smtp/smtp_client.h) through tests/tools/smtp_deliver:
a real dnsmasq on loopback serves the MX/A records, a real `postamt serve`
is the receiving MX, and small scripted SMTP servers (threads in this file)
play the misbehaving far sides."""
import imaplib
import json
import pathlib
import socket
import ssl
import subprocess
import threading
import time

import pytest

from dns_server import Dnsmasq
from postamt_server import PostamtServer, free_port


MESSAGE = (b"From: Alice <alice@example.net>\r\nTo: bob@example.org\r\nSubject: outbound\r\n"
           b"Message-ID: <out-1@example.net>\r\n\r\nHello Bob,\r\n.leading dot\r\n..two dots\r\n"
           b".\r\nbye\r\n")


# ---- helpers ------------------------------------------------------------------

@pytest.fixture
def dns_factory(tmp_path):
    started = []

    def make(*records):
        d = Dnsmasq(tmp_path, *records).start()
        started.append(d)
        return d
    yield make
    for d in started:
        d.stop()


@pytest.fixture(scope="module")
def deliver_bin():
    import os
    root = pathlib.Path(__file__).resolve().parents[2]
    d = pathlib.Path(os.environ.get("POSTAMT_BUILD_DIR", root / "build" / "release"))
    b = d / "smtp_deliver"
    assert b.exists(), f"build first: {b} missing"
    return b


def deliver(deliver_bin, tmp_path, *, dns, port, domain, to, sender="alice@example.net",
            message=MESSAGE, extra=(), timeout=60):
    msg = tmp_path / f"msg-{time.monotonic_ns()}.eml"
    msg.write_bytes(message)
    args = [str(deliver_bin), "--dns", dns.address if hasattr(dns, "address") else dns,
            "--port", str(port), "--domain", domain, "--from", sender, "--file", str(msg),
            "--dns-timeout", "2000", "--seed", "1"]
    for r in ([to] if isinstance(to, str) else to):
        args += ["--to", r]
    args += list(extra)
    # e.g. POSTAMT_TOOL_WRAPPER="valgrind -q --error-exitcode=99" for a memory check
    import os
    import shlex
    args = shlex.split(os.environ.get("POSTAMT_TOOL_WRAPPER", "")) + args
    started = time.monotonic()
    res = subprocess.run(args, capture_output=True, timeout=timeout)
    elapsed = time.monotonic() - started
    assert res.returncode == 0, res.stderr.decode(errors="replace")
    lines = [json.loads(l) for l in res.stdout.decode().splitlines() if l.strip()]
    stats = lines[-1]["stats"]
    print(json.dumps(lines, indent=1, ensure_ascii=False))  # shown when a test fails
    return lines[:-1], stats, elapsed


def stored_without_trace(raw: bytes) -> bytes:
    assert raw.startswith(b"Return-Path: <"), raw[:200]
    lines = raw.split(b"\r\n")
    i = 1
    assert lines[i].startswith(b"Received: "), raw[:300]
    i += 1
    while lines[i].startswith((b" ", b"\t")):
        i += 1
    return b"\r\n".join(lines[i:])


def imap_messages(server, user="bob@example.org", password="secret-pw"):
    m = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
    m.login(user, password)
    m.select("INBOX")
    typ, data = m.search(None, "ALL")
    out = []
    for num in data[0].split():
        typ, d = m.fetch(num, "(BODY.PEEK[])")
        out.append(d[0][1])
    m.logout()
    return out


@pytest.fixture
def mx_server(postamt_bin, tmp_path):
    (tmp_path / "mx").mkdir()
    srv = PostamtServer(postamt_bin, tmp_path / "mx")
    srv.cli("domain", "add", "example.org")
    srv.add_user("bob@example.org")
    srv.add_user("carol@example.org")
    srv.start()
    yield srv
    srv.stop()


# ---- scripted far sides -----------------------------------------------------------

class FakeSmtp:
    """A small SMTP server on 127.0.0.x that follows a script and records
    what the client sent. `mode` picks the misbehaviour."""

    def __init__(self, host="127.0.0.1", port=0, mode="normal", ehlo=("PIPELINING", "8BITMIME", "SMTPUTF8",
                 "SIZE 1000000", "ENHANCEDSTATUSCODES"), tls_ctx=None, auth=None):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(16)
        self.host, self.port = self.sock.getsockname()
        self.mode = mode
        self.ehlo = list(ehlo)
        self.tls_ctx = tls_ctx
        self.auth = auth  # (user, password) expected
        self.commands = []       # lines received (outside DATA)
        self.messages = []       # data received, dot-unstuffed
        self.batches = []        # commands that arrived together in one read
        self.tls_used = []
        self.connections = 0
        self.stop_flag = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        self.sock.settimeout(0.2)
        while not self.stop_flag:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self.session, args=(conn,), daemon=True).start()

    def close(self):
        self.stop_flag = True
        self.thread.join(5)
        self.sock.close()

    def session(self, conn):
        try:
            self._session(conn)
        except (OSError, ssl.SSLError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def _session(self, conn):
        conn.settimeout(30)
        buf = b""
        tls = False

        def send(b):
            conn.sendall(b)

        def read_line():
            nonlocal buf
            while b"\n" not in buf:
                chunk = conn.recv(65536)
                if not chunk:
                    raise OSError("closed")
                buf += chunk
            line, buf = buf.split(b"\n", 1)
            return line.rstrip(b"\r").decode("utf-8", "replace")

        if self.mode == "garbage":
            send(b"HELLO, this is not SMTP\r\n")
            time.sleep(0.5)
            return
        if self.mode == "silent":
            time.sleep(20)
            return
        if self.mode == "greet421":
            send(b"421 4.3.2 mx busy, try later\r\n")
            return
        if self.mode == "greet554":
            send(b"554 5.7.1 go away\r\n")
            return
        send(b"220 fake.example ESMTP\r\n")
        if self.mode == "stall":
            time.sleep(20)
            return
        while True:
            line = read_line()
            self.commands.append(line)
            if buf:
                self.batches.append((line, buf.count(b"\n")))
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                if self.mode == "no_ehlo":
                    send(b"500 5.5.1 what is EHLO\r\n")
                    continue
                exts = list(self.ehlo)
                if self.tls_ctx and not tls:
                    exts.append("STARTTLS")
                if self.auth:
                    exts.append("AUTH PLAIN LOGIN")
                lines = ["fake.example"] + exts
                out = "".join(f"250-{l}\r\n" for l in lines[:-1]) + f"250 {lines[-1]}\r\n"
                send(out.encode())
            elif verb == "HELO":
                send(b"250 fake.example\r\n")
            elif verb == "STARTTLS":
                send(b"220 2.0.0 go ahead\r\n")
                if self.mode == "bad_tls":
                    send(b"this is no TLS server hello\r\n")
                    return
                buf = b""
                conn = self.tls_ctx.wrap_socket(conn, server_side=True)
                tls = True
                self.tls_used.append(conn.version())
            elif verb == "AUTH":
                parts = line.split(" ")
                import base64
                if parts[1].upper() == "PLAIN":
                    creds = base64.b64decode(parts[2]).split(b"\0")
                    ok = (creds[1].decode(), creds[2].decode()) == self.auth
                    send(b"235 2.7.0 ok\r\n" if ok else b"535 5.7.8 bad credentials\r\n")
                else:
                    send(b"504 5.5.4 unsupported\r\n")
            elif verb == "MAIL":
                if self.auth and not any(c.startswith("AUTH") for c in self.commands):
                    send(b"530 5.7.0 authentication required\r\n")
                else:
                    send(b"250 2.1.0 ok\r\n")
            elif verb == "RCPT":
                if "nobody@" in line:
                    send(b"550 5.1.1 no such user\r\n")
                elif "later@" in line:
                    send(b"451 4.2.0 greylisted\r\n")
                else:
                    send(b"250 2.1.5 ok\r\n")
            elif verb == "DATA":
                send(b"354 go ahead\r\n")
                data = []
                while True:
                    l = read_line()
                    if l == ".":
                        break
                    data.append(l[1:] if l.startswith(".") else l)
                self.messages.append("\r\n".join(data) + "\r\n")
                if self.mode == "close_after_dot":
                    return
                if self.mode == "stall_after_dot":
                    time.sleep(20)
                    return
                send(b"250 2.0.0 queued as FAKE1\r\n")
            elif verb == "RSET":
                send(b"250 2.0.0 ok\r\n")
            elif verb == "QUIT":
                send(b"221 2.0.0 bye\r\n")
                return
            else:
                send(b"502 5.5.2 unknown\r\n")


@pytest.fixture
def fakes():
    made = []

    def make(**kw):
        f = FakeSmtp(**kw)
        made.append(f)
        return f
    yield make
    for f in made:
        f.close()


@pytest.fixture(scope="module")
def tls_ctx(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(d / "k.pem"),
                    "-out", str(d / "c.pem"), "-days", "2", "-subj", "/CN=fake.example"],
                   check=True, capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(d / "c.pem", d / "k.pem")
    return ctx


# ---- against a real Postamt MX ------------------------------------------------------

def test_delivery_to_mx_arrives_byte_equal_over_starttls(deliver_bin, tmp_path, dns_factory, mx_server):
    dns = dns_factory("--mx-host=example.org,mx1.example.org,10", "--host-record=mx1.example.org,127.0.0.1")
    out, stats, _ = deliver(deliver_bin, tmp_path, dns=dns, port=mx_server.ports["smtp"],
                            domain="example.org", to="bob@example.org")
    assert len(out) == 1
    assert out[0]["kind"] == "delivered", out
    assert out[0]["code"] == 250 and out[0]["status"].startswith("2.")
    assert out[0]["remote_mta"] == "mx1.example.org"
    assert out[0]["remote_address"] == "127.0.0.1"
    msgs = imap_messages(mx_server)
    assert len(msgs) == 1
    assert stored_without_trace(msgs[0]) == MESSAGE
    assert b"with ESMTPS id" in msgs[0], msgs[0][:400]  # STARTTLS was used
    assert b"from client.example.net" in msgs[0]


def test_several_recipients_one_transaction_unknown_user_fails_alone(deliver_bin, tmp_path, dns_factory,
                                                                      mx_server):
    dns = dns_factory("--mx-host=example.org,mx1.example.org,10", "--host-record=mx1.example.org,127.0.0.1")
    out, stats, _ = deliver(deliver_bin, tmp_path, dns=dns, port=mx_server.ports["smtp"], domain="example.org",
                            to=["bob@example.org", "nobody@example.org", "carol@example.org"])
    kinds = [o["kind"] for o in out]
    assert kinds == ["delivered", "permanent", "delivered"], out
    assert out[1]["code"] == 550 and out[1]["status"] == "5.1.1"
    assert "RCPT TO" in out[1]["text"]
    assert stats["transactions"] == 1 and stats["opened"] == 1
    assert len(imap_messages(mx_server, "bob@example.org")) == 1
    assert len(imap_messages(mx_server, "carol@example.org")) == 1


def test_mx_preference_fallback_when_first_mx_is_closed(deliver_bin, tmp_path, dns_factory, mx_server):
    # The preferred MX is 127.0.0.2, where nothing listens on the port.
    dns = dns_factory("--mx-host=example.org,dead.example.org,5", "--mx-host=example.org,mx1.example.org,20",
                      "--host-record=dead.example.org,127.0.0.2", "--host-record=mx1.example.org,127.0.0.1")
    out, stats, _ = deliver(deliver_bin, tmp_path, dns=dns, port=mx_server.ports["smtp"],
                            domain="example.org", to="bob@example.org")
    assert out[0]["kind"] == "delivered", out
    assert out[0]["remote_mta"] == "mx1.example.org"
    assert "dead.example.org" in dns.log.read_text()
    assert len(imap_messages(mx_server)) == 1


def test_no_mx_falls_back_to_the_address_record(deliver_bin, tmp_path, dns_factory, mx_server):
    dns = dns_factory("--host-record=amx.example,127.0.0.1")
    out, _, _ = deliver(deliver_bin, tmp_path, dns=dns, port=mx_server.ports["smtp"], domain="amx.example",
                        to="bob@example.org")
    assert out[0]["kind"] == "delivered", out
    assert out[0]["remote_mta"] == "amx.example"
    assert len(imap_messages(mx_server)) == 1


def test_connection_is_reused_for_the_next_message(deliver_bin, tmp_path, dns_factory, mx_server):
    dns = dns_factory("--mx-host=example.org,mx1.example.org,10", "--host-record=mx1.example.org,127.0.0.1")
    out, stats, _ = deliver(deliver_bin, tmp_path, dns=dns, port=mx_server.ports["smtp"], domain="example.org",
                            to="bob@example.org", extra=["--repeat", "3"])
    assert [o["kind"] for o in out] == ["delivered"] * 3
    assert stats["opened"] == 1 and stats["reused"] == 2, stats
    assert len(imap_messages(mx_server)) == 3


# ---- DNS failures -----------------------------------------------------------------

def test_null_mx_is_permanent(deliver_bin, tmp_path, dns_factory):
    # RFC 7505: MX 0 "." (rdata: preference 0, the root name).
    dns = dns_factory("--dns-rr=nullmx.example,15,000000")
    out, stats, _ = deliver(deliver_bin, tmp_path, dns=dns, port=free_port(), domain="nullmx.example",
                            to="x@nullmx.example")
    assert out[0]["kind"] == "permanent", out
    assert out[0]["code"] == 556 and out[0]["status"] == "5.1.10"
    assert stats["opened"] == 0


def test_nxdomain_is_permanent(deliver_bin, tmp_path, dns_factory):
    dns = dns_factory()
    out, stats, _ = deliver(deliver_bin, tmp_path, dns=dns, port=free_port(), domain="nope.example",
                            to="x@nope.example")
    assert out[0]["kind"] == "permanent", out
    assert out[0]["status"] == "5.1.2"
    assert "NXDOMAIN" in out[0]["text"]


def test_refused_and_unreachable_dns_are_transient(deliver_bin, tmp_path, dns_factory):
    dns = dns_factory()
    # A name outside the local zones: dnsmasq has no upstream and refuses.
    out, _, _ = deliver(deliver_bin, tmp_path, dns=dns, port=free_port(), domain="elsewhere.net",
                        to="x@elsewhere.net")
    assert out[0]["kind"] == "transient", out
    assert out[0]["status"] == "4.4.3"
    dns.stop()
    out, _, elapsed = deliver(deliver_bin, tmp_path, dns=dns, port=free_port(), domain="example.org",
                              to="bob@example.org")
    assert out[0]["kind"] == "transient", out
    assert out[0]["status"] == "4.4.3"
    assert elapsed < 15


def test_mx_host_without_address_bounces(deliver_bin, tmp_path, dns_factory):
    dns = dns_factory("--mx-host=noaddr.example,ghost.noaddr.example,10")
    out, _, _ = deliver(deliver_bin, tmp_path, dns=dns, port=free_port(), domain="noaddr.example",
                        to="x@noaddr.example")
    assert out[0]["kind"] == "permanent", out
    assert out[0]["status"] == "5.4.4"


# ---- misbehaving far sides -----------------------------------------------------------

def route_to(dns_factory, name, addr="127.0.0.1"):
    return dns_factory(f"--mx-host={name},mx.{name},10", f"--host-record=mx.{name},{addr}")


def test_garbage_greeting_is_transient(deliver_bin, tmp_path, dns_factory, fakes):
    f = fakes(mode="garbage")
    dns = route_to(dns_factory, "garbage.example")
    out, _, _ = deliver(deliver_bin, tmp_path, dns=dns, port=f.port, domain="garbage.example", to="x@garbage.example")
    assert out[0]["kind"] == "transient", out
    assert "malformed reply" in out[0]["text"]


def test_stalling_server_times_out(deliver_bin, tmp_path, dns_factory, fakes):
    f = fakes(mode="stall")
    dns = route_to(dns_factory, "stall.example")
    out, _, elapsed = deliver(deliver_bin, tmp_path, dns=dns, port=f.port, domain="stall.example",
                              to="x@stall.example", extra=["--command-timeout", "2"])
    assert out[0]["kind"] == "transient", out
    assert "timeout" in out[0]["text"]
    assert elapsed < 10


def test_server_silent_before_greeting_times_out(deliver_bin, tmp_path, dns_factory, fakes):
    f = fakes(mode="silent")
    dns = route_to(dns_factory, "silent.example")
    out, _, elapsed = deliver(deliver_bin, tmp_path, dns=dns, port=f.port, domain="silent.example",
                              to="x@silent.example", extra=["--connect-timeout", "1"])
    assert out[0]["kind"] == "transient", out
    assert "timeout waiting for the reply to the greeting" in out[0]["text"]
    assert elapsed < 6


def test_close_after_final_dot_is_transient_and_not_retried_elsewhere(deliver_bin, tmp_path, dns_factory, fakes):
    f = fakes(mode="close_after_dot")
    backup = fakes(host="127.0.0.3", port=f.port)
    dns = dns_factory("--mx-host=dot.example,mx1.dot.example,10", "--mx-host=dot.example,mx2.dot.example,20",
                      "--host-record=mx1.dot.example,127.0.0.1", "--host-record=mx2.dot.example,127.0.0.3")
    out, _, _ = deliver(deliver_bin, tmp_path, dns=dns, port=f.port, domain="dot.example", to="x@dot.example")
    assert out[0]["kind"] == "transient", out
    assert "may have been delivered" in out[0]["text"]
    assert f.messages == [MESSAGE.decode()]  # the whole message went, dot-unstuffed equal
    assert backup.connections == 0


def test_stall_after_final_dot_times_out_transient(deliver_bin, tmp_path, dns_factory, fakes):
    f = fakes(mode="stall_after_dot")
    dns = route_to(dns_factory, "slowdot.example")
    out, _, elapsed = deliver(deliver_bin, tmp_path, dns=dns, port=f.port, domain="slowdot.example",
                              to="x@slowdot.example", extra=["--command-timeout", "1"])
    assert out[0]["kind"] == "transient", out
    assert "timeout" in out[0]["text"]
    assert elapsed < 8


def test_greeting_421_tries_the_next_mx(deliver_bin, tmp_path, dns_factory, fakes):
    busy = fakes(mode="greet421")
    ok = fakes(host="127.0.0.3", port=busy.port)
    dns = dns_factory("--mx-host=busy.example,mx1.busy.example,10", "--mx-host=busy.example,mx2.busy.example,20",
                      "--host-record=mx1.busy.example,127.0.0.1", "--host-record=mx2.busy.example,127.0.0.3")
    out, _, _ = deliver(deliver_bin, tmp_path, dns=dns, port=busy.port, domain="busy.example", to="x@busy.example")
    assert out[0]["kind"] == "delivered", out
    assert out[0]["remote_mta"] == "mx2.busy.example"
    assert len(ok.messages) == 1


def test_greeting_421_alone_is_transient(deliver_bin, tmp_path, dns_factory, fakes):
    f = fakes(mode="greet421")
    dns = route_to(dns_factory, "busy1.example")
    out, _, _ = deliver(deliver_bin, tmp_path, dns=dns, port=f.port, domain="busy1.example", to="x@busy1.example")
    assert out[0]["kind"] == "transient", out
    assert "421" in out[0]["text"]


def test_minimal_server_no_pipelining_no_8bitmime_no_smtputf8(deliver_bin, tmp_path, dns_factory, fakes):
    f = fakes(ehlo=())
    dns = route_to(dns_factory, "plain.example")
    body8 = MESSAGE + "Grüße\r\n".encode()
    out, _, _ = deliver(deliver_bin, tmp_path, dns=dns, port=f.port, domain="plain.example",
                        to=["a@plain.example", "b@plain.example", "nobody@plain.example"], message=body8,
                        extra=["--8bit"])
    assert [o["kind"] for o in out] == ["delivered", "delivered", "permanent"], out
    mail = [c for c in f.commands if c.startswith("MAIL")]
    assert mail == ["MAIL FROM:<alice@example.net>"]  # no BODY=, no SIZE=, no SMTPUTF8
    assert f.batches == [], "commands must not be pipelined without PIPELINING"
    assert f.messages == [body8.decode()]  # 8-bit sent as is (documented choice)
    assert not any(c.startswith("STARTTLS") for c in f.commands)

    # A message that needs SMTPUTF8 fails permanently with 5.6.7 (RFC 6531 3.2).
    out, _, _ = deliver(deliver_bin, tmp_path, dns=dns, port=f.port, domain="plain.example",
                        to="a@plain.example", sender="jörg@example.net", extra=["--smtputf8"])
    assert out[0]["kind"] == "permanent" and out[0]["status"] == "5.6.7", out
    # A UTF-8 recipient alone fails; the ASCII one goes.
    out, _, _ = deliver(deliver_bin, tmp_path, dns=dns, port=f.port, domain="plain.example",
                        to=["jörg@plain.example", "a@plain.example"])
    assert [o["kind"] for o in out] == ["permanent", "delivered"], out
    assert out[0]["status"] == "5.6.7"


def test_pipelining_sends_mail_rcpt_data_together_with_parameters(deliver_bin, tmp_path, dns_factory, fakes):
    f = fakes(ehlo=("PIPELINING", "8BITMIME", "SMTPUTF8", "SIZE 1000000", "DSN"))
    dns = route_to(dns_factory, "pipe.example")
    out, _, _ = deliver(deliver_bin, tmp_path, dns=dns, port=f.port, domain="pipe.example",
                        to=["a@pipe.example", "later@pipe.example"], sender="jörg@example.net",
                        extra=["--8bit", "--smtputf8", "--notify", "SUCCESS,FAILURE", "--orcpt",
                               "--envid", "ENV+1 x", "--ret", "HDRS"])
    assert [o["kind"] for o in out] == ["delivered", "transient"], out
    assert out[1]["code"] == 451
    mail = [c for c in f.commands if c.startswith("MAIL")][0]
    assert mail == (f"MAIL FROM:<jörg@example.net> SIZE={len(MESSAGE)} BODY=8BITMIME SMTPUTF8 "
                    "RET=HDRS ENVID=ENV+2B1+20x")
    rcpts = [c for c in f.commands if c.startswith("RCPT")]
    assert rcpts[0] == "RCPT TO:<a@pipe.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a@pipe.example"
    # MAIL, both RCPTs and DATA arrived in one write.
    assert f.batches and f.batches[0][0].startswith("MAIL") and f.batches[0][1] == 3, f.batches
    assert not out[0]["relayed_without_dsn"]


def test_size_limit_refused_before_mail(deliver_bin, tmp_path, dns_factory, fakes):
    f = fakes(ehlo=("SIZE 100",))
    dns = route_to(dns_factory, "small.example")
    out, _, _ = deliver(deliver_bin, tmp_path, dns=dns, port=f.port, domain="small.example", to="a@small.example")
    assert out[0]["kind"] == "permanent" and out[0]["status"] == "5.3.4", out
    assert not any(c.startswith("MAIL") for c in f.commands)


def test_helo_fallback_when_ehlo_is_refused(deliver_bin, tmp_path, dns_factory, fakes):
    f = fakes(mode="no_ehlo")
    dns = route_to(dns_factory, "old.example")
    out, _, _ = deliver(deliver_bin, tmp_path, dns=dns, port=f.port, domain="old.example", to="a@old.example",
                        extra=["--notify", "SUCCESS"])
    assert out[0]["kind"] == "delivered", out
    assert any(c.startswith("HELO ") for c in f.commands)
    assert out[0]["relayed_without_dsn"]  # NOTIFY=SUCCESS to a server without DSN


def test_starttls_is_used_when_offered(deliver_bin, tmp_path, dns_factory, fakes, tls_ctx):
    f = fakes(tls_ctx=tls_ctx)
    dns = route_to(dns_factory, "tls.example")
    out, _, _ = deliver(deliver_bin, tmp_path, dns=dns, port=f.port, domain="tls.example", to="a@tls.example")
    assert out[0]["kind"] == "delivered", out
    assert f.tls_used and f.tls_used[0] in ("TLSv1.2", "TLSv1.3")
    ehlos = [c for c in f.commands if c.startswith("EHLO")]
    assert len(ehlos) == 2  # again after TLS (RFC 3207 4.2)
    assert f.messages == [MESSAGE.decode()]


def test_failed_opportunistic_tls_falls_back_to_plaintext(deliver_bin, tmp_path, dns_factory, fakes, tls_ctx):
    f = fakes(mode="bad_tls", tls_ctx=tls_ctx)
    dns = route_to(dns_factory, "badtls.example")
    out, stats, _ = deliver(deliver_bin, tmp_path, dns=dns, port=f.port, domain="badtls.example",
                            to="a@badtls.example")
    assert out[0]["kind"] == "delivered", out
    assert f.connections == 2 and stats["opened"] == 2
    assert [c for c in f.commands if c == "STARTTLS"] == ["STARTTLS"]  # not tried again
    assert f.messages == [MESSAGE.decode()]
    # With tls = required the failed handshake defers instead.
    out, _, _ = deliver(deliver_bin, tmp_path, dns=dns, port=f.port, domain="badtls.example",
                        to="a@badtls.example", extra=["--tls", "required"])
    assert out[0]["kind"] == "transient" and out[0]["status"] == "4.7.5", out
    assert len(f.messages) == 1


def test_tls_required_but_not_offered_is_transient(deliver_bin, tmp_path, dns_factory, fakes):
    f = fakes()
    dns = route_to(dns_factory, "notls.example")
    out, _, _ = deliver(deliver_bin, tmp_path, dns=dns, port=f.port, domain="notls.example", to="a@notls.example",
                        extra=["--tls", "required"])
    assert out[0]["kind"] == "transient" and out[0]["status"] == "4.7.4", out
    assert not any(c.startswith("MAIL") for c in f.commands)


def test_smarthost_with_starttls_and_auth(deliver_bin, tmp_path, fakes, tls_ctx):
    f = fakes(tls_ctx=tls_ctx, auth=("relayuser", "s3cret pw"))
    pw = tmp_path / "pw"
    pw.write_text("s3cret pw\n")
    out, _, _ = deliver(deliver_bin, tmp_path, dns="127.0.0.1@1", port=25, domain="anywhere.example",
                        to="someone@anywhere.example",
                        extra=["--smarthost", f"127.0.0.1:{f.port}", "--smarthost-user", "relayuser",
                               "--smarthost-password-file", str(pw)])
    assert out[0]["kind"] == "delivered", out
    assert f.tls_used
    auth = [c for c in f.commands if c.startswith("AUTH")]
    assert len(auth) == 1 and auth[0].startswith("AUTH PLAIN ")
    assert f.messages == [MESSAGE.decode()]

    # Wrong password: transient (a configuration problem), nothing sent.
    pw.write_text("wrong\n")
    f2 = fakes(tls_ctx=tls_ctx, auth=("relayuser", "s3cret pw"))
    out, _, _ = deliver(deliver_bin, tmp_path, dns="127.0.0.1@1", port=25, domain="anywhere.example",
                        to="someone@anywhere.example",
                        extra=["--smarthost", f"127.0.0.1:{f2.port}", "--smarthost-user", "relayuser",
                               "--smarthost-password-file", str(pw)])
    assert out[0]["kind"] == "transient" and "authentication failed" in out[0]["text"], out
    assert f2.messages == []


def test_smarthost_requires_tls(deliver_bin, tmp_path, fakes):
    f = fakes()  # no STARTTLS
    out, _, _ = deliver(deliver_bin, tmp_path, dns="127.0.0.1@1", port=25, domain="anywhere.example",
                        to="someone@anywhere.example", extra=["--smarthost", f"127.0.0.1:{f.port}"])
    assert out[0]["kind"] == "transient" and out[0]["status"] == "4.7.4", out
    assert f.messages == []


def test_per_destination_limit(deliver_bin, tmp_path, dns_factory, fakes):
    f = fakes()
    dns = route_to(dns_factory, "limit.example")
    out, stats, _ = deliver(deliver_bin, tmp_path, dns=dns, port=f.port, domain="limit.example", to="a@limit.example",
                            extra=["--parallel", "6", "--max-per-destination", "2"])
    assert [o["kind"] for o in out] == ["delivered"] * 6, out
    assert stats["opened"] <= 2 and f.connections <= 2, stats
    assert len(f.messages) == 6
