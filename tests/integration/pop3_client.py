"""Helpers for the POP3 integration tests: delivering test mail over SMTP,
poplib sessions over STLS (110) and implicit TLS (995), an independent
SCRAM-SHA-256 client, and reading `postamt mailbox list`."""
import base64
import hashlib
import hmac
import os
import poplib
import smtplib
import ssl

USER = "bob@example.org"
PASSWORD = "secret-pw"


def tls_context() -> ssl.SSLContext:
    # The test server has a self-signed certificate.
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def deliver(server, body: bytes, to=USER, sender="alice@example.net"):
    s = smtplib.SMTP("127.0.0.1", server.ports["smtp"], local_hostname="client.example.net", timeout=30)
    s.sendmail(sender, [to], body)
    s.quit()


def deliver_many(server, bodies, to=USER):
    s = smtplib.SMTP("127.0.0.1", server.ports["smtp"], local_hostname="client.example.net", timeout=60)
    for b in bodies:
        s.sendmail("alice@example.net", [to], b)
    s.quit()


def pop3_stls(server) -> poplib.POP3:
    p = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=30)
    p.stls(tls_context())
    return p


def pop3s(server) -> poplib.POP3_SSL:
    return poplib.POP3_SSL("127.0.0.1", server.ports["pop3s"], context=tls_context(), timeout=30)


def login(p, user=USER, password=PASSWORD):
    p.user(user)
    return p.pass_(password)


def retr_bytes(p, n) -> bytes:
    """The message as poplib reconstructs it (dot-unstuffed, CRLF lines)."""
    resp, lines, octets = p.retr(n)
    assert resp.startswith(b"+OK"), resp
    return b"".join(line + b"\r\n" for line in lines)


def mailbox_row(server, user=USER, mailbox="INBOX") -> dict:
    out = server.cli("mailbox", "list", user).stdout.decode()
    for line in out.splitlines()[1:]:
        f = line.split()
        if f and f[0] == mailbox:
            return {"messages": int(f[2]), "unseen": int(f[3]), "uidvalidity": int(f[4]), "uidnext": int(f[5])}
    raise AssertionError(f"no {mailbox} in:\n{out}")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def scram_sha256_login(p, user=USER, password=PASSWORD):
    """AUTH SCRAM-SHA-256 with the client-first message as the initial
    response (RFC 5034 4, RFC 5802). Returns the final +OK line; raises
    poplib.error_proto on -ERR."""
    cnonce = base64.b64encode(os.urandom(18)).decode()
    bare = f"n={user},r={cnonce}"
    resp = p._shortcmd("AUTH SCRAM-SHA-256 " + b64(("n,," + bare).encode()))
    assert resp.startswith(b"+ "), resp
    server_first = base64.b64decode(resp[2:]).decode()
    attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
    assert attrs["r"].startswith(cnonce)
    salt = base64.b64decode(attrs["s"])
    iters = int(attrs["i"])
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iters)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    without_proof = f"c=biws,r={attrs['r']}"
    auth_message = f"{bare},{server_first},{without_proof}".encode()
    sig = hmac.new(stored_key, auth_message, hashlib.sha256).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, sig))
    resp = p._shortcmd(b64(f"{without_proof},p={base64.b64encode(proof).decode()}".encode()))
    # RFC 5034 4: the server-final message comes as a challenge...
    assert resp.startswith(b"+ "), resp
    server_final = base64.b64decode(resp[2:]).decode()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    expected = base64.b64encode(hmac.new(server_key, auth_message, hashlib.sha256).digest()).decode()
    assert server_final == "v=" + expected, "server signature must verify"
    # ... answered with an empty response.
    return p._shortcmd("")
