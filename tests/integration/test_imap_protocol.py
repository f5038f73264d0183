"""IMAP wire behaviour: synchronising and non-synchronising literals, BAD
for syntax errors with the connection staying in sync, literal and
message limits decided before the client sends the data (TOOBIG,
OVERQUOTA, TRYCREATE), overlong lines, pipelining, and durability of an
APPEND that was answered OK (kill -9)."""
import re
import time

import pytest

from imap_support import RawImap, login
from postamt_server import PostamtServer


def test_sync_literals_get_continuations(server):
    raw = RawImap(server, mode="implicit")
    t = raw.tag()
    raw.send(t + b" LOGIN {15}\r\n")
    assert raw.read_line().startswith(b"+ ")
    raw.send(b"bob@example.org {9}\r\n")
    assert raw.read_line().startswith(b"+ ")
    raw.send(b"secret-pw\r\n")
    _, done = raw.read_tagged(t)
    assert done.startswith(t + b" OK"), done
    raw.close()


def test_non_sync_literals_literal_plus(server):
    raw = RawImap(server, mode="implicit")
    t = raw.tag()
    raw.send(t + b" LOGIN {15+}\r\nbob@example.org {9+}\r\nsecret-pw\r\n")
    _, done = raw.read_tagged(t)
    assert done.startswith(t + b" OK"), done
    # No "+" continuation was sent for them.
    assert raw.pending(0.2) == b""
    raw.close()


def test_syntax_errors_are_bad_and_the_stream_stays_in_sync(server):
    raw = RawImap(server, mode="implicit")
    raw.login()
    for bad in (b"a1 FROBNICATE", b"a2 SELECT", b"a3 LIST \"\"", b"a4 FETCH 1:* (FLAGS", b'a5 LOGIN "unterminated',
                b"a6 SEARCH ((((SEEN)", b"a7 STORE 1 +FLAGZ (\\Seen)", b"a8  NOOP", b"a9 NOOP "):
        raw.send(bad + b"\r\n")
        _, done = raw.read_tagged(bad.split(b" ")[0])
        assert b" BAD " in done, (bad, done)
    # No tag at all: an untagged BAD.
    raw.send(b"\r\n")
    assert raw.read_line().startswith(b"* BAD")
    raw.send(b"+plus NOOP\r\n")
    assert raw.read_line().startswith(b"* BAD")
    # A bad command with a non-synchronising literal: the literal is
    # consumed as data, never read as a command.
    raw.send(b"b1 FROB {28+}\r\nb2 LOGOUT\r\nb3 LOGOUT\r\nxxxx\r\n\r\n")
    _, done = raw.read_tagged(b"b1")
    assert done.startswith(b"b1 BAD")
    # A bad command with a synchronising literal is refused before "+".
    raw.send(b"b4 FROB {10}\r\n")
    _, done = raw.read_tagged(b"b4")
    assert done.startswith(b"b4 BAD")
    _, done = raw.command(b"NOOP")
    assert b" OK " in done
    # Pipelined commands are answered in order.
    raw.send(b"p1 NOOP\r\np2 CAPABILITY\r\np3 NOOP\r\n")
    got = [raw.read_tagged(t)[1][:2] for t in (b"p1", b"p2", b"p3")]
    assert got == [b"p1", b"p2", b"p3"]
    raw.close()


@pytest.fixture
def small_server(postamt_bin, tmp_path):
    srv = PostamtServer(postamt_bin, tmp_path, extra_config=(
        "[limits]\nmax_message_size = \"64K\"\nmax_literal_size = \"1K\"\nmax_line_length = 1024\n"))
    srv.cli("domain", "add", "example.org")
    srv.add_user("bob@example.org")
    srv.add_user("carol@example.org", quota="10K")
    srv.start()
    yield srv
    srv.stop()


def test_append_limits_refused_before_the_literal(small_server):
    raw = RawImap(small_server, mode="implicit")
    assert b"APPENDLIMIT" not in raw.greeting
    raw.login()
    lines, _ = raw.command(b"CAPABILITY")
    assert b"APPENDLIMIT=65536" in lines[0]
    # Over the size limit: NO [TOOBIG] instead of "+".
    t = raw.tag()
    raw.send(t + b" APPEND INBOX {70000}\r\n")
    _, done = raw.read_tagged(t)
    assert done.startswith(t + b" NO [TOOBIG]"), done
    # No such mailbox: TRYCREATE before the data.
    t = raw.tag()
    raw.send(t + b" APPEND Nowhere {100}\r\n")
    _, done = raw.read_tagged(t)
    assert done.startswith(t + b" NO [TRYCREATE]"), done
    # A non-synchronising literal over the limit is read and thrown away.
    t = raw.tag()
    big = b"x" * 70000
    raw.send(t + b" APPEND INBOX {70000+}\r\n" + big + b"\r\n")
    _, done = raw.read_tagged(t)
    assert done.startswith(t + b" NO [TOOBIG]"), done
    # Other literals are bounded by max_literal_size.
    t = raw.tag()
    raw.send(t + b" SEARCH TEXT {2000}\r\n")
    _, done = raw.read_tagged(t)
    assert done.startswith(t + b" BAD [TOOBIG]"), done
    _, done = raw.command(b"NOOP")
    assert b" OK " in done
    raw.close()
    # Over quota: carol has 10K.
    raw = RawImap(small_server, mode="implicit")
    raw.login("carol@example.org")
    t = raw.tag()
    raw.send(t + b" APPEND INBOX {20000}\r\n")
    _, done = raw.read_tagged(t)
    assert done.startswith(t + b" NO [OVERQUOTA]"), done
    msg = b"Subject: fits\r\n\r\n" + b"y" * 2000 + b"\r\n"
    t = raw.tag()
    raw.send(t + b" APPEND INBOX {%d}\r\n" % len(msg))
    assert raw.read_line().startswith(b"+ ")
    raw.send(msg + b"\r\n")
    _, done = raw.read_tagged(t)
    assert b" OK [APPENDUID" in done
    raw.close()


def test_overlong_line_closes_cleanly(small_server):
    raw = RawImap(small_server, mode="implicit")
    raw.login()
    raw.send(b"a SEARCH " + b"1," * 2000 + b"1\r\n")
    line = raw.read_line()
    assert line.startswith(b"* BYE [TOOBIG]"), line
    with pytest.raises(EOFError):
        raw.read_line(timeout=5)
    raw.close()


def test_binary_append_and_utf8_append(server):
    raw = RawImap(server, mode="implicit")
    raw.login()
    msg = b"Subject: bin\r\n\r\nNUL\x00inside\r\n"
    t = raw.tag()
    raw.send(t + b" APPEND INBOX ~{%d}\r\n" % len(msg))
    assert raw.read_line().startswith(b"+ ")
    raw.send(msg + b"\r\n")
    _, done = raw.read_tagged(t)
    assert b" OK [APPENDUID" in done, done
    raw.command(b"ENABLE UTF8=ACCEPT")
    msg = "Subject: Grüße\r\n\r\nÄpfel\r\n".encode()
    t = raw.tag()
    raw.send(t + b" APPEND INBOX UTF8 (~{%d+}\r\n%s)\r\n" % (len(msg), msg))
    _, done = raw.read_tagged(t)
    assert b" OK [APPENDUID" in done, done
    assert server.message("bob@example.org", 2) == msg
    raw.close()


def test_append_ok_survives_kill_9(server):
    m = login(server)
    msg = b"Subject: durable\r\nMessage-ID: <durable@test>\r\n\r\nmust survive\r\n"
    typ, data = m.append("INBOX", r"(\Flagged)", None, msg)
    assert typ == "OK"
    uid = int(re.match(rb"\[APPENDUID \d+ (\d+)\]", data[0]).group(1))
    server.kill()  # SIGKILL right after the OK
    assert server.message("bob@example.org", uid) == msg
    server.start()
    m = login(server)
    m.select("INBOX")
    typ, data = m.uid("FETCH", str(uid), "(FLAGS BODY.PEEK[])")
    assert b"\\Flagged" in data[0][0] and data[0][1] == msg
    m.logout()


def test_graceful_shutdown_says_bye(server):
    raw = RawImap(server, mode="implicit")
    raw.login()
    proc = server.proc
    proc.send_signal(15)
    line = raw.read_line(timeout=10)
    assert line.startswith(b"* BYE"), line
    proc.wait(timeout=20)
    server.proc = None
    raw.close()
    time.sleep(0.1)


def test_autologout_applies_to_idle_too(postamt_bin, tmp_path):
    srv = PostamtServer(postamt_bin, tmp_path, extra_config="[limits]\nimap_idle_timeout = \"2s\"\n")
    srv.cli("domain", "add", "example.org")
    srv.add_user("bob@example.org")
    srv.start()
    try:
        quiet = RawImap(srv, mode="implicit")
        quiet.login()
        idler = RawImap(srv, mode="implicit")
        idler.login()
        idler.command(b"SELECT INBOX")
        idler.send(b"I IDLE\r\n")
        assert idler.read_line().startswith(b"+ ")
        t0 = time.time()
        assert quiet.read_line(timeout=10).startswith(b"* BYE Autologout")
        line = idler.read_line(timeout=10)
        while line.startswith(b"* OK Still here"):
            line = idler.read_line(timeout=10)
        assert line.startswith(b"* BYE Autologout"), line
        assert time.time() - t0 < 8
        for c in (quiet, idler):
            with pytest.raises(EOFError):
                c.read_line(timeout=5)
            c.close()
    finally:
        srv.stop()
