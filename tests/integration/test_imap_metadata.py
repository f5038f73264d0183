"""METADATA and METADATA-SERVER (RFC 5464) against a real server: server
and mailbox annotations, /private per user vs /shared, DEPTH, MAXSIZE and
LONGENTRIES, NIL deletes, literals and binary values, limits."""
from imap_ext_util import capabilities, login, raw_login, register

BOB = "bob@example.org"
CAROL = "carol@example.org"


def test_capabilities_and_imaplib(server):
    m = login(server, BOB)
    assert "METADATA" in capabilities(m) and "METADATA-SERVER" in capabilities(m)
    register("GETMETADATA", "SETMETADATA")
    typ, data = m._simple_command("SETMETADATA", "INBOX", '(/private/comment "My own comment")')
    assert typ == "OK", data
    typ, data = m._simple_command("GETMETADATA", "INBOX", "/private/comment")
    assert typ == "OK"
    typ, data = m._untagged_response(typ, data, "METADATA")
    assert data == [b'"INBOX" (/private/comment "My own comment")'] or \
        data == [b'INBOX (/private/comment "My own comment")'], data
    m.logout()


def test_server_entries(server):
    c = raw_login(server, BOB)
    c.ok('SETMETADATA "" (/shared/comment "Shared comment")')
    u, _ = c.ok('GETMETADATA "" /shared/comment')
    assert u == [b'* METADATA "" (/shared/comment "Shared comment")'], u
    # /shared/admin is read-only and always there.
    u, _ = c.ok('GETMETADATA "" /shared/admin')
    assert u == [b'* METADATA "" (/shared/admin "mailto:postmaster@example.org")'], u
    _, t = c.command('SETMETADATA "" (/shared/admin "mailto:me@example.org")')
    assert b" NO " in t, t
    # Entry names are case-insensitive.
    u, _ = c.ok('GETMETADATA "" /SHARED/Comment')
    assert b'"Shared comment"' in u[0]
    # An entry without a value is NIL.
    u, _ = c.ok('GETMETADATA "" /private/nothing')
    assert u == [b'* METADATA "" (/private/nothing NIL)'], u
    c.close()


def test_private_is_per_user_shared_is_not(server):
    b = raw_login(server, BOB)
    b.ok('SETMETADATA "" (/private/comment "bob private" /shared/comment "bob shared")')
    c = raw_login(server, CAROL)
    # Server annotations are per account: carol does not see bob's.
    u, _ = c.ok('GETMETADATA "" (/private/comment /shared/comment)')
    assert u == [b'* METADATA "" (/private/comment NIL /shared/comment NIL)'], u
    u, _ = b.ok('GETMETADATA "" (/shared/comment /private/comment)')
    assert u == [b'* METADATA "" (/private/comment "bob private" /shared/comment "bob shared")'], u
    b.close()
    c.close()


def test_depth_and_maxsize(server):
    c = raw_login(server, BOB)
    c.ok('SETMETADATA INBOX (/shared/a "1" /shared/a/b "22" /shared/a/b/c "333" /shared/ab "x")')
    u, _ = c.ok("GETMETADATA (DEPTH 0) INBOX /shared/a")
    assert u == [b'* METADATA "INBOX" (/shared/a "1")'] or u == [b'* METADATA INBOX (/shared/a "1")'], u
    u, _ = c.ok("GETMETADATA (DEPTH 1) INBOX /shared/a")
    assert u[0].endswith(b'(/shared/a "1" /shared/a/b "22")'), u
    u, _ = c.ok("GETMETADATA (DEPTH infinity) INBOX /shared/a")
    assert u[0].endswith(b'(/shared/a "1" /shared/a/b "22" /shared/a/b/c "333")'), u
    u, t = c.ok("GETMETADATA (MAXSIZE 2 DEPTH infinity) INBOX /shared/a")
    assert u[0].endswith(b'(/shared/a "1" /shared/a/b "22")'), u
    assert b"[METADATA LONGENTRIES 3]" in t, t
    # NIL deletes.
    c.ok("SETMETADATA INBOX (/shared/a/b NIL)")
    u, _ = c.ok("GETMETADATA (DEPTH infinity) INBOX /shared/a")
    assert u[0].endswith(b'(/shared/a "1" /shared/a/b/c "333")'), u
    c.close()


def test_literal_and_binary_values(server):
    c = raw_login(server, BOB)
    # Short literals: imap-core's reader currently drops the connection on
    # literals longer than 15 bytes (reported; see docs/imap-extensions.md).
    text = b"two\r\nlines\r\n"
    c.ok(b"SETMETADATA INBOX (/private/comment", literal=(b" {%d}" % len(text), text + b")"))
    u, _ = c.ok("GETMETADATA INBOX /private/comment")
    assert u[0].endswith(b"(/private/comment {%d}\r\n" % len(text) + text + b")"), u
    binary = b"a\x00b\xff"
    c.ok(b"SETMETADATA INBOX (/private/bin", literal=(b" ~{%d}" % len(binary), binary + b")"))
    u, _ = c.ok("GETMETADATA INBOX /private/bin")
    assert u[0].endswith(b"(/private/bin ~{4}\r\n" + binary + b")"), u
    c.close()


def test_errors_and_limits(server):
    c = raw_login(server, BOB)
    for bad in ('SETMETADATA INBOX (/other/x "1")', 'SETMETADATA INBOX (/shared "1")',
                'SETMETADATA INBOX (/shared/a* "1")', 'GETMETADATA INBOX /shared/%',
                'GETMETADATA INBOX shared/x', 'SETMETADATA INBOX (/shared//x "1")'):
        _, t = c.command(bad)
        assert b" BAD " in t, (bad, t)
    _, t = c.command('GETMETADATA nosuchbox /shared/comment')
    assert b"NO [NONEXISTENT]" in t, t
    _, t = c.command('SETMETADATA nosuchbox (/shared/comment "x")')
    assert b"NO [NONEXISTENT]" in t, t
    # 100 entries per mailbox; a command that would pass it changes nothing.
    batch = " ".join(f'/shared/n{i} "v"' for i in range(100))
    c.ok(f"SETMETADATA Drafts ({batch})")
    _, t = c.command('SETMETADATA Drafts (/private/extra "v" /shared/n0 "changed")')
    assert b"NO [METADATA TOOMANY]" in t, t
    u, _ = c.ok("GETMETADATA Drafts /shared/n0")
    assert u[0].endswith(b'(/shared/n0 "v")'), u
    # Deleting the mailbox deletes its annotations.
    c.ok("CREATE Notes")
    c.ok('SETMETADATA Notes (/shared/comment "old")')
    c.ok("DELETE Notes")
    c.ok("CREATE Notes")
    u, _ = c.ok("GETMETADATA Notes /shared/comment")
    assert u[0].endswith(b"(/shared/comment NIL)"), u
    c.close()
