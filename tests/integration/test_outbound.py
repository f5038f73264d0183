"""Sending mail end to end (issue 6): users of instance A submit with
smtplib and swaks on the submission ports (STARTTLS and implicit TLS); A's
queue delivers to instance B (the MX of example.net, found through a
private dnsmasq), DKIM-signed (verified with python3-dkim); retries while B
is down, delivers exactly once, survives kill -9, and bounces with an RFC
3464 report to the sender's INBOX on A when B refuses a recipient. Relaying
without authentication is refused on every port."""
import email
import re
import smtplib
import ssl
import subprocess
import time

import dkim
import pytest

from dns_server import Dnsmasq
from postamt_server import PostamtServer

PASSWORD = "secret-pw"


def no_verify() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the test servers have self-signed certificates
    return ctx


def txt_records(output: str) -> dict:
    records = {}
    for line in output.splitlines():
        m = re.match(r'^(\S+)\. IN TXT (.*)$', line)
        if m:
            records[m.group(1)] = "".join(re.findall(r'"([^"]*)"', m.group(2)))
    return records


def wait_for(predicate, timeout=30.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Pair:
    """Instance A (example.org, users bob and carol, DKIM keys) sending to
    instance B (example.net, user dave) through DNS."""

    def __init__(self, postamt_bin, tmp_path, queue_extra=""):
        self.tmp = tmp_path
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        self.b = PostamtServer(postamt_bin, tmp_path / "b", hostname="mx.example.net",
                               default_domain="example.net")
        self.dns = Dnsmasq(tmp_path, "--mx-host=example.net,mx.example.net,10",
                           "--host-record=mx.example.net,127.0.0.1",
                           local=("example.net", "example.org")).start()
        queue = f"""
[dns]
forwarders = ["{self.dns.address}"]

[outbound]
port = {self.b.ports["smtp"]}
connect_timeout = "5s"
command_timeout = "20s"

[queue]
retry_min = "1s"
retry_max = "2s"
lease = "10s"
{queue_extra}
"""
        self.a = PostamtServer(postamt_bin, tmp_path / "a", extra_config=queue)
        for srv, domain, users in ((self.a, "example.org", ("bob", "carol")),
                                   (self.b, "example.net", ("dave",))):
            srv.cli("domain", "add", domain)
            for u in users:
                srv.add_user(f"{u}@{domain}", PASSWORD)
        out = self.a.cli("dkim", "generate", "example.org").stdout.decode()
        self.dkim_records = txt_records(out)
        assert len(self.dkim_records) == 2, out
        self.b.start()
        self.a.start()

    def close(self):
        self.a.stop()
        self.b.stop()
        self.dns.stop()


@pytest.fixture
def pair(postamt_bin, tmp_path):
    p = Pair(postamt_bin, tmp_path)
    yield p
    p.close()


def message(subject, frm="bob@example.org", to="dave@example.net", body="Hello Dave.\r\n"):
    return (f"From: Bob <{frm}>\r\nTo: {to}\r\nSubject: {subject}\r\n\r\n{body}").encode()


def submit_587(server, msg, sender="bob@example.org", to=("dave@example.net",), user="bob@example.org"):
    with smtplib.SMTP("127.0.0.1", server.ports["submission"], timeout=30) as s:
        s.ehlo("laptop.example")
        s.starttls(context=no_verify())
        s.ehlo("laptop.example")
        s.login(user, PASSWORD)
        return s.sendmail(sender, list(to), msg)


def inbox(server, user):
    try:
        return server.mailbox_count(user)
    except AssertionError:
        return 0


def verify_dkim(raw: bytes, records: dict) -> int:
    def dnsfunc(name, timeout=5):
        return records.get(name.decode().rstrip("."), "").encode()
    d = dkim.DKIM(raw)
    count = raw.count(b"DKIM-Signature:")
    for idx in range(count):
        assert d.verify(idx=idx, dnsfunc=dnsfunc), f"DKIM signature {idx} does not verify"
    return count


def test_submission_587_reaches_remote_domain_signed(pair):
    submit_587(pair.a, message("over 587"))
    wait_for(lambda: inbox(pair.b, "dave@example.net") == 1, what="delivery to B")
    raw = pair.b.message("dave@example.net", 1)
    assert b"Subject: over 587" in raw
    # Both keys of example.org signed it (RSA and Ed25519), and both verify.
    assert verify_dkim(raw, pair.dkim_records) == 2
    parsed = email.message_from_bytes(raw)
    assert parsed["Message-ID"] and parsed["Date"], "the MSA adds Message-ID and Date (RFC 6409 8)"
    # The private Received header does not name the submitting client.
    a_received = [h for h in parsed.get_all("Received") if "ESMTPSA" in h]
    assert a_received and "127.0.0.1" not in a_received[0]
    # B saw one Return-Path (its own), not one carried over from A.
    assert raw.count(b"Return-Path:") == 1
    wait_for(lambda: "result=delivered" in pair.a.read_log(), what="the attempt in A's log")
    wait_for(lambda: "dave@example.net" not in pair.a.cli("queue", "list").stdout.decode(),
             what="queue entry removed")


def test_submissions_465_with_swaks(pair):
    r = subprocess.run(["swaks", "--server", "127.0.0.1", "--port", str(pair.a.ports["submissions"]),
                        "--tls-on-connect", "--auth", "PLAIN", "--auth-user", "carol@example.org",
                        "--auth-password", PASSWORD, "--from", "carol@example.org",
                        "--to", "dave@example.net", "--header", "Subject: over 465"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "250 2.0.0 Ok: queued as" in r.stdout
    wait_for(lambda: inbox(pair.b, "dave@example.net") == 1, what="delivery to B")
    raw = pair.b.message("dave@example.net", 1)
    assert b"Subject: over 465" in raw
    assert verify_dkim(raw, pair.dkim_records) == 2


def test_local_recipient_lands_at_once(pair):
    submit_587(pair.a, message("to carol", to="carol@example.org"), to=("carol@example.org",))
    assert inbox(pair.a, "carol@example.org") == 1


def test_no_relay_without_auth_on_any_port(pair):
    # Port 25: unauthenticated mail for another domain is relaying.
    with smtplib.SMTP("127.0.0.1", pair.a.ports["smtp"], timeout=10) as s:
        s.ehlo("spammer.example")
        s.mail("x@spammer.example")
        code, text = s.rcpt("dave@example.net")
        assert code == 554 and b"5.7.1" in text
    # 587 and 465 without AUTH: MAIL is refused.
    with smtplib.SMTP("127.0.0.1", pair.a.ports["submission"], timeout=10) as s:
        s.ehlo("spammer.example")
        s.starttls(context=no_verify())
        s.ehlo("spammer.example")
        code, text = s.mail("bob@example.org")
        assert code == 530 and b"5.7.0" in text
    with smtplib.SMTP_SSL("127.0.0.1", pair.a.ports["submissions"], timeout=10, context=no_verify()) as s:
        s.ehlo("spammer.example")
        code, _ = s.mail("bob@example.org")
        assert code == 530
        # AUTH is never offered on port 25.
    with smtplib.SMTP("127.0.0.1", pair.a.ports["smtp"], timeout=10) as s:
        s.ehlo("x")
        s.starttls(context=no_verify())
        s.ehlo("x")
        assert not s.has_extn("auth")
    # Wrong password: 535.
    with smtplib.SMTP_SSL("127.0.0.1", pair.a.ports["submissions"], timeout=10, context=no_verify()) as s:
        with pytest.raises(smtplib.SMTPAuthenticationError) as e:
            s.login("bob@example.org", "wrong")
        assert e.value.smtp_code == 535
    assert inbox(pair.b, "dave@example.net") == 0


def test_sending_as_someone_else_is_refused(pair):
    with smtplib.SMTP_SSL("127.0.0.1", pair.a.ports["submissions"], timeout=10, context=no_verify()) as s:
        s.login("bob@example.org", PASSWORD)
        code, text = s.mail("carol@example.org")
        assert code == 553 and b"5.7.1" in text
        s.rset()
        code, _ = s.mail("someone@example.net")
        assert code == 553
        s.rset()
        assert s.mail("bob@example.org")[0] == 250


def test_retry_while_remote_is_down_then_exactly_once(pair):
    pair.b.stop()
    submit_587(pair.a, message("retry me"))
    listed = pair.a.cli("queue", "list").stdout.decode()
    assert "dave@example.net" in listed, listed
    # A keeps failing to connect for a few attempts...
    wait_for(lambda: pair.a.read_log().count("result=deferred") >= 2, what="deferred attempts")
    pair.b.start()
    wait_for(lambda: inbox(pair.b, "dave@example.net") == 1, timeout=40, what="delivery after B came back")
    time.sleep(3)  # several retry intervals: nothing is sent twice
    assert inbox(pair.b, "dave@example.net") == 1
    wait_for(lambda: "dave@example.net" not in pair.a.cli("queue", "list").stdout.decode(),
             what="queue entry removed")


def test_unknown_remote_user_bounces_to_sender(pair):
    submit_587(pair.a, message("to nobody", to="nobody@example.net"), to=("nobody@example.net",))
    wait_for(lambda: inbox(pair.a, "bob@example.org") == 1, what="the bounce in bob's INBOX")
    raw = pair.a.message("bob@example.org", 1)
    report = email.message_from_bytes(raw)
    assert report.get_content_type() == "multipart/report"
    assert report.get_param("report-type") == "delivery-status"
    assert "<mailer-daemon@mail.example.org>" in report["From"].lower()
    assert b"Return-Path: <>" in raw
    text = raw.decode(errors="replace")
    assert "Final-Recipient: rfc822; nobody@example.net" in text
    assert "Action: failed" in text and "Status: 5.1.1" in text
    assert "Subject: to nobody" in text  # the original comes back
    assert inbox(pair.b, "dave@example.net") == 0


def test_kill_9_with_queued_messages_then_delivered(pair):
    pair.b.stop()
    for i in range(5):
        submit_587(pair.a, message(f"queued {i}"))
    pair.a.kill()
    pair.b.start()
    pair.a.start()
    # The new run releases the killed run's leases, then all arrive.
    wait_for(lambda: inbox(pair.b, "dave@example.net") == 5, timeout=60, what="5 messages after kill -9")
    time.sleep(3)
    assert inbox(pair.b, "dave@example.net") == 5
    subjects = sorted(email.message_from_bytes(pair.b.message("dave@example.net", uid))["Subject"]
                      for uid in range(1, 6))
    assert subjects == [f"queued {i}" for i in range(5)]


def test_delay_warning_then_delivery(postamt_bin, tmp_path):
    p = Pair(postamt_bin, tmp_path, queue_extra='delay_warning = "2s"')
    try:
        p.b.stop()
        submit_587(p.a, message("slow one"))
        # One "delayed" report (RFC 3464 Action: delayed) while B is down...
        wait_for(lambda: inbox(p.a, "bob@example.org") == 1, what="the delay warning")
        raw = p.a.message("bob@example.org", 1).decode(errors="replace")
        assert "Action: delayed" in raw and "Will-Retry-Until:" in raw
        assert "Final-Recipient: rfc822; dave@example.net" in raw
        p.b.start()
        wait_for(lambda: inbox(p.b, "dave@example.net") == 1, timeout=40, what="delivery after the warning")
        time.sleep(3)
        assert inbox(p.a, "bob@example.org") == 1  # warned once, no failure report
    finally:
        p.close()


def test_shutdown_does_not_wait_for_a_stalled_delivery(postamt_bin, tmp_path):
    """A far side that swallows the message and never answers the final "."
    (the client would wait 2 x command_timeout) must not hold SIGTERM."""
    import socket
    import threading
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(5)
    stalled = threading.Event()

    def fake_mx():
        conn, _ = lsock.accept()
        f = conn.makefile("rb")
        conn.sendall(b"220 stall.example.net ESMTP\r\n")
        while True:
            line = f.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                conn.sendall(b"250-stall.example.net\r\n250 8BITMIME\r\n")
            elif verb == b"DATA":
                conn.sendall(b"354 go ahead\r\n")
                while f.readline() not in (b".\r\n", b""):
                    pass
                stalled.set()  # ... and never answer
            elif verb == b"QUIT":
                return
            else:
                conn.sendall(b"250 ok\r\n")

    threading.Thread(target=fake_mx, daemon=True).start()
    p = Pair(postamt_bin, tmp_path)
    try:
        p.b.stop()
        p.a.stop()
        cfg = p.a.config.read_text().replace(f"port = {p.b.ports['smtp']}\n",
                                             f"port = {lsock.getsockname()[1]}\n", 1)
        cfg = cfg.replace('command_timeout = "20s"', 'command_timeout = "300s"')
        p.a.config.write_text(cfg)
        p.a.start()
        submit_587(p.a, message("into the void"))
        assert stalled.wait(20), "the fake MX never got the message"
        t0 = time.time()
        assert p.a.stop() == 0
        assert time.time() - t0 < 20
        # The recipient is still queued (leased to the stopped run) for the next start.
        assert "dave@example.net" in p.a.cli("queue", "list").stdout.decode()
    finally:
        p.close()
        lsock.close()
