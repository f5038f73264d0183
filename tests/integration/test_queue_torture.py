"""Kill -9 torture of the outbound queue (issue 6: "every accepted message
for a remote recipient is in a durable queue before the 250").

tests/tools/queue_torture runs four enqueuers (some messages with a local
copy too) and two queue runners that claim, complete with random outcomes
and store the DSNs they are told about, through the public store
interface, until it is killed with SIGKILL at a random moment. After every
kill the verifier reopens the store and checks: every acknowledged enqueue
is still queued or each of its recipients was delivered or reported; no
recipient is reported twice (also across kills: the next run first stores
the reports the killed one owed); an acknowledged report is stored; queued
bytes are intact; blob reference counts equal the rows holding them.
"""
import random
import signal
import subprocess
import time

ROUNDS = 6


def test_queue_survives_sigkill(build_dir, tmp_path):
    tool = build_dir / "queue_torture"
    data = tmp_path / "data"
    log = tmp_path / "queue.log"
    rng = random.Random(6)
    total = ""
    for round_no in range(1, ROUNDS + 1):
        proc = subprocess.Popen([str(tool), "run", str(data), str(log), str(round_no)],
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.8, 2.5))
        assert proc.poll() is None, "queue_torture exited early"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        res = subprocess.run([str(tool), "verify", str(data), str(log)],
                             capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, f"round {round_no}: {res.stderr}\n{res.stdout}"
        total = res.stdout.strip()
        assert f"runs={round_no}" in total
    # It did real work: enqueues acknowledged and reports stored.
    fields = dict(f.split("=") for f in total.split())
    assert int(fields["acked_enqueues"]) >= ROUNDS * 20, total
    assert int(fields["reports"]) > 0, total
    print(total)
