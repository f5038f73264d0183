"""fetchmail (Debian's) downloading from the POP3 server: leaving mail on
the server (UIDL tracking must never fetch a message twice) and deleting
it, over 995 and over 110 with STLS. Messages must arrive byte-equal to
what the store holds."""
import os
import pathlib
import subprocess

from pop3_client import USER, deliver_many, mailbox_row

MDA = """import os, sys
d = sys.argv[1]
n = len(os.listdir(d))
with open(os.path.join(d, "%04d.eml" % n), "wb") as f:
    f.write(sys.stdin.buffer.read())
"""


def message(i: int) -> bytes:
    return (b"From: Alice <alice@example.net>\r\nTo: bob@example.org\r\nSubject: fetch %d\r\n"
            b"Message-ID: <fetch-%d@example.net>\r\n\r\nline\r\n.starts with a dot\r\n..two\r\n" % (i, i)
            + (b"x" * 76 + b"\r\n") * (i * 400) + b".\r\nend\r\n")


class Fetchmail:
    def __init__(self, server, root: pathlib.Path, options: str, port: int):
        self.root = root
        self.root.mkdir()
        self.out = root / "delivered"
        self.out.mkdir()
        mda = root / "mda.py"
        mda.write_text(MDA)
        self.rc = root / "fetchmailrc"
        # invisible: no Received line of its own; no rewrite: headers as
        # sent; no stripcr: keep CRLF so the MDA sees the server's bytes.
        self.rc.write_text(f"""set no bouncemail
set invisible
poll 127.0.0.1 with proto POP3 port {port}
  user "{USER}" there with password "secret-pw" is "bob" here
  options {options} no sslcertck no rewrite no stripcr
  mda "/usr/bin/python3 {mda} {self.out}"
""")
        os.chmod(self.rc, 0o600)

    def run(self) -> subprocess.CompletedProcess:
        env = dict(os.environ, HOME=str(self.root))
        r = subprocess.run(["fetchmail", "-f", str(self.rc), "--idfile", str(self.root / "fetchids"), "-N", "-v",
                            "--nosyslog"], capture_output=True, env=env, timeout=120)
        # 0: mail fetched; 1: no mail (fetchmail(1) EXIT CODES).
        assert r.returncode in (0, 1), r.stdout.decode(errors="replace") + r.stderr.decode(errors="replace")
        return r

    def delivered(self):
        return [p.read_bytes() for p in sorted(self.out.iterdir())]


def test_fetchmail_keep_over_995_never_downloads_twice(server, tmp_path):
    deliver_many(server, [message(i) for i in range(1, 4)])
    fm = Fetchmail(server, tmp_path / "fm", "ssl keep", server.ports["pop3s"])
    r = fm.run()
    assert r.returncode == 0
    assert b"POP3> RETR 3" in r.stdout
    assert fm.delivered() == [server.message(USER, uid) for uid in (1, 2, 3)]
    assert server.mailbox_count(USER) == 3, "keep leaves the messages on the server"
    assert mailbox_row(server)["unseen"] == 0, "downloaded messages are \\Seen for IMAP"
    # Second poll: UIDL says nothing is new.
    r = fm.run()
    assert r.returncode == 1, r.stdout.decode()
    assert b"RETR" not in r.stdout
    assert len(fm.delivered()) == 3
    # A new message: only that one is fetched.
    deliver_many(server, [message(4)])
    r = fm.run()
    assert r.returncode == 0
    assert b"POP3> RETR 4" in r.stdout and b"RETR 1" not in r.stdout
    got = fm.delivered()
    assert len(got) == 4 and got[3] == server.message(USER, 4)
    assert server.mailbox_count(USER) == 4


def test_fetchmail_without_keep_over_stls_deletes(server, tmp_path):
    deliver_many(server, [message(i) for i in range(1, 4)])
    expected = [server.message(USER, uid) for uid in (1, 2, 3)]
    fm = Fetchmail(server, tmp_path / "fm", "sslproto tls1.2+ fetchall", server.ports["pop3"])
    r = fm.run()
    assert r.returncode == 0
    assert b"POP3> STLS" in r.stdout, "fetchmail must have upgraded the connection"
    assert b"POP3> DELE 3" in r.stdout
    assert fm.delivered() == expected
    assert server.mailbox_count(USER) == 0, "the messages were deleted at QUIT"
    r = fm.run()
    assert r.returncode == 1
    assert len(fm.delivered()) == 3
