#!/usr/bin/python3
"""IMAP on a big mailbox and many idle connections, against a real
`postamt serve` on loopback (issue 4's closing figures):

  - SELECT INBOX, UID FETCH 1:* (UID FLAGS), SEARCH TEXT on a mailbox of
    --messages messages (filled through the store by tests/tools/fill_mailbox
    from the bench corpus, before the server starts);
  - memory per idle authenticated TLS connection: RSS of the server with
    --connections IMAPS connections logged in and idle, minus RSS before,
    divided by the number of connections.

    bench/imap_scale.py [--binary build/release/postamt] [--messages 100000]
                        [--connections 1000]
"""
import argparse
import imaplib
import pathlib
import resource
import ssl
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from postamt_server import PostamtServer  # noqa: E402

CORPUS = ROOT.parent / "shared" / "bench-corpus" / "test400.mbox"


def rss_kib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def timed(label, fn, results):
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    results.append((label, dt))
    print(f"{label:45s} {dt * 1000:9.1f} ms", flush=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(ROOT / "build" / "release" / "postamt"))
    ap.add_argument("--fill", default=None, help="fill_mailbox tool (default: next to the binary)")
    ap.add_argument("--messages", type=int, default=100000)
    ap.add_argument("--connections", type=int, default=1000)
    ap.add_argument("--search-word", default="invoice")
    a = ap.parse_args()
    binary = pathlib.Path(a.binary)
    fill = pathlib.Path(a.fill) if a.fill else binary.parent / "fill_mailbox"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        srv = PostamtServer(binary, pathlib.Path(tmp), extra_config="""
[limits]
max_connections_per_ip = 5000
max_connections_per_user = 5000
""")
        srv.cli("domain", "add", "example.org")
        srv.add_user("bob@example.org")
        corpus = str(CORPUS) if CORPUS.exists() else "-"
        t0 = time.perf_counter()
        subprocess.run([str(fill), str(srv.data), "bob@example.org", str(a.messages), corpus], check=True)
        print(f"filled {a.messages} messages in {time.perf_counter() - t0:.1f} s", flush=True)
        srv.start()
        try:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            c = imaplib.IMAP4_SSL("127.0.0.1", srv.ports["imaps"], ssl_context=ctx)
            c.login("bob@example.org", "secret-pw")
            typ, data = timed(f"SELECT INBOX ({a.messages} messages)", lambda: c.select("INBOX"), results)
            assert typ == "OK" and int(data[0]) == a.messages, (typ, data)
            typ, data = timed("UID FETCH 1:* (UID FLAGS)", lambda: c.uid("FETCH", "1:*", "(UID FLAGS)"), results)
            assert typ == "OK" and len(data) == a.messages, (typ, len(data))
            typ, data = timed("UID FETCH 1:* (UID FLAGS) again", lambda: c.uid("FETCH", "1:*", "(UID FLAGS)"),
                              results)
            typ, data = timed(f"SEARCH TEXT {a.search_word} (first)", lambda: c.search(None, "TEXT", a.search_word),
                              results)
            assert typ == "OK"
            hits = len(data[0].split())
            timed(f"SEARCH TEXT {a.search_word} (again)", lambda: c.search(None, "TEXT", a.search_word), results)
            print(f"  SEARCH TEXT matched {hits} messages")
            timed("SEARCH UNSEEN", lambda: c.search(None, "UNSEEN"), results)
            c.logout()

            pid = srv.proc.pid
            time.sleep(0.5)
            before = rss_kib(pid)
            conns = []
            t0 = time.perf_counter()
            for _ in range(a.connections):
                x = imaplib.IMAP4_SSL("127.0.0.1", srv.ports["imaps"], ssl_context=ctx)
                x.login("bob@example.org", "secret-pw")
                conns.append(x)
            time.sleep(1.0)
            after = rss_kib(pid)
            per = (after - before) / a.connections
            print(f"{a.connections} idle authenticated TLS connections opened in "
                  f"{time.perf_counter() - t0:.1f} s: RSS {before} KiB -> {after} KiB = {per:.1f} KiB/connection",
                  flush=True)
            for x in conns:
                try:
                    x.logout()
                except Exception:
                    pass
        finally:
            srv.stop()


if __name__ == "__main__":
    main()
