"""`postamt queue list|show|retry|delete|flush` on the outbound queue.

Entries are put into the store by tests/tools/queue_tool (deliver() with an
outbound envelope, as submission does), from a process of its own. The
first test works on a store with no server; the second runs the commands
next to a running `postamt serve` (SQLite WAL: the CLI is one more process
on the same database).
"""
import smtplib
import subprocess

from postamt_server import PostamtServer

MESSAGE = (b"From: Bob <bob@example.org>\r\nTo: carol@remote.example\r\n"
           b"Subject: queued for later\r\nMessage-ID: <q1@example.org>\r\n\r\n"
           b"Body text that queue show must not print.\r\n")


def enqueue(build_dir, data, queue_id, sender, *rcpts, local=None):
    args = [str(build_dir / "queue_tool"), "enqueue", str(data), queue_id, sender]
    if local:
        args += ["--local", local]
    res = subprocess.run(args + list(rcpts), input=MESSAGE, capture_output=True, timeout=60)
    return res


def out(res):
    return res.stdout.decode()


def test_queue_commands_on_a_stopped_store(build_dir, postamt_bin, tmp_path):
    srv = PostamtServer(postamt_bin, tmp_path)
    srv.cli("domain", "add", "example.org")
    srv.add_user("bob@example.org")
    assert out(srv.cli("queue", "list")).strip() == "queue is empty"

    res = enqueue(build_dir, srv.data, "Q1AAA", "bob@example.org", "Carol@Remote.Example", "dave@other.example",
                  local="bob@example.org")
    assert res.returncode == 0, res.stderr
    res = enqueue(build_dir, srv.data, "Q2BBB", "", "x@third.example")
    assert res.returncode == 0, res.stderr
    # The same queue id twice: the whole delivery is refused (no second
    # local copy either).
    res = enqueue(build_dir, srv.data, "Q1AAA", "bob@example.org", "y@remote.example", local="bob@example.org")
    assert res.returncode == 1 and b"already queued" in res.stderr
    assert srv.mailbox_count("bob@example.org") == 1

    listing = out(srv.cli("queue", "list"))
    lines = listing.splitlines()
    assert lines[0].startswith("Q1AAA ") and lines[0].endswith("<bob@example.org>"), listing
    assert lines[1].split()[:2] == ["Carol@Remote.Example", "pending"], listing
    assert lines[2].split()[:2] == ["dave@other.example", "pending"], listing
    assert lines[3].startswith("Q2BBB ") and lines[3].endswith("<>"), listing
    assert lines[-1] == "2 entries, 3 recipients pending", listing

    show = out(srv.cli("queue", "show", "Q1AAA"))
    assert "queue id:      Q1AAA" in show
    assert "sender:        <bob@example.org> (account " in show
    assert "Subject: queued for later\r\n" in show
    assert "Body text" not in show
    assert "notify default" in show

    # A runner holds Q1AAA's recipients (lease): retry and flush leave
    # recipients in flight alone; list shows them as in flight.
    claimed = subprocess.run([str(build_dir / "queue_tool"), "claim", str(srv.data), "runner-1", "600"],
                             capture_output=True, timeout=60)
    assert claimed.returncode == 0, claimed.stderr
    assert sorted(out(claimed).splitlines()) == ["Q1AAA Carol@Remote.Example", "Q1AAA dave@other.example",
                                                  "Q2BBB x@third.example"]
    assert "in flight (runner-1)" in out(srv.cli("queue", "list"))
    assert out(srv.cli("queue", "retry", "Q1AAA")).strip() == "Q1AAA: 0 recipients due now"
    assert out(srv.cli("queue", "flush")).strip() == "0 recipients due now"

    res = srv.cli("queue", "show", "NOPE", check=False)
    assert res.returncode == 1 and b"no queue entry NOPE" in res.stderr
    res = srv.cli("queue", "retry", "NOPE", check=False)
    assert res.returncode == 1
    res = srv.cli("queue", "bogus", check=False)
    assert res.returncode == 2

    assert out(srv.cli("queue", "delete", "Q1AAA")).strip() == "deleted Q1AAA (no bounce sent)"
    res = srv.cli("queue", "delete", "Q1AAA", check=False)
    assert res.returncode == 1
    listing = out(srv.cli("queue", "list"))
    assert "Q1AAA" not in listing and "Q2BBB" in listing
    # The local copy of the deleted entry is untouched (its own blob reference).
    assert srv.message("bob@example.org", 1) == MESSAGE
    assert out(srv.cli("queue", "delete", "Q2BBB")).startswith("deleted")
    assert out(srv.cli("queue", "list")).strip() == "queue is empty"


def test_queue_commands_next_to_a_running_server(server, build_dir):
    for i in range(5):
        # Null sender: should a runner give up on them, no bounce lands in
        # bob's INBOX (the count below stays exact).
        res = enqueue(build_dir, server.data, f"LIVE{i}", "", f"r{i}@remote.example")
        assert res.returncode == 0, res.stderr
    listing = out(server.cli("queue", "list"))
    # A queue runner in the server may already be working on them; the
    # entries are there until it finishes or an admin deletes them.
    for i in range(5):
        assert f"r{i}@remote.example" in listing or f"LIVE{i}" not in listing
    server.cli("queue", "flush")
    for i in range(5):
        res = server.cli("queue", "delete", f"LIVE{i}", check=False)
        assert res.returncode == 0 or b"no queue entry" in res.stderr, res.stderr
    assert out(server.cli("queue", "list")).strip() == "queue is empty"
    # The server kept running and still stores mail.
    assert server.proc.poll() is None
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=30) as s:
        s.sendmail("alice@elsewhere.example", ["bob@example.org"], MESSAGE)
    assert server.mailbox_count("bob@example.org") == 1
