"""A real sync client: mbsync (isync, from Debian) mirrors an account into a
local Maildir and back, over implicit TLS with the server's self-signed
certificate pinned, then both sides are compared through imaplib."""
import os
import pathlib
import shutil
import subprocess

from imap_support import deliver_smtp, login

MBSYNC = shutil.which("mbsync")


def mbsync_config(server, tmp: pathlib.Path) -> pathlib.Path:
    certs = list(server.root.rglob("self-signed.crt"))
    assert certs, "the server wrote no self-signed certificate"
    local = tmp / "Mail"
    local.mkdir()
    cfg = tmp / "mbsyncrc"
    cfg.write_text(f"""
IMAPAccount postamt
Host 127.0.0.1
Port {server.ports['imaps']}
User bob@example.org
Pass secret-pw
SSLType IMAPS
CertificateFile {certs[0]}

IMAPStore remote
Account postamt

MaildirStore local
Path {local}/
Inbox {local}/INBOX
SubFolders Verbatim

Channel sync
Far :remote:
Near :local:
Patterns *
Create Both
Remove Both
Expunge Both
SyncState *
""")
    return cfg


def run_mbsync(cfg: pathlib.Path, home: pathlib.Path):
    res = subprocess.run([MBSYNC, "-c", str(cfg), "-a"], capture_output=True, timeout=120,
                         env={**os.environ, "HOME": str(home)})
    assert res.returncode == 0, res.stdout.decode(errors="replace") + res.stderr.decode(errors="replace")
    return res


def normalize(msg: bytes) -> bytes:
    """Maildir keeps LF line ends, and mbsync tags messages it moves with an
    X-TUID header (its own bookkeeping): compare without both."""
    lines = msg.replace(b"\r\n", b"\n").split(b"\n")
    return b"\n".join(l for l in lines if not l.startswith(b"X-TUID: "))


def maildir_messages(folder: pathlib.Path):
    out = {}
    for sub in ("cur", "new"):
        d = folder / sub
        if d.is_dir():
            for f in d.iterdir():
                out[f.name] = f.read_bytes()
    return out


def test_mbsync_both_ways(server, tmp_path):
    assert MBSYNC, "mbsync missing: run scripts/install-deps.sh (package isync)"
    sent = [deliver_smtp(server, subject=f"sync {i}", body=f"Body number {i}.\r\n") for i in range(3)]
    cfg = mbsync_config(server, tmp_path)
    local = tmp_path / "Mail"

    # Server -> local: every message arrives byte-equal, special-use folders too.
    run_mbsync(cfg, tmp_path)
    inbox = maildir_messages(local / "INBOX")
    assert sorted(normalize(v) for v in inbox.values()) == \
        sorted(normalize(server.message("bob@example.org", uid)) for uid in (1, 2, 3))
    assert all(any(normalize(m).split(b"\n\n", 1)[1] in normalize(v) for v in inbox.values()) for m in sent)
    assert (local / "Sent").is_dir() and (local / "Trash").is_dir()

    # Local -> server: flag one, mark one deleted (expunged on both sides),
    # a new nested folder holding a new message. (isync 1.4 sends folder
    # names unconverted, not as modified UTF-7, so a non-ASCII local name is
    # refused with NO [CANNOT], as Dovecot does; ASCII here.)
    names = sorted((local / "INBOX" / "cur").iterdir()) + sorted((local / "INBOX" / "new").iterdir())
    assert len(names) == 3
    flagged_body = names[0].read_bytes()
    deleted_body = names[1].read_bytes()
    for path, flag in ((names[0], "F"), (names[1], "T")):
        base = path.name.split(":2,")[0]
        target = local / "INBOX" / "cur" / f"{base}:2,{flag}S"
        path.rename(target)
    folder = local / "Projekte" / "2026"
    for sub in ("cur", "new", "tmp"):
        (folder / sub).mkdir(parents=True)
    new_msg = b"From: bob@example.org\r\nTo: carol@example.org\r\nSubject: made offline\r\n\r\nWritten on the plane.\r\n"
    (folder / "new" / "1700000000.1_1.laptop").write_bytes(new_msg)
    run_mbsync(cfg, tmp_path)

    m = login(server)
    typ, data = m.select("INBOX")
    assert typ == "OK" and int(data[0]) == 2
    typ, data = m.search(None, "FLAGGED")
    flagged = data[0].split()
    assert len(flagged) == 1
    typ, data = m.fetch(flagged[0], "(BODY.PEEK[])")
    assert normalize(data[0][1]) == normalize(flagged_body)
    typ, data = m.search(None, "ALL")
    for num in data[0].split():
        typ, d = m.fetch(num, "(BODY.PEEK[])")
        assert normalize(d[0][1]) != normalize(deleted_body)
    typ, listing = m.list('""', '"Projekte*"')
    assert typ == "OK" and any(b'"Projekte/2026"' in l or b" Projekte/2026" in l for l in listing), listing
    typ, data = m.select('"Projekte/2026"')
    assert typ == "OK" and int(data[0]) == 1
    typ, d = m.fetch("1", "(BODY.PEEK[])")
    assert normalize(d[0][1]) == normalize(new_msg)
    m.logout()

    # Another run with nothing changed moves no message either way. (The
    # server created the superior "Projekte" with "Projekte/2026", RFC 9051
    # 6.3.4, so mbsync may add that empty folder locally now.)
    def message_files():
        return {p: p.stat().st_mtime_ns for p in local.rglob("*")
                if p.is_file() and p.parent.name in ("cur", "new")}
    before = message_files()
    run_mbsync(cfg, tmp_path)
    assert message_files() == before
    m = login(server)
    assert int(m.select("INBOX")[1][0]) == 2
    m.logout()
