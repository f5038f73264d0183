#!/usr/bin/python3
"""Durable SMTP deliveries per second: a real `postamt serve` on loopback,
N concurrent smtplib sessions each sending messages of SIZE bytes and
waiting for every 250 (which means: in the mailbox, fsync'ed).

    bench/smtp_throughput.py [--binary build/release/postamt] [--sessions 10]
                             [--size 10240] [--seconds 10]
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(ROOT / "build" / "release" / "postamt"))
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--size", type=int, default=10240)
    ap.add_argument("--seconds", type=float, default=10)
    a = ap.parse_args()
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
