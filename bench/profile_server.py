#!/usr/bin/python3
"""Where the server's time goes on one workload: a private `postamt serve`
on loopback, `perf record` attached to it while the load runs, then the
top functions by self time (bench/PROFILING.md explains the figures).

    bench/profile_server.py smtp|pop3|imap|idle [--binary build/release/postamt]
                            [--seconds 10] [--out /tmp/postamt-profile] [--top 25]

  smtp  postamt-loadgen smtp: 10 sessions, 10 KB messages, to u0..u9
        (durable: every 250 means fsync'ed in the mailbox).
  pop3  1,000 messages of 10 KB delivered first (not profiled), then
        pipelined RETR of all of them (bench/pop3_retr.py), 10 passes.
  imap  postamt-loadgen imap --mode persistent: 10 clients, 10 users.
  idle  bench_idle_latency: --connections sessions in IDLE, 5 deliveries;
        perf starts once every session is in IDLE.

perf samples with the cpu-clock software event (no hardware counters in
this container); the binary has no frame pointers, so call chains come
from DWARF (--call-graph dwarf) and only the flat profile is printed. The
perf.data stays in --out for `perf report -i`.
"""
import argparse
import pathlib
import resource
import signal
import smtplib
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from postamt_server import PostamtServer  # noqa: E402
import pop3_retr  # noqa: E402

DOMAIN = "example.org"
PASSWORD = "secret-pw"


def perf_start(pid, out):
    return subprocess.Popen(["perf", "record", "-F", "999", "--call-graph", "dwarf,8192", "-o", str(out),
                             "-p", str(pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def perf_stop(p):
    p.send_signal(signal.SIGINT)
    p.wait(timeout=120)


def fill_pop3(srv, n=1000, size=10240):
    def worker(k, conns=4):
        s = smtplib.SMTP("127.0.0.1", srv.ports["smtp"], local_hostname="bench.example.net", timeout=120)
        for i in range(k, n, conns):
            s.sendmail("bench@example.net", [f"pop@{DOMAIN}"], pop3_retr.body(i, size))
        s.quit()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


class Target:
    host = "127.0.0.1"

    def __init__(self, ports):
        self.ports = ports


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("workload", choices=("smtp", "pop3", "imap", "idle"))
    ap.add_argument("--binary", default=str(ROOT / "build" / "release" / "postamt"))
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--connections", type=int, default=10000)
    ap.add_argument("--out", default="/tmp/postamt-profile")
    ap.add_argument("--top", type=int, default=25)
    a = ap.parse_args()
    binary = pathlib.Path(a.binary)
    tools = binary.parent
    out = pathlib.Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    data = out / f"perf-{a.workload}.data"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    users = [f"u{i}@{DOMAIN}" for i in range(10)] + [f"mix{i}@{DOMAIN}" for i in range(10)] + \
        [f"pop@{DOMAIN}", f"idle@{DOMAIN}"]
    with tempfile.TemporaryDirectory(prefix="postamt-profile-") as tmp:
        srv = PostamtServer(binary, pathlib.Path(tmp), extra_config=f"""
[limits]
max_connections = {a.connections + 200}
max_connections_per_ip = {a.connections + 100}
max_connections_per_user = {a.connections + 100}
""")
        # Debug logging costs a formatted line per event: profile at info.
        srv.config.write_text(srv.config.read_text().replace('level = "debug"', 'level = "info"'))
        srv.cli("domain", "add", DOMAIN)
        for u in users:
            srv.add_user(u, PASSWORD)
        srv.start()
        pid = srv.proc.pid
        try:
            if a.workload == "smtp":
                perf = perf_start(pid, data)
                subprocess.run([str(tools / "postamt-loadgen"), "smtp", "--port", str(srv.ports["smtp"]),
                                "--sessions", "10", "--seconds", str(a.seconds), "--size", "10k",
                                "--rcpt", ",".join(users[:10])], check=True)
                perf_stop(perf)
            elif a.workload == "pop3":
                fill_pop3(srv)
                target = Target(srv.ports)
                pop3_retr.retr_pipelined(target, False, f"pop@{DOMAIN}", PASSWORD)  # warm the page cache
                perf = perf_start(pid, data)
                time.sleep(0.5)
                t0 = time.perf_counter()
                for _ in range(10):
                    n, octets, dt = pop3_retr.retr_pipelined(target, False, f"pop@{DOMAIN}", PASSWORD)
                print(f"10 passes of {n} RETRs ({octets} bytes each) in {time.perf_counter() - t0:.2f} s")
                perf_stop(perf)
            elif a.workload == "imap":
                # Log every user in once (the credential cache), as a client's first visit.
                perf = None
                subprocess.run([str(tools / "postamt-loadgen"), "imap", "--port", str(srv.ports["imap"]),
                                "--clients", "10", "--users", f"mix%d@{DOMAIN}", "--user-count", "10",
                                "--password", PASSWORD, "--mode", "persistent", "--seconds", "1"], check=True,
                               stdout=subprocess.DEVNULL)
                perf = perf_start(pid, data)
                subprocess.run([str(tools / "postamt-loadgen"), "imap", "--port", str(srv.ports["imap"]),
                                "--clients", "10", "--users", f"mix%d@{DOMAIN}", "--user-count", "10",
                                "--password", PASSWORD, "--mode", "persistent", "--seconds", str(a.seconds)],
                               check=True)
                perf_stop(perf)
            else:
                p = subprocess.Popen([str(tools / "bench_idle_latency"), "--port", str(srv.ports["imaps"]),
                                      "--user", f"idle@{DOMAIN}", "--password", PASSWORD,
                                      "-n", str(a.connections), "--deliver-port", str(srv.ports["smtp"]),
                                      "--deliveries", "5", "--pid", str(pid), "--settle", "1"],
                                     stdout=subprocess.PIPE, text=True)
                perf = None
                for line in p.stdout:
                    print(line, end="", flush=True)
                    if line.startswith("sessions:"):
                        perf = perf_start(pid, data)
                    if line.startswith("all rounds") and perf:
                        perf_stop(perf)  # before the sessions close
                        perf = None
                p.wait()
        finally:
            srv.stop()
    rep = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--sort", "dso,symbol", "--stdio",
                          "-g", "none", "--percent-limit", "0.5"], capture_output=True, text=True)
    lines = [l for l in rep.stdout.splitlines() if l.strip() and not l.startswith("#")]
    print(f"\ntop functions by self time ({data}):")
    print("\n".join(l[:150] for l in lines[:a.top]))


if __name__ == "__main__":
    main()
