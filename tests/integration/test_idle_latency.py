"""bench_idle_latency (bench/idle_latency.cpp) against a real `postamt serve`:
20 IMAPS sessions in IDLE on two users' INBOXes, two SMTP deliveries to
both users, every session must see each delivery's untagged EXISTS. A smoke
test of the benchmark program: no timing assertions."""
import json
import subprocess

import pytest

from postamt_server import PostamtServer

USERS = ["bob@example.org", "carol@example.org"]


@pytest.fixture
def idle_tool(build_dir):
    tool = build_dir / "bench_idle_latency"
    assert tool.exists(), f"build first: ninja -C {build_dir} bench_idle_latency"
    return tool


def test_every_idle_session_gets_exists(postamt_bin, idle_tool, tmp_path):
    srv = PostamtServer(postamt_bin, tmp_path)
    srv.cli("domain", "add", "example.org")
    for u in USERS:
        srv.add_user(u)
    srv.start()
    try:
        out = tmp_path / "idle.json"
        cmd = [str(idle_tool), "--port", str(srv.ports["imaps"]), "--password", "secret-pw", "-n", "20",
               "--deliver", "smtp", "--deliver-port", str(srv.ports["smtp"]), "--deliveries", "2",
               "--concurrency", "8", "--sources", "2", "--pid", str(srv.proc.pid), "--settle", "0.2",
               "--wait", "20", "--json", str(out)]
        for u in USERS:
            cmd += ["--user", u]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr + srv.read_log()[-3000:]
        res = json.loads(out.read_text())
        assert res["ready"] == 20 and res["failed"] == 0, res
        assert len(res["rounds"]) == 2
        for rnd in res["rounds"]:
            assert rnd["got"] == 20 and rnd["expected"] == 20, rnd
        assert res["got"] == 40 and res["dropped"] == 0, res
        # The server's memory was read from /proc (one process).
        assert res["server_processes_after"] == 1 and res["rss_after_kib"] > 0, res
        # Both users' INBOXes hold both deliveries.
        for u in USERS:
            assert srv.mailbox_count(u) == 2
    finally:
        srv.stop()
