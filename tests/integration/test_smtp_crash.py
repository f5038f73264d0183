"""Never lose mail: 20 concurrent SMTP sessions deliver while the server is
killed with SIGKILL; after a restart every message that got a 250 is
present exactly once and intact."""
import hashlib
import random
import smtplib
import threading
import time

SESSIONS = 20
MESSAGES_PER_SESSION = 200  # bounded; the kill comes long before


def make_message(token: str, rng: random.Random) -> bytes:
    body = "".join(f"{token} line {i} {'y' * rng.randrange(60)}\r\n" for i in range(rng.randrange(5, 150)))
    digest = hashlib.sha256(body.encode()).hexdigest()
    return (f"From: load@example.net\r\nTo: bob@example.org\r\nSubject: {token}\r\n"
            f"X-Token: {token}\r\nX-Sha256: {digest}\r\n\r\n{body}").encode()


def test_every_acknowledged_message_survives_sigkill(server):
    acked = {}  # token -> bytes
    lock = threading.Lock()
    stop = threading.Event()

    def sender(n: int):
        rng = random.Random(n)
        try:
            s = smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=30)
            s.ehlo("load.example.net")
            for i in range(MESSAGES_PER_SESSION):
                if stop.is_set():
                    break
                token = f"s{n}m{i}"
                data = make_message(token, rng)
                rcpt = "bob@example.org" if i % 2 == 0 else "carol@example.org"
                s.sendmail("load@example.net", [rcpt], data)  # returns only after 250
                with lock:
                    acked[token] = (rcpt, data)
        except (smtplib.SMTPException, OSError):
            pass  # the server died under us: expected

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(SESSIONS)]
    for t in threads:
        t.start()
    deadline = time.time() + 60
    while time.time() < deadline:
        with lock:
            if len(acked) >= 150:
                break
        time.sleep(0.05)
    server.kill()  # SIGKILL mid-load
    stop.set()
    for t in threads:
        t.join(timeout=60)
    with lock:
        snapshot = dict(acked)
    assert len(snapshot) >= 100, f"only {len(snapshot)} messages were acknowledged before the kill"

    server.start()
    found = {}
    for user in ("bob@example.org", "carol@example.org"):
        count = server.mailbox_count(user)
        for uid in range(1, count + 1):
            raw = server.message(user, uid)
            header, _, body = raw.partition(b"\r\n\r\n")
            token = [l.split(b": ", 1)[1].decode() for l in header.split(b"\r\n") if l.startswith(b"X-Token: ")]
            assert len(token) == 1, raw[:400]
            digest = [l.split(b": ", 1)[1].decode() for l in header.split(b"\r\n") if l.startswith(b"X-Sha256: ")][0]
            assert hashlib.sha256(body).hexdigest() == digest, f"{token[0]} is not intact"
            assert token[0] not in found, f"{token[0]} stored twice"
            found[token[0]] = (user, raw)
    for token, (rcpt, data) in snapshot.items():
        assert token in found, f"acknowledged message {token} lost"
        user, raw = found[token]
        assert user == rcpt
        assert raw.endswith(data), f"{token} differs from what was sent"
    print(f"acknowledged={len(snapshot)} stored={len(found)}")
