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
  idle   bench_idle_latency (bench/idle_latency.cpp, next to the postamt
         binary): --connections IMAPS connections (--incumbent-connections
         for Dovecot, a process or two each) logged in, INBOX selected, in
         IDLE; memory per connection = (PSS after - PSS before) / N, and the
         same with RSS, summed over the server's process tree (Dovecot:
         master and every child); then --idle-deliveries messages over SMTP
         (Postamt's own; Postfix -> LMTP -> Dovecot) and the time from the
         final "." until each session's EXISTS: p50/p99 over all sessions.
  imap   the imaptest-like mix of bench/loadgen (postamt-loadgen imap) with
         --imap-clients clients over as many users, once with a LOGIN per
         cycle and once on persistent sessions: commands/s and server CPU
         per command (all server processes, from /proc).
  scenarios  postamt-loadgen imap-scenario on the same --scenario-messages
         corpus messages in both (Postamt: tests/tools/fill_mailbox into the
         store; Dovecot: a maildir written directly, indexed by the first
         SELECT like a client's first visit): SELECT, UID FETCH 1:* (FLAGS),
         FETCH of 100 envelopes, and SEARCH TEXT on a --search-messages
         mailbox; median ms and server CPU ms per operation.

The SMTP and IMAP load comes from the C++ event-driven generator
(build target postamt-loadgen, next to the postamt binary); POP3 still
uses bench/pop3_retr.py.

Prints a table of medians with min-max and Postamt/incumbent ratios, and
writes bench/results/compare-<UTC time>.json and .md.

    bench/compare.py [--rounds 3] [--binary build/release/postamt]
                     [--seconds 10] [--connections 200] [--imap-clients 10]
                     [--scenario-messages 100000] [--search-messages 10000]
                     [--passwords plain|argon2id] [--only smtp,pop3,idle,imap,scenarios]
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
from compare import chart, idle, incumbents  # noqa: E402
from postamt_server import PostamtServer, free_port  # noqa: E402
import pop3_retr  # noqa: E402

CORPUS = ROOT.parent / "shared" / "bench-corpus" / "test400.mbox"
DOMAIN = "example.org"
PASSWORD = "secret-pw"
POP_USER = f"pop@{DOMAIN}"
IDLE_USER = f"idle@{DOMAIN}"
BIG_USER = f"big@{DOMAIN}"
SEARCH_USER = f"search@{DOMAIN}"
PIPELINED_PASSES = 5
WORKLOADS = ("smtp", "pop3", "idle", "imap", "scenarios")
SCENARIOS = ("select", "uid_fetch_flags", "fetch_envelopes", "search_text")

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
    ("idle_exists_p50_ms", "ms", False),
    ("idle_exists_p99_ms", "ms", False),
    ("imap_login_cmds_per_s", "cmd/s", True),
    ("imap_login_cpu_ms_per_cmd", "ms CPU", False),
    ("imap_persistent_cmds_per_s", "cmd/s", True),
    ("imap_persistent_cpu_ms_per_cmd", "ms CPU", False),
    ("imap_first_select_ms", "ms", False),
    ("imap_select_ms", "ms", False),
    ("imap_select_cpu_ms", "ms CPU", False),
    ("imap_uid_fetch_flags_ms", "ms", False),
    ("imap_uid_fetch_flags_cpu_ms", "ms CPU", False),
    ("imap_fetch_envelopes_ms", "ms", False),
    ("imap_fetch_envelopes_cpu_ms", "ms CPU", False),
    ("imap_search_text_ms", "ms", False),
    ("imap_search_text_cpu_ms", "ms CPU", False),
]


def split_mbox(data):
    """The messages of an mboxo file exactly as Postamt's mime::split_mbox
    (used by tests/tools/fill_mailbox) cuts them: ">From " unquoted once,
    the blank line before the next "From " dropped, CRLF line ends."""
    msgs, cur, in_msg = [], [], False

    def flush():
        if in_msg:
            m = b"".join(cur)
            if m.endswith(b"\n\n"):
                m = m[:-1]
            msgs.append(m.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\n", b"\r\n"))
    for line in data.splitlines(keepends=True):
        if line.startswith(b"From "):
            flush()
            cur, in_msg = [], True
        elif in_msg:
            stripped = line.lstrip(b">")
            if len(stripped) < len(line) and stripped.startswith(b"From "):
                line = line[1:]
            cur.append(line)
    flush()
    return msgs


def fill_message(corpus, n):
    """Message n of a big mailbox, as tests/tools/fill_mailbox writes it."""
    return (f"Message-ID: <fill-{n}@bench.example>\r\nX-Fill-Seq: {n}\r\n".encode()
            + corpus[n % len(corpus)])


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


def loadgen(a, *args):
    """Runs postamt-loadgen; its JSON report, or an error with its stderr."""
    cmd = [str(a.loadgen), *[str(x) for x in args]]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    try:
        out = json.loads(r.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}")
    if r.returncode != 0 or out.get("errors") or out.get("verify_errors"):
        raise RuntimeError(f"{' '.join(cmd)}: errors ({r.returncode}): {out.get('error_samples')}\n{r.stderr}")
    return out


# ---- systems ---------------------------------------------------------------
class PostamtSystem:
    name = "postamt"

    def __init__(self, binary, tmp, users, max_conn, a=None, corpus_msgs=None):
        ops = 3 if a is not None and a.passwords == "argon2id" else 2
        self.srv = PostamtServer(binary, tmp, extra_config=f"""
[limits]
max_connections = {max_conn + 200}
max_connections_per_ip = {max_conn + 100}
max_connections_per_user = {max_conn + 100}

[auth]
# Dovecot's ARGON2ID default cost (t=3, m=64 MiB) when --passwords argon2id.
argon2_ops_limit = {ops}
""")
        self.srv.cli("domain", "add", DOMAIN)
        for u in users:
            self.srv.add_user(u, PASSWORD)
        if a is not None and "scenarios" in a.only:
            fill = pathlib.Path(a.fill)
            for user, n, extra in ((BIG_USER, a.scenario_messages, []),
                                   (SEARCH_USER, a.search_messages, ["--index"])):
                subprocess.run([str(fill), str(self.srv.data), user, str(n), str(CORPUS), *extra],
                               check=True, capture_output=True)
            # The fill takes minutes: ports picked before it may have been
            # taken by other processes meanwhile; pick them again.
            self.srv.ports = {name: free_port() for name in self.srv.ports}
            self.srv.write_config()
        self.ports = {"smtp": self.srv.ports["smtp"], "imap": self.srv.ports["imap"], "imaps": self.srv.ports["imaps"],
                      "pop3": self.srv.ports["pop3"], "pop3s": self.srv.ports["pop3s"]}

    def start(self):
        self.srv.start()

    def stop(self):
        self.srv.stop()

    def pids(self):
        return proc_tree(self.srv.proc.pid)

    def roots(self):
        return [self.srv.proc.pid]

    def inbox_count(self, user):
        c = imaplib.IMAP4_SSL("127.0.0.1", self.ports["imaps"], ssl_context=tls_ctx())
        c.login(user, PASSWORD)
        typ, data = c.status("INBOX", "(MESSAGES)")
        c.logout()
        assert typ == "OK", data
        return int(data[0].decode().split("MESSAGES")[1].strip(" )"))


class IncumbentSystem:
    name = "postfix+dovecot"

    def __init__(self, tmp, users, max_conn, a=None, corpus_msgs=None):
        argon = a is not None and a.passwords == "argon2id"
        self.dovecot = incumbents.Dovecot(tmp, DOMAIN, max_connections=max_conn,
                                          password_scheme="ARGON2ID" if argon else "PLAIN")
        if a is not None and "scenarios" in a.only:
            # The same messages fill_mailbox gives Postamt, in the same order.
            self.dovecot.write_maildir(BIG_USER, (fill_message(corpus_msgs, i) for i in range(a.scenario_messages)))
            self.dovecot.write_maildir(SEARCH_USER,
                                       (fill_message(corpus_msgs, i) for i in range(a.search_messages)))
            self.dovecot.new_ports()  # the ports picked before the long write may be taken by now
        self.postfix = incumbents.Postfix(tmp, self.dovecot.ports["lmtp"], DOMAIN)
        for u in users:
            self.dovecot.add_user(u, PASSWORD)
            self.postfix.add_user(u)
        self.ports = {"smtp": self.postfix.ports["smtp"], "imap": self.dovecot.ports["imap"],
                      "imaps": self.dovecot.ports["imaps"],
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

    def roots(self):
        return [self.dovecot.master_pid()]  # IMAP is Dovecot's alone

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


def smtp_workload(system, a):
    rcpts = [f"u{i}@{DOMAIN}" for i in range(a.sessions)]
    before = {u: system.inbox_count(u) for u in rcpts}
    pids = system.pids()
    cpu0 = cpu_seconds(pids)
    t0 = time.perf_counter()
    res = loadgen(a, "smtp", "--port", system.ports["smtp"], "--sessions", a.sessions, "--seconds", a.seconds,
                  "--size", a.size, "--rcpt", ",".join(rcpts), "--corpus", CORPUS)
    total = res["accepted"]
    t_all = wait_counts(system, {u: before[u] + res["per_rcpt"].get(u, 0) for u in rcpts})
    cpu = cpu_seconds(set(pids) | set(system.pids())) - cpu0
    return {"smtp_accepted_per_s": res["accepted_per_s"], "smtp_end_to_end_per_s": total / (t_all - t0),
            "smtp_cpu_ms_per_msg": cpu * 1000 / total, "smtp_messages": total,
            "smtp_latency_p50_ms": res["latency"]["p50_ms"], "smtp_latency_p99_ms": res["latency"]["p99_ms"],
            "smtp_pipelining": res["pipelining"], "smtp_loadgen_cpu_s": res["loadgen_cpu_s"],
            "smtp_loadgen_elapsed_s": res["elapsed_s"]}


def imap_mix_workload(system, a, mode):
    res = loadgen(a, "imap", "--port", system.ports["imap"], "--clients", a.imap_clients,
                  "--users", f"mix%d@{DOMAIN}", "--user-count", a.imap_clients, "--password", PASSWORD,
                  "--mode", mode, "--seconds", a.imap_seconds, "--corpus", CORPUS,
                  "--cpu-pid", ",".join(str(p) for p in system.roots()))
    return {f"imap_{mode}_cmds_per_s": res["commands_per_s"],
            f"imap_{mode}_cpu_ms_per_cmd": res["server_cpu_ms_per_command"],
            f"imap_{mode}_commands": res["commands"], f"imap_{mode}_cycles": res["cycles"],
            # The generator's own CPU over the run: near elapsed_s means it was the bottleneck.
            f"imap_{mode}_loadgen_cpu_s": res["loadgen_cpu_s"], f"imap_{mode}_elapsed_s": res["elapsed_s"],
            f"imap_{mode}_p50_ms": {k: v["p50_ms"] for k, v in res["per_command"].items() if v["count"]},
            f"imap_{mode}_p99_ms": {k: v["p99_ms"] for k, v in res["per_command"].items() if v["count"]}}


def scenario_workload(system, a):
    res = loadgen(a, "imap-scenario", "--port", system.ports["imap"], "--user", BIG_USER, "--password", PASSWORD,
                  "--search-user", SEARCH_USER, "--search-word", a.search_word, "--repeat", a.scenario_repeat,
                  "--cpu-pid", ",".join(str(p) for p in system.roots()))
    if res["mailbox_messages"] != a.scenario_messages or res["search_mailbox_messages"] != a.search_messages:
        raise RuntimeError(f"{system.name}: mailboxes hold {res['mailbox_messages']} and "
                           f"{res['search_mailbox_messages']} messages, not {a.scenario_messages} and "
                           f"{a.search_messages}")
    out = {"imap_first_select_ms": res["first_select_ms"],
           "imap_search_text_hits": res["scenarios"]["search_text"]["responses"]}
    for name in SCENARIOS:
        sc = res["scenarios"][name]
        out[f"imap_{name}_ms"] = sc["median_ms"]
        out[f"imap_{name}_cpu_ms"] = sc.get("cpu_ms_median")
        out[f"imap_{name}_runs_ms"] = sc["ms"]
    return out


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


def idle_workload(system, a):
    """bench_idle_latency against the system's IMAPS and SMTP ports; N
    differs per side (Dovecot forks per connection)."""
    n = a.connections if system.name == "postamt" else (a.incumbent_connections or a.connections)
    if system.name != "postamt":
        idle.ensure_inotify(n, lambda s: print(s, flush=True))
    res = idle.measure(a.idle_tool, system.ports["imaps"], [IDLE_USER], PASSWORD, n, system.ports["smtp"],
                       system.roots(), deliveries=a.idle_deliveries, sources=max(1, n // 20000 + 1))
    return idle.metrics(res)


def run_system(make, a, corpus, log):
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp:
        os.chmod(tmp, 0o755)  # Dovecot's mail user and Postfix must reach their dirs
        t_prep = time.perf_counter()
        system = make(pathlib.Path(tmp))
        log(f"  {system.name}: prepared in {time.perf_counter() - t_prep:.1f} s")
        system.start()
        try:
            out = {}
            if "smtp" in a.only:
                out.update(smtp_workload(system, a))
                log(f"  {system.name}: smtp {out['smtp_accepted_per_s']:.0f} accepted/s, "
                    f"{out['smtp_end_to_end_per_s']:.0f} end-to-end/s, {out['smtp_cpu_ms_per_msg']:.2f} ms CPU/msg")
            if "pop3" in a.only:
                out.update(pop3_workload(system, corpus))
                log(f"  {system.name}: pop3 {out['pop3_retr_pipelined_msgs_per_s']:.0f} msg/s pipelined, "
                    f"{out['pop3_retr_pipelined_MB_per_s']:.1f} MB/s, "
                    f"{out['pop3_retr_pipelined_cpu_us_per_msg']:.0f} us CPU/msg, "
                    f"{out['pop3_retr_poplib_tls_msgs_per_s']:.0f} msg/s poplib TLS")
            if "idle" in a.only:
                out.update(idle_workload(system, a))
                log(f"  {system.name}: idle x{out['idle_connections']}: "
                    f"{out['idle_tls_kib_per_conn_pss']:.1f} KiB/conn PSS, "
                    f"{out['idle_tls_kib_per_conn_rss']:.1f} KiB/conn RSS; EXISTS p50 "
                    f"{out['idle_exists_p50_ms']:.1f} ms, p99 {out['idle_exists_p99_ms']:.1f} ms")
            if "imap" in a.only:
                for mode in ("login", "persistent"):
                    out.update(imap_mix_workload(system, a, mode))
                    log(f"  {system.name}: imap {mode} {out[f'imap_{mode}_cmds_per_s']:.0f} cmd/s, "
                        f"{out[f'imap_{mode}_cpu_ms_per_cmd']:.3f} ms CPU/cmd")
            if "scenarios" in a.only:
                out.update(scenario_workload(system, a))
                log(f"  {system.name}: first SELECT {out['imap_first_select_ms']:.0f} ms; "
                    + ", ".join(f"{n} {out[f'imap_{n}_ms']:.1f} ms" for n in SCENARIOS)
                    + f"; SEARCH TEXT {a.search_word!r}: {out['imap_search_text_hits']} hits")
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
        if not r["postamt"] and not r["incumbent"]:
            continue  # a workload left out with --only
        better = "higher is better" if r["higher_is_better"] else "lower is better"
        ratio = f"{r['ratio']:.3g}x" if r["ratio"] is not None else "-"
        lines.append(f"| {r['metric']} | {r['unit']} ({better}) | {fmt(r['postamt'])} | {fmt(r['incumbent'])} | {ratio} |")
    lines += ["", "Settings: " + meta["settings"], ""]
    return "\n".join(lines)


def settings_text(a):
    if a.passwords == "plain":
        pw = ("Passwords: Dovecot {PLAIN} passwd-file (no hashing, auth cache off, its default); Postamt "
              "refuses plain-text schemes, so it has Argon2id hashes with its verified-credential cache on, "
              "and every user logs in once before the measured runs (the IMAP prefill, the SMTP/POP3 "
              "setup): no measured login hashes on either side.")
    else:
        pw = ("Passwords: Argon2id on both sides with the same cost (t=3, m=64 MiB, p=1: Dovecot's "
              "default; Postamt argon2_ops_limit=3), both with their authentication cache on (Dovecot "
              "auth_cache_size=10M, which caches the passdb lookup but still verifies the hash on every "
              "login; Postamt caches the verified credential for cache_ttl=5m).")
    return (f"SMTP {a.sessions} sessions x {a.size} B for {a.seconds:g} s (postamt-loadgen smtp, PIPELINING); "
            f"POP3 mailbox of {a.pop3_messages} corpus messages ({CORPUS.name}); {a.connections} idle IMAPS "
            f"connections in IDLE on Postamt, {a.incumbent_connections or a.connections} on Dovecot "
            f"(bench_idle_latency, one user, {a.idle_deliveries} SMTP deliveries timed to each session's EXISTS; "
            f"the generator shares the 2 cores and decrypts the EXISTS of every session on one thread); IMAP mix (postamt-loadgen imap, imaptest's default state probabilities plus "
            f"SEARCH 50%) with {a.imap_clients} clients over {a.imap_clients} users for {a.imap_seconds:g} s on "
            f"plain IMAP over loopback, mailboxes kept at ~30 messages, once with LOGIN/LOGOUT per cycle and "
            f"once on persistent sessions; scenarios (postamt-loadgen imap-scenario, {a.scenario_repeat} "
            f"repetitions, median) on a {a.scenario_messages}-message INBOX and SEARCH TEXT "
            f"{a.search_word!r} on a {a.search_messages}-message INBOX, the same corpus messages on both sides "
            "(Postamt: fill_mailbox into the store, search index complete; Dovecot: maildir files in cur/, "
            "every 10th \\Seen, indexed by a first SELECT that is not part of the figures; no FTS plugin, "
            "Dovecot's default). CPU: all server processes from /proc (Dovecot: master and every child, "
            "exited children through the master's c-times). Durability: defaults on both sides (Postamt "
            "answers 250 / APPEND OK after the message is fsync'ed; Postfix fsyncs its queue file before "
            "250, Dovecot mail_fsync=optimized). " + pw + " Memory: Dovecot summed over master and all "
            "children (imap-login + imap per TLS connection, default service_count=1 login processes); "
            "RSS sums count shared pages once per process, PSS divides them.")


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
    ap.add_argument("--size", default="10240", help="SMTP message size: bytes, 1k, 10k, 100k or mix (the corpus)")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--pop3-messages", type=int, default=1000)
    ap.add_argument("--connections", type=int, default=1000, help="idle IMAPS connections (Postamt)")
    ap.add_argument("--incumbent-connections", type=int, default=None,
                    help="idle IMAPS connections for Dovecot (default: --connections)")
    ap.add_argument("--idle-deliveries", type=int, default=3)
    ap.add_argument("--idle-tool", default=None, help="bench_idle_latency (default: next to --binary)")
    ap.add_argument("--imap-clients", type=int, default=10)
    ap.add_argument("--imap-seconds", type=float, default=None, help="default: --seconds")
    ap.add_argument("--scenario-messages", type=int, default=100000)
    ap.add_argument("--search-messages", type=int, default=10000)
    ap.add_argument("--scenario-repeat", type=int, default=5)
    # In the From/To headers and signatures of ~40% of the corpus messages;
    # both servers find the same messages (checked at every run).
    ap.add_argument("--search-word", default="walter")
    ap.add_argument("--passwords", choices=("plain", "argon2id"), default="plain",
                    help="plain: Dovecot {PLAIN}, Postamt Argon2id behind its warm cache; "
                         "argon2id: both Argon2id t=3 m=64M with their auth caches on")
    ap.add_argument("--only", default=",".join(WORKLOADS), help="workloads to run, comma-separated")
    ap.add_argument("--loadgen", default=None, help="postamt-loadgen (default: next to --binary)")
    ap.add_argument("--fill", default=None, help="fill_mailbox (default: next to --binary)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results"))
    a = ap.parse_args()
    a.only = [w for w in a.only.split(",") if w]
    if any(w not in WORKLOADS for w in a.only):
        ap.error(f"--only takes {','.join(WORKLOADS)}")
    a.imap_seconds = a.seconds if a.imap_seconds is None else a.imap_seconds
    a.loadgen = pathlib.Path(a.loadgen or pathlib.Path(a.binary).parent / "postamt-loadgen")
    a.fill = pathlib.Path(a.fill or pathlib.Path(a.binary).parent / "fill_mailbox")
    a.idle_tool = pathlib.Path(a.idle_tool or pathlib.Path(a.binary).parent / "bench_idle_latency")
    for tool in (a.loadgen, a.fill, a.idle_tool):
        if not tool.exists():
            ap.error(f"{tool} missing: ninja -C {tool.parent} postamt postamt-loadgen fill_mailbox bench_idle_latency")
    log = lambda s: print(s, flush=True)  # noqa: E731
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    installed = incumbents.install(log)
    corpus = load_corpus(CORPUS, a.pop3_messages)
    corpus_msgs = split_mbox(CORPUS.read_bytes())
    users = ([f"u{i}@{DOMAIN}" for i in range(a.sessions)] + [POP_USER, IDLE_USER, BIG_USER, SEARCH_USER]
             + [f"mix{i}@{DOMAIN}" for i in range(a.imap_clients)])
    binary = pathlib.Path(a.binary)
    makers = {
        "postamt": lambda tmp: PostamtSystem(binary, tmp, users, max(a.connections, a.imap_clients), a, corpus_msgs),
        "incumbent": lambda tmp: IncumbentSystem(tmp, users, max(a.connections, a.imap_clients), a, corpus_msgs),
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
    hits = {side: [r[side].get("imap_search_text_hits") for r in rounds if side in r] for side in ("postamt", "incumbent")}
    if "scenarios" in a.only and set(hits["postamt"]) != set(hits["incumbent"]):
        log(f"note: SEARCH TEXT {a.search_word!r} hit counts differ: {hits}")
    git = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty", "--tags"],
                         capture_output=True, text=True).stdout.strip()
    now = datetime.datetime.now(datetime.timezone.utc)
    meta = {
        "date": now.strftime("%Y-%m-%d %H:%M UTC"), "cores": os.cpu_count(), "cpu": machine_cpu(),
        "kernel": platform.release(), "postamt": git, "versions": incumbents.versions(),
        "installed_now": installed, "rounds": a.rounds,
        "settings": settings_text(a),
        "passwords": a.passwords, "workloads": a.only,
        "search_text_hits": hits,
    }
    out = pathlib.Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"compare-{now.strftime('%Y%m%dT%H%MZ')}"
    stem.with_suffix(".json").write_text(json.dumps({"meta": meta, "summary": rows, "rounds": rounds}, indent=1))
    md = markdown(rows, meta)
    stem.with_suffix(".md").write_text(md)
    print()
    print(md)
    try:
        chart.draw({"meta": meta, "summary": rows}, stem.with_suffix(".png"))
        print(f"saved {stem}.json, {stem}.md and {stem}.png")
    except ImportError:
        print(f"saved {stem}.json and {stem}.md (no PNG: python3-matplotlib missing)")


if __name__ == "__main__":
    main()
