"""IMAP mailbox commands: LIST (plain, LIST-EXTENDED, LIST-STATUS,
SPECIAL-USE), LSUB, CREATE (CREATE-SPECIAL-USE), DELETE, RENAME (INBOX
too), SUBSCRIBE/UNSUBSCRIBE, STATUS, mailbox name rules, modified UTF-7
and UTF8=ACCEPT names."""
import re

from imap_support import RawImap, login


def names(list_lines):
    out = {}
    for line in list_lines:
        m = re.match(rb'\* (?:LIST|LSUB) \(([^)]*)\) "/" (.*)$', line)
        assert m, line
        name = m.group(2)
        if name.startswith(b'"'):
            name = name[1:-1]
        out[name.decode()] = set(m.group(1).decode().split())
    return out


def test_plain_list_has_special_use_and_children(server):
    raw = RawImap(server, mode="implicit")
    raw.login()
    _, done = raw.command(b"CREATE Projects/2024/Q1")
    assert b" OK " in done
    lines, done = raw.command(b'LIST "" *')
    got = names(lines)
    assert lines[0].endswith(b'"INBOX"')  # INBOX first
    assert got["INBOX"] == {"\\HasNoChildren"}
    # Special-use without RETURN (SPECIAL-USE): clients look for it here.
    assert got["Sent"] == {"\\HasNoChildren", "\\Sent"}
    assert got["Trash"] == {"\\HasNoChildren", "\\Trash"}
    assert "\\Drafts" in got["Drafts"] and "\\Junk" in got["Junk"] and "\\Archive" in got["Archive"]
    # CREATE made the superiors too (RFC 9051 6.3.4).
    assert got["Projects"] == {"\\HasChildren"}
    assert got["Projects/2024"] == {"\\HasChildren"}
    assert got["Projects/2024/Q1"] == {"\\HasNoChildren"}
    lines, _ = raw.command(b'LIST "" %')
    assert "Projects/2024" not in names(lines) and "Projects" in names(lines)
    lines, _ = raw.command(b'LIST Projects/ %')
    assert set(names(lines)) == {"Projects/2024"}
    lines, _ = raw.command(b'LIST "" "inbox"')  # INBOX matches case-insensitively
    assert set(names(lines)) == {"INBOX"}
    lines, _ = raw.command(b'LIST "" ""')
    assert lines == [b'* LIST (\\Noselect) "/" ""']
    raw.close()


def test_list_extended_and_status(server):
    raw = RawImap(server, mode="implicit")
    raw.login()
    for cmd in (b"CREATE a/b", b"SUBSCRIBE a/b", b"SUBSCRIBE gone/old", b"SUBSCRIBE INBOX"):
        assert b" OK " in raw.command(cmd)[1]
    lines, done = raw.command(b'LIST (SPECIAL-USE) "" * RETURN (SPECIAL-USE)')
    assert set(names(lines)) == {"Sent", "Trash", "Drafts", "Junk", "Archive"}
    lines, done = raw.command(b'LIST (SUBSCRIBED) "" *')
    got = names(lines)
    assert got["a/b"] == {"\\HasNoChildren", "\\Subscribed"}
    assert got["gone/old"] == {"\\NonExistent", "\\Subscribed"}
    assert "INBOX" in got and "a" not in got
    lines, _ = raw.command(b'LIST (SUBSCRIBED RECURSIVEMATCH) "" %')
    assert any(l.startswith(b'* LIST (\\HasChildren) "/" "a" ("CHILDINFO" ("SUBSCRIBED"))') for l in lines), lines
    lines, _ = raw.command(b'LIST "" (INBOX Sent) RETURN (SUBSCRIBED CHILDREN)')
    got = names(lines)
    # New accounts have their standard mailboxes subscribed.
    assert got["INBOX"] == {"\\HasNoChildren", "\\Subscribed"}
    assert got["Sent"] == {"\\HasNoChildren", "\\Sent", "\\Subscribed"}
    # LIST-STATUS: a STATUS after each listed mailbox.
    t = raw.tag()
    raw.send(t + b" APPEND INBOX {20+}\r\nSubject: x\r\n\r\nbody\r\n\r\n")
    assert b" OK " in raw.read_tagged(t)[1]
    lines, _ = raw.command(b'LIST "" INBOX RETURN (STATUS (MESSAGES UNSEEN UIDNEXT SIZE))')
    assert lines[0].startswith(b"* LIST")
    assert lines[1] == b'* STATUS "INBOX" (MESSAGES 1 UNSEEN 1 UIDNEXT 2 SIZE 20)'
    raw.close()


def test_lsub_and_unsubscribe(server):
    raw = RawImap(server, mode="implicit")
    raw.login()
    raw.command(b"CREATE top/child")
    raw.command(b"SUBSCRIBE top/child")
    lines, _ = raw.command(b'LSUB "" top*')
    assert names(lines) == {"top/child": set()}
    lines, _ = raw.command(b'LSUB "" *')
    assert {"INBOX", "Sent", "top/child"} <= set(names(lines))  # defaults are subscribed
    # A level above a subscription, matched by "%", shows as \Noselect.
    lines, _ = raw.command(b'LSUB "" t%')
    assert names(lines) == {"top": {"\\Noselect"}}
    _, done = raw.command(b"UNSUBSCRIBE top/child")
    assert b" OK " in done
    lines, _ = raw.command(b'LSUB "" top*')
    assert lines == []
    raw.close()


def test_create_delete_rename_rules(server):
    m = login(server)
    assert m.create("Work")[0] == "OK"
    typ, data = m.create("Work")
    assert typ == "NO" and b"[ALREADYEXISTS]" in data[0]
    typ, data = m.create("INBOX")
    assert typ == "NO" and b"[ALREADYEXISTS]" in data[0]
    # A trailing separator only announces children.
    assert m.create("Lists/")[0] == "OK"
    assert "Lists" in str(m.list('""', "Lists")[1])
    for bad, why in (('"a//b"', b"empty hierarchy"), ('"a/../b"', b".."), ('"/abs"', b"empty hierarchy"),
                     ('"&Jjo"', b"modified UTF-7"), ('"x\x01y"', b"")):
        typ, data = m._simple_command("CREATE", bad)
        assert typ == "NO", bad
        assert data[0].startswith(b"[CANNOT]") and why in data[0], data
    typ, data = m.delete("INBOX")
    assert typ == "NO"
    typ, data = m.delete("Nope")
    assert typ == "NO" and b"[NONEXISTENT]" in data[0]
    assert m.create("Work/Sub")[0] == "OK"
    typ, data = m.delete("Work")
    assert typ == "NO" and b"child" in data[0].lower()
    assert m.rename("Work", "Job")[0] == "OK"
    listed = b" ".join(m.list()[1])
    assert b'"Job/Sub"' in listed and b'"Work"' not in listed
    typ, data = m.rename("Nope", "X")
    assert typ == "NO" and b"[NONEXISTENT]" in data[0]
    typ, data = m.rename("Job", "Sent")
    assert typ == "NO" and b"[ALREADYEXISTS]" in data[0]
    assert m.delete("Job/Sub")[0] == "OK" and m.delete("Job")[0] == "OK"
    m.logout()


def test_create_special_use(server):
    raw = RawImap(server, mode="implicit")
    raw.login()
    _, done = raw.command(b'CREATE "Sent Items" (USE (\\Sent))')
    assert re.search(rb" OK \[MAILBOXID \(F\d+\)\] ", done), done  # RFC 8474 4.1
    _, done = raw.command(b"CREATE Bad (USE (\\Bogus))")
    assert b"NO [USEATTR]" in done
    lines, _ = raw.command(b'LIST "" "Sent Items"')
    assert names(lines)["Sent Items"] == {"\\HasNoChildren", "\\Sent"}
    raw.close()


def test_inbox_rename_moves_messages(server):
    m = login(server)
    for i in range(2):
        m.append("INBOX", None, None, f"Subject: m{i}\r\n\r\nbody {i}\r\n".encode())
    assert m.rename("INBOX", "Old-Inbox")[0] == "OK"
    assert m.select("INBOX")[1] == [b"0"]
    assert m.select("Old-Inbox")[1] == [b"2"]
    m.logout()


def test_status(server):
    m = login(server)
    m.append("INBOX", r"(\Seen)", None, b"Subject: a\r\n\r\nx\r\n")
    m.append("INBOX", r"(\Deleted)", None, b"Subject: b\r\n\r\nyy\r\n")
    typ, data = m.status("INBOX", "(MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE HIGHESTMODSEQ "
                                  "APPENDLIMIT MAILBOXID)")
    assert typ == "OK"
    s = data[0].decode()
    assert "MESSAGES 2" in s and "UIDNEXT 3" in s and "UNSEEN 1" in s and "DELETED 1" in s
    assert "SIZE 35" in s and re.search(r"HIGHESTMODSEQ \d+", s) and re.search(r"UIDVALIDITY \d+", s)
    assert "APPENDLIMIT 52428800" in s and re.search(r"MAILBOXID \(F\d+\)", s) and "RECENT 2" in s
    typ, data = m.status("Nope", "(MESSAGES)")
    assert typ == "NO" and b"[NONEXISTENT]" in data[0]
    m.logout()


def test_non_ascii_names_mutf7_and_utf8(server):
    raw = RawImap(server, mode="implicit")
    raw.login()
    # "Entwürfe/Über" in modified UTF-7 (RFC 3501 5.1.3).
    _, done = raw.command(b'CREATE "Entw&APw-rfe/&ANw-ber"')
    assert b" OK " in done, done
    lines, _ = raw.command(b'LIST "" "Entw&APw-rfe*"')
    assert set(names(lines)) == {"Entw&APw-rfe", "Entw&APw-rfe/&ANw-ber"}
    # The CLI sees the UTF-8 name the store keeps.
    out = server.cli("mailbox", "list", "bob@example.org").stdout.decode()
    assert "Entwürfe/Über" in out
    # Once UTF8=ACCEPT is enabled, names are UTF-8 on the wire both ways.
    raw.command(b"ENABLE UTF8=ACCEPT")
    lines, _ = raw.command('LIST "" "Entwürfe*"'.encode())
    assert set(names(lines)) == {"Entwürfe", "Entwürfe/Über"}
    _, done = raw.command('CREATE "Привет"'.encode())
    assert b" OK " in done
    lines, _ = raw.command('SELECT "Привет"'.encode())
    assert any(l == b"* 0 EXISTS" for l in lines)
    raw.close()
    raw = RawImap(server, mode="implicit")
    raw.login()
    lines, _ = raw.command(b'LIST "" "&BB8EQAQ4BDIENQRC-"')
    assert set(names(lines)) == {"&BB8EQAQ4BDIENQRC-"}
    raw.close()


def test_append_copy_status_on_shared_mailbox(server):
    bob = login(server)
    assert bob.create("Team")[0] == "OK"
    assert bob.setacl("Team", "carol@example.org", "lri")[0] == "OK"
    carol = RawImap(server, mode="implicit")
    carol.login("carol@example.org")
    shared = b'"Shared/bob@example.org/Team"'
    msg = b"Subject: from carol\r\n\r\nhi\r\n"
    t = carol.tag()
    carol.send(t + b" APPEND " + shared + b" (\\Seen \\Flagged) {%d}\r\n" % len(msg))
    assert carol.read_line().startswith(b"+ ")
    carol.send(msg + b"\r\n")
    _, done = carol.read_tagged(t)
    assert b" OK [APPENDUID " in done, done
    # Stored in bob's mailbox; without "s"/"w" the flags were dropped (RFC 4314 4).
    assert server.message("bob@example.org", 1, mailbox="Team") == msg
    lines, done = carol.command(b"STATUS " + shared + b" (MESSAGES UNSEEN)")
    assert lines == [b"* STATUS " + shared + b" (MESSAGES 1 UNSEEN 1)"], lines
    carol.command(b"SELECT " + shared)
    _, done = carol.command(b"COPY 1 INBOX")
    assert b" OK " in done
    _, done = carol.command(b"SELECT INBOX")
    _, done = carol.command(b"COPY 1 " + shared)
    assert b" OK [COPYUID " in done, done
    # Without "i": refused before the literal, and for COPY.
    assert bob.setacl("Team", "carol@example.org", "lr")[0] == "OK"
    t = carol.tag()
    carol.send(t + b" APPEND " + shared + b" {%d}\r\n" % len(msg))
    _, done = carol.read_tagged(t)
    assert b" NO [NOPERM]" in done, done
    _, done = carol.command(b"COPY 1 " + shared)
    assert b" NO [NOPERM]" in done, done
    carol.close()
    bob.logout()
