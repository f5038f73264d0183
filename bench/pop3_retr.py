#!/usr/bin/python3
"""POP3 throughput against a real `postamt serve` on loopback.

  1. RETR throughput: --count messages of --size bytes delivered over SMTP
     (several connections, so the store group-commits), then every message
     downloaded over 995 (TLS) and over 110 (plaintext, loopback), each
     (a) with poplib, one command at a time, the way most clients work, and
     (b) pipelined on a raw socket (RFC 2449 PIPELINING: all RETR commands
     sent at once), which shows the server's own rate without poplib's
     line-by-line Python parsing.
  2. Big mailbox: --big messages filled through the store
     (tests/tools/fill_mailbox) into another account, then login (the
     snapshot), STAT, LIST and UIDL timed. These read rows only.

    bench/pop3_retr.py [--binary build/release/postamt] [--count 1000]
                       [--size 10240] [--big 50000]

Against any other POP3 server already running (e.g. a private Dovecot from
bench/compare), with a mailbox already filled: --host 127.0.0.1 --port N
[--tls-port M] --user U --password P runs the RETR part only.

The machine is shared: besides wall-clock rates the script prints the CPU
time the server process used for each run (from /proc), which does not
depend on what else runs.
"""
import argparse
import os
import pathlib
import poplib
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from postamt_server import PostamtServer  # noqa: E402

USER, BIG_USER, PASSWORD = "bob@example.org", "big@example.org", "secret-pw"


def ctx():
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


def body(i, size):
    head = (f"From: bench@example.net\r\nTo: {USER}\r\nSubject: bench {i}\r\n"
            f"Message-ID: <pop3-bench-{i}@example.net>\r\n\r\n").encode()
    line = b"The quick brown fox jumps over the lazy dog. 0123456789 abcdefghijklmnopqrstuvwx\r\n"
    out = head
    while len(out) + len(line) <= size:
        out += line
    return out + b"." * max(0, size - len(out) - 2) + b"\r\n"


def deliver(server, count, size, conns=4):
    def worker(k):
        s = smtplib.SMTP("127.0.0.1", server.ports["smtp"], local_hostname="bench.example.net", timeout=120)
        for i in range(k, count, conns):
            s.sendmail("bench@example.net", [USER], body(i, size))
        s.quit()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(conns)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def host_of(server):
    return getattr(server, "host", "127.0.0.1")


def connect(server, tls):
    if tls:
        return poplib.POP3_SSL(host_of(server), server.ports["pop3s"], context=ctx(), timeout=120)
    return poplib.POP3(host_of(server), server.ports["pop3"], timeout=120)


def retr_poplib(server, tls, user=USER, password=PASSWORD):
    p = connect(server, tls)
    p.user(user)
    p.pass_(password)
    n, octets = p.stat()
    t0 = time.perf_counter()
    got = 0
    for i in range(1, n + 1):
        got += p.retr(i)[2]
    dt = time.perf_counter() - t0
    p.quit()
    return n, octets, dt


def retr_pipelined(server, tls, user=USER, password=PASSWORD):
    raw = socket.create_connection((host_of(server), server.ports["pop3s" if tls else "pop3"]), timeout=120)
    s = ctx().wrap_socket(raw) if tls else raw
    buf = bytearray()

    def read_until(marker, count=1):
        nonlocal buf
        while buf.count(marker) < count:
            chunk = s.recv(1 << 20)
            if not chunk:
                raise RuntimeError("connection closed")
            buf += chunk

    read_until(b"\r\n")
    buf.clear()
    s.sendall(f"USER {user}\r\nPASS {password}\r\nSTAT\r\n".encode())
    read_until(b"\r\n", 3)
    lines = bytes(buf).split(b"\r\n")
    if not all(x.startswith(b"+OK") for x in lines[:3]):
        raise RuntimeError(f"POP3 login/STAT failed: {lines[:3]}")
    stat = lines[2].split()
    n, octets = int(stat[1]), int(stat[2])
    buf.clear()
    t0 = time.perf_counter()
    s.sendall(b"".join(b"RETR %d\r\n" % i for i in range(1, n + 1)))
    # Each response ends with CRLF "." CRLF; count them as they come.
    ends = received = 0
    while ends < n:
        chunk = s.recv(1 << 20)
        if not chunk:
            raise RuntimeError("connection closed")
        received += len(chunk)
        buf += chunk
        ends += buf.count(b"\r\n.\r\n")
        buf = buf[-4:]  # a terminator may straddle two reads
    dt = time.perf_counter() - t0
    assert received >= octets, (received, octets)
    # Wait for the goodbye: the maildrop lock is released when the session ends.
    s.sendall(b"QUIT\r\n")
    buf = bytearray()
    read_until(b"\r\n")  # +OK and the server's goodbye text
    # ...and for the server to close: it may release the lock only after
    # sending the goodbye, and the next session would find it in use.
    try:
        while s.recv(1 << 16):
            pass
    except (ssl.SSLError, OSError):
        pass  # closed without a TLS close_notify: closed all the same
    s.close()
    return n, octets, dt


def cpu_seconds(pid):
    """utime + stime of a process (load-independent cost)."""
    f = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def measured(server, fn, tls):
    c0 = cpu_seconds(server.proc.pid)
    n, octets, dt = fn(server, tls)
    return n, octets, dt, cpu_seconds(server.proc.pid) - c0


def report(label, n, octets, dt, cpu):
    print(f"{label:40s} {n:5d} msgs {octets / 1e6:6.2f} MB {dt:6.3f} s {n / dt:7.0f} msg/s "
          f"{octets / 1e6 / dt:6.1f} MB/s  server CPU {cpu:5.2f} s", flush=True)


def big_mailbox(server, fill, count):
    t0 = time.perf_counter()
    subprocess.run([str(fill), str(server.data), BIG_USER, str(count)], check=True, capture_output=True)
    print(f"filled {count} messages through the store in {time.perf_counter() - t0:.1f} s", flush=True)
    server.start()
    t0 = time.perf_counter()
    p = connect(server, True)
    p.user(BIG_USER)
    p.pass_(PASSWORD)
    t_login = time.perf_counter() - t0
    t0 = time.perf_counter()
    n, _ = p.stat()
    t_stat = time.perf_counter() - t0
    t0 = time.perf_counter()
    listing = p.list()[1]
    t_list = time.perf_counter() - t0
    t0 = time.perf_counter()
    uidls = p.uidl()[1]
    t_uidl = time.perf_counter() - t0
    p.quit()
    assert n == count == len(listing) == len(uidls), (n, len(listing), len(uidls))
    print(f"{count}-message INBOX over 995: connect+login+snapshot {t_login * 1000:.0f} ms, "
          f"STAT {t_stat * 1000:.1f} ms, LIST {t_list * 1000:.0f} ms, UIDL {t_uidl * 1000:.0f} ms "
          f"(poplib, includes its parsing)", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(ROOT / "build" / "release" / "postamt"))
    ap.add_argument("--fill", default=None, help="fill_mailbox tool (default: next to the binary)")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--size", type=int, default=10240)
    ap.add_argument("--big", type=int, default=50000, help="0: skip the big-mailbox part")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="an external POP3 server; 0: start a private postamt")
    ap.add_argument("--tls-port", type=int, default=0, help="its POP3S port (optional)")
    ap.add_argument("--user", default=USER)
    ap.add_argument("--password", default=PASSWORD)
    a = ap.parse_args()
    if a.port:
        class External:
            host = a.host
            ports = {"pop3": a.port, "pop3s": a.tls_port}
        for tls in ((True, False) if a.tls_port else (False,)):
            name = "TLS" if tls else "plain"
            for label, fn in (("poplib", retr_poplib), ("pipelined", retr_pipelined)):
                n, octets, dt = fn(External, tls, a.user, a.password)
                print(f"RETR all, {label}, {name}: {n} msgs {octets / 1e6:.2f} MB {dt:.3f} s "
                      f"{n / dt:.0f} msg/s {octets / 1e6 / dt:.1f} MB/s", flush=True)
        return
    binary = pathlib.Path(a.binary)
    fill = pathlib.Path(a.fill) if a.fill else binary.parent / "fill_mailbox"
    with tempfile.TemporaryDirectory() as tmp:
        server = PostamtServer(binary, pathlib.Path(tmp))
        server.cli("domain", "add", "example.org")
        server.add_user(USER, PASSWORD)
        server.add_user(BIG_USER, PASSWORD)
        server.start()
        try:
            dt = deliver(server, a.count, a.size)
            print(f"delivered {a.count} x {a.size} B over SMTP (4 connections) in {dt:.2f} s "
                  f"({a.count / dt:.0f} msg/s)", flush=True)
            for tls in (True, False):
                name = "995 TLS" if tls else "110 plain"
                report(f"RETR all, poplib, {name}", *measured(server, retr_poplib, tls))
                report(f"RETR all, pipelined, {name}", *measured(server, retr_pipelined, tls))
            if a.big:
                server.stop()
                big_mailbox(server, fill, a.big)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
