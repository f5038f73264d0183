"""Shared mailboxes (RFC 4314) managed by the user they are shared with:
bob shares, carol creates children with "k" (they inherit the parent's
ACL), deletes with "x", renames inside bob's tree with "x" + "k",
subscribes to Shared/ names, and an ACL change reaches her open selection."""
import re

from imap_ext_util import deliver, login, raw_login

BOB = "bob@example.org"
CAROL = "carol@example.org"


def sh(name):
    return f'"Shared/{BOB}/{name}"'


def names(m):
    typ, data = m.list()
    assert typ == "OK", data
    return sorted(re.search(rb'"/" "?([^"]*)"?$', l).group(1).decode() for l in data)


def test_create_and_delete_with_k_and_x(server):
    b = login(server, BOB)
    assert b.create("Team")[0] == "OK"
    assert b.setacl("Team", CAROL, "lr")[0] == "OK"
    c = raw_login(server, CAROL)
    # "k" on the parent is needed (RFC 4314 4).
    _, t = c.command(f"CREATE {sh('Team/Sub')}")
    assert b"NO [NOPERM]" in t, t
    assert b.setacl("Team", CAROL, "+k")[0] == "OK"
    _, t = c.ok(f"CREATE {sh('Team/Sub')}")
    assert re.search(rb"OK \[MAILBOXID \(F\d+\)\]", t), t
    assert "Team/Sub" in names(b)
    # The new mailbox inherits the parent's ACL: carol sees it with lrk.
    u, _ = c.ok(f"MYRIGHTS {sh('Team/Sub')}")
    assert u == [f'* MYRIGHTS "Shared/{BOB}/Team/Sub" lrkc'.encode()], u
    u, _ = c.ok('LIST "" "Shared/*"')
    assert any(f'"Shared/{BOB}/Team/Sub"'.encode() in l for l in u), u
    # Missing superiors are created too, and inherit the ACL as well.
    c.ok(f"CREATE {sh('Team/a/b')}")
    u, _ = c.ok('LIST "" "Shared/*"')
    listed = b"\n".join(u)
    assert f'"Shared/{BOB}/Team/a"'.encode() in listed and f'"Shared/{BOB}/Team/a/b"'.encode() in listed, u
    # Not at the top of bob's tree (no parent to hold "k"), nor twice.
    _, t = c.command(f"CREATE {sh('TopLevel')}")
    assert b"NO [NOPERM]" in t, t
    _, t = c.command(f"CREATE {sh('Team/Sub')}")
    assert b"NO [ALREADYEXISTS]" in t, t
    # DELETE needs "x" on the mailbox itself.
    _, t = c.command(f"DELETE {sh('Team/Sub')}")
    assert b"NO [NOPERM]" in t, t
    assert b.setacl("Team/Sub", CAROL, "+x")[0] == "OK"
    c.ok(f"DELETE {sh('Team/Sub')}")
    assert "Team/Sub" not in names(b)
    _, t = c.command(f"DELETE {sh('Team/Sub')}")
    assert b"NO [NONEXISTENT]" in t, t
    # Never another user's INBOX.
    assert b.setacl("INBOX", CAROL, "lrx")[0] == "OK"
    _, t = c.command(f"DELETE {sh('INBOX')}")
    assert b"NO [CANNOT]" in t, t
    # A mailbox she cannot see does not exist for her.
    assert b.create("Private")[0] == "OK"
    _, t = c.command(f"DELETE {sh('Private')}")
    assert b"NO [NONEXISTENT]" in t, t
    c.close()
    b.logout()


def test_rename_inside_the_owners_tree(server):
    b = login(server, BOB)
    for n in ("Team", "Team/Old", "Other"):
        assert b.create(n)[0] == "OK"
    assert b.setacl("Team", CAROL, "lrk")[0] == "OK"
    assert b.setacl("Team/Old", CAROL, "lrx")[0] == "OK"
    assert b.setacl("Other", CAROL, "lr")[0] == "OK"
    c = raw_login(server, CAROL)
    # "x" on the mailbox and "k" on the new parent.
    c.ok(f"RENAME {sh('Team/Old')} {sh('Team/New')}")
    assert "Team/New" in names(b) and "Team/Old" not in names(b)
    # The ACL stays with the mailbox (RFC 4314 4: RENAME SHOULD NOT change it).
    u, _ = c.ok(f"MYRIGHTS {sh('Team/New')}")
    assert u == [f'* MYRIGHTS "Shared/{BOB}/Team/New" lrxd'.encode()], u
    _, t = c.command(f"RENAME {sh('Team/New')} {sh('Other/New')}")
    assert b"NO [NOPERM]" in t, t  # no "k" on Other
    _, t = c.command(f"RENAME {sh('Team/New')} Mine")
    assert b"NO [CANNOT]" in t, t  # out of bob's tree
    _, t = c.command(f'RENAME {sh("Team/New")} "Shared/{CAROL}/Mine"')
    assert b"NO [CANNOT]" in t, t
    assert b.setacl("Team/New", CAROL, "lr")[0] == "OK"
    _, t = c.command(f"RENAME {sh('Team/New')} {sh('Team/Newer')}")
    assert b"NO [NOPERM]" in t, t  # "x" taken away
    c.close()
    b.logout()


def test_subscribe_shared_names(server):
    b = login(server, BOB)
    assert b.create("Team")[0] == "OK"
    assert b.setacl("Team", CAROL, "lr")[0] == "OK"
    c = raw_login(server, CAROL)
    c.ok(f"SUBSCRIBE {sh('Team')}")
    u, _ = c.ok('LSUB "" "*"')
    assert f'* LSUB () "/" "Shared/{BOB}/Team"'.encode() in u, u
    u, _ = c.ok('LIST (SUBSCRIBED) "" "*"')
    line = [l for l in u if f'"Shared/{BOB}/Team"'.encode() in l]
    assert len(line) == 1 and b"\\Subscribed" in line[0] and b"\\NonExistent" not in line[0], u
    c.ok(f"UNSUBSCRIBE {sh('Team')}")
    u, _ = c.ok('LSUB "" "*"')
    assert not any(b"Shared/" in l for l in u), u
    c.close()
    b.logout()


def test_acl_change_reaches_an_open_selection(server):
    deliver(server, BOB, subject="shared one")
    b = login(server, BOB)
    assert b.setacl("INBOX", CAROL, "lrswte")[0] == "OK"
    c = raw_login(server, CAROL)
    _, t = c.ok(f"SELECT {sh('INBOX')}")
    assert b"[READ-WRITE]" in t, t
    c.ok("STORE 1 +FLAGS (\\Flagged)")
    # Taking "w s t e" away makes the open selection read-only at once.
    assert b.setacl("INBOX", CAROL, "lr")[0] == "OK"
    _, t = c.command("STORE 1 +FLAGS (\\Seen)")
    assert b" NO " in t, t
    u, _ = c.ok("FETCH 1 (FLAGS)")
    assert b"\\Flagged" in u[0] and b"\\Seen" not in u[0], u
    # Taking "r" away ends the selection: the next FETCH is refused.
    assert b.setacl("INBOX", CAROL, "l")[0] == "OK"
    u, t = c.command("FETCH 1 (BODY.PEEK[])")
    assert b"NO [NOPERM]" in t, (u, t)
    assert any(l.startswith(b"* OK [CLOSED]") for l in u), u
    assert not any(b"shared one" in l for l in u), u
    _, t = c.command("FETCH 1 (FLAGS)")
    assert b" BAD " in t, t  # no mailbox selected any more
    _, t = c.command(f"SELECT {sh('INBOX')}")
    assert b"NO [NOPERM]" in t, t
    # Revoking everything: the mailbox no longer exists for her.
    assert b.deleteacl("INBOX", CAROL)[0] == "OK"
    _, t = c.command(f"SELECT {sh('INBOX')}")
    assert b"NO [NONEXISTENT]" in t, t
    c.close()
    b.logout()
