"""NOTIFY (RFC 5465) with two sessions of one account: session A asks for
events, session B (imaplib) and SMTP change mailboxes; A sees STATUS for
other mailboxes, LIST for created/renamed/deleted/subscribed mailboxes,
EXISTS + FETCH for the selected one, at once while it IDLEs and at command
ends otherwise."""
import re
import time

from imap_support import RawImap, deliver_smtp, login

SPEC = (b"NOTIFY SET (selected (MessageNew (UID FLAGS) MessageExpunge FlagChange)) "
        b"(personal (MessageNew MessageExpunge MailboxName SubscriptionChange))")


def read_until(raw, pattern: bytes, timeout=10.0):
    """Lines up to the first one matching `pattern`."""
    seen = []
    while True:
        line = raw.read_line(timeout=timeout)
        seen.append(line)
        if re.search(pattern, line):
            return seen


def session_a(server, select=b"INBOX"):
    a = RawImap(server, mode="implicit")
    a.login()
    if select:
        _, done = a.command(b"SELECT " + select)
        assert b" OK " in done, done
    return a


def ok(raw, text: bytes):
    lines, done = raw.command(text)
    assert b" OK " in done, (text, lines, done)
    return lines


def test_capability(server):
    a = RawImap(server, mode="implicit")
    a.login()
    lines = ok(a, b"CAPABILITY")
    assert b" NOTIFY" in lines[0]
    a.close()


def test_idle_sees_other_sessions_and_smtp(server):
    a = session_a(server)
    ok(a, SPEC)
    a.send(b"I1 IDLE\r\n")
    assert a.read_line().startswith(b"+ ")
    b = login(server)

    # MailboxName: CREATE by another session.
    assert b.create("Lists")[0] == "OK"
    read_until(a, rb'^\* LIST \(\\HasNoChildren\) "/" "?Lists"?$')

    # MessageNew in another mailbox: STATUS (RFC 5465 5.2).
    assert b.append("Lists", None, None, b"Subject: l1\r\n\r\nx\r\n")[0] == "OK"
    line = read_until(a, rb'^\* STATUS "?Lists"? ')[-1]
    assert re.search(rb"MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+\)", line), line

    # MessageNew in the selected mailbox: EXISTS, then the FETCH asked for.
    deliver_smtp(server, subject="to inbox")
    lines = read_until(a, rb"^\* 1 FETCH ")
    assert b"* 1 EXISTS" in lines
    # \Recent: this IMAP4rev1 session is the first to see the message.
    assert lines[-1] == b"* 1 FETCH (UID 1 FLAGS (\\Recent))", lines[-1]

    # FlagChange in the selected mailbox.
    b.select("INBOX")
    b.store("1", "+FLAGS", r"(\Flagged)")
    line = read_until(a, rb"^\* 1 FETCH ")[-1]
    assert b"\\Flagged" in line and b"UID 1" in line

    # RENAME: one LIST with OLDNAME (RFC 5465 5.4).
    assert b.rename("Lists", "Lists2")[0] == "OK"
    line = read_until(a, rb'"?Lists2"?')[-1]
    assert re.match(rb'^\* LIST \(\\HasNoChildren\) "/" "?Lists2"? \("OLDNAME" \("?Lists"?\)\)$', line), line

    # SubscriptionChange.
    assert b.subscribe("Lists2")[0] == "OK"
    line = read_until(a, rb"Subscribed")[-1]
    assert re.match(rb'^\* LIST \(\\HasNoChildren \\Subscribed\) "/" "?Lists2"?$', line), line
    assert b.unsubscribe("Lists2")[0] == "OK"
    line = read_until(a, rb'"?Lists2"?$')[-1]
    assert re.match(rb'^\* LIST \(\\HasNoChildren\) "/" "?Lists2"?$', line), line

    # DELETE: \NonExistent.
    assert b.delete("Lists2")[0] == "OK"
    line = read_until(a, rb"NonExistent")[-1]
    assert re.match(rb'^\* LIST \(\\NonExistent\) "/" "?Lists2"?$', line), line

    # MessageExpunge in the selected mailbox.
    b.store("1", "+FLAGS", r"(\Deleted)")
    b.expunge()
    read_until(a, rb"^\* 1 EXPUNGE$")

    a.send(b"DONE\r\n")
    _, done = a.read_tagged(b"I1")
    assert done == b"I1 OK IDLE terminated"
    b.logout()
    a.close()


def test_status_indicator_and_command_boundaries(server):
    a = session_a(server)
    lines = ok(a, b"NOTIFY SET STATUS (personal (MessageNew MessageExpunge))")
    # One STATUS per watched mailbox other than the selected INBOX (3.1).
    names = sorted(re.match(rb'^\* STATUS "?([^" ]+)"? \(', l).group(1) for l in lines)
    assert names == [b"Archive", b"Drafts", b"Junk", b"Sent", b"Trash"], lines
    assert all(re.search(rb"\(MESSAGES 0 UIDNEXT 1 UIDVALIDITY \d+\)$", l) for l in lines), lines

    b = login(server)
    b.append("Archive", None, None, b"Subject: a\r\n\r\nx\r\n")
    # No IDLE: the STATUS comes with the next command's end.
    time.sleep(0.2)
    lines = ok(a, b"NOOP")
    assert any(re.match(rb'^\* STATUS "?Archive"? \(MESSAGES 1 UIDNEXT 2 ', l) for l in lines), lines
    assert not any(b"STATUS" in l for l in ok(a, b"NOOP"))

    # A flag change alone is not reported without FlagChange (5.1).
    b.select("Archive")
    b.store("1", "+FLAGS", r"(\Seen)")
    time.sleep(0.2)
    assert not any(b"STATUS" in l for l in ok(a, b"NOOP"))

    # With FlagChange, HIGHESTMODSEQ and UNSEEN are included, so a keyword
    # change shows too (RFC 5465 3.1, 5.1).
    ok(a, b"NOTIFY SET (personal (MessageNew MessageExpunge FlagChange))")
    b.store("1", "+FLAGS", r"($Work)")
    time.sleep(0.2)
    lines = ok(a, b"NOOP")
    line = [l for l in lines if l.startswith(b"* STATUS")]
    assert len(line) == 1 and re.search(rb"MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ HIGHESTMODSEQ \d+ UNSEEN 0\)$",
                                        line[0]), lines
    ok(a, b"ENABLE CONDSTORE")
    ok(a, b"NOTIFY SET (personal (MessageNew MessageExpunge FlagChange))")
    b.store("1", "-FLAGS", r"(\Seen)")
    time.sleep(0.2)
    lines = ok(a, b"NOOP")
    line = [l for l in lines if l.startswith(b"* STATUS")]
    assert len(line) == 1 and re.search(rb"HIGHESTMODSEQ \d+ UNSEEN 1\)$", line[0]), lines

    # NOTIFY NONE: nothing more.
    ok(a, b"NOTIFY NONE")
    b.append("Archive", None, None, b"Subject: b\r\n\r\nx\r\n")
    time.sleep(0.2)
    assert not any(b"STATUS" in l for l in ok(a, b"NOOP"))
    b.logout()
    a.close()


def test_filters_subtree_and_mailboxes(server):
    b = login(server)
    for n in ("Lists", "Lists/a", "Other"):
        assert b.create(n)[0] == "OK"
    a = session_a(server, select=None)  # authenticated state
    # An unknown mailbox in MAILBOXES is ignored, not an error (RFC 5465 3.1).
    ok(a, b"NOTIFY SET (subtree Lists (MessageNew MessageExpunge MailboxName)) "
          b"(mailboxes (Nowhere Other) (MailboxName))")
    b.append("Lists/a", None, None, b"Subject: a\r\n\r\nx\r\n")
    b.append("Other", None, None, b"Subject: o\r\n\r\nx\r\n")
    b.append("INBOX", None, None, b"Subject: i\r\n\r\nx\r\n")
    time.sleep(0.2)
    lines = ok(a, b"NOOP")
    status = [l for l in lines if l.startswith(b"* STATUS")]
    assert len(status) == 1 and b"Lists/a" in status[0], lines
    # A new mailbox inside the subtree and its parent are listed; the same
    # outside is not, unless named.
    assert b.create("Lists/b")[0] == "OK"
    assert b.create("Elsewhere")[0] == "OK"
    assert b.create("Nowhere")[0] == "OK"
    time.sleep(0.2)
    lines = ok(a, b"NOOP")
    listed = sorted(re.match(rb'^\* LIST \([^)]*\) "/" "?([^"]+)"?$', l).group(1)
                    for l in lines if l.startswith(b"* LIST"))
    assert listed == [b"Lists", b"Lists/b", b"Nowhere"], lines
    # IDLE in the authenticated state gets them at once.
    a.send(b"I1 IDLE\r\n")
    assert a.read_line().startswith(b"+ ")
    b.append("Lists", None, None, b"Subject: l\r\n\r\nx\r\n")
    line = read_until(a, rb"^\* STATUS")[-1]
    assert re.match(rb'^\* STATUS "?Lists"? \(MESSAGES 1 UIDNEXT 2 ', line), line
    a.send(b"DONE\r\n")
    a.read_tagged(b"I1")
    b.logout()
    a.close()


def test_own_changes_not_reported(server):
    a = session_a(server)
    ok(a, b"NOTIFY SET (personal (MailboxName SubscriptionChange))")
    for cmd in (b"CREATE Mine/Child", b"SUBSCRIBE Mine/Child", b"RENAME Mine Yours",
                b"DELETE Yours/Child", b"UNSUBSCRIBE Yours/Child"):
        lines = ok(a, cmd)
        assert not any(l.startswith(b"* LIST") for l in lines), (cmd, lines)
    time.sleep(0.2)
    lines = ok(a, b"NOOP")
    assert not any(l.startswith(b"* LIST") for l in lines), lines
    a.close()


def test_selected_events_follow_the_selected_group(server):
    a = session_a(server)
    # SELECTED NONE (the same as no SELECTED group): IDLE does not push the
    # selected mailbox's changes (RFC 5465 3.1), other mailboxes still come.
    ok(a, b"NOTIFY SET (selected NONE) (personal (MessageNew MessageExpunge))")
    a.send(b"I1 IDLE\r\n")
    assert a.read_line().startswith(b"+ ")
    deliver_smtp(server, subject="quiet")
    time.sleep(0.5)
    assert a.pending(0.3) == b""
    b = login(server)
    b.append("Drafts", None, None, b"Subject: d\r\n\r\nx\r\n")
    line = read_until(a, rb"^\* STATUS")[-1]
    assert b"Drafts" in line
    a.send(b"DONE\r\n")
    lines, done = a.read_tagged(b"I1")
    assert b" OK " in done
    # The base protocol still tells at the next command end.
    lines = ok(a, b"NOOP") if b"* 1 EXISTS" not in lines else lines
    assert b"* 1 EXISTS" in lines, lines
    # SELECTED-DELAYED with MessageNew fetch attributes.
    ok(a, b"NOTIFY SET (selected-delayed (MessageNew (UID BODY.PEEK[HEADER.FIELDS (Subject)]) MessageExpunge))")
    a.send(b"I2 IDLE\r\n")
    assert a.read_line().startswith(b"+ ")
    deliver_smtp(server, subject="loud")
    lines = read_until(a, rb"^\* 2 FETCH ")
    assert b"* 2 EXISTS" in lines
    assert b"UID 2" in lines[-1] and b"Subject: loud" in lines[-1], lines
    a.send(b"DONE\r\n")
    a.read_tagged(b"I2")
    b.logout()
    a.close()


def test_errors(server):
    a = session_a(server)
    # Unsupported events: NO [BADEVENT (the supported ones)] (RFC 5465 3.1).
    _, done = a.command(b"NOTIFY SET (personal (MessageNew MessageExpunge AnnotationChange))")
    assert re.match(rb"^R\d+ NO \[BADEVENT \(MessageNew MessageExpunge FlagChange MailboxName "
                    rb"SubscriptionChange\)\]", done), done
    _, done = a.command(b"NOTIFY SET (personal (MailboxMetadataChange))")
    assert b" NO [BADEVENT " in done, done
    # MessageNew without MessageExpunge, mailbox events for SELECTED,
    # fetch-att outside SELECTED: BAD (RFC 5465 5, 6.1, 8).
    for cmd in (b"NOTIFY SET (personal (MessageNew))",
                b"NOTIFY SET (selected (MailboxName))",
                b"NOTIFY SET (personal (MessageNew (UID) MessageExpunge))",
                b"NOTIFY SET (selected (FlagChange))",
                b"NOTIFY SET (personal (MessageNew MessageExpunge)",
                b"NOTIFY SET"):
        _, done = a.command(cmd)
        assert b" BAD " in done, (cmd, done)
    # Still in sync, and a refused NOTIFY SET left nothing active.
    ok(a, b"NOOP")
    a.close()
    # Not before login.
    c = RawImap(server, mode="implicit")
    _, done = c.command(b"NOTIFY NONE")
    assert b" BAD " in done or b" NO " in done, done
    c.close()


def test_overflow(server):
    a = session_a(server)
    ok(a, b"NOTIFY SET (personal (MessageNew MessageExpunge))")
    # More than 1,000 mailboxes change before A's next command.
    b = RawImap(server, mode="implicit")
    b.login()
    n = 1005
    b.send(b"".join(b"C%d CREATE box%d\r\n" % (i, i) for i in range(n)))
    b.read_tagged(b"C%d" % (n - 1), timeout=120)
    time.sleep(0.3)
    lines = ok(a, b"NOOP")
    assert any(l.startswith(b"* OK [NOTIFICATIONOVERFLOW]") for l in lines), lines[:5]
    # After the overflow NOTIFY is off (as NOTIFY NONE, RFC 5465 5.8).
    b.command(b'APPEND box1 {10+}\r\nSubject: x')
    time.sleep(0.2)
    assert not any(b"STATUS" in l for l in ok(a, b"NOOP"))
    # And can be set again.
    ok(a, b"NOTIFY SET (personal (MessageNew MessageExpunge))")
    b.command(b'APPEND box2 {10+}\r\nSubject: x')
    time.sleep(0.2)
    assert any(b"box2" in l for l in ok(a, b"NOOP"))
    b.close()
    a.close()


def test_selected_expunge_timing(server):
    """SELECTED with MessageExpunge: the client gave up sequence numbers, so
    EXPUNGE may come at the end of FETCH too (RFC 5465 5.3, 6.1.1);
    SELECTED-DELAYED keeps the RFC 9051 7.4.1 rule (not during FETCH)."""
    for i in range(4):
        deliver_smtp(server, subject=f"m{i}")
    b = login(server)
    b.select("INBOX")
    a = session_a(server)
    ok(a, b"NOTIFY SET (selected-delayed (MessageNew MessageExpunge))")
    b.store("1", "+FLAGS", r"(\Deleted)")
    b.expunge()
    time.sleep(0.2)
    lines = ok(a, b"FETCH 1 (UID)")
    assert not any(b"EXPUNGE" in l for l in lines), lines
    lines = ok(a, b"NOOP")
    assert b"* 1 EXPUNGE" in lines, lines
    ok(a, b"NOTIFY SET (selected (MessageNew MessageExpunge))")
    b.store("1", "+FLAGS", r"(\Deleted)")
    b.expunge()
    time.sleep(0.2)
    lines = ok(a, b"FETCH 1 (UID)")
    assert lines[0].startswith(b"* 1 FETCH (UID 2)") and lines[-1] == b"* 1 EXPUNGE", lines
    b.logout()
    a.close()
