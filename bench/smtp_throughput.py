#!/usr/bin/python3
"""Durable SMTP deliveries per second: a real `postamt serve` on loopback,
N concurrent smtplib sessions each sending messages of SIZE bytes and
waiting for every 250 (which means: in the mailbox, fsync'ed).

    bench/smtp_throughput.py [--binary build/release/postamt] [--sessions 10]
                             [--size 10240] [--seconds 10]

Against any other server already running (e.g. a private Postfix from
bench/compare): --host 127.0.0.1 --port N [--domain example.org]; session i
sends to u<i>@<domain>. Without --port a private postamt is started.
"""
import argparse
import pathlib
import smtplib
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from postamt_server import PostamtServer  # noqa: E402


def make_message(size):
    line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n"
    body = (line * (size // len(line) + 1))[: size - 60]
    return ("From: bench@example.net\r\nSubject: bench\r\n\r\n" + body).encode()


def run_load(host, port, rcpts, msg, seconds):
    """One SMTP session per recipient, each sending msg in a loop for
    `seconds`; returns (messages accepted per session, elapsed seconds)."""
    counts = [0] * len(rcpts)
    errors = []
    stop = threading.Event()

    def run(i):
        try:
            s = smtplib.SMTP(host, port, timeout=120)
            s.ehlo("bench.example.net")
            while not stop.is_set():
                s.sendmail("bench@example.net", [rcpts[i]], msg)  # raises unless 250
                counts[i] += 1
            s.quit()
        except Exception as e:  # noqa: BLE001 - reported, not swallowed
            errors.append(repr(e))
            stop.set()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(rcpts))]
    t0 = time.time()
    for t in threads:
        t.start()
    stop.wait(seconds)
    stop.set()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"SMTP errors: {errors[:3]}")
    return counts, time.time() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(ROOT / "build" / "release" / "postamt"))
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--size", type=int, default=10240)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="an external server; 0: start a private postamt")
    ap.add_argument("--domain", default="example.org")
    a = ap.parse_args()
    if a.port:
        msg = make_message(a.size)
        counts, elapsed = run_load(a.host, a.port, [f"u{i}@{a.domain}" for i in range(a.sessions)], msg, a.seconds)
        total = sum(counts)
        print(f"smtp {a.host}:{a.port}: {total} messages of {len(msg)} bytes in {elapsed:.1f} s with "
              f"{a.sessions} sessions: {total / elapsed:.0f} messages/s accepted")
        return
    with tempfile.TemporaryDirectory() as tmp:
        srv = PostamtServer(pathlib.Path(a.binary), pathlib.Path(tmp))
        srv.cli("domain", "add", "example.org")
        for i in range(a.sessions):
            srv.add_user(f"u{i}@example.org")
        srv.start()
        line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n"
        body = (line * (a.size // len(line) + 1))[: a.size - 60]
        msg = ("From: bench@example.net\r\nSubject: bench\r\n\r\n" + body).encode()
        counts = [0] * a.sessions
        stop = threading.Event()

        def run(i):
            s = smtplib.SMTP("127.0.0.1", srv.ports["smtp"], timeout=60)
            s.ehlo("bench.example.net")
            while not stop.is_set():
                s.sendmail("bench@example.net", [f"u{i}@example.org"], msg)
                counts[i] += 1
            s.quit()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(a.sessions)]
        t0 = time.time()
        for t in threads:
            t.start()
        time.sleep(a.seconds)
        stop.set()
        for t in threads:
            t.join()
        elapsed = time.time() - t0
        srv.stop()
        total = sum(counts)
        print(f"smtp: {total} messages of {len(msg)} bytes in {elapsed:.1f} s with {a.sessions} sessions: "
              f"{total / elapsed:.0f} messages/s (each acknowledged only when durable)")


if __name__ == "__main__":
    main()
