"""Smoke test of bench/loadgen (postamt-loadgen) against a real `postamt
serve`: every subcommand runs for a second or two, plain and implicit TLS,
and its JSON report must show work done and no protocol or verification
errors. No timing assertions: this keeps the generator from rotting, it
does not measure anything."""
import json
import subprocess

import pytest

USERS = ["bob@example.org", "carol@example.org"]


@pytest.fixture
def loadgen(build_dir):
    path = build_dir / "postamt-loadgen"
    assert path.exists(), f"build it first: ninja -C {build_dir} postamt-loadgen"
    return path


def run(loadgen, *args):
    r = subprocess.run([str(loadgen), *[str(a) for a in args]], capture_output=True, text=True, timeout=120)
    lines = r.stdout.strip().splitlines()
    assert lines, f"no JSON from {args}: rc {r.returncode}\n{r.stderr}"
    out = json.loads(lines[-1])
    assert r.returncode == 0, f"{args}: rc {r.returncode}\n{r.stderr}\n{out}"
    assert out["errors"] == 0, out["error_samples"]
    return out


def test_smtp_plain_and_tls(server, loadgen):
    out = run(loadgen, "smtp", "--port", server.ports["smtp"], "--sessions", 3, "--seconds", 1, "--size", "1k",
              "--rcpt", ",".join(USERS), "--cpu-pid", server.proc.pid)
    assert out["accepted"] > 0 and out["rejected"] == 0
    assert out["pipelining"] is True
    assert sum(out["per_rcpt"].values()) == out["accepted"]
    assert out["latency"]["count"] == out["accepted"]
    assert out["server_cpu_s"] >= 0
    # Implicit TLS on the submissions port, with AUTH PLAIN; corpus message sizes.
    out = run(loadgen, "smtp", "--port", server.ports["submissions"], "--tls", "--user", USERS[0],
              "--password", "secret-pw", "--sessions", 2, "--messages", 5, "--size", "mix", "--rcpt", USERS[1])
    assert out["accepted"] == 10 and out["per_rcpt"] == {USERS[1]: 10}
    assert server.mailbox_count(USERS[1]) >= 10


@pytest.mark.parametrize("mode,tls", [("login", False), ("persistent", True)])
def test_imap_mix(server, loadgen, mode, tls):
    port = server.ports["imaps" if tls else "imap"]
    args = ["imap", "--port", port, "--clients", 2, "--user", ",".join(USERS), "--password", "secret-pw",
            "--mode", mode, "--seconds", 1.5, "--msgs", 10, "--cpu-pid", server.proc.pid]
    out = run(loadgen, *(args + (["--tls"] if tls else [])))
    assert out["commands"] > 0 and out["cycles"] > 0
    assert out["failed_commands"] == 0 and out["verify_errors"] == 0
    per = out["per_command"]
    for cmd in ("SELECT", "FETCH", "FETCH2", "EXPUNGE", "APPEND"):
        assert per[cmd]["count"] > 0, (cmd, per)
    assert per["LOGIN"]["count"] >= 2
    if mode == "login":
        assert per["LOGOUT"]["count"] > 0
    else:
        assert per["LOGOUT"]["count"] == 0 and per["LOGIN"]["count"] == 2
    assert sum(v["count"] for v in per.values()) == out["commands"]


def test_imap_scenarios(server, loadgen):
    # A mailbox to work on: the imap prefill appends 40 checked messages.
    run(loadgen, "imap", "--port", server.ports["imap"], "--clients", 1, "--user", USERS[0],
        "--password", "secret-pw", "--cycles", 1, "--msgs", 40, "--prob", "delete=0,expunge=0")
    for tls in (False, True):
        args = ["imap-scenario", "--port", server.ports["imaps" if tls else "imap"], "--user", USERS[0],
                "--password", "secret-pw", "--repeat", 2, "--search-word", "the", "--cpu-pid", server.proc.pid]
        out = run(loadgen, *(args + (["--tls"] if tls else [])))
        assert out["mailbox_messages"] >= 40
        assert out["first_select_ms"] > 0
        sc = out["scenarios"]
        assert set(sc) == {"select", "uid_fetch_flags", "fetch_envelopes", "search_text"}
        for name, r in sc.items():
            assert len(r["ms"]) == 2, (name, r)
            assert len(r["cpu_ms"]) == 2, (name, r)
        assert sc["uid_fetch_flags"]["responses"] == out["mailbox_messages"]
        assert sc["fetch_envelopes"]["responses"] == min(100, out["mailbox_messages"])
        assert sc["search_text"]["responses"] > 0


def test_imap_mix_reports_a_wrong_body(server, loadgen):
    """A body that does not match its X-Loadgen-Check hash is an error, not speed."""
    import imaplib
    c = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
    c.login(USERS[0], "secret-pw")
    bogus = b"X-Loadgen-Check: 0123456789abcdef\r\nSubject: tampered\r\n\r\nnot what the hash says\r\n"
    assert c.append("INBOX", None, None, bogus)[0] == "OK"
    c.logout()
    r = subprocess.run([str(loadgen), "imap", "--port", str(server.ports["imap"]), "--clients", "1", "--user", USERS[0],
                        "--password", "secret-pw", "--cycles", "2", "--no-prefill",
                        "--prob", "fetch2=100,delete=0,expunge=0,append=0,store=0"],
                       capture_output=True, text=True, timeout=60)
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert r.returncode == 1
    assert out["verify_errors"] >= 2 and out["failed_commands"] == 0
    assert any("X-Loadgen-Check mismatch" in e for e in out["error_samples"]), out["error_samples"]
