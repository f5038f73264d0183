"""Helpers for the IMAP extension tests (ACL, QUOTA, METADATA, COMPRESS):
an imaplib login over implicit TLS, and a small raw client that reads
responses with literals exactly as sent (imaplib hides some of that and
cannot do COMPRESS)."""
import imaplib
import re
import socket
import ssl
import zlib

PASSWORD = "secret-pw"


def tls_context() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def login(server, user) -> imaplib.IMAP4_SSL:
    m = imaplib.IMAP4_SSL("127.0.0.1", server.ports["imaps"], ssl_context=tls_context(), timeout=30)
    m.login(user, PASSWORD)
    return m


def capabilities(m) -> list:
    """The capabilities now (imaplib keeps the pre-login list)."""
    typ, data = m.capability()
    assert typ == "OK"
    return data[0].decode().split()


def register(*names):
    """Let imaplib send commands it does not know."""
    for n in names:
        imaplib.Commands.setdefault(n, ("AUTH", "SELECTED"))


class RawImap:
    """Line/literal reader over a (TLS) socket; optional DEFLATE both ways."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.n = 0
        self.deflate = None
        self.inflate = None
        self.wire_in = 0   # compressed bytes received since COMPRESS
        self.plain_in = 0  # what they inflated to

    @classmethod
    def connect(cls, server):
        s = socket.create_connection(("127.0.0.1", server.ports["imaps"]), timeout=30)
        c = cls(tls_context().wrap_socket(s, server_hostname="mail.example.org"))
        greeting = c.read_line()
        assert greeting.startswith(b"* OK"), greeting
        return c

    def start_compress(self):
        self.deflate = zlib.compressobj(wbits=-15)
        self.inflate = zlib.decompressobj(wbits=-15)
        # Bytes already read past the OK were sent compressed.
        pending, self.buf = self.buf, b""
        if pending:
            self.buf = self.inflate.decompress(pending)

    def send_raw(self, data: bytes):
        if self.deflate:
            data = self.deflate.compress(data) + self.deflate.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed")
        if self.inflate:
            plain = self.inflate.decompress(chunk)
            self.wire_in += len(chunk)
            self.plain_in += len(plain)
            self.buf += plain
        else:
            self.buf += chunk

    def read_line(self) -> bytes:
        for _ in range(100000):
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()
        raise AssertionError("line too long")

    def read_exact(self, n) -> bytes:
        for _ in range(100000):
            if len(self.buf) >= n:
                out, self.buf = self.buf[:n], self.buf[n:]
                return out
            self._fill()
        raise AssertionError("literal too long")

    def read_response(self) -> bytes:
        """One response line with its literals inlined as {n}\\r\\n<bytes>."""
        out = b""
        for _ in range(1000):
            line = self.read_line()
            out += line
            m = re.search(rb"~?\{(\d+)\+?\}$", line)
            if not m:
                return out
            out += b"\r\n" + self.read_exact(int(m.group(1)))
        raise AssertionError("too many literals")

    def command(self, text, literal=None):
        """Sends `tag text` (with an optional synchronising literal appended
        after '+'), returns (untagged responses, tagged line)."""
        self.n += 1
        tag = b"x%d" % self.n
        line = tag + b" " + (text.encode() if isinstance(text, str) else text)
        if literal is None:
            self.send_raw(line + b"\r\n")
        else:
            head, tail = literal
            self.send_raw(line + head + b"\r\n")
            cont = self.read_line()
            if not cont.startswith(b"+"):
                return [], cont
            self.send_raw(tail + b"\r\n")
        untagged = []
        for _ in range(100000):
            r = self.read_response()
            if r.startswith(tag + b" "):
                return untagged, r
            untagged.append(r)
        raise AssertionError("no tagged response")

    def ok(self, text, literal=None):
        untagged, tagged = self.command(text, literal)
        assert tagged.split(b" ")[1] == b"OK", (text, tagged)
        return untagged, tagged

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def raw_login(server, user) -> RawImap:
    c = RawImap.connect(server)
    c.ok(f'LOGIN "{user}" "{PASSWORD}"')
    return c


def deliver(server, to, subject="hello", body="Hello there.\r\n"):
    import smtplib
    msg = f"From: alice@example.net\r\nTo: {to}\r\nSubject: {subject}\r\n\r\n{body}"
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=30) as s:
        s.sendmail("alice@example.net", [to], msg.encode())
