"""Kill -9 torture of the store (issue: "never lose mail").

Ten writer threads deliver (some to several recipients), change flags and
expunge through the public store interface while the process is killed with
SIGKILL at random moments. After every kill a verifier reopens the store and
checks: every acknowledged delivery is present and intact, acknowledged
expunges are gone, flags are the last acknowledged (or the one in flight),
UIDs strictly increase and are never reused across restarts, MODSEQs never
go backwards, counters and quota usage match the rows, and blob reference
counts match the rows that hold them.
"""
import random
import signal
import subprocess
import time

ROUNDS = 6


def test_store_survives_sigkill_under_load(build_dir, tmp_path):
    tool = build_dir / "store_torture"
    data = tmp_path / "data"
    log = tmp_path / "ack.log"
    rng = random.Random(20261122)
    total = ""
    for round_no in range(1, ROUNDS + 1):
        proc = subprocess.Popen([str(tool), "run", str(data), str(log), str(round_no)])
        # Let it get going (the first round creates the store), then kill
        # at a random point.
        time.sleep(rng.uniform(0.8, 2.5))
        assert proc.poll() is None, "writer exited early"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        res = subprocess.run([str(tool), "verify", str(data), str(log)],
                             capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, f"round {round_no}: {res.stderr}\n{res.stdout}"
        total = res.stdout.strip()
        assert f"runs={round_no}" in total
    # The runs really did acknowledge work: a torture that wrote nothing
    # would prove nothing.
    acked = int(total.split("acked_deliveries=")[1].split()[0])
    assert acked >= ROUNDS * 10, total
    print(total)
