"""/metrics, /healthz and the MTA-STS policy on a real server's HTTP listener:
an IMAP login that works and one that fails and an SMTP delivery move the
counters; the text parses with prometheus_client's parser (Debian's
python3-prometheus-client); the policy is served for local domains only."""
import http.client
import imaplib
import smtplib

import pytest
from prometheus_client.parser import text_string_to_metric_families

from postamt_server import PostamtServer, free_port


@pytest.fixture
def srv(postamt_bin, tmp_path):
    # PostamtServer's http listener is on loopback only: it offers every service.
    s = PostamtServer(postamt_bin, tmp_path, extra_config="""
[mta_sts]
mode = "enforce"
max_age = "14d"
""")
    s.cli("domain", "add", "example.org")
    s.add_user("bob@example.org")
    s.start()
    yield s
    s.stop()


def get(srv, path, host="127.0.0.1"):
    c = http.client.HTTPConnection("127.0.0.1", srv.ports["http"], timeout=10)
    try:
        c.request("GET", path, headers={"Host": host})
        r = c.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read().decode()
    finally:
        c.close()


def scrape(srv):
    status, headers, body = get(srv, "/metrics")
    assert status == 200, body
    assert headers["content-type"].startswith("text/plain; version=0.0.4"), headers
    samples = {}
    types = {}
    for fam in text_string_to_metric_families(body):
        types[fam.name] = fam.type
        for s in fam.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples, types, body


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_counters_move_and_the_text_parses(srv):
    before, types, _ = scrape(srv)
    # The parser strips _total from counter family names.
    assert types["postamt_logins"] == "counter"
    assert types["postamt_connections_active"] == "gauge"
    assert types["postamt_store_commit_seconds"] == "histogram"

    imap = imaplib.IMAP4("127.0.0.1", srv.ports["imap"])
    imap.login("bob@example.org", "secret-pw")
    imap.logout()
    bad = imaplib.IMAP4("127.0.0.1", srv.ports["imap"])
    with pytest.raises(imaplib.IMAP4.error):
        bad.login("bob@example.org", "wrong-password")
    bad.logout()

    with smtplib.SMTP("127.0.0.1", srv.ports["smtp"], timeout=30) as s:
        s.sendmail("alice@example.net", ["bob@example.org"],
                   b"From: alice@example.net\r\nTo: bob@example.org\r\nSubject: metrics\r\n\r\nhello\r\n")

    after, _, body = scrape(srv)
    d = lambda name, **l: value(after, name, **l) - value(before, name, **l)  # noqa: E731
    assert d("postamt_logins_total", protocol="imap", result="ok") == 1, body
    assert d("postamt_logins_total", protocol="imap", result="failed") == 1, body
    assert d("postamt_messages_received_total", protocol="smtp") == 1, body
    assert d("postamt_recipients_delivered_total", destination="local") == 1, body
    assert d("postamt_connections_opened_total", protocol="imap") == 2, body
    assert d("postamt_connections_opened_total", protocol="smtp") >= 1, body
    # The scrape itself is an open HTTP connection; the IMAP ones are closed.
    assert value(after, "postamt_connections_active", protocol="http") >= 1, body
    assert value(after, "postamt_connections_active", protocol="imap") == 0, body
    # The delivery committed at least once; buckets are cumulative up to +Inf == count.
    count = value(after, "postamt_store_commit_seconds_count")
    assert count >= 1 and value(after, "postamt_store_commit_seconds_bucket", le="+Inf") == count, body
    assert value(after, "postamt_store_commit_seconds_sum") > 0, body
    # Queue gauges are read from the store at scrape time: nothing queued.
    assert value(after, "postamt_queue_messages") == 0, body
    assert value(after, "postamt_queue_oldest_age_seconds") == 0, body


def test_healthz(srv):
    status, headers, body = get(srv, "/healthz")
    assert status == 200 and body == "ok\n"


def test_mta_sts_policy(srv):
    status, headers, body = get(srv, "/.well-known/mta-sts.txt", host="mta-sts.example.org")
    assert status == 200, body
    assert headers["content-type"].startswith("text/plain"), headers
    assert body == "version: STSv1\r\nmode: enforce\r\nmx: mail.example.org\r\nmax_age: 1209600\r\n"
    # The id printed by `postamt dns` belongs to this very policy text.
    import hashlib
    zone = srv.cli("dns", "example.org").stdout.decode()
    assert f"id={hashlib.sha256(body.encode()).hexdigest()[:32]}" in zone
    # A domain that is not ours, or a host without the mta-sts. prefix: 404.
    assert get(srv, "/.well-known/mta-sts.txt", host="mta-sts.example.net")[0] == 404
    assert get(srv, "/.well-known/mta-sts.txt", host="example.org")[0] == 404


def test_submission_and_deferred_delivery_and_queue_gauges(postamt_bin, tmp_path):
    """A message submitted for a remote domain whose MX refuses connections:
    submission counters move, the attempt counts as deferred, and the queue
    gauges (read from the store at scrape time) show the waiting message."""
    import time

    from dns_server import Dnsmasq

    dns = Dnsmasq(tmp_path, "--mx-host=example.net,mx.example.net,10", "--host-record=mx.example.net,127.0.0.1",
                  local=("example.net", "example.org")).start()
    closed_port = free_port()  # nothing listens there
    s = PostamtServer(postamt_bin, tmp_path, extra_config=f"""
[dns]
forwarders = ["{dns.address}"]

[outbound]
port = {closed_port}
connect_timeout = "5s"
""")
    try:
        s.cli("domain", "add", "example.org")
        s.add_user("bob@example.org")
        s.start()
        before, _, _ = scrape(s)
        with smtplib.SMTP("127.0.0.1", s.ports["submission"], timeout=30) as c:
            c.login("bob@example.org", "secret-pw")  # plaintext AUTH is allowed from loopback
            c.sendmail("bob@example.org", ["dave@example.net"],
                       b"From: bob@example.org\r\nTo: dave@example.net\r\nSubject: q\r\n\r\nqueued\r\n")
        deadline = time.time() + 30
        while True:
            after, _, body = scrape(s)
            if value(after, "postamt_recipients_deferred_total") > value(before, "postamt_recipients_deferred_total"):
                break
            assert time.time() < deadline, "no deferred attempt counted:\n" + body
            time.sleep(0.3)
        d = lambda name, **l: value(after, name, **l) - value(before, name, **l)  # noqa: E731
        assert d("postamt_logins_total", protocol="submission", result="ok") == 1, body
        assert d("postamt_messages_received_total", protocol="submission") == 1, body
        assert d("postamt_recipients_delivered_total", destination="remote") == 0, body
        assert d("postamt_recipients_bounced_total") == 0, body
        assert value(after, "postamt_queue_messages") == 1, body
        assert value(after, "postamt_queue_recipients") == 1, body
        assert 0 <= value(after, "postamt_queue_oldest_age_seconds") < 60, body
    finally:
        s.stop()
        dns.stop()
