"""IMAP connection level: greeting, CAPABILITY, STARTTLS, implicit TLS,
LOGIN, AUTHENTICATE (PLAIN, LOGIN, SCRAM-SHA-256, SASL-IR), LOGINDISABLED,
ENABLE, ID, NAMESPACE, NOOP, LOGOUT, state checks."""
import base64
import hashlib
import hmac
import imaplib
import os

import pytest

from imap_support import PASSWORD, RawImap, login, tls_context
from postamt_server import PostamtServer


@pytest.fixture
def strict_server(postamt_bin, tmp_path):
    """Plaintext authentication not allowed even on loopback."""
    srv = PostamtServer(postamt_bin, tmp_path, extra_config="[auth]\nallow_plaintext_on_loopback = false\n")
    srv.cli("domain", "add", "example.org")
    srv.add_user("bob@example.org")
    srv.start()
    yield srv
    srv.stop()


def caps(m):
    typ, data = m.capability()
    assert typ == "OK"
    return set(data[0].decode().upper().split())


def test_greeting_capabilities_before_and_after_login(server):
    m = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=10)
    assert m.welcome.startswith(b"* OK [CAPABILITY IMAP4rev1 IMAP4rev2")
    before = caps(m)
    assert {"IMAP4REV1", "IMAP4REV2", "STARTTLS", "SASL-IR", "LITERAL+", "ID", "ENABLE", "IDLE",
            "AUTH=SCRAM-SHA-256"} <= before
    # Loopback with the default config: plaintext login allowed.
    assert "LOGINDISABLED" not in before
    assert "CONDSTORE" not in before  # only advertised once logged in
    m.starttls(ssl_context=tls_context())
    assert "STARTTLS" not in caps(m)
    typ, data = m.login("bob@example.org", PASSWORD)
    assert typ == "OK" and data[0].startswith(b"[CAPABILITY ")
    after = caps(m)
    for c in ("NAMESPACE", "UNSELECT", "CHILDREN", "UIDPLUS", "MOVE", "SPECIAL-USE", "CREATE-SPECIAL-USE",
              "LIST-EXTENDED", "LIST-STATUS", "CONDSTORE", "QRESYNC", "ESEARCH", "SEARCHRES", "BINARY",
              "UTF8=ACCEPT", "STATUS=SIZE", "SAVEDATE", "OBJECTID", "PREVIEW", "WITHIN", "MULTIAPPEND"):
        assert c in after, c
    assert any(c.startswith("APPENDLIMIT=") for c in after)
    assert m.logout()[0] == "BYE"


def test_implicit_tls_login_noop_logout(server):
    m = login(server, mode="implicit")
    assert m.noop()[0] == "OK"
    typ, data = m.logout()
    assert typ == "BYE"


def test_logindisabled_without_tls(strict_server):
    raw = RawImap(strict_server)
    assert b"LOGINDISABLED" in raw.greeting
    assert b"AUTH=PLAIN" not in raw.greeting
    _, done = raw.command(b'LOGIN bob@example.org "secret-pw"')
    assert done.startswith(b"R1 NO [PRIVACYREQUIRED]")
    _, done = raw.command(b"AUTHENTICATE PLAIN " + base64.b64encode(b"\0bob@example.org\0secret-pw"))
    assert b" NO [PRIVACYREQUIRED]" in done
    raw.close()
    # After STARTTLS the same login works.
    m = imaplib.IMAP4("127.0.0.1", strict_server.ports["imap"], timeout=10)
    m.starttls(ssl_context=tls_context())
    assert "LOGINDISABLED" not in caps(m)
    assert "AUTH=PLAIN" in caps(m)
    assert m.login("bob@example.org", PASSWORD)[0] == "OK"
    m.logout()


def test_wrong_password_authenticationfailed(server):
    m = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=10)
    m.starttls(ssl_context=tls_context())
    with pytest.raises(imaplib.IMAP4.error) as e:
        m.login("bob@example.org", "wrong")
    assert "AUTHENTICATIONFAILED" in str(e.value)
    # Still usable afterwards.
    assert m.login("bob@example.org", PASSWORD)[0] == "OK"
    m.logout()


def test_authenticate_plain_with_and_without_initial_response(server):
    raw = RawImap(server, mode="starttls")
    ir = base64.b64encode(b"\0bob@example.org\0" + PASSWORD.encode())
    _, done = raw.command(b"AUTHENTICATE PLAIN " + ir)
    assert done.startswith(b"R1 OK [CAPABILITY "), done
    raw.close()
    m = imaplib.IMAP4_SSL("127.0.0.1", server.ports["imaps"], ssl_context=tls_context(), timeout=10)
    typ, _ = m.authenticate("PLAIN", lambda _: b"\0bob@example.org\0" + PASSWORD.encode())
    assert typ == "OK"
    m.logout()


def test_authenticate_login_and_cancel(server):
    raw = RawImap(server, mode="implicit")
    t = raw.tag()
    raw.send(t + b" AUTHENTICATE LOGIN\r\n")
    assert raw.read_line().startswith(b"+ ")
    raw.send(base64.b64encode(b"bob@example.org") + b"\r\n")
    assert raw.read_line().startswith(b"+ ")
    raw.send(base64.b64encode(PASSWORD.encode()) + b"\r\n")
    _, done = raw.read_tagged(t)
    assert done.startswith(t + b" OK"), done
    raw.close()
    # "*" cancels the exchange with BAD (RFC 9051 6.2.2); the session goes on.
    raw = RawImap(server, mode="implicit")
    t = raw.tag()
    raw.send(t + b" AUTHENTICATE LOGIN\r\n")
    assert raw.read_line().startswith(b"+ ")
    raw.send(b"*\r\n")
    _, done = raw.read_tagged(t)
    assert done.startswith(t + b" BAD"), done
    _, done = raw.command(b"NOOP")
    assert b" OK " in done
    raw.close()


def scram_sha256(user, password):
    """A SCRAM-SHA-256 client (RFC 5802/7677) as an imaplib authobject."""
    nonce = base64.b64encode(os.urandom(18)).decode()
    first_bare = f"n={user},r={nonce}"
    state = {"step": 0}

    def step(challenge: bytes) -> bytes:
        if state["step"] == 0:
            state["step"] = 1
            return ("n,," + first_bare).encode()
        if state["step"] == 1:
            state["step"] = 2
            server_first = challenge.decode()
            attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
            assert attrs["r"].startswith(nonce)
            salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(attrs["s"]), int(attrs["i"]))
            client_key = hmac.new(salted, b"Client Key", "sha256").digest()
            stored_key = hashlib.sha256(client_key).digest()
            final_wo_proof = f"c=biws,r={attrs['r']}"
            auth_msg = f"{first_bare},{server_first},{final_wo_proof}".encode()
            sig = hmac.new(stored_key, auth_msg, "sha256").digest()
            proof = bytes(a ^ b for a, b in zip(client_key, sig))
            server_key = hmac.new(salted, b"Server Key", "sha256").digest()
            state["expect"] = base64.b64encode(hmac.new(server_key, auth_msg, "sha256").digest()).decode()
            return (final_wo_proof + ",p=" + base64.b64encode(proof).decode()).encode()
        # Server-final-message: v=<signature> proves the server knew the keys.
        assert challenge.decode() == "v=" + state["expect"], challenge
        state["verified"] = True
        return b""

    return step, state


def test_authenticate_scram_sha256(server):
    m = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=10)
    step, state = scram_sha256("bob@example.org", PASSWORD)
    typ, _ = m.authenticate("SCRAM-SHA-256", step)
    assert typ == "OK" and state.get("verified")
    m.logout()
    m = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=10)
    step, _ = scram_sha256("bob@example.org", "wrong-password")
    with pytest.raises(imaplib.IMAP4.error) as e:
        m.authenticate("SCRAM-SHA-256", step)
    assert "AUTHENTICATIONFAILED" in str(e.value)


def test_enable_id_namespace(server):
    raw = RawImap(server, mode="implicit")
    raw.login()
    lines, done = raw.command(b"ENABLE CONDSTORE X-UNKNOWN-EXTENSION UTF8=ACCEPT")
    assert lines == [b"* ENABLED CONDSTORE UTF8=ACCEPT"] and b" OK " in done
    # Enabling twice reports nothing new.
    lines, _ = raw.command(b"ENABLE CONDSTORE")
    assert lines == [b"* ENABLED"]
    lines, done = raw.command(b'ID ("name" "pytest" "version" NIL)')
    assert lines[0].startswith(b'* ID ("name" "Postamt"')
    lines, _ = raw.command(b"ID NIL")
    assert lines[0].startswith(b"* ID (")
    lines, done = raw.command(b"NAMESPACE")
    # Personal root plus the namespace of mailboxes others shared (RFC 4314).
    assert lines == [b'* NAMESPACE (("" "/")) (("Shared/" "/")) NIL']
    lines, done = raw.command(b"LOGOUT")
    assert lines[0].startswith(b"* BYE") and b" OK " in done
    raw.close()


def test_state_rules(server):
    raw = RawImap(server, mode="implicit")
    _, done = raw.command(b"SELECT INBOX")
    assert done.startswith(b"R1 BAD"), done
    _, done = raw.command(b"FETCH 1 FLAGS")
    assert done.startswith(b"R2 BAD")
    raw.login()
    _, done = raw.command(b"FETCH 1 FLAGS")
    assert b" BAD " in done  # no mailbox selected
    _, done = raw.command(b'LOGIN bob@example.org "secret-pw"')
    assert b" BAD " in done  # already logged in
    _, done = raw.command(b"STARTTLS")
    assert b" BAD " in done
    # Every parsed command has an executor now (NOTIFY was the last one);
    # one valid in the authenticated state answers OK.
    _, done = raw.command(b"NOTIFY NONE")
    assert b" OK " in done, done
    _, done = raw.command(b"NOOP")
    assert b" OK " in done
    raw.close()


def test_per_user_connection_limit(postamt_bin, tmp_path):
    srv = PostamtServer(postamt_bin, tmp_path, extra_config="[limits]\nmax_connections_per_user = 2\n")
    srv.cli("domain", "add", "example.org")
    srv.add_user("bob@example.org")
    srv.start()
    try:
        a = login(srv, mode="implicit")
        b = login(srv, mode="implicit")
        m = imaplib.IMAP4_SSL("127.0.0.1", srv.ports["imaps"], ssl_context=tls_context(), timeout=10)
        with pytest.raises(imaplib.IMAP4.error) as e:
            m.login("bob@example.org", PASSWORD)
        assert "LIMIT" in str(e.value)
        a.logout()
        # A slot is free again once a session ended.
        for _ in range(50):
            try:
                m.login("bob@example.org", PASSWORD)
                break
            except imaplib.IMAP4.error:
                import time
                time.sleep(0.05)
        assert m.state == "AUTH"
        m.logout()
        b.logout()
    finally:
        srv.stop()


def test_throttled_login_is_unavailable(postamt_bin, tmp_path):
    srv = PostamtServer(postamt_bin, tmp_path, extra_config="[auth]\nmax_failures_per_ip = 2\n")
    srv.cli("domain", "add", "example.org")
    srv.add_user("bob@example.org")
    srv.start()
    try:
        raw = RawImap(srv, mode="implicit")
        for _ in range(2):
            _, done = raw.command(b'LOGIN bob@example.org "wrong"')
            assert b"NO [AUTHENTICATIONFAILED]" in done, done
        # Blocked now: even the right password gets a temporary failure.
        _, done = raw.command(b'LOGIN bob@example.org "secret-pw"')
        assert b"NO [UNAVAILABLE]" in done, done
        raw.close()
    finally:
        srv.stop()
