"""POP3 (RFC 1939, 2449, 5034, 2595 STLS) against a real `postamt serve`
with python's poplib over 110+STLS and 995, plus raw sockets for what
poplib cannot send. The maildrop is the INBOX the SMTP side delivers to;
the CLI (`postamt mailbox list`, `message cat`) is the independent view of
the store."""
import imaplib
import poplib
import re
import socket
import sqlite3
import ssl
import time

import pytest

from pop3_client import (PASSWORD, USER, b64, deliver, deliver_many, login, mailbox_row, pop3_stls, pop3s,
                         retr_bytes, scram_sha256_login, tls_context)
from postamt_server import PostamtServer


@pytest.fixture
def make_server(postamt_bin, tmp_path):
    """Servers with extra configuration (started, users bob and carol)."""
    started = []

    def make(extra_config: str) -> PostamtServer:
        root = tmp_path / f"server{len(started)}"
        root.mkdir()
        srv = PostamtServer(postamt_bin, root, extra_config=extra_config)
        srv.cli("domain", "add", "example.org")
        srv.add_user("bob@example.org")
        srv.add_user("carol@example.org")
        srv.start()
        started.append(srv)
        return srv

    yield make
    for s in started:
        s.stop()


def message(i: int, extra: bytes = b"") -> bytes:
    return (b"From: Alice <alice@example.net>\r\nTo: bob@example.org\r\n"
            b"Subject: message %d\r\nMessage-ID: <m%d@example.net>\r\n\r\nbody of %d\r\n" % (i, i, i)) + extra


def drop(p):
    """The client vanishes without QUIT (poplib's file object would keep
    the socket open after a plain close())."""
    p.sock.shutdown(socket.SHUT_RDWR)
    p.sock.close()
    p.file.close()


def wait_for_login(server, deadline_s=5.0) -> poplib.POP3:
    """Logs in as soon as the maildrop lock is free again."""
    deadline = time.time() + deadline_s
    while True:
        p = pop3s(server)
        try:
            login(p)
            return p
        except poplib.error_proto as e:
            p.close()
            assert b"IN-USE" in e.args[0] and time.time() < deadline, e
            time.sleep(0.05)


def raw_pop3(port: int, payload: bytes, until: bytes, timeout=10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        out = s.recv(1000)
        assert out.startswith(b"+OK"), out
        s.sendall(payload)
        s.settimeout(timeout)
        out = b""
        deadline = time.time() + timeout
        while until not in out and time.time() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
        return out


# ---- CAPA, greeting ------------------------------------------------------------

def test_capa_lists_extensions_per_state(server):
    p = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=30)
    assert p.getwelcome().startswith(b"+OK mail.example.org")
    caps = p.capa()
    for c in ("TOP", "UIDL", "USER", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "STLS"):
        assert c in caps, (c, caps)
    assert caps["EXPIRE"] == ["NEVER"]
    assert caps["IMPLEMENTATION"] == ["Postamt"]
    assert caps["SASL"] == ["SCRAM-SHA-256", "PLAIN", "LOGIN"], "loopback may use plaintext (default config)"
    assert "LOGIN-DELAY" not in caps
    p.stls(tls_context())
    caps = p.capa()
    assert "STLS" not in caps, "no STLS once TLS is active"
    login(p)
    caps = p.capa()
    assert "USER" not in caps and "SASL" not in caps and "STLS" not in caps
    assert "TOP" in caps and "UIDL" in caps and caps["EXPIRE"] == ["NEVER"]
    p.quit()


def test_capa_announces_configured_policies(make_server):
    srv = make_server('[pop3]\nexpire_days = 30\nlogin_delay = "10m"\n')
    p = pop3s(srv)
    caps = p.capa()
    assert caps["EXPIRE"] == ["30"]
    assert caps["LOGIN-DELAY"] == ["600"]
    p.quit()


# ---- TRANSACTION over both listeners -------------------------------------------------

@pytest.mark.parametrize("connect", [pop3_stls, pop3s], ids=["110+STLS", "995"])
def test_stat_list_uidl_retr_byte_equal(server, connect):
    bodies = [
        message(1),
        # Lines that start with a dot (byte-stuffing both ways), a lone dot.
        message(2, b".leading dot\r\n..two dots\r\n.\r\nafter\r\n"),
        # Bigger than one 64 KiB chunk, with a dot line right after a chunk
        # boundary somewhere in the middle.
        message(3, b"".join(b".%05d " % i + b"x" * 70 + b"\r\n" for i in range(3000))),
        # No final line break.
        message(4, b"no newline at the end"),
    ]
    deliver_many(server, bodies)
    p = connect(server)
    assert login(p).startswith(b"+OK")
    count, size = p.stat()
    assert count == 4
    stored = [server.message(USER, uid) for uid in range(1, 5)]
    # Sizes are the octets of the stored CRLF message (RFC 1939 11).
    assert size == sum(len(m) for m in stored)
    resp, listing, _ = p.list()
    assert listing == [b"%d %d" % (i + 1, len(m)) for i, m in enumerate(stored)]
    assert p.list(2) == b"+OK 2 %d" % len(stored[1])
    for i, m in enumerate(stored):
        got = retr_bytes(p, i + 1)
        expected = m if m.endswith(b"\r\n") else m + b"\r\n"
        assert got == expected, f"message {i + 1} differs"
    resp, uidls, _ = p.uidl()
    assert len(uidls) == 4
    p.quit()


def test_uidl_is_dovecot_format_and_stable_across_sessions(server):
    deliver_many(server, [message(i) for i in range(3)])
    p = pop3s(server)
    login(p)
    first = p.uidl()[1]
    p.quit()
    uidvalidity = mailbox_row(server)["uidvalidity"]
    # Dovecot's default %08Xu%08Xv: UID then UIDVALIDITY, upper-case hex.
    assert first == [b"%d %08X%08X" % (i + 1, i + 1, uidvalidity) for i in range(3)]
    # A new message and a deleted one: the others keep their UIDL.
    deliver(server, message(9))
    p = pop3_stls(server)
    login(p)
    assert p.uidl()[1][:3] == first
    p.dele(1)
    p.quit()
    p = pop3s(server)
    login(p)
    uidls = [line.split()[1] for line in p.uidl()[1]]
    assert uidls == [first[1].split()[1], first[2].split()[1], b"%08X%08X" % (4, uidvalidity)]
    assert p.uidl(1) == b"+OK 1 " + first[1].split()[1]
    p.quit()


def test_top_n_0_and_n(server):
    deliver(server, message(1, b"line two\r\n.line three\r\n"))
    stored = server.message(USER, 1)
    header, body = stored.split(b"\r\n\r\n", 1)
    p = pop3s(server)
    login(p)
    resp, lines, _ = p.top(1, 0)
    assert resp.startswith(b"+OK")
    assert b"".join(l + b"\r\n" for l in lines) == header + b"\r\n\r\n"
    resp, lines, _ = p.top(1, 2)
    assert b"".join(l + b"\r\n" for l in lines) == header + b"\r\n\r\n" + b"body of 1\r\nline two\r\n"
    p.quit()
    # TOP is not a download: the message stays unseen for IMAP.
    assert mailbox_row(server)["unseen"] == 1


def test_dele_rset_keeps_and_disconnect_never_deletes(server):
    deliver_many(server, [message(i) for i in range(3)])
    p = pop3s(server)
    login(p)
    p.dele(1)
    p.dele(3)
    assert p.stat() == (1, len(server.message(USER, 2)))
    with pytest.raises(poplib.error_proto, match=r"Message 1 is deleted"):
        p.retr(1)
    assert p.rset().startswith(b"+OK 2 messages undeleted")
    assert p.stat()[0] == 3
    p.quit()
    assert server.mailbox_count(USER) == 3
    # DELE without QUIT (connection dropped): no UPDATE state, nothing deleted.
    p = pop3s(server)
    login(p)
    p.dele(2)
    drop(p)
    # Once the server has noticed (the lock is free), nothing was deleted.
    p = wait_for_login(server)
    assert p.stat()[0] == 3
    p.quit()
    assert server.mailbox_count(USER) == 3


def test_dele_quit_removes_and_the_store_sees_it(server):
    deliver_many(server, [message(i) for i in range(4)])
    before = mailbox_row(server)
    p = pop3_stls(server)
    login(p)
    kept_uidls = [l.split()[1] for l in p.uidl()[1]]
    p.dele(2)
    p.dele(4)
    assert p.quit() == b"+OK Logging out, 2 messages deleted"
    after = mailbox_row(server)
    assert after["messages"] == before["messages"] - 2
    assert server.mailbox_count(USER) == 2
    # The expunged UIDs are gone for every other client (IMAP reads the
    # same store); the rest are still there under their UIDs.
    assert server.cli("message", "cat", USER, "INBOX", "2", check=False).returncode != 0
    assert server.cli("message", "cat", USER, "INBOX", "4", check=False).returncode != 0
    assert server.message(USER, 1).startswith(b"Return-Path:")
    p = pop3s(server)
    login(p)
    assert [l.split()[1] for l in p.uidl()[1]] == [kept_uidls[0], kept_uidls[2]]
    p.quit()


def imap_inbox(server) -> imaplib.IMAP4_SSL:
    m = imaplib.IMAP4_SSL("127.0.0.1", server.ports["imaps"], ssl_context=tls_context(), timeout=30)
    m.login(USER, PASSWORD)
    typ, _ = m.select("INBOX")
    assert typ == "OK"
    return m


def test_imap_session_sees_the_pop3_update(server):
    """An IMAP client selected on the INBOX while a POP3 client downloads
    and deletes: it is not blocked by the POP3 session, and learns about the
    expunge and the \\Seen flag through the store (doorbell)."""
    deliver_many(server, [message(i) for i in range(3)])
    m = imap_inbox(server)
    p = pop3s(server)
    login(p)
    retr_bytes(p, 1)
    retr_bytes(p, 2)
    p.dele(2)
    # IMAP works normally while the POP3 session holds the maildrop.
    other = imap_inbox(server)
    assert other.uid("SEARCH", None, "ALL")[1] == [b"1 2 3"]
    other.logout()
    assert p.quit() == b"+OK Logging out, 1 messages deleted"
    deadline = time.time() + 5
    expunged = []
    while not expunged and time.time() < deadline:
        m.noop()
        expunged = m.response("EXPUNGE")[1]
        expunged = [e for e in expunged if e]
        time.sleep(0.05)
    assert expunged == [b"2"], "the selected IMAP session is told about the expunge"
    assert m.uid("SEARCH", None, "ALL")[1] == [b"1 3"]
    typ, data = m.uid("FETCH", "1:*", "(FLAGS)")
    flags = {re.search(rb"UID (\d+)", d).group(1): d for d in data if d}
    assert b"\\Seen" in flags[b"1"] and b"\\Seen" not in flags[b"3"], data
    m.logout()


def test_retr_marks_seen_for_imap_only_after_quit(server):
    deliver_many(server, [message(i) for i in range(3)])
    assert mailbox_row(server)["unseen"] == 3
    p = pop3s(server)
    login(p)
    retr_bytes(p, 1)
    retr_bytes(p, 2)
    p.dele(2)
    assert mailbox_row(server)["unseen"] == 3, "nothing changes before UPDATE"
    p.quit()
    row = mailbox_row(server)
    assert row["messages"] == 2
    assert row["unseen"] == 1, "the downloaded message that stays is \\Seen"


def test_snapshot_new_mail_appears_in_next_session(server):
    deliver(server, message(1))
    p = pop3s(server)
    login(p)
    assert p.stat()[0] == 1
    deliver(server, message(2))
    assert p.stat()[0] == 1, "the session works on the snapshot taken at login"
    assert p.list()[1] == [b"1 %d" % len(server.message(USER, 1))]
    p.quit()
    p = pop3s(server)
    login(p)
    assert p.stat()[0] == 2
    p.quit()


# ---- authentication ----------------------------------------------------------------

def test_auth_plain_with_initial_response(server):
    deliver(server, message(1))
    p = pop3s(server)
    resp = p._shortcmd("AUTH PLAIN " + b64(b"\0" + USER.encode() + b"\0" + PASSWORD.encode()))
    assert resp.startswith(b"+OK Logged in, 1 messages")
    assert p.stat()[0] == 1
    p.quit()


def test_auth_plain_after_empty_challenge_and_cancel(server):
    p = pop3s(server)
    assert p._shortcmd("AUTH PLAIN") == b"+ "
    with pytest.raises(poplib.error_proto, match=r"Authentication cancelled"):
        p._shortcmd("*")
    assert p._shortcmd("AUTH PLAIN") == b"+ "
    assert p._shortcmd(b64(b"\0bob\0" + PASSWORD.encode())).startswith(b"+OK Logged in")
    p.quit()


def test_auth_login_with_initial_response(server):
    p = pop3_stls(server)
    assert p._shortcmd("AUTH LOGIN " + b64(USER.encode())) == b"+ " + b64(b"Password:").encode()
    assert p._shortcmd(b64(PASSWORD.encode())).startswith(b"+OK Logged in")
    p.quit()


def test_auth_scram_sha256_with_initial_response(server):
    deliver(server, message(1))
    p = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=30)  # SCRAM needs no TLS
    assert scram_sha256_login(p).startswith(b"+OK Logged in, 1 messages")
    assert p.stat()[0] == 1
    p.quit()


def test_auth_scram_wrong_password_is_auth_error(server):
    p = pop3s(server)
    with pytest.raises(poplib.error_proto, match=r"-ERR \[AUTH\]"):
        scram_sha256_login(p, password="not-the-password")
    p.quit()


def test_bad_password_gets_auth_code(server):
    p = pop3s(server)
    p.user(USER)
    with pytest.raises(poplib.error_proto, match=r"-ERR \[AUTH\] Authentication failed"):
        p.pass_("wrong")
    # The session is still in AUTHORIZATION and may try again.
    assert login(p).startswith(b"+OK")
    p.quit()


def test_plaintext_refused_before_tls_unless_allowed(make_server):
    srv = make_server("[auth]\nallow_plaintext_on_loopback = false\n")
    p = poplib.POP3("127.0.0.1", srv.ports["pop3"], timeout=30)
    caps = p.capa()
    assert "USER" not in caps
    assert caps["SASL"] == ["SCRAM-SHA-256"]
    assert "STLS" in caps
    with pytest.raises(poplib.error_proto, match=r"use STLS first"):
        p.user(USER)
    with pytest.raises(poplib.error_proto, match=r"use STLS first"):
        p._shortcmd("AUTH PLAIN " + b64(b"\0bob\0" + PASSWORD.encode()))
    # SCRAM does not send the password: allowed without TLS.
    assert scram_sha256_login(p).startswith(b"+OK")
    p.quit()
    p = poplib.POP3("127.0.0.1", srv.ports["pop3"], timeout=30)
    p.stls(tls_context())
    assert "USER" in p.capa()
    assert login(p).startswith(b"+OK")
    p.quit()
    # Implicit TLS: plaintext is fine from the start.
    p = pop3s(srv)
    assert login(p).startswith(b"+OK")
    p.quit()


def test_failed_logins_are_throttled(make_server):
    srv = make_server("[auth]\nmax_failures_per_ip = 3\n")
    p = pop3s(srv)
    for _ in range(3):
        p.user(USER)
        with pytest.raises(poplib.error_proto, match=r"\[AUTH\]"):
            p.pass_("wrong")
    p.user(USER)
    with pytest.raises(poplib.error_proto, match=r"-ERR \[SYS/TEMP\] Too many failed logins"):
        p.pass_(PASSWORD)
    p.quit()
    srv.stop()  # flushes the log
    assert "event=auth_failed service=pop3" in srv.read_log()


def test_second_session_gets_in_use(server):
    deliver(server, message(1))
    a = pop3s(server)
    login(a)
    b = pop3_stls(server)
    b.user(USER)
    with pytest.raises(poplib.error_proto, match=r"-ERR \[IN-USE\]"):
        b.pass_(PASSWORD)
    with pytest.raises(poplib.error_proto, match=r"-ERR \[IN-USE\]"):
        b._shortcmd("AUTH PLAIN " + b64(b"\0bob\0" + PASSWORD.encode()))
    # Another account is not affected.
    c = pop3s(server)
    assert login(c, "carol@example.org").startswith(b"+OK")
    c.quit()
    a.quit()
    # The lock went with the first session; the second client retries.
    assert login(b).startswith(b"+OK")
    b.quit()


def test_lock_released_when_the_client_vanishes(server):
    a = pop3s(server)
    login(a)
    drop(a)
    wait_for_login(server).quit()


def test_login_delay(make_server):
    srv = make_server('[pop3]\nlogin_delay = "1h"\n')
    p = pop3s(srv)
    login(p)
    p.quit()
    p = pop3s(srv)
    p.user(USER)
    with pytest.raises(poplib.error_proto, match=r"-ERR \[LOGIN-DELAY\]"):
        p.pass_(PASSWORD)
    p.quit()


# ---- retention ------------------------------------------------------------------------

def test_expire_policy_deletes_old_downloads_at_login(make_server):
    srv = make_server("[pop3]\nexpire_days = 2\n")
    deliver_many(srv, [message(i) for i in range(3)])
    p = pop3s(srv)
    login(p)
    retr_bytes(p, 1)
    retr_bytes(p, 2)
    p.quit()  # "leave on server": nothing deleted yet
    assert srv.mailbox_count(USER) == 3
    # Three days pass for message UID 1 (the download time is in the store).
    db = sqlite3.connect(srv.data / "mail.db", timeout=10)
    db.execute("UPDATE messages SET pop3_retrieved = pop3_retrieved - 3 * 86400 WHERE uid = 1")
    db.commit()
    db.close()
    p = pop3s(srv)
    assert login(p).startswith(b"+OK Logged in, 2 messages")
    uids = [l.split()[1] for l in p.uidl()[1]]
    p.quit()
    assert srv.mailbox_count(USER) == 2
    assert srv.cli("message", "cat", USER, "INBOX", "1", check=False).returncode != 0
    uv = mailbox_row(srv)["uidvalidity"]
    assert uids == [b"%08X%08X" % (2, uv), b"%08X%08X" % (3, uv)]
    srv.stop()  # flushes the log
    assert "event=pop3_expired" in srv.read_log()


# ---- malformed input, pipelining --------------------------------------------------------

def test_bad_input_gets_clear_errors_and_stays_in_sync(server):
    deliver(server, message(1))
    payload = (b"STAT\r\n"                      # wrong state
               b"XYZZY\r\n"                     # unknown
               b"USER " + b"u" * 9000 + b"\r\n"  # over limits.max_line_length
               b"USER bob\r\nPASS secret-pw\r\n"
               b"RETR 0\r\nRETR 2\r\nRETR abc\r\nTOP 1\r\nDELE 1\r\nDELE 1\r\nLIST 1\r\n"
               b"RSET\r\nNOOP\r\nQUIT\r\n")
    out = raw_pop3(server.ports["pop3"], payload, b"+OK Logging out")
    lines = out.split(b"\r\n")
    assert lines[0] == b"-ERR Not logged in: STAT is only valid after USER/PASS or AUTH"
    assert lines[1] == b"-ERR Unknown command"
    assert lines[2] == b"-ERR Line too long"
    assert lines[3] == b"+OK Send PASS"
    assert lines[4].startswith(b"+OK Logged in, 1 messages")
    assert lines[5:15] == [b"-ERR Invalid message number", b"-ERR No such message, only 1 in the maildrop",
                           b"-ERR Invalid message number", b"-ERR Syntax: TOP message lines",
                           b"+OK Message 1 deleted", b"-ERR Message 1 is deleted", b"-ERR Message 1 is deleted",
                           b"+OK 1 messages undeleted; maildrop has 1 messages (%d octets)"
                           % len(server.message(USER, 1)), b"+OK", b"+OK Logging out"]
    assert server.mailbox_count(USER) == 1


def test_too_many_bad_commands_close_the_connection(server):
    out = raw_pop3(server.ports["pop3"], b"BOGUS\r\n" * 25, b"Too many bad commands")
    assert out.count(b"-ERR Unknown command") == 19
    assert out.endswith(b"-ERR Too many bad commands, closing connection\r\n")


def test_pipelined_commands_answered_in_order(server):
    deliver_many(server, [message(1), message(2)])
    payload = b"CAPA\r\nUSER bob@example.org\r\nPASS secret-pw\r\nSTAT\r\nLIST\r\nUIDL 2\r\nRETR 2\r\nTOP 1 0\r\nQUIT\r\n"
    out = raw_pop3(server.ports["pop3"], payload, b"+OK Logging out")
    assert re.search(rb"\A\+OK Capability list follows\r\n.*?\r\n\.\r\n\+OK Send PASS\r\n\+OK Logged in, 2 messages",
                     out, re.S), out[:500]
    stored2 = server.message(USER, 2)
    assert b"+OK 2 %d\r\n" % (len(server.message(USER, 1)) + len(stored2)) in out
    assert b"+OK %d octets\r\n" % len(stored2) + stored2 + b".\r\n+OK Top of message follows\r\n" in out
    assert out.endswith(b"+OK Logging out, 0 messages deleted\r\n")


def test_stls_with_pipelined_plaintext_is_discarded(server):
    """RFC 2595 4 / CVE-2011-0411: input sent after STLS in the same packet
    must not be executed inside the TLS session."""
    with socket.create_connection(("127.0.0.1", server.ports["pop3"]), timeout=10) as s:
        s.recv(1000)
        s.sendall(b"STLS\r\nUSER bob\r\n")
        assert s.recv(1000) == b"+OK Begin TLS negotiation\r\n"
        t = tls_context().wrap_socket(s, server_hostname="mail.example.org")
        t.sendall(b"PASS secret-pw\r\n")
        assert t.recv(1000) == b"-ERR Send USER first\r\n"
        t.sendall(b"QUIT\r\n")
        assert t.recv(1000) == b"+OK Bye\r\n"
