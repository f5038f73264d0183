#!/usr/bin/python3
"""NOTIFY (RFC 5465) on an account with many mailboxes, against a real
`postamt serve` on loopback: the time of NOTIFY SET STATUS over all
mailboxes, and the delay from an APPEND by another session to the STATUS
response in the IDLEing NOTIFY session (it must not grow with the number of
mailboxes: docs/imap-extensions.md "How it is bounded").

    bench/imap_notify.py [--binary build/release/postamt] [--mailboxes 3000]
                         [--appends 50]
"""
import argparse
import pathlib
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from imap_support import RawImap  # noqa: E402
from postamt_server import PostamtServer  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(ROOT / "build" / "release" / "postamt"))
    ap.add_argument("--mailboxes", type=int, default=3000)
    ap.add_argument("--appends", type=int, default=50)
    args = ap.parse_args()
    n = args.mailboxes
    root = pathlib.Path(tempfile.mkdtemp(prefix="notify_bench"))
    srv = PostamtServer(pathlib.Path(args.binary), root)
    srv.cli("domain", "add", "example.org")
    srv.add_user("bob@example.org")
    srv.start()
    try:
        b = RawImap(srv, mode="implicit")
        b.login()
        t = time.time()
        b.send(b"".join(b"C%d CREATE box%d\r\n" % (i, i) for i in range(n)))
        b.read_tagged(b"C%d" % (n - 1), timeout=600)
        print(f"{n} CREATEs pipelined: {time.time() - t:.2f} s")
        a = RawImap(srv, mode="implicit")
        a.login()
        t = time.time()
        lines, _ = a.command(b"NOTIFY SET STATUS (personal (MessageNew MessageExpunge MailboxName "
                             b"SubscriptionChange))", timeout=120)
        print(f"NOTIFY SET STATUS: {(time.time() - t) * 1000:.1f} ms, {len(lines)} STATUS lines")
        a.send(b"I1 IDLE\r\n")
        a.read_line()
        lat = []
        for i in range(args.appends):
            t = time.time()
            b.command(b"APPEND box%d {10+}\r\nSubject: x" % (i * 7 % n))
            while not a.read_line(timeout=10).startswith(b"* STATUS"):
                pass
            lat.append(time.time() - t)
        lat.sort()
        print(f"APPEND -> STATUS in IDLE: median {lat[len(lat) // 2] * 1000:.1f} ms, "
              f"max {lat[-1] * 1000:.1f} ms")
        a.send(b"DONE\r\n")
        a.read_tagged(b"I1")
        a.command(b"NOTIFY NONE")
        lat = []
        for i in range(args.appends):
            t = time.time()
            b.command(b"APPEND box%d {10+}\r\nSubject: y" % (i * 11 % n))
            lat.append(time.time() - t)
        lat.sort()
        print(f"APPEND alone (nobody watching): median {lat[len(lat) // 2] * 1000:.1f} ms")
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
