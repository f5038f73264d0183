"""The admin REST API (docs/admin-api.md) against a real `postamt serve`:
a token made with the CLI, a domain and a user created through the API
(urllib, and curl once), IMAP login with that user, password change and
disable through PATCH, 401s, 400s with JSON bodies, queue endpoints.
"""
import imaplib
import json
import poplib
import smtplib
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from pop3_client import deliver, pop3s, tls_context
from postamt_server import PostamtServer, free_port

MESSAGE = (b"From: Alice <alice@api.example>\r\nTo: someone@remote.example\r\n"
           b"Subject: waiting in the queue\r\n\r\nBody.\r\n")


class Api:
    def __init__(self, port, token):
        self.base = f"http://127.0.0.1:{port}/api/v1"
        self.token = token

    def call(self, method, path, body=None, token="default", raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.base + path, data=data, method=method)
        tok = self.token if token == "default" else token
        if tok is not None:
            req.add_header("Authorization", f"Bearer {tok}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                text = resp.read()
                return resp.status, (json.loads(text) if text else None), resp.headers
        except urllib.error.HTTPError as e:
            text = e.read()
            return e.code, (json.loads(text) if text else None), e.headers


def expect_error(res, status, field=None):
    code, body, headers = res
    assert code == status, (code, body)
    assert headers["Content-Type"].startswith("application/json")
    assert body["error"]["status"] == status, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if field is not None:
        assert body["error"].get("field") == field, body


def imap_login(srv, user, password):
    m = imaplib.IMAP4("127.0.0.1", srv.ports["imap"])
    try:
        m.login(user, password)
        return m
    except imaplib.IMAP4.error:
        m.shutdown()
        return None


@pytest.fixture
def api_server(postamt_bin, tmp_path):
    # Outbound mail goes to a port nobody listens on: delivery attempts are
    # deferred (connection refused), so a queued entry stays put. The test
    # server's http listener is on loopback, so it offers the admin API.
    srv = PostamtServer(postamt_bin, tmp_path, extra_config=f"""
[outbound]
smarthost = "127.0.0.1:{free_port()}"
""")
    http_port = srv.ports["http"]
    srv.cli("domain", "add", "example.org")  # the store exists before the token
    token = srv.cli("api", "token", "create", "ci").stdout.decode().strip()
    srv.start()
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", http_port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    yield srv, Api(http_port, token), token
    srv.stop()


def test_token_cli(api_server):
    srv, api, token = api_server
    assert token.startswith("pat_") and len(token) == 47, token
    assert token not in (srv.data / "api-tokens").read_text()
    assert (srv.data / "api-tokens").stat().st_mode & 0o777 == 0o600
    listing = srv.cli("api", "token", "list").stdout.decode()
    assert listing.startswith("ci  created "), listing
    assert api.call("GET", "/domains")[0] == 200
    # A second token works too; revoking one takes effect at once.
    other = srv.cli("api", "token", "create", "other").stdout.decode().strip()
    assert api.call("GET", "/domains", token=other)[0] == 200
    srv.cli("api", "token", "revoke", "other")
    expect_error(api.call("GET", "/domains", token=other), 401)
    assert api.call("GET", "/domains")[0] == 200


def test_unauthorized(api_server):
    srv, api, _ = api_server
    res = api.call("GET", "/domains", token=None)
    expect_error(res, 401)
    assert res[2]["WWW-Authenticate"].startswith("Bearer")
    res = api.call("GET", "/users", token="pat_not-a-real-token")
    expect_error(res, 401)
    assert "invalid_token" in res[2]["WWW-Authenticate"]
    expect_error(api.call("POST", "/domains", {"name": "evil.example"}, token=None), 401)
    assert srv.cli("domain", "list").stdout.decode().split() == ["example.org"]


def test_user_lifecycle_over_imap(api_server):
    srv, api, token = api_server
    code, body, _ = api.call("POST", "/domains", {"name": "API.Example"})
    assert (code, body) == (201, {"name": "api.example"})
    expect_error(api.call("POST", "/domains", {"name": "api.example"}), 409)

    # Create the user with curl once.
    curl = shutil.which("curl")
    assert curl, "curl is a test dependency (scripts/install-deps.sh)"
    out = subprocess.run([curl, "-sS", "-w", "\n%{http_code}", "-X", "POST",
                          "-H", f"Authorization: Bearer {token}", "-H", "Content-Type: application/json",
                          "--data", json.dumps({"address": "alice@api.example", "password": "first-pw",
                                                "quota_bytes": 10485760}),
                          api.base + "/users"], capture_output=True, timeout=60, check=True).stdout.decode()
    text, status = out.rsplit("\n", 1)
    assert status == "201", out
    user = json.loads(text)
    assert user["address"] == "alice@api.example" and user["quota_bytes"] == 10485760 and not user["disabled"]

    code, body, _ = api.call("GET", "/users/alice@api.example")
    assert code == 200 and body["used_messages"] == 0
    code, body, _ = api.call("GET", "/users?domain=api.example")
    assert [u["address"] for u in body["users"]] == ["alice@api.example"]
    # The CLI sees what the API made.
    assert "alice@api.example" in srv.cli("user", "list").stdout.decode()

    m = imap_login(srv, "alice@api.example", "first-pw")
    assert m is not None
    m.select("INBOX")
    m.logout()

    code, body, _ = api.call("PATCH", "/users/alice@api.example", {"password": "second-pw", "quota_messages": 100})
    assert code == 200 and body["quota_messages"] == 100 and body["quota_bytes"] == 10485760
    assert imap_login(srv, "alice@api.example", "first-pw") is None
    m = imap_login(srv, "alice@api.example", "second-pw")
    assert m is not None
    m.logout()

    code, body, _ = api.call("PATCH", "/users/alice@api.example", {"disabled": True})
    assert code == 200 and body["disabled"] is True
    assert imap_login(srv, "alice@api.example", "second-pw") is None
    # Disabled: refused exactly like a wrong password (same IMAP answer).
    m = imaplib.IMAP4("127.0.0.1", srv.ports["imap"])
    with pytest.raises(imaplib.IMAP4.error) as disabled_err:
        m.login("alice@api.example", "second-pw")
    m.shutdown()
    m = imaplib.IMAP4("127.0.0.1", srv.ports["imap"])
    with pytest.raises(imaplib.IMAP4.error) as wrong_err:
        m.login("alice@api.example", "wrong-pw")
    m.shutdown()
    assert str(disabled_err.value) == str(wrong_err.value)
    # POP3 and submission refuse it too; inbound mail is still accepted.
    p = pop3s(srv)
    p.user("alice@api.example")
    with pytest.raises(poplib.error_proto):
        p.pass_("second-pw")
    p.quit()
    with smtplib.SMTP_SSL("127.0.0.1", srv.ports["submissions"], context=tls_context(), timeout=30) as s:
        with pytest.raises(smtplib.SMTPAuthenticationError):
            s.login("alice@api.example", "second-pw")
    deliver(srv, b"Subject: still delivered\r\n\r\nhi\r\n", to="alice@api.example")
    assert api.call("GET", "/users/alice@api.example")[1]["used_messages"] == 1
    # The CLI turns login back on.
    assert "enabled alice@api.example" in srv.cli("user", "enable", "alice@api.example").stdout.decode()
    m = imap_login(srv, "alice@api.example", "second-pw")
    assert m is not None
    m.logout()

    code, _, _ = api.call("POST", "/aliases", {"source": "info@api.example", "target": "alice@api.example"})
    assert code == 201
    assert api.call("GET", "/aliases")[1]["aliases"] == [{"source": "info@api.example",
                                                          "target": "alice@api.example"}]
    expect_error(api.call("DELETE", "/domains/api.example"), 409)
    assert api.call("DELETE", "/aliases/info@api.example")[0] == 204
    assert api.call("DELETE", "/users/alice@api.example")[0] == 204
    expect_error(api.call("GET", "/users/alice@api.example"), 404)
    assert api.call("DELETE", "/domains/api.example")[0] == 204


def test_bad_input_is_400_with_json(api_server):
    _, api, _ = api_server
    expect_error(api.call("POST", "/domains", raw=b"{not json"), 400)
    expect_error(api.call("POST", "/domains", raw=b"[]"), 400)
    expect_error(api.call("POST", "/domains", {}), 400, "name")
    expect_error(api.call("POST", "/domains", {"name": 42}), 400, "name")
    expect_error(api.call("POST", "/domains", {"name": "ok.example", "color": "red"}), 400, "color")
    expect_error(api.call("POST", "/users", {"address": "x@example.org"}), 400, "password")
    expect_error(api.call("POST", "/users", {"address": "not an address", "password": "pw"}), 400, "address")
    expect_error(api.call("POST", "/users", {"address": "x@unknown.example", "password": "pw"}), 400, "address")
    expect_error(api.call("POST", "/users", {"address": "x@example.org", "password": "pw", "quota_bytes": -5}),
                 400, "quota_bytes")
    expect_error(api.call("POST", "/users", {"address": "x@example.org", "password": "pw", "quota_bytes": "1G"}),
                 400, "quota_bytes")
    expect_error(api.call("POST", "/users", {"address": "x@example.org", "password": "pw", "quota_messages": 1.5}),
                 400, "quota_messages")
    expect_error(api.call("POST", "/users", {"address": "x@example.org", "password": "a\u0000b"}), 400, "password")
    code, _, _ = api.call("POST", "/users", {"address": "x@example.org", "password": "pw-ok"})
    assert code == 201
    expect_error(api.call("PATCH", "/users/x@example.org", {"disabled": "true"}), 400, "disabled")
    expect_error(api.call("PATCH", "/users/x@example.org", {"quota_bytes": None}), 400, "quota_bytes")
    expect_error(api.call("PATCH", "/users/x@example.org", {"address": "y@example.org"}), 400, "address")
    expect_error(api.call("PATCH", "/users/nobody@example.org", {"disabled": True}), 404)
    expect_error(api.call("POST", "/aliases", {"source": "a@example.org"}), 400, "target")
    expect_error(api.call("GET", "/nothing-here"), 404)
    res = api.call("PUT", "/users")
    expect_error(res, 405)
    assert res[2]["Allow"] == "GET, POST"
    # Nothing above changed the account.
    code, body, _ = api.call("GET", "/users/x@example.org")
    assert code == 200 and body["disabled"] is False and body["quota_bytes"] == 0


def test_queue_endpoints(api_server, build_dir):
    srv, api, _ = api_server
    code, body, _ = api.call("GET", "/queue")
    assert code == 200 and body == {"entries": [], "recipients_pending": 0}
    assert api.call("POST", "/queue/flush")[1] == {"recipients_due": 0}
    expect_error(api.call("GET", "/queue/NOSUCHID"), 404)
    expect_error(api.call("POST", "/queue/NOSUCHID/retry"), 404)
    expect_error(api.call("DELETE", "/queue/NOSUCHID"), 404)

    # An entry for a remote recipient, put into the store by another process
    # (as submission would); the smarthost refuses connections, so it stays
    # pending however often it is retried.
    res = subprocess.run([str(build_dir / "queue_tool"), "enqueue", str(srv.data), "QAPI1", "",
                          "someone@remote.example"], input=MESSAGE, capture_output=True, timeout=60)
    assert res.returncode == 0, res.stderr
    code, body, _ = api.call("GET", "/queue")
    assert code == 200 and len(body["entries"]) == 1, body
    entry = body["entries"][0]
    assert entry["queue_id"] == "QAPI1" and entry["sender"] == ""
    assert entry["recipients"][0]["address"] == "someone@remote.example"
    assert entry["recipients"][0]["state"] == "pending"
    code, one, _ = api.call("GET", "/queue/QAPI1")
    assert code == 200 and "Subject: waiting in the queue" in one["headers"]
    assert "Body." not in json.dumps(one)
    code, body, _ = api.call("POST", "/queue/QAPI1/retry")
    assert code == 200 and body["recipients_due"] in (0, 1)  # 0 when the runner holds it right now
    code, body, _ = api.call("POST", "/queue/flush")
    assert code == 200 and isinstance(body["recipients_due"], int)
    assert [e["queue_id"] for e in api.call("GET", "/queue")[1]["entries"]] == ["QAPI1"]
    assert api.call("DELETE", "/queue/QAPI1")[0] == 204
    expect_error(api.call("DELETE", "/queue/QAPI1"), 404)
    assert api.call("GET", "/queue")[1]["entries"] == []
    assert srv.cli("queue", "list").stdout.decode().strip() == "queue is empty"
