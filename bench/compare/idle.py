"""The connections workload for compare.py: bench_idle_latency (a C++
program, bench/idle_latency.cpp, built next to the postamt binary) opens N
IMAPS connections that LOGIN, SELECT INBOX and IDLE, reports the server's
memory per connection (PSS and RSS from /proc/<pid>/smaps_rollup, summed
over the server's process tree), then delivers a message over SMTP K times
(Postamt: its own SMTP; incumbents: Postfix -> LMTP -> Dovecot) and times
every session's untagged EXISTS."""
import json
import pathlib
import subprocess
import tempfile


INOTIFY_INSTANCES = pathlib.Path("/proc/sys/fs/inotify/max_user_instances")


def ensure_inotify(n, log=print):
    """Dovecot's IDLE watches the maildir with one inotify instance per imap
    process, all under the one mail uid: the kernel's default of 128
    instances per user makes process 129 and later fall back to polling
    (its log says "Inotify instance limit ... exceeded"). Raise the limit
    (root) to n plus room; returns the value in force."""
    try:
        cur = int(INOTIFY_INSTANCES.read_text())
    except OSError:
        return None
    want = n + 256
    if cur < want:
        try:
            INOTIFY_INSTANCES.write_text(str(want))
            log(f"  fs.inotify.max_user_instances {cur} -> {want} (Dovecot: one per IDLE process)")
            cur = want
        except OSError:
            log(f"  fs.inotify.max_user_instances is {cur}: Dovecot's IDLE polls beyond that many sessions")
    return cur


def measure(tool, imaps_port, users, password, n, deliver_port, roots, deliveries=3, sources=1,
            concurrency=64, deliver="smtp", timeout=3600):
    """Runs bench_idle_latency; returns its JSON report (raises if it could
    not open every session or a delivery did not reach every session)."""
    with tempfile.TemporaryDirectory(prefix="idle-latency-") as tmp:
        out = pathlib.Path(tmp) / "idle.json"
        cmd = [str(tool), "--port", str(imaps_port), "--password", password, "-n", str(n),
               "--deliver", deliver, "--deliver-port", str(deliver_port), "--deliveries", str(deliveries),
               "--concurrency", str(concurrency), "--sources", str(sources), "--pid-tree", "--json", str(out)]
        for u in users:
            cmd += ["--user", u]
        for p in roots:
            cmd += ["--pid", str(p)]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if not out.exists():
            raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
        res = json.loads(out.read_text())
    res["stdout"] = r.stdout
    if r.returncode != 0:
        raise RuntimeError(f"bench_idle_latency ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return res


def metrics(res):
    """The compare.py rows from a bench_idle_latency report."""
    return {"idle_tls_kib_per_conn_pss": res["kib_per_conn_pss"],
            "idle_tls_kib_per_conn_rss": res["kib_per_conn_rss"],
            "idle_exists_p50_ms": res.get("p50_ms"), "idle_exists_p99_ms": res.get("p99_ms"),
            "idle_connections": res["ready"], "idle_exists_got": res.get("got"),
            "idle_exists_expected": res.get("expected"), "idle_open_seconds": res["open_seconds"],
            "idle_rss_before_kib": res["rss_before_kib"], "idle_rss_after_kib": res["rss_after_kib"],
            "idle_pss_before_kib": res["pss_before_kib"], "idle_pss_after_kib": res["pss_after_kib"],
            "idle_rounds": res.get("rounds")}
