#!/usr/bin/python3
"""Outbound queue throughput: instance A accepts MESSAGES messages of SIZE
bytes over its submission port (SESSIONS concurrent authenticated smtplib
sessions, STARTTLS), queues them durably (DKIM-signed when --dkim), and
delivers them over SMTP to instance B, the MX of example.net found through a
private dnsmasq. Reports the submission rate (every 250 means queued and
fsync'ed) and the end-to-end rate until B's INBOX holds every message
(IMAP STATUS on B).

    bench/queue_throughput.py [--binary build/release/postamt] [--sessions 10]
                              [--messages 1000] [--size 10240] [--dkim]
"""
import argparse
import imaplib
import pathlib
import smtplib
import ssl
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from dns_server import Dnsmasq  # noqa: E402
from postamt_server import PostamtServer  # noqa: E402


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    import os
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(ROOT / "build" / "release" / "postamt"))
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--size", type=int, default=10240)
    ap.add_argument("--dkim", action="store_true", help="generate DKIM keys for A (sign at enqueue)")
    ap.add_argument("--keep", action="store_true", help="keep the data and logs (path printed)")
    ap.add_argument("--timeout", type=float, default=600, help="give up waiting for B after this")
    a = ap.parse_args()
    binary = pathlib.Path(a.binary)
    keep = tempfile.mkdtemp(prefix="queue-bench-") if a.keep else None
    with (tempfile.TemporaryDirectory() if not keep else open("/dev/null")) as tmp:
        tmp = keep or tmp
        tmp = pathlib.Path(tmp)
        (tmp / "a").mkdir()
        (tmp / "b").mkdir()
        b = PostamtServer(binary, tmp / "b", hostname="mx.example.net", default_domain="example.net")
        dns = Dnsmasq(tmp, "--mx-host=example.net,mx.example.net,10",
                      "--host-record=mx.example.net,127.0.0.1", local=("example.net",)).start()
        a_srv = PostamtServer(binary, tmp / "a", extra_config=f"""
[dns]
forwarders = ["{dns.address}"]
[outbound]
port = {b.ports["smtp"]}
[auth]
max_concurrent_per_ip = 64
""")
        a_srv.cli("domain", "add", "example.org")
        for i in range(a.sessions):
            a_srv.add_user(f"u{i}@example.org", "pw")
        b.cli("domain", "add", "example.net")
        b.add_user("sink@example.net", "pw")
        if a.dkim:
            a_srv.cli("dkim", "generate", "example.org")
        b.start()
        a_srv.start()
        line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n"
        body = (line * (a.size // len(line) + 1))[: a.size - 80]
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        per = a.messages // a.sessions
        errors = []

        def sender(i):
            try:
                with smtplib.SMTP("127.0.0.1", a_srv.ports["submission"], timeout=60) as s:
                    s.starttls(context=ctx)
                    s.login(f"u{i}@example.org", "pw")
                    for n in range(per):
                        msg = (f"From: u{i}@example.org\r\nTo: sink@example.net\r\n"
                               f"Subject: bench {i}-{n}\r\n\r\n{body}").encode()
                        s.sendmail(f"u{i}@example.org", ["sink@example.net"], msg)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(repr(e))

        cpu_a0, cpu_b0 = cpu_seconds(a_srv.proc.pid), cpu_seconds(b.proc.pid)
        t0 = time.monotonic()
        threads = [threading.Thread(target=sender, args=(i,)) for i in range(a.sessions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        t_accept = time.monotonic() - t0
        total = per * a.sessions
        imap = imaplib.IMAP4("127.0.0.1", b.ports["imap"])
        imap.login("sink@example.net", "pw")
        got = 0
        deadline = time.monotonic() + a.timeout
        while time.monotonic() < deadline:
            typ, data = imap.status("INBOX", "(MESSAGES)")
            got = int(data[0].decode().split("MESSAGES ")[1].rstrip(")"))
            if got >= total:
                break
            time.sleep(0.05)
        t_end = time.monotonic() - t0
        imap.logout()
        cpu_a = cpu_seconds(a_srv.proc.pid) - cpu_a0
        cpu_b = cpu_seconds(b.proc.pid) - cpu_b0
        a_srv.stop()
        b.stop()
        dns.stop()
        if keep:
            print(f"data and logs kept in {keep}")
        print(f"messages: {total} x {a.size} bytes, {a.sessions} submission sessions, dkim={a.dkim}")
        print(f"submitted (queued, fsync'ed): {t_accept:.2f} s = {total / t_accept:.0f} msg/s")
        print(f"delivered to B's INBOX:       {got}/{total} after {t_end:.2f} s = {got / t_end:.0f} msg/s end to end")
        print(f"CPU: A {cpu_a:.2f} s ({1000 * cpu_a / max(total, 1):.2f} ms/msg), "
              f"B {cpu_b:.2f} s ({1000 * cpu_b / max(total, 1):.2f} ms/msg)")
        if errors:
            print(f"errors: {len(errors)}: {errors[:3]}")
            sys.exit(1)
        if got < total:
            sys.exit(1)


if __name__ == "__main__":
    main()
