"""Helpers for the IMAP integration tests: logged-in imaplib clients and a
small raw-socket client for what imaplib cannot do (IDLE, LITERAL+,
pipelining, malformed commands)."""
import imaplib
import re
import socket
import ssl
import time

PASSWORD = "secret-pw"


def tls_context():
    return ssl._create_unverified_context()


def login(server, user="bob@example.org", mode="starttls"):
    """An imaplib client logged in as `user` (mode: starttls, implicit, plain)."""
    if mode == "implicit":
        m = imaplib.IMAP4_SSL("127.0.0.1", server.ports["imaps"], ssl_context=tls_context(), timeout=15)
    else:
        m = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=15)
        if mode == "starttls":
            m.starttls(ssl_context=tls_context())
    typ, _ = m.login(user, PASSWORD)
    assert typ == "OK"
    return m


def deliver_smtp(server, rcpt="bob@example.org", subject="hello", body="Hello there.\r\n", sender="alice@remote.test"):
    import smtplib
    msg = (f"From: Alice <{sender}>\r\nTo: <{rcpt}>\r\nSubject: {subject}\r\n"
           f"Message-ID: <{time.time_ns()}@remote.test>\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\n\r\n{body}")
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=15) as s:
        s.sendmail(sender, [rcpt], msg.encode())
    return msg.encode()


class RawImap:
    """Line-oriented IMAP over a socket: send raw bytes, read responses with
    literals resolved. Every read has a deadline."""

    def __init__(self, server, mode="plain", timeout=10.0):
        port = server.ports["imaps"] if mode == "implicit" else server.ports["imap"]
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        if mode == "implicit":
            self.sock = tls_context().wrap_socket(self.sock, server_hostname="localhost")
        self.buf = bytearray()  # amortised appends: big literals stay linear
        self.timeout = timeout
        self.greeting = self.read_line()
        if mode == "starttls":
            self.send(b"T0 STARTTLS\r\n")
            self.read_tagged(b"T0")
            self.sock = tls_context().wrap_socket(self.sock, server_hostname="localhost")
        self.n = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data: bytes):
        self.sock.sendall(data)

    def _fill(self, deadline):
        if time.time() > deadline:
            raise TimeoutError(f"no data; buffered: {bytes(self.buf[:200])!r}")
        self.sock.settimeout(max(0.05, deadline - time.time()))
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError(f"connection closed; buffered: {bytes(self.buf[:200])!r}")
        self.buf += chunk

    def read_line(self, timeout=None) -> bytes:
        """One response line including the data of literals it announces."""
        deadline = time.time() + (timeout or self.timeout)
        out = bytearray()
        scanned = 0
        while True:
            while (i := self.buf.find(b"\r\n", scanned)) < 0:
                scanned = max(0, len(self.buf) - 1)
                self._fill(deadline)
            line = bytes(self.buf[:i])
            del self.buf[:i + 2]
            scanned = 0
            out += line
            m = re.search(rb"~?\{(\d+)\}$", line)
            if not m:
                return bytes(out)
            n = int(m.group(1))
            while len(self.buf) < n:
                self._fill(deadline)
            out += b"\r\n" + self.buf[:n]
            del self.buf[:n]

    def read_tagged(self, tag: bytes, timeout=None):
        """Lines up to and including the tagged one: (untagged list, tagged line)."""
        lines = []
        deadline = time.time() + (timeout or self.timeout)
        while True:
            line = self.read_line(timeout=max(0.1, deadline - time.time()))
            if line.startswith(tag + b" "):
                return lines, line
            lines.append(line)

    def tag(self) -> bytes:
        self.n += 1
        return b"R%d" % self.n

    def command(self, text: bytes, timeout=None):
        t = self.tag()
        self.send(t + b" " + text + b"\r\n")
        return self.read_tagged(t, timeout)

    def login(self, user="bob@example.org"):
        _, done = self.command(f'LOGIN "{user}" "{PASSWORD}"'.encode())
        assert b" OK " in done, done
        return done

    def pending(self, wait=0.3) -> bytes:
        """Whatever arrives within `wait` seconds (for "nothing was sent" checks)."""
        deadline = time.time() + wait
        while time.time() < deadline:
            try:
                self.sock.settimeout(max(0.01, deadline - time.time()))
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                self.buf += chunk
            except (socket.timeout, TimeoutError):
                break
            except ssl.SSLWantReadError:
                break
        data = bytes(self.buf)
        self.buf = bytearray()
        return data


def wait_for(pred, timeout=10.0, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise AssertionError("condition not met in time")
