"""ACL (RFC 4314) against a real server with imaplib: SETACL, DELETEACL,
GETACL, LISTRIGHTS, MYRIGHTS on own mailboxes, the obsolete "c"/"d"
rights, negative rights, "anyone", and the view of the user a mailbox is
shared with (Shared/<owner>/<mailbox>)."""
from imap_ext_util import capabilities, deliver, login, raw_login, register

BOB = "bob@example.org"
CAROL = "carol@example.org"
SHARED_INBOX = f'"Shared/{BOB}/INBOX"'


def acl_of(m, box):
    typ, data = m.getacl(box)
    assert typ == "OK", data
    return data[0].decode()


def test_capabilities(server):
    m = login(server, BOB)
    for c in ("ACL", "RIGHTS=kxte", "LIST-MYRIGHTS"):
        assert c in capabilities(m)
    m.logout()


def test_owner_view_and_setacl(server):
    m = login(server, BOB)
    assert acl_of(m, "INBOX") == f'"INBOX" {BOB} lrswipkxteacd'
    typ, data = m.myrights("INBOX")
    assert typ == "OK" and data[0] == b'"INBOX" lrswipkxteacd', data
    assert m.setacl("INBOX", CAROL, "lr")[0] == "OK"
    assert acl_of(m, "INBOX") == f'"INBOX" {BOB} lrswipkxteacd {CAROL} lr'
    # +/- modify; "d" expands to x t e, "c" to k, shown again on output.
    assert m.setacl("INBOX", CAROL, "+wd")[0] == "OK"
    assert acl_of(m, "INBOX").endswith(f"{CAROL} lrwxted")
    assert m.setacl("INBOX", CAROL, "-xc")[0] == "OK"
    assert acl_of(m, "INBOX").endswith(f"{CAROL} lrwted")
    assert m.setacl("INBOX", "anyone", "l")[0] == "OK"
    assert acl_of(m, "INBOX") == f'"INBOX" {BOB} lrswipkxteacd anyone l {CAROL} lrwted'
    assert m.deleteacl("INBOX", "anyone")[0] == "OK"
    assert acl_of(m, "INBOX") == f'"INBOX" {BOB} lrswipkxteacd {CAROL} lrwted'
    m.logout()


def test_listrights(server):
    m = login(server, BOB)
    register("LISTRIGHTS")
    typ, data = m._simple_command("LISTRIGHTS", "INBOX", CAROL)
    typ, data = m._untagged_response(typ, data, "LISTRIGHTS")
    assert data == [f'"INBOX" {CAROL} "" l r s w i p k x t e a c d'.encode()], data
    typ, data = m._simple_command("LISTRIGHTS", "INBOX", BOB)
    typ, data = m._untagged_response(typ, data, "LISTRIGHTS")
    assert data == [f'"INBOX" {BOB} lrswipkxteacd'.encode()], data
    m.logout()


def test_refusals(server):
    c = raw_login(server, BOB)
    _, t = c.command(f"SETACL INBOX {CAROL} lrQ")
    assert b" BAD " in t, t
    _, t = c.command("SETACL INBOX nobody lr")
    assert b" BAD " in t, t
    _, t = c.command('SETACL INBOX "" lr')
    assert b" BAD " in t, t
    _, t = c.command("SETACL INBOX dave@example.org lr")
    assert b"NO [NONEXISTENT]" in t, t
    _, t = c.command(f"SETACL INBOX {BOB} l")
    assert b"NO [CANNOT]" in t, t
    _, t = c.command(f"SETACL nosuchbox {CAROL} l")
    assert b"NO [NONEXISTENT]" in t, t
    _, t = c.command("GETACL nosuchbox")
    assert b"NO [NONEXISTENT]" in t, t
    c.close()


def test_shared_view_and_rights(server):
    b = login(server, BOB)
    b.create("Team")
    assert b.setacl("Team", CAROL, "lr")[0] == "OK"
    c = raw_login(server, CAROL)
    u, _ = c.ok(f'MYRIGHTS "Shared/{BOB}/Team"')
    assert u == [f'* MYRIGHTS "Shared/{BOB}/Team" lr'.encode()], u
    # No "a": carol cannot read or change the ACL.
    _, t = c.command(f'GETACL "Shared/{BOB}/Team"')
    assert b"NO [NOPERM]" in t, t
    _, t = c.command(f'SETACL "Shared/{BOB}/Team" {CAROL} lrswipkxtea')
    assert b"NO [NOPERM]" in t, t
    # A mailbox not shared with carol does not exist for her.
    _, t = c.command(f"MYRIGHTS {SHARED_INBOX}")
    assert b"NO [NONEXISTENT]" in t, t
    # With "a" she may administer it.
    assert b.setacl("Team", CAROL, "+a")[0] == "OK"
    u, _ = c.ok(f'GETACL "Shared/{BOB}/Team"')
    assert u == [f'* ACL "Shared/{BOB}/Team" {BOB} lrswipkxteacd {CAROL} lra'.encode()], u
    # Negative rights take away what "anyone" grants.
    assert b.setacl("Team", "anyone", "lrs")[0] == "OK"
    assert b.setacl("Team", f"-{CAROL}", "s")[0] == "OK"
    u, _ = c.ok(f'MYRIGHTS "Shared/{BOB}/Team"')
    assert u == [f'* MYRIGHTS "Shared/{BOB}/Team" lra'.encode()], u
    # DELETEACL ends the sharing ("anyone" still sees it, without "a").
    assert b.deleteacl("Team", CAROL)[0] == "OK"
    u, _ = c.ok(f'MYRIGHTS "Shared/{BOB}/Team"')
    assert u == [f'* MYRIGHTS "Shared/{BOB}/Team" lr'.encode()], u
    assert b.deleteacl("Team", "anyone")[0] == "OK"
    _, t = c.command(f'MYRIGHTS "Shared/{BOB}/Team"')
    assert b"NO [NONEXISTENT]" in t, t
    b.logout()
    c.close()


def test_shared_mailbox_access(server):
    deliver(server, BOB, subject="for the team")
    b = login(server, BOB)
    assert b.setacl("INBOX", CAROL, "lr")[0] == "OK"
    c = login(server, CAROL)
    # The other users' namespace is announced.
    typ, data = c.namespace()
    assert data == [b'(("" "/")) (("Shared/" "/")) NIL'], data
    # LIST shows the shared mailbox; RETURN (MYRIGHTS) gives the rights.
    typ, data = c.list()
    assert f'"/" "Shared/{BOB}/INBOX"'.encode() in b"\n".join(data), data
    r = raw_login(server, CAROL)
    u, _ = r.ok('LIST "" "*" RETURN (MYRIGHTS)')
    assert f'* MYRIGHTS "Shared/{BOB}/INBOX" lr'.encode() in u, u
    assert b'* MYRIGHTS "INBOX" lrswipkxteacd' in u, u
    # With "l r" only: read-only, readable, flags cannot change.
    u, t = r.ok(f"SELECT {SHARED_INBOX}")
    assert b"* 1 EXISTS" in u and b"[READ-ONLY]" in t, (u, t)
    u, _ = r.ok("FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert b"Subject: for the team" in u[0]
    _, t = r.command("STORE 1 +FLAGS (\\Flagged)")
    assert b" NO " in t, t
    # Copying out into her own INBOX works.
    r.ok("COPY 1 INBOX")
    # With "s w t e" the selection is read-write and changes reach the owner.
    assert b.setacl("INBOX", CAROL, "+swte")[0] == "OK"
    u, t = r.ok(f"SELECT {SHARED_INBOX}")
    assert b"[READ-WRITE]" in t, t
    r.ok("STORE 1 +FLAGS (\\Flagged)")
    b.select("INBOX")
    typ, data = b.fetch("1", "(FLAGS)")
    assert b"\\Flagged" in data[0], data
    # "l" without "r": visible, not selectable.
    assert b.setacl("INBOX", CAROL, "l")[0] == "OK"
    _, t = r.command(f"SELECT {SHARED_INBOX}")
    assert b"NO [NOPERM]" in t, t
    # Carol's copy arrived in her own INBOX.
    u, _ = r.ok("SELECT INBOX")
    assert b"* 1 EXISTS" in u, u
    r.close()
    b.logout()
    c.logout()
