#!/usr/bin/python3
"""Postamt side by side with Postfix -> LMTP -> Dovecot (issue 7, first slice).

Each round starts a fresh private Postamt and a fresh private Postfix +
Dovecot (bench/compare/incumbents.py: Debian packages, loopback high ports,
their default fsync durability, plain-text test passwords on the Dovecot
side), alternately A B A B, and runs on each:

  smtp   N sessions (default 10) send 10 KB messages for --seconds to
         u<i>@example.org; accepted/s counts 250 replies, end-to-end/s counts
         until every accepted message is in its INBOX (IMAP STATUS for
         Postamt, files in Maildir/new+cur for Dovecot), and the servers' CPU
         per message (all their processes, from /proc).
  pop3   1,000 messages of the bench corpus delivered through each system's
         SMTP front, then every message RETRieved: pipelined over plain POP3
         (server-bound) and with poplib over POP3S (one command at a time).
  idle   --connections IMAPS connections logged in, INBOX selected, in IDLE;
         memory per connection = (RSS after - RSS before) / N, summed over all
         server processes (Dovecot: master and every child), plus the same
         with PSS (shared pages divided among the processes sharing them).

Prints a table of medians with min-max and Postamt/incumbent ratios, and
writes bench/results/compare-<UTC time>.json and .md.

    bench/compare.py [--rounds 3] [--binary build/release/postamt]
                     [--seconds 10] [--connections 200]
"""
import argparse
import datetime
import imaplib
import json
import os
import pathlib
import platform
import resource
import smtplib
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from compare import incumbents  # noqa: E402
from postamt_server import PostamtServer  # noqa: E402
import pop3_retr  # noqa: E402
import smtp_throughput  # noqa: E402

CORPUS = ROOT.parent / "shared" / "bench-corpus" / "test400.mbox"
DOMAIN = "example.org"
PASSWORD = "secret-pw"
POP_USER = f"pop@{DOMAIN}"
IDLE_USER = f"idle@{DOMAIN}"
PIPELINED_PASSES = 5

# name, unit, higher is better
METRICS = [
    ("smtp_accepted_per_s", "msg/s", True),
    ("smtp_end_to_end_per_s", "msg/s", True),
    ("smtp_cpu_ms_per_msg", "ms CPU", False),
    ("pop3_retr_pipelined_msgs_per_s", "msg/s", True),
    ("pop3_retr_pipelined_MB_per_s", "MB/s", True),
    ("pop3_retr_pipelined_cpu_us_per_msg", "us CPU", False),
    ("pop3_retr_poplib_tls_msgs_per_s", "msg/s", True),
    ("idle_tls_kib_per_conn_rss", "KiB", False),
    ("idle_tls_kib_per_conn_pss", "KiB", False),
]


def load_corpus(path, count):
    """count messages cycled from an mboxo file, CRLF line ends."""
    msgs, cur = [], []
    if path.exists():
        for line in path.read_bytes().split(b"\n"):
            if line.startswith(b"From "):
                if cur:
                    msgs.append(b"\r\n".join(cur).rstrip(b"\r\n") + b"\r\n")
                cur = []
            else:
                cur.append(line)
        if cur:
            msgs.append(b"\r\n".join(cur).rstrip(b"\r\n") + b"\r\n")
    if not msgs:
        msgs = [pop3_retr.body(i, 10240) for i in range(100)]
    return [msgs[i % len(msgs)] for i in range(count)]


# ---- /proc ---------------------------------------------------------------
def proc_tree(root_pid):
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = pathlib.Path(f"/proc/{d}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(d))
    out, todo = [], [root_pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_seconds(pids):
    """utime+stime+cutime+cstime over live processes: a child that exited was
    reaped by one of them, so its time is in that one's c-fields."""
    total = 0
    for pid in pids:
        try:
            f = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in f[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def memory_kib(pids):
    rss = pss = 0
    for pid in pids:
        try:
            for line in pathlib.Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return rss, pss


def tls_ctx():
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


# ---- systems ---------------------------------------------------------------
class PostamtSystem:
    name = "postamt"

    def __init__(self, binary, tmp, users, max_conn):
        self.srv = PostamtServer(binary, tmp, extra_config=f"""
[limits]
max_connections_per_ip = {max_conn + 100}
max_connections_per_user = {max_conn + 100}
""")
        self.srv.cli("domain", "add", DOMAIN)
        for u in users:
            self.srv.add_user(u, PASSWORD)
        self.ports = {"smtp": self.srv.ports["smtp"], "imaps": self.srv.ports["imaps"],
                      "pop3": self.srv.ports["pop3"], "pop3s": self.srv.ports["pop3s"]}

    def start(self):
        self.srv.start()

    def stop(self):
        self.srv.stop()

    def pids(self):
        return proc_tree(self.srv.proc.pid)

    def inbox_count(self, user):
        c = imaplib.IMAP4_SSL("127.0.0.1", self.ports["imaps"], ssl_context=tls_ctx())
        c.login(user, PASSWORD)
        typ, data = c.status("INBOX", "(MESSAGES)")
        c.logout()
        assert typ == "OK", data
        return int(data[0].decode().split("MESSAGES")[1].strip(" )"))


class IncumbentSystem:
    name = "postfix+dovecot"

    def __init__(self, tmp, users, max_conn):
        self.dovecot = incumbents.Dovecot(tmp, DOMAIN, max_connections=max_conn)
        self.postfix = incumbents.Postfix(tmp, self.dovecot.ports["lmtp"], DOMAIN)
        for u in users:
            self.dovecot.add_user(u, PASSWORD)
            self.postfix.add_user(u)
        self.ports = {"smtp": self.postfix.ports["smtp"], "imaps": self.dovecot.ports["imaps"],
                      "pop3": self.dovecot.ports["pop3"], "pop3s": self.dovecot.ports["pop3s"]}

    def start(self):
        self.dovecot.start()
        self.postfix.start()

    def stop(self):
        try:
            self.postfix.stop()
        finally:
            self.dovecot.stop()

    def pids(self):
        return proc_tree(self.dovecot.master_pid()) + proc_tree(self.postfix.master_pid())

    def inbox_count(self, user):
        return self.dovecot.maildir_count(user)


# ---- workloads ---------------------------------------------------------------
def wait_counts(system, expected, timeout=300):
    deadline = time.time() + timeout
    while True:
        got = {u: system.inbox_count(u) for u in expected}
        if all(got[u] >= n for u, n in expected.items()):
            return time.perf_counter()
        if time.time() > deadline:
            raise RuntimeError(f"{system.name}: only {got} of {expected} in the INBOXes after {timeout} s")
        time.sleep(0.05)


def smtp_workload(system, sessions, size, seconds):
    rcpts = [f"u{i}@{DOMAIN}" for i in range(sessions)]
    msg = smtp_throughput.make_message(size)
    before = {u: system.inbox_count(u) for u in rcpts}
    pids = system.pids()
    cpu0 = cpu_seconds(pids)
    t0 = time.perf_counter()
    counts, elapsed = smtp_throughput.run_load("127.0.0.1", system.ports["smtp"], rcpts, msg, seconds)
    total = sum(counts)
    t_all = wait_counts(system, {u: before[u] + counts[i] for i, u in enumerate(rcpts)})
    cpu = cpu_seconds(set(pids) | set(system.pids())) - cpu0
    return {"smtp_accepted_per_s": total / elapsed, "smtp_end_to_end_per_s": total / (t_all - t0),
            "smtp_cpu_ms_per_msg": cpu * 1000 / total, "smtp_messages": total}


class Target:
    host = "127.0.0.1"

    def __init__(self, ports):
        self.ports = ports


def retr_when_free(fn, target, tls):
    """A server may release the maildrop lock (RFC 1939 section 8) a moment
    after the previous session closed: retry a login refused as IN-USE."""
    for attempt in range(40):
        try:
            return fn(target, tls, POP_USER, PASSWORD)
        except Exception as e:  # noqa: BLE001 - poplib raises error_proto, retr_pipelined RuntimeError
            if "IN-USE" not in str(e) or attempt == 39:
                raise
            time.sleep(0.05)


def pop3_workload(system, corpus):
    def worker(k, conns=4):
        s = smtplib.SMTP("127.0.0.1", system.ports["smtp"], local_hostname="bench.example.net", timeout=120)
        for i in range(k, len(corpus), conns):
            s.sendmail("bench@example.net", [POP_USER], corpus[i])
        s.quit()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait_counts(system, {POP_USER: len(corpus)})
    target = Target(system.ports)
    pids = system.pids()
    cpu0 = cpu_seconds(pids)
    # Several passes: CPU times tick in 10 ms, one pass takes ~50 ms.
    passes = [retr_when_free(pop3_retr.retr_pipelined, target, False) for _ in range(PIPELINED_PASSES)]
    time.sleep(0.2)  # the pop3 process (Dovecot) exits after QUIT and is reaped into its master's c-times
    cpu = cpu_seconds(set(pids) | set(system.pids())) - cpu0
    n, octets, dt = sorted(passes, key=lambda p: p[2])[len(passes) // 2]  # the median pass
    assert all(p[0] == len(corpus) and p[1] == octets for p in passes), (passes, len(corpus))
    n2, octets2, dt2 = retr_when_free(pop3_retr.retr_poplib, target, True)
    assert n2 == len(corpus) and octets2 == octets, (n2, octets2, octets)
    return {"pop3_retr_pipelined_msgs_per_s": n / dt, "pop3_retr_pipelined_MB_per_s": octets / 1e6 / dt,
            "pop3_retr_pipelined_cpu_us_per_msg": cpu * 1e6 / (n * PIPELINED_PASSES),
            "pop3_retr_poplib_tls_msgs_per_s": n2 / dt2, "pop3_mailbox_bytes": octets}


def idle_connection(port):
    raw = socket.create_connection(("127.0.0.1", port), timeout=60)
    s = tls_ctx().wrap_socket(raw)
    f = s.makefile("rb")

    def until(tag):
        while True:
            line = f.readline()
            if not line:
                raise RuntimeError("IMAP connection closed")
            if line.startswith(tag):
                if not line.startswith(tag + b" OK") and tag != b"+":
                    raise RuntimeError(f"IMAP: {line!r}")
                return
    f.readline()  # greeting
    s.sendall(f'a LOGIN "{IDLE_USER}" "{PASSWORD}"\r\n'.encode())
    until(b"a")
    s.sendall(b"b SELECT INBOX\r\n")
    until(b"b")
    s.sendall(b"c IDLE\r\n")
    until(b"+")
    return s, f


def idle_workload(system, n):
    idle_connection(system.ports["imaps"])[0].close()  # warm up (auth cache, code pages)
    time.sleep(1.0)
    rss0, pss0 = memory_kib(system.pids())
    conns = [idle_connection(system.ports["imaps"]) for _ in range(n)]
    time.sleep(2.0)
    rss1, pss1 = memory_kib(system.pids())
    for s, f in conns:
        try:
            s.sendall(b"DONE\r\nd LOGOUT\r\n")
            s.close()
        except OSError:
            pass
    return {"idle_tls_kib_per_conn_rss": (rss1 - rss0) / n, "idle_tls_kib_per_conn_pss": (pss1 - pss0) / n,
            "idle_rss_before_kib": rss0, "idle_rss_after_kib": rss1}


def run_system(make, a, corpus, log):
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp:
        os.chmod(tmp, 0o755)  # Dovecot's mail user and Postfix must reach their dirs
        system = make(pathlib.Path(tmp))
        system.start()
        try:
            out = {}
            out.update(smtp_workload(system, a.sessions, a.size, a.seconds))
            log(f"  {system.name}: smtp {out['smtp_accepted_per_s']:.0f} accepted/s, "
                f"{out['smtp_end_to_end_per_s']:.0f} end-to-end/s, {out['smtp_cpu_ms_per_msg']:.2f} ms CPU/msg")
            out.update(pop3_workload(system, corpus))
            log(f"  {system.name}: pop3 {out['pop3_retr_pipelined_msgs_per_s']:.0f} msg/s pipelined, "
                f"{out['pop3_retr_pipelined_MB_per_s']:.1f} MB/s, "
                f"{out['pop3_retr_pipelined_cpu_us_per_msg']:.0f} us CPU/msg, "
                f"{out['pop3_retr_poplib_tls_msgs_per_s']:.0f} msg/s poplib TLS")
            out.update(idle_workload(system, a.connections))
            log(f"  {system.name}: idle {out['idle_tls_kib_per_conn_rss']:.0f} KiB/conn RSS, "
                f"{out['idle_tls_kib_per_conn_pss']:.0f} KiB/conn PSS")
            return out
        finally:
            system.stop()


def summarize(rounds):
    rows = []
    for name, unit, higher in METRICS:
        cells = {}
        for side in ("postamt", "incumbent"):
            vals = [r[side][name] for r in rounds if name in r.get(side, {})]
            cells[side] = {"median": statistics.median(vals), "min": min(vals), "max": max(vals),
                           "values": vals} if vals else None
        ratio = (cells["postamt"]["median"] / cells["incumbent"]["median"]
                 if cells["postamt"] and cells["incumbent"] and cells["incumbent"]["median"] else None)
        rows.append({"metric": name, "unit": unit, "higher_is_better": higher, **cells, "ratio": ratio})
    return rows


def fmt(c):
    if not c:
        return "-"
    f = (lambda v: f"{v:.0f}") if c["median"] >= 100 else (lambda v: f"{v:.2f}")
    return f"{f(c['median'])} ({f(c['min'])}-{f(c['max'])})"


def markdown(rows, meta):
    lines = [f"# Postamt vs Postfix + Dovecot, {meta['date']}", "",
             f"{meta['cores']} cores ({meta['cpu']}), {meta['rounds']} round(s) A B alternated; "
             f"postamt {meta['postamt']}, dovecot {meta['versions'].get('dovecot-core')}, "
             f"postfix {meta['versions'].get('postfix')}.", "",
             "| workload | unit | Postamt median (min-max) | Postfix+Dovecot median (min-max) | Postamt/incumbent |",
             "| --- | --- | --- | --- | --- |"]
    for r in rows:
        better = "higher is better" if r["higher_is_better"] else "lower is better"
        ratio = f"{r['ratio']:.3g}x" if r["ratio"] is not None else "-"
        lines.append(f"| {r['metric']} | {r['unit']} ({better}) | {fmt(r['postamt'])} | {fmt(r['incumbent'])} | {ratio} |")
    lines += ["", "Settings: " + meta["settings"], ""]
    return "\n".join(lines)


def machine_cpu():
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=str(ROOT / "build" / "release" / "postamt"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--size", type=int, default=10240)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--pop3-messages", type=int, default=1000)
    ap.add_argument("--connections", type=int, default=200)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results"))
    a = ap.parse_args()
    log = lambda s: print(s, flush=True)  # noqa: E731
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    installed = incumbents.install(log)
    corpus = load_corpus(CORPUS, a.pop3_messages)
    users = [f"u{i}@{DOMAIN}" for i in range(a.sessions)] + [POP_USER, IDLE_USER]
    binary = pathlib.Path(a.binary)
    makers = {
        "postamt": lambda tmp: PostamtSystem(binary, tmp, users, a.connections),
        "incumbent": lambda tmp: IncumbentSystem(tmp, users, a.connections),
    }
    rounds = []
    for r in range(a.rounds):
        log(f"round {r + 1}/{a.rounds}")
        res = {}
        # A B, then B A in the next round, so neither side always goes first.
        for side in (("postamt", "incumbent") if r % 2 == 0 else ("incumbent", "postamt")):
            res[side] = run_system(makers[side], a, corpus, log)
        rounds.append(res)
    rows = summarize(rounds)
    git = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty", "--tags"],
                         capture_output=True, text=True).stdout.strip()
    now = datetime.datetime.now(datetime.timezone.utc)
    meta = {
        "date": now.strftime("%Y-%m-%d %H:%M UTC"), "cores": os.cpu_count(), "cpu": machine_cpu(),
        "kernel": platform.release(), "postamt": git, "versions": incumbents.versions(),
        "installed_now": installed, "rounds": a.rounds,
        "settings": (f"SMTP {a.sessions} sessions x {a.size} B for {a.seconds:g} s; POP3 mailbox of "
                     f"{a.pop3_messages} corpus messages ({CORPUS.name}); {a.connections} idle IMAPS "
                     "connections in IDLE. Durability: defaults on both sides (Postamt answers 250 after "
                     "the message is fsync'ed in the mailbox; Postfix fsyncs its queue file before 250, "
                     "Dovecot LMTP fsyncs the maildir file, mail_fsync=optimized). Passwords: Dovecot "
                     "{PLAIN} passwd-file (no hashing, auth cache off by default); Postamt Argon2id with "
                     "its verified-credential cache on. Memory: Dovecot summed over master and all "
                     "children (imap-login + imap per TLS connection, default service_count=1 login "
                     "processes); RSS sums count shared pages once per process, PSS divides them."),
    }
    out = pathlib.Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"compare-{now.strftime('%Y%m%dT%H%MZ')}"
    stem.with_suffix(".json").write_text(json.dumps({"meta": meta, "summary": rows, "rounds": rounds}, indent=1))
    md = markdown(rows, meta)
    stem.with_suffix(".md").write_text(md)
    print()
    print(md)
    print(f"saved {stem}.json and {stem}.md (no PNG chart: not drawn yet; python3-matplotlib is not installed here)")


if __name__ == "__main__":
    main()
