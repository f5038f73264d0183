"""Several sessions on one mailbox: changes by one session or by an SMTP
delivery reach the others as EXISTS / EXPUNGE (VANISHED under QRESYNC) /
FETCH FLAGS at the points RFC 9051 7.4.1 allows, immediately while they
IDLE; sequence numbers stay consistent per session; \\Recent goes to one
session only."""
import re

from imap_support import RawImap, deliver_smtp, login


def append_raw(raw, subject):
    msg = b"Subject: %s\r\n\r\nbody\r\n" % subject
    t = raw.tag()
    raw.send(t + b" APPEND INBOX {%d+}\r\n%s\r\n" % (len(msg), msg))
    _, done = raw.read_tagged(t)
    assert b" OK " in done, done


def read_until(raw, pattern: bytes, timeout=10.0):
    """Lines up to the first one matching `pattern`."""
    seen = []
    while True:
        line = raw.read_line(timeout=timeout)
        seen.append(line)
        if re.search(pattern, line):
            return seen


def test_idle_sees_delivery_flags_and_expunge(server):
    a = RawImap(server, mode="implicit")
    a.login()
    a.command(b"SELECT INBOX")
    a.send(b"I1 IDLE\r\n")
    assert a.read_line().startswith(b"+ ")
    # A delivery over SMTP reaches the idling session at once.
    deliver_smtp(server, subject="while idle")
    lines = read_until(a, rb"^\* 1 EXISTS$")
    assert lines[-1] == b"* 1 EXISTS"
    # Another session's flag change and expunge too.
    b = login(server)
    b.select("INBOX")
    b.store("1", "+FLAGS", r"(\Flagged)")
    lines = read_until(a, rb"^\* 1 FETCH ")
    assert b"\\Flagged" in lines[-1] and b"UID 1" in lines[-1]
    b.store("1", "+FLAGS", r"(\Deleted)")
    b.expunge()
    read_until(a, rb"^\* 1 EXPUNGE$")
    a.send(b"DONE\r\n")
    _, done = a.read_tagged(b"I1")
    assert done == b"I1 OK IDLE terminated"
    lines, _ = a.command(b"SEARCH ALL")
    assert lines == [b"* SEARCH"]
    b.logout()
    a.close()


def test_no_expunge_during_fetch_store_search(server):
    a = RawImap(server, mode="implicit")
    a.login()
    for s in (b"one", b"two", b"three"):
        append_raw(a, s)
    a.command(b"SELECT INBOX")
    b = login(server)
    b.select("INBOX")
    b.store("2", "+FLAGS", r"(\Deleted)")
    b.expunge()
    b.logout()
    # FETCH, STORE and SEARCH by sequence number must not shift numbers:
    # message 2 is still there for this session, and still readable.
    lines, done = a.command(b"FETCH 1:3 (UID BODY.PEEK[HEADER.FIELDS (Subject)])")
    assert not any(b"EXPUNGE" in l for l in lines), lines
    assert [re.match(rb"\* (\d) FETCH \(UID (\d)", l).groups() for l in lines] == [
        (b"1", b"1"), (b"2", b"2"), (b"3", b"3")]
    assert b"Subject: two" in lines[1]
    lines, done = a.command(b"STORE 3 +FLAGS (\\Seen)")
    assert lines[-1].startswith(b"* 3 FETCH") and not any(b"EXPUNGE" in l for l in lines)
    lines, done = a.command(b"SEARCH ALL")
    assert lines == [b"* SEARCH 1 3"]  # the expunged message no longer matches
    # NOOP is allowed to tell, and then numbers move.
    lines, done = a.command(b"NOOP")
    assert lines == [b"* 2 EXPUNGE"]
    lines, _ = a.command(b"FETCH 2 (UID)")
    assert lines == [b"* 2 FETCH (UID 3)"]
    a.close()


def test_uid_fetch_may_announce_expunge(server):
    a = RawImap(server, mode="implicit")
    a.login()
    append_raw(a, b"x")
    append_raw(a, b"y")
    a.command(b"SELECT INBOX")
    b = login(server)
    b.select("INBOX")
    b.uid("STORE", "1", "+FLAGS", r"(\Deleted)")
    b.expunge()
    b.logout()
    lines, _ = a.command(b"UID FETCH 1:* (FLAGS)")
    assert b"* 1 EXPUNGE" in lines, lines
    a.close()


def test_three_sessions_stay_consistent(server):
    sessions = [RawImap(server, mode="implicit") for _ in range(3)]
    for s in sessions:
        s.login()
    a, b, c = sessions
    append_raw(a, b"first")
    for s in sessions:
        lines, _ = s.command(b"SELECT INBOX")
        assert b"* 1 EXISTS" in lines
    append_raw(c, b"second")
    lines, _ = c.command(b"NOOP")
    # The appender was told with APPEND already (selected mailbox).
    assert b"* 2 EXISTS" not in lines
    c.command(b"STORE 1 +FLAGS (\\Answered)")
    for s, poll in ((a, b"NOOP"), (b, b"CHECK")):
        lines, _ = s.command(poll)
        assert b"* 2 EXISTS" in lines, lines
        assert any(l.startswith(b"* 1 FETCH (FLAGS (\\Answered") for l in lines), lines
    b.command(b"STORE 1 +FLAGS.SILENT (\\Deleted)")
    lines, _ = b.command(b"EXPUNGE")
    assert lines == [b"* 1 EXPUNGE"]
    for s in (a, c):
        lines, _ = s.command(b"NOOP")
        assert b"* 1 EXPUNGE" in lines, lines
        lines, _ = s.command(b"FETCH 1 (UID)")
        assert lines == [b"* 1 FETCH (UID 2)"]
    for s in sessions:
        s.close()


def test_recent_goes_to_one_session(server):
    a = RawImap(server, mode="implicit")
    a.login()
    a.command(b"SELECT INBOX")
    deliver_smtp(server, subject="new")
    lines = []
    for _ in range(100):
        lines, _ = a.command(b"NOOP")
        if b"* 1 EXISTS" in lines:
            break
    assert b"* 1 RECENT" in lines
    lines, _ = a.command(b"FETCH 1 (FLAGS)")
    assert b"\\Recent" in lines[0]
    b = RawImap(server, mode="implicit")
    b.login()
    lines, _ = b.command(b"SELECT INBOX")
    assert b"* 0 RECENT" in lines
    lines, _ = b.command(b"SEARCH RECENT")
    assert lines == [b"* SEARCH"]
    # IMAP4rev2 has no \Recent at all.
    c = RawImap(server, mode="implicit")
    c.login()
    c.command(b"ENABLE IMAP4rev2")
    lines, _ = c.command(b"SELECT INBOX")
    assert not any(b"RECENT" in l for l in lines)
    # ... and SELECT includes the mailbox's LIST response (RFC 9051 6.3.2).
    assert b'* LIST (\\HasNoChildren) "/" "INBOX"' in lines, lines
    lines, _ = c.command(b"SEARCH ALL")  # IMAP4rev2: ESEARCH instead of SEARCH
    assert re.match(rb'\* ESEARCH \(TAG "R\d+"\) ALL 1$', lines[0]), lines
    for s in (a, b, c):
        s.close()


def test_qresync_session_gets_vanished_while_idle(server):
    a = RawImap(server, mode="implicit")
    a.login()
    append_raw(a, b"one")
    append_raw(a, b"two")
    a.command(b"ENABLE QRESYNC")
    a.command(b"SELECT INBOX")
    a.send(b"I1 IDLE\r\n")
    assert a.read_line().startswith(b"+ ")
    b = login(server)
    b.select("INBOX")
    b.store("2", "+FLAGS", r"(\Deleted \Seen)")
    # CONDSTORE/QRESYNC: unsolicited FETCH carries UID and MODSEQ.
    lines = read_until(a, rb"^\* 2 FETCH ")
    assert re.match(rb"\* 2 FETCH \(FLAGS \([^)]*\) UID 2 MODSEQ \(\d+\)\)", lines[-1]), lines
    b.expunge()
    read_until(a, rb"^\* VANISHED 2$")
    a.send(b"DONE\r\n")
    a.read_tagged(b"I1")
    b.logout()
    a.close()


def test_selected_mailbox_deleted_by_other_session(server):
    a = RawImap(server, mode="implicit")
    a.login()
    a.command(b"CREATE Temp")
    a.command(b"SELECT Temp")
    b = login(server)
    assert b.delete("Temp")[0] == "OK"
    b.logout()
    lines = []
    try:
        for _ in range(50):
            a.send(b"N NOOP\r\n")
            line = a.read_line()
            lines.append(line)
            if line.startswith(b"* BYE"):
                break
            a.read_tagged(b"N") if not line.startswith(b"N ") else None
    except EOFError:
        pass
    assert any(l.startswith(b"* BYE") for l in lines), lines
    a.close()
