"""IMAP message commands: APPEND (flags, dates, MULTIAPPEND, APPENDUID),
FETCH (every item and section form, byte equality with the store, \\Seen),
STORE, EXPUNGE/UID EXPUNGE, COPY/MOVE (COPYUID), SEARCH/ESEARCH/SEARCHRES,
CONDSTORE/QRESYNC, BINARY, PREVIEW, OBJECTID, SAVEDATE, CLOSE/UNSELECT."""
import base64
import imaplib
import re

import pytest

from imap_support import RawImap, login

MULTIPART = (b"From: Alice <alice@example.com>\r\n"
             b"To: Bob <bob@example.org>\r\n"
             b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n"
             b"Date: Mon, 7 Feb 1994 21:52:25 -0800\r\n"
             b"Message-ID: <mp1@example.com>\r\n"
             b"MIME-Version: 1.0\r\n"
             b"Content-Type: multipart/mixed; boundary=\"XX\"\r\n"
             b"\r\n"
             b"preamble\r\n"
             b"--XX\r\n"
             b"Content-Type: text/plain; charset=utf-8\r\n"
             b"Content-Transfer-Encoding: quoted-printable\r\n"
             b"\r\n"
             b"Hallo Bob, sch=C3=B6ne Gr=C3=BC=C3=9Fe.\r\n"
             b"--XX\r\n"
             b"Content-Type: application/octet-stream; name=\"blob.bin\"\r\n"
             b"Content-Transfer-Encoding: base64\r\n"
             b"\r\n" + base64.b64encode(b"\x00\x01binary\xff") + b"\r\n"
             b"--XX--\r\n")


def fetch_one(m, what, uid=1):
    typ, data = m.uid("FETCH", str(uid), what)
    assert typ == "OK", data
    return data


def test_append_then_fetch_is_byte_equal(server):
    m = login(server)
    m.select("INBOX")
    typ, data = m.append("INBOX", r"(\Flagged $Forwarded)", '"07-Feb-1994 21:52:25 -0800"', MULTIPART)
    assert typ == "OK"
    mm = re.match(rb"\[APPENDUID (\d+) (\d+)\]", data[0])
    assert mm and mm.group(2) == b"1"
    stored = server.message("bob@example.org", 1)
    assert stored == MULTIPART
    data = fetch_one(m, "(BODY.PEEK[] RFC822.SIZE INTERNALDATE FLAGS)")
    assert data[0][1] == stored
    head = data[0][0] + data[1]
    assert f"RFC822.SIZE {len(MULTIPART)}".encode() in head
    assert b'INTERNALDATE "08-Feb-1994 05:52:25 +0000"' in head
    assert b"\\Flagged" in head and b"$Forwarded" in head and b"\\Seen" not in head
    # A big message streams through and still compares equal.
    big = b"Subject: big\r\n\r\n" + (b"0123456789abcdef" * 64 + b"\r\n") * 1500
    typ, data = m.append("INBOX", None, None, big)
    uid = int(re.match(rb"\[APPENDUID \d+ (\d+)\]", data[0]).group(1))
    data = fetch_one(m, "(BODY.PEEK[])", uid)
    assert data[0][1] == big == server.message("bob@example.org", uid)
    m.logout()


def test_fetch_structure_and_sections(server):
    m = login(server)
    m.append("INBOX", None, None, MULTIPART)
    m.select("INBOX")
    env = fetch_one(m, "(ENVELOPE)")[0]
    assert b'ENVELOPE ("Mon, 7 Feb 1994 21:52:25 -0800" "=?utf-8?q?Gr=C3=BC=C3=9Fe?=" (("Alice" NIL "alice" ' \
           b'"example.com"))' in env
    bs = fetch_one(m, "(BODYSTRUCTURE)")[0]
    assert b'"MIXED" ("BOUNDARY" "XX")' in bs and b'"QUOTED-PRINTABLE"' in bs and b'"BASE64"' in bs
    assert b"BODY (" in fetch_one(m, "(BODY)")[0]
    data = fetch_one(m, "(BODY.PEEK[HEADER.FIELDS (Subject From)] BODY.PEEK[1] BODY.PEEK[2.MIME] "
                        "BODY.PEEK[TEXT]<0.8> BODY.PEEK[5])")
    parts = {}
    for item in data:
        if isinstance(item, tuple):
            key = re.search(rb"(BODY\[[^\]]*\](?:<\d+>)?) \{\d+\}$", item[0]).group(1)
            parts[key] = item[1]
    assert parts[b"BODY[HEADER.FIELDS (Subject From)]"] == (
        b"From: Alice <alice@example.com>\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n\r\n")
    assert parts[b"BODY[1]"] == b"Hallo Bob, sch=C3=B6ne Gr=C3=BC=C3=9Fe."
    assert parts[b"BODY[2.MIME]"].startswith(b"Content-Type: application/octet-stream")
    assert parts[b"BODY[TEXT]<0>"] == b"preamble"
    # A part that does not exist is an empty string, not an error.
    assert b'BODY[5] ""' in b" ".join(x if isinstance(x, bytes) else x[0] for x in data)
    data = fetch_one(m, "(BINARY.PEEK[1] BINARY.SIZE[2] BINARY.PEEK[2])")
    joined = data[0][0]
    assert data[0][1] == "Hallo Bob, schöne Grüße.".encode()
    assert b"BINARY.SIZE[2] 9" in data[1][0] or b"BINARY.SIZE[2] 9" in joined
    assert data[1][1] == b"\x00\x01binary\xff"
    assert b"~{9}" in data[1][0]  # literal8: the data holds NUL
    data = fetch_one(m, "(RFC822.HEADER PREVIEW EMAILID THREADID SAVEDATE MODSEQ)")
    assert data[0][1].endswith(b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n")
    # PREVIEW is 8-bit text: a literal unless UTF8=ACCEPT is enabled.
    assert re.search(rb"PREVIEW \{\d+\}$", data[1][0])
    assert data[1][1].decode().startswith("Hallo Bob, schöne Grüße.")
    assert re.search(rb'EMAILID \(M\d+\) THREADID NIL SAVEDATE "\d\d-\w{3}-\d{4} [\d:]{8} \+0000" MODSEQ \(\d+\)',
                     data[2]), data
    m.logout()


def test_fetch_sets_seen_unless_peek(server):
    m = login(server)
    for i in range(3):
        m.append("INBOX", None, None, f"Subject: {i}\r\n\r\nbody\r\n".encode())
    m.select("INBOX")
    m.fetch("1", "(BODY.PEEK[TEXT])")
    assert b"\\Seen" not in m.fetch("1", "(FLAGS)")[1][0]
    typ, data = m.fetch("1", "(BODY[TEXT])")
    # The implicit \Seen comes back as FLAGS in the same response.
    assert b"\\Seen" in b" ".join(x if isinstance(x, bytes) else x[0] for x in data)
    m.fetch("2", "(RFC822)")
    assert b"\\Seen" in m.fetch("2", "(FLAGS)")[1][0]
    m.select("INBOX", readonly=True)  # EXAMINE: nothing changes
    m.fetch("3", "(BODY[])")
    assert b"\\Seen" not in m.fetch("3", "(FLAGS)")[1][0]
    with pytest.raises(imaplib.IMAP4.error) as e:  # BAD: beyond the mailbox
        m.fetch("4", "(FLAGS)")
    assert "Invalid message sequence number" in str(e.value)
    m.logout()


def test_store_and_expunge(server):
    m = login(server)
    for i in range(5):
        m.append("INBOX", None, None, f"Subject: {i}\r\n\r\nx\r\n".encode())
    m.select("INBOX")
    typ, data = m.store("1:2", "+FLAGS", r"(\Deleted $Junk)")
    assert typ == "OK" and len(data) == 2 and b"$Junk" in data[0]
    typ, data = m.store("2", "-FLAGS", "($Junk)")
    assert b"$Junk" not in data[0] and b"\\Deleted" in data[0]
    typ, data = m.store("3", "FLAGS.SILENT", r"(\Answered)")
    assert typ == "OK" and data == [None]
    assert b"\\Answered" in m.fetch("3", "(FLAGS)")[1][0]
    with pytest.raises(imaplib.IMAP4.error) as e:
        m.store("1", "+FLAGS", r"(\Bogus)")
    assert "unknown system flag" in str(e.value)
    typ, data = m.expunge()
    assert typ == "OK" and data == [b"2", b"1"]  # highest first
    assert m.select("INBOX")[1] == [b"3"]
    # UID EXPUNGE only touches the UIDs given (UIDPLUS).
    m.uid("STORE", "3:5", "+FLAGS", r"(\Deleted)")
    typ, data = m.uid("EXPUNGE", "4")
    assert typ == "OK"
    assert m.response("EXPUNGE")[1] == [b"2"]
    typ, data = m.uid("SEARCH", None, "ALL")
    assert data == [b"3 5"]
    # CLOSE removes \Deleted silently.
    m.uid("STORE", "5", "-FLAGS", r"(\Deleted)")
    assert m.close()[0] == "OK"
    assert m.select("INBOX")[1] == [b"1"]
    m.logout()


def test_copy_move_copyuid(server):
    m = login(server)
    for i in range(3):
        m.append("INBOX", None, None, f"Subject: {i}\r\n\r\nx\r\n".encode())
    m.create("Archive2")
    m.select("INBOX")
    typ, data = m.copy("1:2", "Archive2")
    assert typ == "OK"
    mm = re.match(rb"\[COPYUID \d+ 1:2 1:2\]", data[0])
    assert mm, data
    typ, data = m.copy("1", "Nope")
    assert typ == "NO" and b"[TRYCREATE]" in data[0]
    typ, data = m.uid("MOVE", "2:3", "Archive2")
    assert typ == "OK"
    assert m.select("INBOX")[1] == [b"1"]
    assert m.select("Archive2")[1] == [b"4"]
    m.logout()


def test_move_raw_responses(server):
    raw = RawImap(server, mode="implicit")
    raw.login()
    for i in range(3):
        t = raw.tag()
        raw.send(t + b" APPEND INBOX {12+}\r\nSubject: x\r\n\r\n")
        assert b" OK " in raw.read_tagged(t)[1]
    raw.command(b"SELECT INBOX")
    lines, done = raw.command(b"MOVE 2:3 Trash")
    assert lines[0].startswith(b"* OK [COPYUID ") and b" 2:3 1:2]" in lines[0]
    assert lines[1:] == [b"* 3 EXPUNGE", b"* 2 EXPUNGE"]
    assert done.endswith(b"OK MOVE completed")
    raw.close()


def test_multiappend_and_literal_plus(server):
    raw = RawImap(server, mode="implicit")
    raw.login()
    t = raw.tag()
    a, b = b"Subject: a\r\n\r\n", b"Subject: b\r\n\r\n"
    raw.send(t + b" APPEND Drafts (\\Draft) {%d+}\r\n%s (\\Seen) \"01-Jan-2020 00:00:00 +0000\" {%d+}\r\n%s\r\n"
             % (len(a), a, len(b), b))
    _, done = raw.read_tagged(t)
    assert re.search(rb"OK \[APPENDUID \d+ 1:2\]", done), done
    lines, _ = raw.command(b"EXAMINE Drafts")
    assert b"* 2 EXISTS" in lines
    lines, _ = raw.command(b"FETCH 1:2 (FLAGS INTERNALDATE)")
    assert b"\\Draft" in lines[0] and b'"01-Jan-2020 00:00:00 +0000"' in lines[1]
    raw.close()


def test_search_and_esearch(server):
    m = login(server)
    m.append("INBOX", r"(\Seen)", '"01-Jan-2020 10:00:00 +0000"',
             b"From: Alice <alice@example.com>\r\nSubject: invoice 42\r\nDate: Wed, 1 Jan 2020 10:00:00 +0000\r\n\r\n"
             b"Please pay the invoice.\r\n")
    m.append("INBOX", r"(\Flagged)", '"02-Feb-2021 10:00:00 +0000"',
             b"From: Carol <carol@example.net>\r\nSubject: lunch?\r\n\r\nShall we meet for lunch tomorrow?\r\n")
    m.append("INBOX", None, None, b"From: alice@example.com\r\nSubject: again\r\n\r\n" + b"x" * 3000 + b"\r\n")
    m.select("INBOX")
    search = lambda *k: m.search(None, *k)[1][0].split()  # noqa: E731
    assert search("ALL") == [b"1", b"2", b"3"]
    assert search("SEEN") == [b"1"]
    assert search("UNSEEN") == [b"2", b"3"]
    assert search("FLAGGED") == [b"2"]
    assert search("FROM", "alice") == [b"1", b"3"]
    assert search("SUBJECT", "lunch") == [b"2"]
    assert search("BODY", "invoice") == [b"1"]
    assert search("TEXT", "lunch") == [b"2"]
    assert search("LARGER", "1000") == [b"3"]
    assert search("SINCE", "1-Jan-2021", "BEFORE", "1-Jan-2022") == [b"2"]
    assert search("SENTON", "1-Jan-2020") == [b"1"]
    assert search("OR", "SEEN", "FLAGGED") == [b"1", b"2"]
    assert search("NOT", "FROM", "alice") == [b"2"]
    assert search("2:*") == [b"2", b"3"]
    assert search("UID", "1,3") == [b"1", b"3"]
    assert search("YOUNGER", "3600") == [b"3"]
    assert search("HEADER", "Subject", "invoice") == [b"1"]
    assert search("CHARSET", "UTF-8", "BODY", "lunch") == [b"2"]
    typ, data = m.search("X-UNKNOWN-CHARSET", "ALL")
    assert typ == "NO" and b"BADCHARSET" in data[0]
    m.logout()


def test_esearch_and_searchres_raw(server):
    raw = RawImap(server, mode="implicit")
    raw.login()
    for i in range(4):
        t = raw.tag()
        msg = b"Subject: %d\r\n\r\n" % i
        raw.send(t + b" APPEND INBOX {%d+}\r\n%s\r\n" % (len(msg), msg))
        raw.read_tagged(t)
    raw.command(b"SELECT INBOX")
    lines, done = raw.command(b"UID SEARCH RETURN (MIN MAX COUNT ALL) ALL")
    assert re.match(rb'\* ESEARCH \(TAG "R\d+"\) UID MIN 1 MAX 4 ALL 1:4 COUNT 4', lines[0]), lines
    lines, _ = raw.command(b"SEARCH RETURN (COUNT) UID 9")
    assert re.match(rb'\* ESEARCH \(TAG "R\d+"\) COUNT 0', lines[0])
    # SEARCHRES: save, then use "$" (RFC 5182).
    lines, done = raw.command(b"SEARCH RETURN (SAVE) UID 2:3")
    assert lines == [] and b" OK " in done
    lines, _ = raw.command(b"FETCH $ (UID)")
    assert lines == [b"* 2 FETCH (UID 2)", b"* 3 FETCH (UID 3)"]
    lines, _ = raw.command(b"UID STORE $ +FLAGS.SILENT (\\Flagged)")
    lines, _ = raw.command(b"SEARCH FLAGGED")
    assert lines == [b"* SEARCH 2 3"]
    lines, _ = raw.command(b"SEARCH $ NOT 2")
    assert lines == [b"* SEARCH 3"]
    raw.close()


def test_condstore_and_qresync(server):
    raw = RawImap(server, mode="implicit")
    raw.login()
    for i in range(4):
        t = raw.tag()
        msg = b"Subject: %d\r\n\r\n" % i
        raw.send(t + b" APPEND INBOX {%d+}\r\n%s\r\n" % (len(msg), msg))
        raw.read_tagged(t)
    raw.command(b"ENABLE QRESYNC")
    lines, done = raw.command(b"SELECT INBOX (CONDSTORE)")
    uidvalidity = int(re.search(rb"UIDVALIDITY (\d+)", b" ".join(lines)).group(1))
    modseq = int(re.search(rb"HIGHESTMODSEQ (\d+)", b" ".join(lines)).group(1))
    lines, _ = raw.command(b"STORE 2 +FLAGS (\\Seen)")
    assert re.match(rb"\* 2 FETCH \(FLAGS \(\\Seen( \\Recent)?\) UID 2 MODSEQ \((\d+)\)\)", lines[0]), lines
    after_store = int(re.search(rb"MODSEQ \((\d+)\)", lines[0]).group(1))
    assert after_store > modseq
    lines, _ = raw.command(b"FETCH 1:* (FLAGS) (CHANGEDSINCE %d)" % modseq)
    assert len(lines) == 1 and lines[0].startswith(b"* 2 FETCH") and b"MODSEQ" in lines[0]
    # UNCHANGEDSINCE: the second STORE fails for message 2 ([MODIFIED]).
    lines, done = raw.command(b"STORE 1:2 (UNCHANGEDSINCE %d) +FLAGS (\\Flagged)" % modseq)
    assert b"[MODIFIED 2]" in done, done
    raw.command(b"UID STORE 3 +FLAGS.SILENT (\\Deleted)")
    lines, done = raw.command(b"EXPUNGE")
    assert lines == [b"* VANISHED 3"], lines  # QRESYNC: VANISHED, not EXPUNGE
    assert b"[HIGHESTMODSEQ " in done
    raw.command(b"UNSELECT")
    # Resynchronise from the first state: what changed and what vanished.
    lines, done = raw.command(b"SELECT INBOX (QRESYNC (%d %d 1:4))" % (uidvalidity, modseq))
    text = b"\n".join(lines)
    assert b"* VANISHED (EARLIER) 3" in text, text
    assert re.search(rb"\* \d FETCH \(FLAGS \([^)]*\) UID 1 MODSEQ", text) and b"UID 2 MODSEQ" in text
    lines, _ = raw.command(b"UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)" % modseq)
    assert lines[0] == b"* VANISHED (EARLIER) 3"
    raw.close()
    # QRESYNC without ENABLE is a BAD.
    raw = RawImap(server, mode="implicit")
    raw.login()
    _, done = raw.command(b"SELECT INBOX (QRESYNC (1 1))")
    assert b" BAD " in done
    raw.close()


def test_unselect_keeps_deleted_and_examine_read_only(server):
    m = login(server)
    m.append("INBOX", r"(\Deleted)", None, b"Subject: d\r\n\r\nx\r\n")
    m.select("INBOX")
    assert m.unselect()[0] == "OK"
    assert m.select("INBOX", readonly=True)[1] == [b"1"]
    typ, data = m.store("1", "+FLAGS", r"(\Seen)")
    assert typ == "NO"
    typ, data = m.expunge()
    assert typ == "NO"
    m.logout()


def test_sort_and_thread(server):
    raw = RawImap(server, mode="implicit")
    raw.login()
    msgs = [
        b"From: Zed <z@x.test>\r\nSubject: beta\r\nMessage-ID: <1@x>\r\nDate: Tue, 2 Jan 2024 10:00:00 +0000\r\n\r\nb\r\n",
        b"From: Amy <a@x.test>\r\nSubject: Re: beta\r\nMessage-ID: <2@x>\r\nIn-Reply-To: <1@x>\r\n"
        b"References: <1@x>\r\nDate: Wed, 3 Jan 2024 10:00:00 +0000\r\n\r\nreply\r\n",
        b"From: Bob <b@x.test>\r\nSubject: alpha\r\nMessage-ID: <3@x>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n"
        + b"long" * 100 + b"\r\n",
    ]
    for msg in msgs:
        t = raw.tag()
        raw.send(t + b" APPEND INBOX {%d+}\r\n%s\r\n" % (len(msg), msg))
        assert b" OK " in raw.read_tagged(t)[1]
    lines, _ = raw.command(b"CAPABILITY")
    assert b" SORT " in lines[0] and b"THREAD=REFERENCES" in lines[0]
    raw.command(b"SELECT INBOX")
    lines, _ = raw.command(b"SORT (SUBJECT) UTF-8 ALL")
    assert lines == [b"* SORT 3 1 2"]  # alpha, beta, Re: beta (base subject, then order)
    lines, _ = raw.command(b"SORT (DATE) UTF-8 ALL")
    assert lines == [b"* SORT 3 1 2"]
    lines, _ = raw.command(b"SORT (REVERSE SIZE) UTF-8 ALL")
    assert lines[0].startswith(b"* SORT 3 ")
    lines, _ = raw.command(b"UID SORT (FROM) UTF-8 NOT SUBJECT alpha")
    assert lines == [b"* SORT 2 1"]  # a@ before z@
    lines, _ = raw.command(b"SORT RETURN (MIN MAX COUNT) (DATE) UTF-8 ALL")
    assert re.match(rb'\* ESEARCH \(TAG "R\d+"\) MIN 3 MAX 2 COUNT 3', lines[0]), lines
    lines, _ = raw.command(b"THREAD REFERENCES UTF-8 ALL")
    assert lines == [b"* THREAD (3)(1 2)"]
    lines, _ = raw.command(b"UID THREAD ORDEREDSUBJECT UTF-8 ALL")
    assert lines == [b"* THREAD (3)(1 2)"]
    _, done = raw.command(b"THREAD BOGUS UTF-8 ALL")
    assert b" BAD " in done
    _, done = raw.command(b"SORT (DATE) X-NOPE ALL")
    assert b"NO [BADCHARSET" in done
    raw.close()


def test_emailid_survives_copy_and_move(server):
    raw = RawImap(server, mode="implicit")
    raw.login()
    msg = b"Subject: keep my id\r\n\r\nbody\r\n"
    t = raw.tag()
    raw.send(t + b" APPEND INBOX {%d+}\r\n%s\r\n" % (len(msg), msg))
    raw.read_tagged(t)
    raw.command(b"SELECT INBOX")
    lines, _ = raw.command(b"FETCH 1 (EMAILID)")
    emailid = re.search(rb"EMAILID \((M\d+)\)", lines[0]).group(1)
    raw.command(b"COPY 1 Archive")
    raw.command(b"MOVE 1 Trash")
    for box in (b"Archive", b"Trash"):
        raw.command(b"SELECT " + box)
        lines, _ = raw.command(b"FETCH 1 (EMAILID)")
        assert re.search(rb"EMAILID \((M\d+)\)", lines[0]).group(1) == emailid  # RFC 8474 5.1
        lines, _ = raw.command(b"SEARCH EMAILID " + emailid)
        assert lines == [b"* SEARCH 1"]
    raw.close()
