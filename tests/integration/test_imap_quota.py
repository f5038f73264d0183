"""QUOTA (RFC 9208) with imaplib against a real server: one quota root ""
per account with STORAGE (KiB) and MESSAGE; no limits means no quota
root; SETQUOTA is for administrators (CLI)."""
import re

from imap_ext_util import capabilities, deliver, login, raw_login

USER = "bob@example.org"


def test_capabilities(server):
    m = login(server, USER)
    caps = capabilities(m)
    for c in ("QUOTA", "QUOTA=RES-STORAGE", "QUOTA=RES-MESSAGE"):
        assert c in caps, caps
    m.logout()


def test_unlimited_account_has_no_quota_root(server):
    m = login(server, USER)
    typ, data = m.getquotaroot("INBOX")
    assert typ == "OK"
    roots, quotas = data
    assert roots == [b'"INBOX"'] or roots == [b"INBOX"], roots
    assert not any(quotas), quotas  # imaplib gives [None] when no QUOTA came
    typ, data = m.getquota('""')
    assert typ == "NO"
    m.logout()


def test_limits_and_usage_reported(server):
    server.cli("user", "quota", USER, "1M", "--messages", "10")
    deliver(server, USER, body="x" * 3000 + "\r\n")
    m = login(server, USER)
    typ, data = m.getquotaroot("INBOX")
    assert typ == "OK", data
    roots, quotas = data
    assert roots[0].endswith(b' ""'), roots
    q = quotas[0].decode()
    mm = re.fullmatch(r'"" \(STORAGE (\d+) 1024 MESSAGE 1 10\)', q)
    assert mm, q
    # ~3 KB of mail, rounded up to whole KiB.
    assert 3 <= int(mm.group(1)) <= 5
    typ, data = m.getquota('""')
    assert typ == "OK"
    assert data[0].decode() == q
    # Any of the user's mailboxes has the same root.
    typ, data = m.getquotaroot("Sent")
    assert typ == "OK" and data[0][0].endswith(b' ""')
    m.logout()


def test_only_limited_resources_are_listed(server):
    server.cli("user", "quota", USER, "unlimited", "--messages", "5")
    m = login(server, USER)
    typ, data = m.getquota('""')
    assert typ == "OK"
    assert data[0] == b'"" (MESSAGE 0 5)'
    m.logout()


def test_errors(server):
    c = raw_login(server, USER)
    _, tagged = c.command('SETQUOTA "" (STORAGE 10)')
    assert tagged.split(b" ")[1:3] == [b"NO", b"[NOPERM]"], tagged
    _, tagged = c.command('GETQUOTA "other-root"')
    assert b"NO [NONEXISTENT]" in tagged, tagged
    _, tagged = c.command("GETQUOTAROOT nosuchbox")
    assert b"NO [NONEXISTENT]" in tagged, tagged
    _, tagged = c.command("GETQUOTAROOT")
    assert b" BAD " in tagged, tagged
    # Not before login.
    c2 = raw_login.__globals__["RawImap"].connect(server)
    _, tagged = c2.command('GETQUOTA ""')
    assert b" BAD " in tagged or b" NO " in tagged, tagged
    c2.close()
    c.ok("LOGOUT")
    c.close()
