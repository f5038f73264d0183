"""The README's first command, in a bounded form: it installs (a no-op when
everything is there), builds, starts the server with a fresh data directory,
prints the client settings with a demo account; one message is delivered to
that account; SIGTERM stops it cleanly."""
import os
import pathlib
import re
import signal
import smtplib
import subprocess
import time

from postamt_server import free_port

ROOT = pathlib.Path(__file__).resolve().parents[2]


def readme_commands():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    return [line.split("#")[0].strip() for line in block.strip().splitlines()]


def test_readme_opens_with_the_two_commands():
    assert readme_commands() == ["./scripts/start.sh", "./scripts/test.sh"]


def test_first_command_starts_a_working_server(tmp_path):
    port = free_port()
    config = tmp_path / "postamt.toml"
    config.write_text(f"""
[server]
hostname = "mail.example.org"
run_as_user = ""
[[listener]]
name = "smtp"
protocol = "smtp"
address = ["127.0.0.1"]
port = {port}
tls = "starttls"
""")
    env = dict(os.environ, POSTAMT_CONFIG=str(config), POSTAMT_DATA_DIR=str(tmp_path / "data"))
    proc = subprocess.Popen([str(ROOT / "scripts" / "start.sh")], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = ""
    try:
        deadline = time.time() + 900  # a first build on a fresh machine
        while "User name" not in out or "Password:" not in out.split("User name", 1)[1]:
            line = proc.stdout.readline()
            assert line or proc.poll() is None, f"start.sh exited {proc.poll()}:\n{out}"
            out += line
            assert time.time() < deadline, out
        m = re.search(r"Demo account created: (\S+)\s+password: (\S+)", out)
        assert m, out
        address = m.group(1)
        assert re.search(rf"From the internet \(MX\)\s+mail\.example\.org\s+{port}\s+STARTTLS", out), out
        s = smtplib.SMTP("127.0.0.1", port, timeout=30)
        s.sendmail("newcomer@example.net", [address], b"Subject: hello\r\n\r\nfirst message\r\n")
        s.quit()
    finally:
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out + rest
    binary = ROOT / "build" / "release" / "postamt"
    stored = subprocess.run([str(binary), "-c", str(config), "--data-dir", str(tmp_path / "data"),
                             "message", "cat", address, "INBOX", "1"], capture_output=True, timeout=60)
    assert stored.returncode == 0, stored.stderr
    assert stored.stdout.endswith(b"Subject: hello\r\n\r\nfirst message\r\n")
