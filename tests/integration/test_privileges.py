"""Bind first, then drop root (DESIGN.md): as root, `serve` hands the data
directory to server.run_as_user and runs as that user; not as root it keeps
the current user (the documented fallback)."""
import os
import pathlib
import pwd
import shutil
import smtplib
import tempfile

from postamt_server import PostamtServer


def uid_of(pid: int) -> int:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[2])  # effective uid
    raise AssertionError("no Uid line")


def test_serve_drops_to_run_as_user(postamt_bin):
    # The data directory must be reachable for the unprivileged user, so it
    # lives under a world-traversable directory rather than pytest's 0700 one.
    root = pathlib.Path(tempfile.mkdtemp(prefix="postamt-priv-", dir="/tmp"))
    os.chmod(root, 0o755)
    try:
        is_root = os.geteuid() == 0
        user = "nobody" if is_root else ""
        srv = PostamtServer(postamt_bin, root, server_extra=f'run_as_user = "{user}"')
        srv.cli("domain", "add", "example.org")
        srv.add_user("bob@example.org")
        srv.start()
        try:
            expected = pwd.getpwnam("nobody").pw_uid if is_root else os.geteuid()
            assert uid_of(srv.proc.pid) == expected
            s = smtplib.SMTP("127.0.0.1", srv.ports["smtp"], timeout=30)
            s.sendmail("a@example.net", ["bob@example.org"], b"Subject: after drop\r\n\r\nstill writable\r\n")
            s.quit()
        finally:
            assert srv.stop() == 0
        if is_root:
            assert (srv.data / "mail.db").stat().st_uid == expected
        assert srv.message("bob@example.org", 1).endswith(b"still writable\r\n")
    finally:
        shutil.rmtree(root, ignore_errors=True)
